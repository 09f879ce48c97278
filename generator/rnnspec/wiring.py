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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from .limits import MAX_ALL_CELLS, Path, RuleError
from .params import dense_params
from .stack import Dim, LayerPlan, StateTensor, plan_stack

if TYPE_CHECKING:
    from .normalise import ModelSpec
    from .spec import GraphBlock, GraphSpec, Head, InputSpec

BlockCheck = Callable[["GraphBlock", "InputSpec", Path, Path], None]


@dataclass(frozen=True)
class Bridge:
    """How one target state tensor is made from source state tensors."""

    target: StateTensor
    sources: tuple[StateTensor, ...]  # one, or forward and backward
    kind: str  # none | concat | project

    @property
    def variable(self) -> str:
        """The Python name of the tensor that starts the target."""
        return (
            self.sources[0].name
            if self.kind == "none"
            else f"initial_{self.target.name}"
        )

    @property
    def concat_layer(self) -> str | None:
        return f"{self.target.name}_concat" if len(self.sources) > 1 else None

    @property
    def dense_layer(self) -> str | None:
        return f"{self.target.name}_project" if self.kind == "project" else None


@dataclass(frozen=True)
class BlockShape:
    """One block's layers, output and state, as Keras builds them."""

    name: str
    prefix: str  # of the names it makes: "encoder_", or "" for the short form's block
    input: (
        str  # the Python name of its input tensor: an input's name or "<block>_output"
    )
    model_input: str  # the model input this block's time axis comes from
    layers: tuple[LayerPlan, ...]
    bridges: tuple[Bridge, ...]  # in this block's flat state order
    head: Head | None
    hidden: str  # the top layer's output; the block's output unless there is a head
    output: tuple[str, tuple[Dim, ...]]
    return_state: bool

    @property
    def state_tensors(self) -> tuple[StateTensor, ...]:
        return tuple(state for layer in self.layers for state in layer.states)

    @property
    def head_layer(self) -> str:
        return f"{self.prefix}head"

    @property
    def head_params(self) -> int:
        if self.head is None:
            return 0
        features = int(self.layers[-1].outputs[0][1][-1])
        return dense_params(features, self.head.units, self.head.use_bias is not False)

    @property
    def bridge_params(self) -> int:
        """The Dense layers of a project bridge, one per target state."""
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
        shapes.append(_with_bridges(shape, block, shapes))
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
    shapes: list[BlockShape] = []
    for index, block in enumerate(spec.blocks):
        where: Path = ("blocks", index)
        upstream = _upstream(block, shapes)
        if upstream is None:
            given, input_path = spec.inputs[block.input], ("inputs", block.input)
        else:
            given = _input_from(block, upstream, where, spec)
            input_path = where + ("input",)
        check_block(block, given, where, input_path)
        if block.head is not None and (block.is_conv or block.merge_mode == "none"):
            raise RuleError(
                where + ("head",),
                "a head is a Dense layer on one vector output: expected no head here",
            )
        shape = _shape(spec, block, shapes)
        if block.initial_state_mode == "from":
            source = _source(block, shapes)
            kind = block.initial_state.bridge  # type: ignore[union-attr]
            _check_hand_over(source, shape, kind, where + ("initial_state",))
        shapes.append(_with_bridges(shape, block, shapes))
    return shapes


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
        if source is not None and seen.get(source) != "a block":
            raise RuleError(
                where + ("initial_state", "from"),
                f"block {block.name} can start only from a block above it, got {source!r}"
                + (", an input, which has no final state" if source in seen else ""),
            )
        seen[block.name] = "a block"
    blocks = [block.name for block in spec.blocks]
    for index, name in enumerate(spec.outputs or []):
        if name not in blocks:
            raise RuleError(
                ("outputs", index),
                f"expected a block name ({', '.join(blocks)}), got {name!r}",
            )
    used = {block.input for block in spec.blocks}
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
    """The input a block gets from the block above: that block's output sequence."""
    top = upstream.layers[-1]
    if not top.return_sequences or top.merge_mode == "none":
        raise RuleError(
            where + ("input",),
            f"block {block.name} takes block {upstream.name}'s output, which must be one "
            f"sequence: expected return_sequences: true (and no merge_mode: none) on {upstream.name}",
        )
    step = upstream.output[1][2:]
    conv = len(step) > 1
    return spec.inputs[upstream.model_input].model_copy(
        update={
            "features": None if conv else step[0],
            "shape": list(step) if conv else None,
        }
    )


def _shape(
    spec: GraphSpec | ModelSpec,
    block: GraphBlock,
    above: list[BlockShape],
    keyed: bool = True,
) -> BlockShape:
    """A block's layers and output; its bridges come after its hand-over is checked.
    Unkeyed (the short form's one block), names have no prefix and time no key."""
    upstream = _upstream(block, above)
    if upstream is None:
        model_input, step_shape = block.input, spec.inputs[block.input].step_shape
    else:
        model_input = upstream.model_input
        step_shape = tuple(int(size) for size in upstream.output[1][2:])
    prefix = f"{block.name}_" if keyed else ""
    hidden = f"{prefix}hidden" if block.head else f"{prefix}output"
    layers = plan_stack(
        block,
        step_shape,
        prefix=prefix,
        output=hidden,
        time=f"timesteps[{model_input!r}]" if keyed else "timesteps",
    )
    output = layers[-1].outputs[0]
    if block.head is not None:
        output = (f"{prefix}output", (*output[1][:-1], block.head.units))
    return BlockShape(
        name=block.name,
        prefix=prefix,
        input=block.input if upstream is None else upstream.output[0],
        model_input=model_input,
        layers=layers,
        bridges=(),
        head=block.head,
        hidden=hidden,
        output=output,
        return_state=block.return_state,
    )


def _with_bridges(
    shape: BlockShape, block: GraphBlock, above: list[BlockShape]
) -> BlockShape:
    if block.initial_state_mode != "from":
        return shape
    have = _source(block, above).state_tensors
    kind = block.initial_state.bridge  # type: ignore[union-attr]
    bridges = tuple(_bridge(have, state, kind) for state in shape.state_tensors)
    return replace(shape, bridges=bridges)


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


def _bridge(have: tuple[StateTensor, ...], state: StateTensor, kind: str) -> Bridge:
    """How a checked hand-over makes one target tensor."""
    if kind == "none":
        return Bridge(state, tuple(_same(have, state)), kind)
    if kind == "concat":
        return Bridge(state, tuple(_joined(have, state)), kind)
    cell = [s for s in have if s.cell == state.cell]
    roles = [s for s in cell if s.role == state.role] or [
        s for s in cell if s.role == "h"
    ]
    same_direction = [s for s in roles if s.direction == state.direction]
    return Bridge(state, tuple(same_direction or roles), kind)


def _check_hand_over(
    source: BlockShape, target: BlockShape, kind: str, where: Path
) -> None:
    """The source's final state can start the target's, or say why not."""
    pair = f"block {target.name} starts from block {source.name}'s state"
    if not source.return_state:
        raise RuleError(
            where + ("from",),
            f"{pair}, but {source.name} does not return it: set return_state: true on {source.name}",
        )
    have, want = source.state_tensors, target.state_tensors
    source_depth, target_depth = len({s.cell for s in have}), len(
        {s.cell for s in want}
    )
    if source_depth != target_depth:
        raise RuleError(
            where + ("from",),
            f"{pair}, but stacks map cell to cell: {source.name} has {source_depth} cell(s), "
            f"{target.name} has {target_depth}",
        )
    bidirectional_source = any(s.direction for s in have)
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
