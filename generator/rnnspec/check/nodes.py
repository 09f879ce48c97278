"""What a layer node reads and makes, as Keras builds it (`NodeShape`): the tensors it
reads, the merging layer that joins several (Keras' `compute_output_shape` rules of
keras/src/layers/merging), then its layers (the registry's, chained as a block's head
is: rnnspec/spec/around.py). A shape Keras would refuse at build time, or one that
could differ at run time (two open lengths merged), is a `RuleError` at its key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

from ..spec.around import AroundPlan, plan_chain
from ..spec.layers import Dim, Shape, show
from ..spec.layers.base import known
from ..spec.limits import Path, RuleError
from ..spec.nodes import MERGES, Concatenate, Dot

if TYPE_CHECKING:
    from ..spec.nodes import LayerNode


@dataclass(frozen=True)
class Tensor:
    """A named tensor a node or block reads: its Python name, shape, the model input
    its time axis comes from, whether a Keras mask rides on it, and whether it is raw
    integer tokens (an input with a vocabulary and no embedding of its own)."""

    name: str
    shape: Shape
    model_input: str
    masked: bool = False
    tokens: bool = False
    split: bool = False  # two outputs (a bidirectional block's merge_mode: none)


@dataclass(frozen=True)
class NodeShape:
    """One layer node as the module builds it."""

    name: str
    sources: tuple[str, ...]  # the names it reads, as the spec writes them
    reads: tuple[str, ...]  # the Python names of the tensors it reads
    merge: AroundPlan | None  # the merging layer of several
    layers: tuple[AroundPlan, ...]
    output: tuple[str, Shape]  # its Python name (the node's) and shape
    model_input: str  # the input whose time axis its output's axis 1 comes from
    masked: bool  # a Keras mask rides on its output

    @cached_property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @cached_property
    def tensor(self) -> Tensor:
        return Tensor(self.output[0], self.output[1], self.model_input, self.masked)

    @cached_property
    def names(self) -> dict[str, str]:
        """The Python names it makes, each with what it is."""
        made = {self.name: "output"}
        for layer in (self.merge, *self.layers):
            if layer is not None:
                made.setdefault(layer.name, "layer")
                made.setdefault(layer.output, "layer output")
        return made


def node_shape(
    node: LayerNode,
    tensors: dict[str, Tensor],
    sizes: dict[str, int],
    time_inputs: dict[str, str],
) -> NodeShape:
    """A node's merge and layers on the named tensors it reads (`tensors`, by spec
    name); `sizes`: the known length of each named dim; `time_inputs`: the input each
    named time dim is of. Raises at the node's keys."""
    read = [tensors[name] for name in node.reads]
    merge = None
    if node.merge is None and len(read) > 1:
        raise RuleError(
            ("merge",),
            f"node {node.name} reads {len(read)} tensors: expected merge: concatenate, "
            "add, multiply, average, ... or dot, to say how they become one",
        )
    if node.merge is not None and len(read) == 1:
        raise RuleError(
            ("merge",),
            f"merge joins several tensors and node {node.name} reads one: expected a "
            "list of names as its input, or no merge",
        )
    if not node.merge and not node.layers:
        raise RuleError(
            ("layers",), f"node {node.name} does nothing: expected layers or a merge"
        )
    _check_tokens(node, read)
    for name, tensor in zip(node.reads, read):
        if tensor.split:
            raise RuleError(
                ("input",),
                f"block {name} returns two outputs (merge_mode: none): expected a "
                "block with one output, or another merge_mode",
            )
    shape = read[0].shape
    if node.merge is not None:
        if any(tensor.masked for tensor in read):
            masked = next(t for t, r in zip(node.reads, read) if r.masked)
            raise RuleError(
                ("input",),
                f"{masked} carries a Keras mask (mask_zero) and Keras merges masks by "
                "rules of its own: expected tensors without a mask in a merge",
            )
        shape = merged_shape(node, [tensor.shape for tensor in read], sizes)
        joined = f"{node.name}_merged" if node.layers else node.name
        merge = _merge_plan(node, f"{node.name}_merge", joined, shape)
    names = _names(node)
    outputs = [*(f"{name}_output" for name in names[:-1]), node.name]
    if node.time_distributed:
        layers = _distributed(node, shape, names, outputs, sizes)
    else:
        layers = plan_chain(node.layers, shape, names, outputs, ("layers",), sizes)
    if any(layer.makes_mask for layer in node.layers):
        index = next(i for i, layer in enumerate(node.layers) if layer.makes_mask)
        raise RuleError(
            ("layers", index, "type"),
            "a masking layer belongs in the front of the block it masks (front: "
            "[{type: masking}]), where its mask reaches the recurrent layers: expected "
            "no masking in a node",
        )
    output = layers[-1].shape if layers else shape
    return NodeShape(
        name=node.name,
        sources=node.reads,
        reads=tuple(tensor.name for tensor in read),
        merge=merge,
        layers=layers,
        output=(node.name, output),
        model_input=time_inputs.get(str(output[1]), read[0].model_input),
        masked=read[0].masked and all(layer.keeps_mask for layer in layers),
    )


def _distributed(
    node: LayerNode,
    shape: Shape,
    names: tuple[str, ...],
    outputs: list[str],
    sizes: dict[str, int],
) -> tuple[AroundPlan, ...]:
    """The layers each wrapped in TimeDistributed: Keras runs each on one step,
    (batch, *step), and gives the steps back on axis 1."""
    if len(shape) < 3 or not node.layers:
        raise RuleError(
            ("time_distributed",),
            f"TimeDistributed runs layers on each step of a sequence (batch, time, "
            f"...), and node {node.name} "
            + (f"makes {show(shape)}" if node.layers else "has no layers")
            + ": expected a sequence and layers, or no time_distributed",
        )
    step = (shape[0], *shape[2:])
    inner = plan_chain(node.layers, step, names, outputs, ("layers",), sizes)
    return tuple(
        replace(layer, shape=(layer.shape[0], shape[1], *layer.shape[1:]), wrapped=True)
        for layer in inner
    )


def _names(node: LayerNode) -> tuple[str, ...]:
    """Its layers' names: "<node>_layer" for one, numbered from 1 for several."""
    count = len(node.layers)
    if count == 1:
        return (f"{node.name}_layer",)
    return tuple(f"{node.name}_layer_{index}" for index in range(1, count + 1))


def _check_tokens(node: LayerNode, read: list[Tensor]) -> None:
    """Raw tokens are read by an embedding alone, and an embedding reads them."""
    first = node.layers[0] if node.layers else None
    embeds = first is not None and first.type == "embedding"
    tokens = [name for name, tensor in zip(node.reads, read) if tensor.tokens]
    if tokens and (len(read) > 1 or not embeds):
        raise RuleError(
            ("input",),
            f"input {tokens[0]} is integer tokens: expected a node whose first layer is "
            f"an embedding to read it alone (layers: [{{type: embedding, input_dim: N, "
            "output_dim: M}, ...]), or an embedding on the input",
        )
    for index, layer in enumerate(node.layers):
        if layer.type == "embedding" and (index or not tokens):
            raise RuleError(
                ("layers", index, "type"),
                "an embedding reads integer tokens: expected it first in a node that "
                "reads an input with a vocabulary and no embedding of its own",
            )


def check_vocabulary(node: LayerNode, vocabulary: int) -> None:
    """An embedding holds a vector for every token the input can give."""
    first = node.layers[0]
    if getattr(first, "input_dim", vocabulary) < vocabulary:
        raise RuleError(
            ("layers", 0, "input_dim"),
            f"the input's tokens are in [0, {vocabulary}): expected input_dim >= "
            f"{vocabulary}, got {first.input_dim}",  # type: ignore[union-attr]
        )


def merged_shape(node: LayerNode, shapes: list[Shape], sizes: dict[str, int]) -> Shape:
    """The merging layer's output shape, as Keras computes it."""
    merge = node.merge_spec
    if isinstance(merge, Dot):
        return _dot(merge, shapes, sizes)
    if merge is not None and merge.type == "subtract" and len(shapes) != 2:
        raise RuleError(("input",), f"subtract takes two tensors: got {len(shapes)}")
    ranks = {len(shape) for shape in shapes}
    if len(ranks) > 1:
        raise RuleError(
            ("input",),
            f"{merge.type} joins tensors of one rank: got "  # type: ignore[union-attr]
            + ", ".join(show(shape) for shape in shapes),
        )
    if isinstance(merge, Concatenate):
        return _concatenate(merge, shapes, sizes)
    first = shapes[0]
    for shape in shapes[1:]:
        for axis in range(1, len(first)):
            _same(first[axis], shape[axis], sizes, merge.type, axis, shapes)  # type: ignore[union-attr]
    return first


def _same(
    a: Dim, b: Dim, sizes: dict[str, int], what: str, axis: int, shapes: list[Shape]
) -> None:
    """Two lengths that must match: equal, or both unknown and named alike."""
    if a == b:
        return
    left, right = known(a, sizes), known(b, sizes)
    if left is not None and left == right:
        return
    lengths = " and ".join("open" if n is None else str(n) for n in (left, right))
    raise RuleError(
        ("input",),
        f"{what} needs axis {axis} of one length in every tensor: got {lengths} in "
        + ", ".join(show(shape) for shape in shapes)
        + (
            ""
            if left is not None and right is not None
            else " (lengths open until run time may differ: expected fixed timesteps)"
        ),
    )


def _concatenate(
    merge: Concatenate, shapes: list[Shape], sizes: dict[str, int]
) -> Shape:
    rank = len(shapes[0])
    axis = merge.axis + rank if merge.axis < 0 else merge.axis
    if not 1 <= axis < rank:
        raise RuleError(
            ("merge", "axis"),
            f"concatenate joins along an axis after the batch's: expected an axis in "
            f"[1, {rank - 1}] (or [-{rank - 1}, -1]) for rank {rank}, got {merge.axis}",
        )
    first = shapes[0]
    for shape in shapes[1:]:
        for other in range(1, rank):
            if other != axis:
                _same(first[other], shape[other], sizes, "concatenate", other, shapes)
    lengths = [known(shape[axis], sizes) for shape in shapes]
    joined = None if None in lengths else sum(lengths)  # type: ignore[arg-type]
    return (*first[:axis], joined, *first[axis + 1 :])


def _dot(merge: Dot, shapes: list[Shape], sizes: dict[str, int]) -> Shape:
    if len(shapes) != 2:
        raise RuleError(("input",), f"dot takes two tensors: got {len(shapes)}")
    axes = merge.axes if isinstance(merge.axes, list) else [merge.axes] * 2
    found = []
    for shape, axis in zip(shapes, axes):
        rank = len(shape)
        if rank not in (2, 3):
            raise RuleError(
                ("input",),
                f"dot multiplies vectors (batch, n) or sequences (batch, steps, n): got "
                f"{show(shape)}",
            )
        at = axis + rank if axis < 0 else axis
        if not 1 <= at < rank:
            raise RuleError(
                ("merge", "axes"),
                f"dot sums over an axis after the batch's: expected an axis in "
                f"[1, {rank - 1}] for {show(shape)}, got {axis}",
            )
        found.append(at)
    left, right = (known(shape[at], sizes) for shape, at in zip(shapes, found))
    if left is None or right is None or left != right:
        raise RuleError(
            ("merge", "axes"),
            f"dot sums over axes of one known length: got {show(shapes[0])} axis "
            f"{found[0]} and {show(shapes[1])} axis {found[1]}",
        )
    rest = [
        *(d for i, d in enumerate(shapes[0]) if i != found[0]),
        *(d for i, d in enumerate(shapes[1][1:], 1) if i != found[1]),
    ]
    return tuple(rest) if len(rest) > 1 else (*rest, 1)


def _merge_plan(node: LayerNode, name: str, output: str, shape: Shape) -> AroundPlan:
    merge = node.merge_spec
    assert merge is not None
    keywords: tuple[tuple[str, object], ...] = ()
    if isinstance(merge, Concatenate) and merge.axis != -1:
        keywords = (("axis", merge.axis),)
    if isinstance(merge, Dot):
        axes = tuple(merge.axes) if isinstance(merge.axes, list) else merge.axes
        keywords = (("axes", axes),)
        if merge.normalize is not None:
            keywords += (("normalize", merge.normalize),)
    path: Path = ("merge",)
    return AroundPlan(name, MERGES[merge.type], (), keywords, output, shape, 0, path)
