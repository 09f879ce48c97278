"""What crosses the blocks of a long-form spec, and the rules it keeps.

A block reads a named input or the output sequence of a block above, and may start
from the final state of a block above, matched per (direction, cell, role) and
bridged on request:

- none: the tensors as they are; shapes must match cell for cell;
- concat: a bidirectional source's forward and backward tensors joined on the last
  axis (`keras.layers.Concatenate`), for a one-directional target twice as wide;
- project: a `keras.layers.Dense` per target tensor, from the source's matching
  tensor (h for h, c for c) or its only one (a GRU's h), both directions joined.

`check_wiring` is the spec layer's rule (every mismatch a `RuleError` naming both
blocks, what each has, and the fix); `block_shapes` computes the same shapes for the
plan of a checked spec and checks nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from .around import AroundPlan, Dense, params, plan_front, plan_head
from .limits import MAX_ALL_CELLS, Path, RuleError
from .params import dense_params
from .stack import Dim, LayerPlan, StateTensor, plan_stack

if TYPE_CHECKING:
    from .normalise import ModelSpec
    from .spec import GraphBlock, GraphSpec, HandOver, InputSpec

BlockCheck = Callable[["GraphBlock", "InputSpec", Path, Path], None]


@dataclass(frozen=True)
class Bridge:
    """How one target state tensor is made from source state tensors."""

    target: StateTensor
    sources: tuple[StateTensor, ...]  # one, or forward and backward
    kind: str  # none | concat | project | per_layer
    activation: str | None = None  # of a project bridge's Dense layer
    shared: bool = False  # made by the one projection of an input, shared by all

    @property
    def variable(self) -> str:
        """The Python name of the tensor that starts the target."""
        return self.sources[0].name if self.direct else f"initial_{self.target.name}"

    @property
    def direct(self) -> bool:
        """The source tensor starts the target as it is: no layer of its own (shared:
        the block's one projection of an input made it)."""
        return self.kind in ("none", "per_layer") or self.shared

    @property
    def concat_layer(self) -> str | None:
        return f"{self.target.name}_concat" if len(self.sources) > 1 else None

    @property
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

    @property
    def state_tensors(self) -> tuple[StateTensor, ...]:
        return tuple(state for layer in self.layers for state in layer.states)

    @property
    def repeat_layer(self) -> str:
        return f"{self.prefix}repeat"

    @property
    def recurrent_input(self) -> str:
        """The tensor its first recurrent layer reads: its input, or its front's."""
        return self.front[-1].output if self.front else self.input

    @property
    def front_params(self) -> int:
        return sum(layer.params for layer in self.front)

    @property
    def head_params(self) -> int:
        return sum(layer.params for layer in self.head)

    @property
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


def block_shapes(model: ModelSpec) -> list[BlockShape]:
    """Every block's shapes, in order, for a checked spec."""
    shapes: list[BlockShape] = []
    for block in model.blocks:
        shape = _shape(model, block, shapes, model.keyed)
        shapes.append(_with_bridges(shape, block, shapes, model))
    return shapes


def check_wiring(spec: GraphSpec, check_block: BlockCheck) -> list[BlockShape]:
    """Check names, inputs and each block (with `check_block`) and what it takes from
    the blocks above; return every block's shapes."""
    _check_cell_count(spec)
    _check_names(spec)
    first = next(iter(spec.inputs.values()))
    for name, given in spec.inputs.items():
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
    for index, block in enumerate(spec.blocks):
        where: Path = ("blocks", index)
        upstream = _upstream(block, shapes)
        if upstream is None:
            given, input_path = spec.inputs[block.input], ("inputs", block.input)
        else:
            given = _input_from(block, upstream, where, spec)
            input_path = where + ("input",)
        with _at(where):
            if block.front:
                given, input_path = recurrent_input(
                    spec, block, given, shapes
                ), where + ("front",)
        check_block(block, given, where, input_path)
        with _at(where):
            shape = _shape(spec, block, shapes)
        if block.initial_state_mode == "from":
            kind = block.initial_state.bridge  # type: ignore[union-attr]
            if block.initial_state.source in spec.inputs:  # type: ignore[union-attr]
                _check_projection(block, shape, kind, where + ("initial_state",))
            else:
                source = _source(block, shapes)
                _check_hand_over(
                    source, shape, kind, where + ("initial_state",), block.initial_state  # type: ignore[arg-type]
                )
        shapes.append(_with_bridges(shape, block, shapes, spec))
    return shapes


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


def _check_projection(
    block: GraphBlock, target: BlockShape, kind: str, where: Path
) -> None:
    """A state from an input: one Dense layer of it starts every state tensor."""
    source = block.initial_state.source  # type: ignore[union-attr]
    _check_activation(block.initial_state, where)  # type: ignore[arg-type]
    if kind != "project":
        raise RuleError(
            where + ("bridge",),
            f"block {block.name} starts from input {source}, which has no state (a "
            f"Dense layer makes one from it): expected bridge: project, got {kind}",
        )
    shapes = {state.shape for state in target.state_tensors}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise RuleError(
            where + ("bridge",),
            f"bridge: project from input {source} makes one vector that starts every "
            f"state tensor of {block.name}: expected state tensors of one size, got "
            f"{_describe(target.state_tensors)}",
        )


@contextmanager
def _at(where: Path) -> Iterator[None]:
    """A RuleError raised inside, with its path taken from `where`."""
    try:
        yield
    except RuleError as error:
        raise RuleError(
            where + error.path, error.message, at_key=error.at_key
        ) from None


def _check_cell_count(spec: GraphSpec) -> None:
    """All blocks together have at most MAX_ALL_CELLS cells."""
    total = 0
    for index, block in enumerate(spec.blocks):
        total += len(block.cells)
        if total > MAX_ALL_CELLS:
            raise RuleError(
                ("blocks", index, "cells"),
                f"expected at most {MAX_ALL_CELLS} cells in all blocks together, "
                f"got {total} up to this block",
            )


def _check_names(spec: GraphSpec) -> None:
    seen: dict[str, str] = {name: "an input" for name in spec.inputs}
    for index, block in enumerate(spec.blocks):
        where: Path = ("blocks", index)
        if block.name in seen:
            raise RuleError(
                where + ("name",),
                f"names must be unique: {block.name!r} is already {seen[block.name]}",
            )
        if block.input not in seen:
            raise RuleError(
                where + ("input",),
                f"expected a name from inputs or a block above ({', '.join(seen)}), got {block.input!r}",
            )
        source = getattr(block.initial_state, "source", None)
        vector = source in spec.inputs and not spec.inputs[source].sequence
        if source is not None and seen.get(source) != "a block" and not vector:
            raise RuleError(
                where + ("initial_state", "from"),
                f"block {block.name} can start only from a block above it, got {source!r}"
                + (", an input, which has no final state" if source in seen else ""),
            )
        if block.input in spec.inputs and not spec.inputs[block.input].sequence:
            raise RuleError(
                where + ("input",),
                f"input {block.input} is one vector per example (sequence: false) and a "
                f"block reads a sequence: expected a sequence, or {block.input} in "
                f"initial_state: {{from: {block.input}, bridge: project}}",
            )
        seen[block.name] = "a block"
    blocks = [block.name for block in spec.blocks]
    for index, name in enumerate(spec.outputs or []):
        if name not in blocks:
            raise RuleError(
                ("outputs", index),
                f"expected a block name ({', '.join(blocks)}), got {name!r}",
            )
    used = {block.input for block in spec.blocks} | {
        getattr(block.initial_state, "source", None) for block in spec.blocks
    }
    for name in spec.inputs:
        if name not in used:
            raise RuleError(("inputs", name), f"input {name!r} feeds no block")


def _upstream(block: GraphBlock, above: list[BlockShape]) -> BlockShape | None:
    return next((b for b in above if b.name == block.input), None)


def _source(block: GraphBlock, above: list[BlockShape]) -> BlockShape:
    return next(b for b in above if b.name == block.initial_state.source)  # type: ignore[union-attr]


def _input_from(
    block: GraphBlock, upstream: BlockShape, where: Path, spec: GraphSpec
) -> InputSpec:
    """The input a block gets from the block above: that block's output sequence, or
    with `repeat` its last output repeated."""
    top = upstream.layers[-1]
    if block.repeat is not None and (top.return_sequences or top.merge_mode == "none"):
        raise RuleError(
            where + ("repeat",),
            f"repeat repeats block {upstream.name}'s last output, which must be one "
            f"vector: expected return_sequences: false (and no merge_mode: none) on "
            f"{upstream.name}, or no repeat",
        )
    if block.repeat is None and (not top.return_sequences or top.merge_mode == "none"):
        raise RuleError(
            where + ("input",),
            f"block {block.name} takes block {upstream.name}'s output, which must be one "
            f"sequence: expected return_sequences: true (and no merge_mode: none) on "
            f"{upstream.name}, or repeat: N to repeat its last output N times",
        )
    step = _step_of(upstream)
    conv = len(step) > 1
    update = {
        "features": None if conv else step[0],
        "shape": list(step) if conv else None,
    }
    update |= {"vocabulary": None, "embedding": None, "mask_zero": False}
    if block.repeat is not None:
        update["timesteps"] = block.repeat
    return spec.inputs[upstream.model_input].model_copy(update=update)


def _step_of(upstream: BlockShape) -> tuple[int, ...]:
    """One step of a block's output: of its sequence, or the vector it returns."""
    dims = (
        upstream.output[1][2:]
        if upstream.layers[-1].return_sequences
        else upstream.output[1][1:]
    )
    return tuple(int(size) for size in dims)


def input_tensor(name: str, given: InputSpec) -> str:
    """The Python name of what blocks read from an input: itself, or its embedding's."""
    return f"{name}_embedded" if given.embedding is not None else name


def _reads(
    spec: GraphSpec | ModelSpec, block: GraphBlock, above: list[BlockShape], keyed: bool
) -> tuple[str, str, tuple[Dim, ...], dict[str, int]]:
    """What a block reads: the tensor's Python name, the model input its time axis
    comes from, the tensor's shape, and the known size of that time axis by name."""
    upstream = _upstream(block, above)
    if upstream is None:
        given = spec.inputs[block.input]
        model_input, step = block.input, given.step_shape
        read = input_tensor(block.input, given)
    else:
        model_input, step, read = (
            upstream.model_input,
            _step_of(upstream),
            upstream.output[0],
        )
    time: Dim = f"timesteps[{model_input!r}]" if keyed else "timesteps"
    repeat = getattr(block, "repeat", None)
    known = spec.inputs[model_input].timesteps
    sizes = {time: known} if isinstance(time, str) and known else {}
    return read, model_input, ("batch_size", repeat or time, *step), sizes


def _front(
    spec: GraphSpec | ModelSpec, block: GraphBlock, above: list[BlockShape], keyed: bool
) -> tuple[AroundPlan, ...]:
    read, _, shape, sizes = _reads(spec, block, above, keyed)
    prefix = f"{block.name}_" if keyed else ""
    return plan_front(block.front, shape, prefix, not block.is_conv, ("front",), sizes)


def recurrent_input(
    spec: GraphSpec | ModelSpec,
    block: GraphBlock,
    given: InputSpec,
    above: list[BlockShape],
    keyed: bool = True,
) -> InputSpec:
    """The input as its recurrent layers see it: `given`, or its front's output."""
    front = _front(spec, block, above, keyed)
    if not front:
        return given
    step = tuple(int(size) for size in front[-1].shape[2:])  # type: ignore[arg-type]
    conv = len(step) > 1
    update = {
        "features": None if conv else step[0],
        "shape": list(step) if conv else None,
    }
    update |= {"vocabulary": None, "embedding": None, "mask_zero": False}
    return given.model_copy(update=update)


def _shape(
    spec: GraphSpec | ModelSpec,
    block: GraphBlock,
    above: list[BlockShape],
    keyed: bool = True,
) -> BlockShape:
    """A block's layers and output; its bridges come after its hand-over is checked.
    Unkeyed (the short form's one block), names have no prefix and time no key."""
    read, model_input, shape, sizes = _reads(spec, block, above, keyed)
    prefix = f"{block.name}_" if keyed else ""
    front = _front(spec, block, above, keyed)
    if front:
        shape = front[-1].shape
    head_layers = block.head_layers
    hidden = f"{prefix}hidden" if head_layers else f"{prefix}output"
    step = tuple(int(size) for size in shape[2:])  # type: ignore[arg-type]
    layers = plan_stack(block, step, prefix=prefix, output=hidden, time=shape[1])
    output = layers[-1].outputs[0]
    listed = isinstance(block.head, list)
    head = plan_head(head_layers, output[1], prefix, ("head",), sizes, listed)
    if head:
        output = (head[-1].output, head[-1].shape)
    repeat = getattr(block, "repeat", None)
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
    )


def _with_bridges(
    shape: BlockShape,
    block: GraphBlock,
    above: list[BlockShape],
    spec: GraphSpec | ModelSpec,
) -> BlockShape:
    if block.initial_state_mode != "from":
        return shape
    handover = block.initial_state
    if handover.source in spec.inputs:  # type: ignore[union-attr]
        return _projected(shape, handover, spec.inputs[handover.source])  # type: ignore[union-attr]
    have = _source(block, above).state_tensors
    kind = handover.bridge  # type: ignore[union-attr]
    bridges = tuple(
        _bridge(have, state, kind, handover.activation)  # type: ignore[union-attr]
        for state in shape.state_tensors
    )
    return replace(shape, bridges=bridges)


def _projected(shape: BlockShape, handover: HandOver, given: InputSpec) -> BlockShape:
    """One Dense layer of a vector input, shared by every state tensor it starts
    (the image-captioning "init-inject")."""
    width = shape.state_tensors[0].shape[-1]
    dense = Dense(
        type="dense", units=width, activation=handover.activation
    )  # keys checked with the hand-over's
    features = given.features or 0
    projection = AroundPlan(
        f"{shape.prefix}project",
        "Dense",
        (width,),
        tuple((k, v) for k, v in (("activation", handover.activation),) if v),
        f"{shape.prefix}projected",
        ("batch_size", width),
        params(dense, ("batch_size", features)),
        ("initial_state",),
    )
    source = StateTensor(projection.output, "h", (width,))
    bridges = tuple(
        Bridge(state, (source,), "project", handover.activation, shared=True)
        for state in shape.state_tensors
    )
    return replace(
        shape, bridges=bridges, projection=projection, projected=handover.source
    )


def _same(have: tuple[StateTensor, ...], state: StateTensor) -> list[StateTensor]:
    """The source tensors of the target's direction, cell and role."""
    return [
        s
        for s in have
        if (s.direction, s.cell, s.role) == (state.direction, state.cell, state.role)
    ]


def _joined(have: tuple[StateTensor, ...], state: StateTensor) -> list[StateTensor]:
    """The source tensors a concat bridge joins: both directions of its cell and role."""
    return [s for s in have if (s.cell, s.role) == (state.cell, state.role)]


def _per_layer(have: tuple[StateTensor, ...], state: StateTensor) -> list[StateTensor]:
    """The source tensor for a target cell, per_layer: cell 2i takes source cell i's
    forward state, cell 2i + 1 its backward state (tensorflow/nmt's bi encoder)."""
    direction = ("forward", "backward")[state.cell % 2]
    return [
        s
        for s in have
        if (s.direction, s.cell, s.role) == (direction, state.cell // 2, state.role)
    ]


def _bridge(
    have: tuple[StateTensor, ...],
    state: StateTensor,
    kind: str,
    activation: str | None = None,
) -> Bridge:
    """How a checked hand-over makes one target tensor."""
    if kind == "none":
        return Bridge(state, tuple(_same(have, state)), kind)
    if kind == "concat":
        return Bridge(state, tuple(_joined(have, state)), kind)
    if kind == "per_layer":
        return Bridge(state, tuple(_per_layer(have, state)), kind)
    cell = [s for s in have if s.cell == state.cell]
    roles = [s for s in cell if s.role == state.role] or [
        s for s in cell if s.role == "h"
    ]
    same_direction = [s for s in roles if s.direction == state.direction]
    return Bridge(state, tuple(same_direction or roles), kind, activation)


def _check_activation(handover: HandOver, where: Path) -> None:
    if handover.activation is not None and handover.bridge != "project":
        raise RuleError(
            where + ("activation",),
            f"activation is that of bridge: project's Dense layers: expected bridge: "
            f"project, or no activation, got bridge: {handover.bridge}",
        )


def _check_hand_over(
    source: BlockShape,
    target: BlockShape,
    kind: str,
    where: Path,
    target_handover: HandOver,
) -> None:
    """The source's final state can start the target's, or say why not."""
    pair = f"block {target.name} starts from block {source.name}'s state"
    _check_activation(target_handover, where)
    if not source.return_state:
        raise RuleError(
            where + ("from",),
            f"{pair}, but {source.name} does not return it: set return_state: true on {source.name}",
        )
    have, want = source.state_tensors, target.state_tensors
    source_depth, target_depth = len({s.cell for s in have}), len(
        {s.cell for s in want}
    )
    bidirectional_source = any(s.direction for s in have)
    per_layer_fits = (
        bidirectional_source
        and not any(s.direction for s in want)
        and target_depth == 2 * source_depth
    )
    if kind == "per_layer":
        if not bidirectional_source or any(s.direction for s in want):
            raise RuleError(
                where + ("bridge",),
                f"{pair}; bridge: per_layer starts a one-directional target's cells from "
                f"a bidirectional source's forward and backward states in turn: expected "
                f"bidirectional {source.name} and one-directional {target.name}",
            )
        if target_depth != 2 * source_depth:
            raise RuleError(
                where + ("bridge",),
                f"{pair}; bridge: per_layer starts two cells of {target.name} from each "
                f"cell of {source.name}: expected {2 * source_depth} cells in "
                f"{target.name}, got {target_depth}",
            )
        for state in want:
            match = _per_layer(have, state)
            if len(match) != 1 or match[0].shape != state.shape:
                raise RuleError(
                    where + ("bridge",),
                    f"{pair}; bridge: per_layer starts {state.name} {state.shape} from "
                    f"{', '.join(f'{s.name} {s.shape}' for s in match)}: expected equal "
                    f"shapes, or bridge: project",
                )
        return
    if source_depth != target_depth:
        fix = (
            f"; use bridge: per_layer to start {target.name}'s cells from "
            f"{source.name}'s forward and backward states in turn"
            if per_layer_fits
            else ""
        )
        raise RuleError(
            where + ("from",),
            f"{pair}, but stacks map cell to cell: {source.name} has {source_depth} cell(s), "
            f"{target.name} has {target_depth}{fix}",
        )
    for state in want:
        if kind == "none":
            match = _same(have, state)
            if len(match) != 1 or match[0].shape != state.shape:
                raise RuleError(
                    where + ("from",),
                    _mismatch(pair, source, target, bidirectional_source),
                )
        elif kind == "concat":
            if not bidirectional_source or state.direction:
                raise RuleError(
                    where + ("bridge",),
                    f"{pair}; bridge: concat joins a bidirectional source's forward and backward "
                    f"states for a one-directional target: expected bidirectional {source.name} and "
                    f"one-directional {target.name}",
                )
            match = _joined(have, state)
            joined = (
                (*match[0].shape[:-1], sum(s.shape[-1] for s in match))
                if len(match) == 2
                else None
            )
            if joined != state.shape:
                raise RuleError(
                    where + ("bridge",),
                    f"{pair}; bridge: concat joins {_describe(match)} into {joined}, "
                    f"but {state.name} is {state.shape}: expected {target.name}'s units to be "
                    f"twice {source.name}'s, or bridge: project",
                )
        elif len(state.shape) > 1:
            raise RuleError(
                where + ("bridge",),
                f"{pair}; bridge: project works on vector states, not ConvLSTM maps",
            )


def _mismatch(
    pair: str, source: BlockShape, target: BlockShape, bidirectional_source: bool
) -> str:
    fix = "bridge: project maps each state with a Dense layer"
    if bidirectional_source and not any(s.direction for s in target.state_tensors):
        fix = (
            "bridge: concat joins forward and backward (the target's units must be twice the source's), or "
            + fix
        )
    return (
        f"{pair}, but they do not match: {source.name} returns {_describe(source.state_tensors)}, "
        f"{target.name} takes {_describe(target.state_tensors)}; use {fix}"
    )


def _describe(states: tuple[StateTensor, ...] | list[StateTensor]) -> str:
    return f"{len(states)} [" + ", ".join(f"{s.name} {s.shape}" for s in states) + "]"
