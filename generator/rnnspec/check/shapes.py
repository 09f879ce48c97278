"""What one block reads and makes, as Keras builds it: its input tensor, the layers
around and in it, its output and its state tensors (`BlockShape`).

A block reads a named input (through its Embedding for tokens), the output sequence of
a block above, or that block's last output repeated (`repeat`); layers before it
(`front`) and after it (`head`) come from rnnspec/spec/around.py (the layer
registry's rules), its recurrent layers from
Keras' state rules (rnnspec/check/stack.py). Names start with the block's prefix. Nothing
here checks a rule across blocks: rnnspec/check/wiring.py does, with these shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from ..spec.around import AroundPlan, masks_steps, plan_front, plan_head
from ..spec.layers import show
from .attention import AttentionPlan, plan_attention
from .feeding import check_feeding, fed_width
from .mask_inputs import mask_input_of
from .feedback import FeedbackPlan, plan_feedback, predictions
from ..spec.limits import Path, RuleError
from .params import dense_params
from .stack import Dim, LayerPlan, StateTensor, plan_stack

if TYPE_CHECKING:
    from .nodes import NodeShape
    from ..spec.normalise import ModelSpec
    from ..spec.models import GraphBlock, LongForm, InputSpec


@dataclass(frozen=True)
class Bridge:
    """How one target state tensor is made from source state tensors."""

    target: StateTensor
    sources: tuple[StateTensor, ...]  # one, or forward and backward
    kind: str  # none | concat | project | per_layer | broadcast
    activation: str | None = None  # of a project bridge's Dense layer
    shared: bool = False  # made by the one projection of an input, shared by all

    @cached_property
    def variable(self) -> str:
        """The Python name of the tensor that starts the target."""
        return self.sources[0].name if self.direct else f"initial_{self.target.name}"

    @cached_property
    def direct(self) -> bool:
        """The source tensor starts the target as it is: no layer of its own (shared:
        the block's one projection of an input made it)."""
        return self.kind in ("none", "per_layer", "broadcast") or self.shared

    @cached_property
    def concat_layer(self) -> str | None:
        return f"{self.target.name}_concat" if len(self.sources) > 1 else None

    @cached_property
    def dense_layer(self) -> str | None:
        return (
            f"{self.target.name}_project"
            if self.kind == "project" and not self.shared
            else None
        )


@dataclass(frozen=True)
class BlockShape:
    """One block's layers, output and state, as Keras builds them."""

    name: str
    prefix: str  # of the names it makes: "encoder_", or "" for the short form's block
    input: (
        str  # the Python name of its input tensor: an input's name or "<block>_output"
    )
    model_input: str  # the model input this block's time axis comes from
    repeated: str | None  # with repeat: the tensor repeated into its input
    repeat: int | None
    front: tuple[AroundPlan, ...]  # layers before its recurrent layers
    layers: tuple[LayerPlan, ...]
    bridges: tuple[Bridge, ...]  # in this block's flat state order
    head: tuple[AroundPlan, ...]  # layers after them
    hidden: str  # the top layer's output; the block's output unless there is a head
    output: tuple[str, tuple[Dim, ...]]
    return_state: bool
    projection: AroundPlan | None  # a Dense of the input its state starts from
    projected: str | None  # that input
    attention: AttentionPlan | None  # over a block above, before the head
    masked: bool  # a token input's mask reaches its recurrent layers
    feedback: FeedbackPlan | None  # predicts steps by feeding its head back

    @cached_property
    def state_tensors(self) -> tuple[StateTensor, ...]:
        return tuple(state for layer in self.layers for state in layer.states)

    @cached_property
    def head_input(self) -> str:
        """What its head reads: its attention's result, or its top output."""
        return self.attention.output[0] if self.attention else self.hidden

    @cached_property
    def repeat_layer(self) -> str:
        return f"{self.prefix}repeat"

    @cached_property
    def recurrent_input(self) -> str:
        """The tensor its first recurrent layer reads: its input, or its front's."""
        return self.front[-1].output if self.front else self.input

    @cached_property
    def front_params(self) -> int:
        return sum(layer.params for layer in self.front)

    @cached_property
    def head_params(self) -> int:
        return sum(layer.params for layer in self.head)

    @cached_property
    def bridge_params(self) -> int:
        """The Dense layers of a project bridge, one per target state, or the one
        projection of an input."""
        if self.projection is not None:
            return self.projection.params
        return sum(
            dense_params(sum(s.shape[-1] for s in b.sources), b.target.shape[-1])
            for b in self.bridges
            if b.kind == "project"
        )


def upstream_of(block: GraphBlock, above: list[BlockShape]) -> BlockShape | None:
    return next((b for b in above if b.name == block.input), None)


Nodes = dict[str, "NodeShape"]  # the layer nodes above a block, by name


def input_from_node(
    block: GraphBlock, node: NodeShape, where: Path, spec: LongForm
) -> InputSpec:
    """The input a block gets from a layer node: its output sequence of known steps,
    or with `repeat` its one vector repeated."""
    shape = node.output[1]
    if block.repeat is not None and len(shape) != 2:
        raise RuleError(
            where + ("repeat",),
            f"repeat repeats one vector (batch, features), and node {node.name} makes "
            f"{show(shape)}: expected no repeat",
        )
    if block.repeat is None and len(shape) < 3:
        raise RuleError(
            where + ("input",),
            f"block {block.name} reads a sequence (batch, time, ...), and node "
            f"{node.name} makes {show(shape)}: expected a node that makes a sequence, "
            "or repeat: N to repeat its vector N times",
        )
    step = shape[1:] if block.repeat is not None else shape[2:]
    if not all(isinstance(size, int) for size in step):
        raise RuleError(
            where + ("input",),
            f"the recurrent layers need the size of each step, and node {node.name} "
            f"makes {show(shape)}: expected steps of known size",
        )
    given = spec.inputs[node.model_input]
    time = shape[1]
    timesteps = block.repeat or (
        time if isinstance(time, int) else known_lengths(spec).get(str(time))
    )
    read = _reading(given, tuple(step))  # type: ignore[arg-type]
    return read.model_copy(update={"timesteps": timesteps, "sequence": True})


def input_from(
    block: GraphBlock, upstream: BlockShape, where: Path, spec: LongForm
) -> InputSpec:
    """The input a block gets from the block above: that block's output sequence, or
    with `repeat` its last output repeated."""
    top = upstream.layers[-1]
    if upstream.feedback is not None:
        raise RuleError(
            where + ("input",),
            f"block {upstream.name}'s feedback predictions are a model output: "
            f"expected another input for block {block.name}, got {upstream.name}",
        )
    if block.repeat is not None and (top.sequence or top.merge_mode == "none"):
        raise RuleError(
            where + ("repeat",),
            f"repeat repeats block {upstream.name}'s last output, which must be one "
            f"vector: expected return_sequences: false (and no merge_mode: none) on "
            f"{upstream.name}, or no repeat",
        )
    if block.repeat is None and (not top.sequence or top.merge_mode == "none"):
        raise RuleError(
            where + ("input",),
            f"block {block.name} takes block {upstream.name}'s output, which must be one "
            f"sequence: expected return_sequences: true (and no merge_mode: none) on "
            f"{upstream.name}, or repeat: N to repeat its last output N times",
        )
    given = spec.inputs[upstream.model_input]
    read = _reading(given, _step_of(upstream))
    return (
        read
        if block.repeat is None
        else read.model_copy(update={"timesteps": block.repeat})
    )


def _reading(given: InputSpec, step: tuple[int, ...]) -> InputSpec:
    """`given` as the input of a tensor whose steps are `step`: features, or a conv
    shape, and no tokens (a layer has made vectors of them)."""
    conv = len(step) > 1
    return given.model_copy(
        update={
            "features": None if conv else step[0],
            "shape": list(step) if conv else None,
            "vocabulary": None,
            "embedding": None,
            "mask_zero": False,
            "embeddings_initializer": None,
        }
    )


def _step_of(upstream: BlockShape) -> tuple[int, ...]:
    """One step of a block's output: of its sequence, or the vector it returns."""
    dims = (
        upstream.output[1][2:]
        if upstream.layers[-1].sequence
        else upstream.output[1][1:]
    )
    return tuple(int(size) for size in dims)


def input_tensor(name: str, given: InputSpec) -> str:
    """The Python name of what blocks read from an input: itself, or its embedding's."""
    return f"{name}_embedded" if given.embedding is not None else name


def input_mask(name: str) -> str:
    """The Python name of a masked token input's mask (True: a real step)."""
    return f"{name}_mask"


def _reads(
    spec: LongForm | ModelSpec,
    block: GraphBlock,
    above: list[BlockShape],
    keyed: bool,
    nodes: Nodes,
) -> tuple[str, str, tuple[Dim, ...], dict[str, int]]:
    """What a block reads: the tensor's Python name, the model input its time axis
    comes from, the tensor's shape, and the known size of each named time axis."""
    upstream = upstream_of(block, above)
    repeat = getattr(block, "repeat", None)
    if block.input in nodes:
        node = nodes[block.input]
        shape = node.output[1]
        if repeat:
            shape = (shape[0], repeat, *shape[1:])
        return node.name, node.model_input, shape, known_lengths(spec)
    time: Dim
    if upstream is None:
        given = spec.inputs[block.input]
        model_input, step = block.input, given.step_shape
        read = input_tensor(block.input, given)
        time = f"timesteps[{model_input!r}]" if keyed else "timesteps"
    else:
        model_input, step, read = (
            upstream.model_input,
            _step_of(upstream),
            upstream.output[0],
        )
        time = upstream.output[1][1]  # its steps (a front may change their number)
    known = spec.inputs[model_input].timesteps
    sizes = known_lengths(spec) if keyed else {"timesteps": known} if known else {}
    return read, model_input, ("batch_size", repeat or time, *step), sizes


def known_lengths(spec: LongForm | ModelSpec) -> dict[str, int]:
    """The known length of each input's named time axis (`timesteps['name']`)."""
    return {
        f"timesteps[{name!r}]": given.timesteps
        for name, given in spec.inputs.items()
        if given.timesteps
    }


def _front(
    spec: LongForm | ModelSpec,
    block: GraphBlock,
    above: list[BlockShape],
    keyed: bool,
    nodes: Nodes,
) -> tuple[AroundPlan, ...]:
    if getattr(block, "time_distributed", False):
        return ()  # no front (rnnspec/check/wrapped.py), nor a reshape of its steps
    _, _, shape, sizes = _reads(spec, block, above, keyed, nodes)
    prefix = f"{block.name}_" if keyed else ""
    if masks_steps(block.front) and block.initial_state_mode != "none":
        index = next(i for i, layer in enumerate(block.front) if layer.makes_mask)
        raise RuleError(
            ("front", index, "type"),
            "Keras passes a masking layer's mask to recurrent layers called on their "
            f"input alone, and block {block.name}'s take an initial state "
            f"({block.initial_state_mode}): expected initial_state: none (its state "
            "starts at zeros all the same), or no masking",
        )
    return plan_front(block.front, shape, prefix, not block.is_conv, ("front",), sizes)


def recurrent_input(
    spec: LongForm | ModelSpec,
    block: GraphBlock,
    given: InputSpec,
    above: list[BlockShape],
    keyed: bool = True,
    nodes: Nodes | None = None,
) -> InputSpec:
    """The input as its recurrent layers see it: `given`, or its front's output."""
    front = _front(spec, block, above, keyed, nodes or {})
    if not front:
        return given
    step = tuple(int(size) for size in front[-1].shape[2:])  # type: ignore[arg-type]
    return _reading(given, step)


def shape_of(
    spec: LongForm | ModelSpec,
    block: GraphBlock,
    above: list[BlockShape],
    keyed: bool = True,
    nodes: Nodes | None = None,
) -> BlockShape:
    """A block's layers and output; its bridges come after its hand-over is checked.
    Unkeyed (the short form's one block), names have no prefix and time no key;
    `nodes`: the layer nodes above it, by name."""
    nodes = nodes or {}
    read, model_input, shape, sizes = _reads(spec, block, above, keyed, nodes)
    prefix = f"{block.name}_" if keyed else ""
    front = _front(spec, block, above, keyed, nodes)
    if front:
        shape = front[-1].shape
    head_layers = block.head_layers
    attends = getattr(block, "attention", None) is not None
    # Input feeding's context joins the cell's input; its output is the layer's own.
    fed = fed_width(spec, block, above)
    after = attends and not fed
    hidden = f"{prefix}hidden" if head_layers or after else f"{prefix}output"
    outer = None
    if getattr(block, "time_distributed", False):  # (batch, outer, steps, features)
        outer, shape = shape[1], (shape[0], *shape[2:])
    step = tuple(int(size) for size in shape[2:])  # type: ignore[arg-type]
    if fed and len(step) == 1:
        step = (step[0] + fed,)
    layers = plan_stack(
        block, step, prefix=prefix, output=hidden, time=shape[1], outer=outer
    )
    output = layers[-1].outputs[0]
    attention = None
    if attends:
        attention = plan_attention(
            spec, block, layers[-1], above, prefix, bool(head_layers)
        )
        output = attention.output
    listed = isinstance(block.head, list)
    head = plan_head(head_layers, output[1], prefix, ("head",), sizes, listed)
    if head:
        output = (head[-1].output, head[-1].shape)
    feedback = None
    if block.feedback is not None:
        feedback = plan_feedback(block, layers[0], head, step, prefix)
        output = (output[0], predictions(feedback, output[1][-1]))
    repeat = getattr(block, "repeat", None)
    masked = _masked(spec, block, above, front, nodes)
    if attention is not None and attention.feeding:
        check_feeding(block, layers, masked)
    return BlockShape(
        name=block.name,
        prefix=prefix,
        input=f"{prefix}repeated" if repeat else read,
        model_input=model_input,
        repeated=read if repeat else None,
        repeat=repeat,
        front=front,
        layers=layers,
        bridges=(),
        head=head,
        hidden=hidden,
        output=output,
        return_state=block.return_state,
        projection=None,
        projected=None,
        attention=attention,
        masked=masked,
        feedback=feedback,
    )


def _masked(
    spec: LongForm | ModelSpec,
    block: GraphBlock,
    above: list[BlockShape],
    front: tuple[AroundPlan, ...],
    nodes: Nodes,
) -> bool:
    """Whether a mask_zero input's mask (or a mask input's) reaches the block's
    recurrent layers, as Keras passes it on: through every layer of its front that keeps it (no RepeatVector),
    from its token input or from a block above that returns its sequence and whose
    attention vector and head keep it."""
    if getattr(block, "repeat", None) is not None:
        return False
    if not all(layer.keeps_mask for layer in front):
        return False
    if block.input in nodes:
        return nodes[block.input].masked
    upstream = upstream_of(block, above)
    if upstream is None:
        given = spec.inputs[block.input]
        return given.mask_zero or mask_input_of(spec, block.input) is not None
    return output_masked(upstream)


def output_masked(block: BlockShape) -> bool:
    """Whether a Keras mask rides on a block's output: its masked sequence, through
    an attention vector and a head that keep it."""
    vector = (block.attention.vector,) if block.attention else ()
    return (
        block.masked
        and block.layers[-1].return_sequences
        and all(layer.keeps_mask for layer in (*vector, *block.head) if layer)
    )
