"""What crosses the blocks of a long-form spec, and the rules it keeps.

Inputs and blocks by name, what each block reads, and every block a model output needs;
each block's shapes come from rnnspec/check/shapes.py and its hand-over from
rnnspec/check/handover.py. `check_wiring` is the long form's rule (every mistake a
`RuleError` at its key), and returns the shapes it computed; `block_shapes` computes
them for the short form's one block, whose rules rnnspec/check/rules.py checks.
Either way they are computed once, when the spec is loaded (rnnspec/check/checked.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable

from .handover import check_hand_over, check_projection, source_of, with_bridges
from ..spec.limits import MAX_ALL_CELLS, Path, RuleError
from ..spec.problems import hinted
from .nodes import NodeShape, check_vocabulary, node_shape
from .shapes import (
    BlockShape,
    input_from,
    input_from_node,
    known_lengths,
    recurrent_input,
    shape_of,
    upstream_of,
)
from .tensors import block_read, input_read
from ..spec.nodes import LayerNode
from .wrapped import check_time_distributed

if TYPE_CHECKING:
    from ..spec.normalise import ModelSpec
    from ..spec.models import GraphBlock, LongForm, InputSpec

BlockCheck = Callable[["GraphBlock", "InputSpec", Path, Path], None]


def needed(
    outputs: Iterable[str], entries: Sequence[GraphBlock | LayerNode]
) -> set[str]:
    """The outputs and every block, node and input they depend on: through what they
    read, the state they start from, or the sequence they attend over."""
    names = set(outputs)
    for entry in reversed(entries):
        if entry.name not in names:
            continue
        if isinstance(entry, LayerNode):
            names.update(entry.reads)
            continue
        names.add(entry.input)
        if entry.initial_state_mode == "from":
            names.add(entry.initial_state.source)  # type: ignore[union-attr]
        if entry.attention is not None:
            names.add(entry.attention.over)
    return names


def block_shapes(model: ModelSpec) -> list[BlockShape]:
    """Every block's shapes, in order, for a checked spec of no layer nodes (the
    short form's)."""
    shapes: list[BlockShape] = []
    for block in model.blocks:
        shape = shape_of(model, block, shapes, model.keyed)
        shapes.append(with_bridges(shape, block, shapes, model))
    return shapes


def check_wiring(
    spec: LongForm, check_block: BlockCheck
) -> tuple[list[BlockShape], list[NodeShape]]:
    """Check names, inputs, each block (with `check_block`) and node, and what each
    takes from those above; return every block's shapes and every node's."""
    _check_cell_count(spec)
    _check_names(spec)
    first = next(iter(spec.inputs.values()))
    for name, given in spec.inputs.items():
        if given.masks is not None:
            continue  # bool, of its input's batch size (rnnspec/check/mask_inputs.py)
        for key in ("batch_size", "dtype"):
            if getattr(given, key) != getattr(first, key):
                raise RuleError(
                    ("inputs", name, key),
                    f"all inputs share one {key}: expected {json.dumps(getattr(first, key))} "
                    f"like the first input, got {json.dumps(getattr(given, key))}",
                )
        if not given.sequence:
            _check_vector(name, given)
    shapes: list[BlockShape] = []
    nodes: dict[str, NodeShape] = {}
    tensors = {name: input_read(name, given) for name, given in spec.inputs.items()}
    sizes = known_lengths(spec)
    time_inputs = {f"timesteps[{name!r}]": name for name in spec.inputs}
    for entry in spec.entries:
        where: Path = spec.path_of(entry.name)
        if isinstance(entry, LayerNode):
            with _at(where):
                node = node_shape(entry, tensors, sizes, time_inputs)
                _check_embedding(entry, spec)
            nodes[entry.name] = node
            tensors[entry.name] = node.tensor
            continue
        block = entry
        shape = _check_block(spec, block, where, shapes, nodes, check_block)
        shapes.append(shape)
        tensors[block.name] = block_read(shape)
    return shapes, list(nodes.values())


def _check_block(
    spec: LongForm,
    block: GraphBlock,
    where: Path,
    shapes: list[BlockShape],
    nodes: dict[str, NodeShape],
    check_block: BlockCheck,
) -> BlockShape:
    """One block's rules and shapes, and its hand-over from the blocks above."""
    upstream = upstream_of(block, shapes)
    if block.input in nodes:
        given = input_from_node(block, nodes[block.input], where, spec)
        input_path = where + ("input",)
    elif upstream is None:
        given, input_path = spec.inputs[block.input], ("inputs", block.input)
        if block.repeat is not None:
            raise RuleError(
                where + ("repeat",),
                f"repeat repeats the last output of a block or node above, and input "
                f"{block.input} is a sequence already: expected no repeat",
            )
        if given.vocabulary is not None and given.embedding is None:
            raise RuleError(
                where + ("input",),
                f"input {block.input} is integer tokens and a block reads vectors: "
                f"expected embedding: N on input {block.input}, or a node with an "
                "embedding layer between",
            )
    else:
        given = input_from(block, upstream, where, spec)
        input_path = where + ("input",)
    with _at(where):
        if block.front:
            given, input_path = recurrent_input(
                spec, block, given, shapes, nodes=nodes
            ), where + ("front",)
    if block.time_distributed:  # its layers read the inner steps
        given = check_time_distributed(block, given, where)
    check_block(block, given, where, input_path)
    with _at(where):
        shape = shape_of(spec, block, shapes, nodes=nodes)
    if block.initial_state_mode == "from":
        kind = block.initial_state.bridge  # type: ignore[union-attr]
        if block.initial_state.source in spec.inputs:  # type: ignore[union-attr]
            check_projection(block, shape, kind, where + ("initial_state",))
        else:
            source = source_of(block, shapes)
            check_hand_over(
                source, shape, kind, where + ("initial_state",), block.initial_state  # type: ignore[arg-type]
            )
    return with_bridges(shape, block, shapes, spec)


def _check_embedding(node: LayerNode, spec: LongForm) -> None:
    """A node's embedding holds a vector for every token of the input it reads."""
    given = spec.inputs.get(node.reads[0])
    if given is not None and given.vocabulary is not None and given.embedding is None:
        check_vocabulary(node, given.vocabulary)


def _check_vector(name: str, given: InputSpec) -> None:
    """An input of one vector per example: features, and nothing about time."""
    for key in ("timesteps", "shape", "vocabulary", "embedding"):
        if getattr(given, key) is not None:
            raise RuleError(
                ("inputs", name, key),
                f"input {name} is one vector per example (sequence: false): expected "
                f"features and no {key}",
            )
    if given.features is None:
        raise RuleError(("inputs", name), f"expected features for input {name}")


@contextmanager
def _at(where: Path) -> Iterator[None]:
    """A RuleError raised inside, with its path taken from `where`."""
    try:
        yield
    except RuleError as error:
        raise RuleError(
            where + error.path, error.message, at_key=error.at_key
        ) from None


def _check_cell_count(spec: LongForm) -> None:
    """All blocks together have at most MAX_ALL_CELLS cells."""
    total = 0
    for block in spec.blocks:
        total += len(block.cells)
        if total > MAX_ALL_CELLS:
            raise RuleError(
                spec.path_of(block.name) + ("cells",),
                f"expected at most {MAX_ALL_CELLS} cells in all blocks together, "
                f"got {total} up to this block",
            )


def _check_names(spec: LongForm) -> None:
    seen: dict[str, str] = {name: "an input" for name in spec.inputs}
    names = {*spec.inputs, *(entry.name for entry in spec.entries)}
    for index, entry in enumerate(spec.entries):
        where: Path = ("blocks", index)
        if entry.name in seen:
            raise RuleError(
                where + ("name",),
                f"names must be unique: {entry.name!r} is already {seen[entry.name]}",
            )
        if isinstance(entry, LayerNode):
            _check_reads(entry, where, seen, names)
            seen[entry.name] = "a node"
            continue
        block = entry
        if block.input not in seen:
            raise RuleError(
                where + ("input",),
                hinted(
                    f"expected a name from inputs, or a block or node above "
                    f"({', '.join(seen)}), got {block.input!r}",
                    block.input,
                    () if block.input in names else seen,  # one below: no hint
                ),
            )
        source = getattr(block.initial_state, "source", None)
        vector = source in spec.inputs and not spec.inputs[source].sequence
        if source is not None and seen.get(source) != "a block" and not vector:
            above = [name for name, what in seen.items() if what == "a block"]
            raise RuleError(
                where + ("initial_state", "from"),
                f"block {block.name} can start only from a block above it, got {source!r}"
                + (
                    f", {seen[source]}, which has no final state"
                    if source in seen
                    else hinted("", source, () if source in names else above)
                ),
            )
        if block.input in spec.inputs and not spec.inputs[block.input].sequence:
            raise RuleError(
                where + ("input",),
                f"input {block.input} is one vector per example (sequence: false) and a "
                f"block reads a sequence: expected a sequence, or {block.input} in "
                f"initial_state: {{from: {block.input}, bridge: project}}",
            )
        seen[block.name] = "a block"
    entries = [entry.name for entry in spec.entries]
    for index, name in enumerate(spec.outputs or []):
        if name not in entries:
            raise RuleError(
                ("outputs", index),
                hinted(
                    f"expected a block or node name ({', '.join(entries)}), got "
                    f"{name!r}",
                    name,
                    entries,
                ),
            )
    used = {name for entry in spec.entries for name in _reads(entry)}
    for name, given in spec.inputs.items():
        if name not in used and given.masks is None:
            raise RuleError(("inputs", name), f"input {name!r} feeds no block or node")


def _reads(entry: GraphBlock | LayerNode) -> tuple[str | None, ...]:
    """The names an entry reads: its input(s), and the block its state starts from."""
    if isinstance(entry, LayerNode):
        return entry.reads
    return (entry.input, getattr(entry.initial_state, "source", None))


def _check_reads(
    node: LayerNode, where: Path, seen: dict[str, str], names: set[str]
) -> None:
    """A node reads names from above, each once."""
    for index, name in enumerate(node.reads):
        at = where + (("input", index) if isinstance(node.input, list) else ("input",))
        if name not in seen:
            raise RuleError(
                at,
                hinted(
                    f"expected a name from inputs, or a block or node above "
                    f"({', '.join(seen)}), got {name!r}",
                    name,
                    () if name in names else seen,
                ),
            )
        if name in node.reads[:index]:
            raise RuleError(
                at,
                f"node {node.name} reads {name} twice: expected each name once (a "
                "Keras merge of a tensor with itself is a layer of its own)",
            )
