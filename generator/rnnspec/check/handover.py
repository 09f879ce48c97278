"""How a block's initial state starts from another block's final state, or from an
input, and the rules the hand-over keeps.

Source and target states are matched per (direction, cell, role) and bridged on
request:

- none: the tensors as they are; shapes must match cell for cell;
- concat: a bidirectional source's forward and backward tensors joined on the last
  axis (`keras.layers.Concatenate`), for a one-directional target twice as wide;
- project: a `keras.layers.Dense` per target tensor, from the source's matching
  tensor (h for h, c for c) or its only one (a GRU's h), both directions joined;
- per_layer: a bidirectional source's forward state starts target cell 2i, its
  backward state cell 2i + 1 (tensorflow/nmt's bidirectional encoder);
- broadcast: a one-directional source's top cell's state (its "thought vector")
  starts every cell of the target, role for role, as they are (Hvass-Labs' NMT);
- from an input with no time axis: one Dense layer of it starts every state tensor.

Every mismatch is a `RuleError` naming both blocks, what each has, and the fix.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..spec.around import AroundPlan
from ..spec.layers import Dense
from ..spec.limits import Path, RuleError
from .shapes import BlockShape, Bridge
from .stack import StateTensor

if TYPE_CHECKING:
    from ..spec.normalise import ModelSpec
    from ..spec.models import GraphBlock, LongForm, HandOver, InputSpec


def with_bridges(
    shape: BlockShape,
    block: GraphBlock,
    above: list[BlockShape],
    spec: LongForm | ModelSpec,
) -> BlockShape:
    if block.initial_state_mode != "from":
        return shape
    handover = block.initial_state
    if handover.source in spec.inputs:  # type: ignore[union-attr]
        return _projected(shape, handover, spec.inputs[handover.source])  # type: ignore[union-attr]
    have = source_of(block, above).state_tensors
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
        dense.params(("batch_size", features)),
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


def _top(have: tuple[StateTensor, ...]) -> list[StateTensor]:
    """The state tensors of the source's top cell: its final state."""
    return [s for s in have if s.cell == max(t.cell for t in have)]


def _broadcast(have: tuple[StateTensor, ...], state: StateTensor) -> list[StateTensor]:
    """The source tensor for any target cell, broadcast: the top cell's of its role."""
    return [s for s in _top(have) if s.role == state.role]


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
    if kind == "broadcast":
        return Bridge(state, tuple(_broadcast(have, state)), kind)
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


BRIDGES = (
    "none",
    "concat",
    "per_layer",
    "broadcast",
    "project",
)  # in the order a fix is named


def check_hand_over(
    source: BlockShape,
    target: BlockShape,
    kind: str,
    where: Path,
    target_handover: HandOver,
) -> None:
    """The source's final state can start the target's, or say why not, and name the
    bridge that would make it start it where one would."""
    pair = f"block {target.name} starts from block {source.name}'s state"
    _check_activation(target_handover, where)
    if not source.return_state:
        raise RuleError(
            where + ("from",),
            f"{pair}, but {source.name} does not return it: set return_state: true on {source.name}",
        )
    try:
        _check_bridge(source, target, kind, where, pair)
    except RuleError as error:
        fit = fitting_bridge(source, target, kind)
        if fit is None or f"bridge: {fit}" in error.message:
            raise
        fix = _FIXES[fit].format(source=source.name, target=target.name)
        raise RuleError(error.path, f"{error.message}; use {fix}") from None


_FIXES = {
    "none": "bridge: none, which hands the states on as they are",
    "concat": "bridge: concat, which joins {source}'s forward and backward states",
    "per_layer": "bridge: per_layer to start {target}'s cells from {source}'s forward "
    "and backward states in turn",
    "broadcast": "bridge: broadcast to start every cell of {target} from {source}'s "
    "top cell's state",
    "project": "bridge: project, which maps each state with a Dense layer",
}


def fitting_bridge(source: BlockShape, target: BlockShape, kind: str) -> str | None:
    """The first bridge but `kind` with which the source's state starts the target's,
    or None."""
    for other in BRIDGES:
        if other != kind:
            try:
                _check_bridge(source, target, other, (), "")
            except RuleError:
                continue
            return other
    return None


def _check_bridge(
    source: BlockShape, target: BlockShape, kind: str, where: Path, pair: str
) -> None:
    """The rules of one bridge kind, for a source that returns its state."""
    have, want = source.state_tensors, target.state_tensors
    source_depth, target_depth = len({s.cell for s in have}), len(
        {s.cell for s in want}
    )
    bidirectional_source = any(s.direction for s in have)
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
            if len(match) != 1 or state.shape != match[0].shape:
                raise RuleError(
                    where + ("bridge",),
                    f"{pair}; bridge: per_layer starts {state.name} {state.shape} from "
                    f"{', '.join(f'{s.name} {s.shape}' for s in match)}: expected equal "
                    f"shapes",
                )
        return
    if kind == "broadcast":
        _check_broadcast(source, target, where, pair)
        return
    if source_depth != target_depth:
        raise RuleError(
            where + ("from",),
            f"{pair}, but stacks map cell to cell: {source.name} has {source_depth} cell(s), "
            f"{target.name} has {target_depth}",
        )
    for state in want:
        if kind == "none":
            match = _same(have, state)
            if len(match) != 1 or match[0].shape != state.shape:
                raise RuleError(
                    where + ("from",),
                    _mismatch(pair, source, target),
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
                    f"twice {source.name}'s",
                )
        elif len(state.shape) > 1:
            raise RuleError(
                where + ("bridge",),
                f"{pair}; bridge: project works on vector states, not ConvLSTM maps",
            )


def _check_broadcast(
    source: BlockShape, target: BlockShape, where: Path, pair: str
) -> None:
    """broadcast: every target tensor is the source's top cell's tensor of its role,
    of the same shape; vector states of one direction on both sides."""
    have, want = source.state_tensors, target.state_tensors
    if any(s.direction for s in have + want):
        raise RuleError(
            where + ("bridge",),
            f"{pair}; bridge: broadcast starts every cell of a one-directional target "
            f"from a one-directional source's top cell: expected one-directional "
            f"{source.name} and {target.name}",
        )
    if any(len(s.shape) > 1 for s in have + want):
        raise RuleError(
            where + ("bridge",),
            f"{pair}; bridge: broadcast works on vector states, not ConvLSTM maps",
        )
    top = _top(have)
    for state in want:
        match = _broadcast(have, state)
        if len(match) != 1 or match[0].shape != state.shape:
            raise RuleError(
                where + ("bridge",),
                f"{pair}; bridge: broadcast starts every cell of {target.name} from "
                f"{source.name}'s top cell, {_describe(top)}: expected every state tensor "
                f"of {target.name} to be one of these, of its role (h, c) and shape, "
                f"got {state.name} {state.shape}",
            )


def _mismatch(pair: str, source: BlockShape, target: BlockShape) -> str:
    return (
        f"{pair}, but they do not match: {source.name} returns {_describe(source.state_tensors)}, "
        f"{target.name} takes {_describe(target.state_tensors)}"
    )


def _describe(states: tuple[StateTensor, ...] | list[StateTensor]) -> str:
    return f"{len(states)} [" + ", ".join(f"{s.name} {s.shape}" for s in states) + "]"


def check_projection(
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


def source_of(block: GraphBlock, above: list[BlockShape]) -> BlockShape:
    return next(b for b in above if b.name == block.initial_state.source)  # type: ignore[union-attr]
