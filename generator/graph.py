"""The plan of a long-form spec: blocks wired to inputs and to each other.

Each block is planned like a short-form spec (`plan_stack`), with its names prefixed
by the block's. What crosses blocks is decided here: a block's input shape from the
block above, and the hand-over of a source block's final state to a target block's
initial state, matched per (direction, cell, role), bridged on request:

- none: the tensors as they are; shapes must match cell for cell;
- concat: a bidirectional source's forward and backward tensors joined on the last
  axis (`keras.layers.Concatenate`), for a one-directional target twice as wide;
- project: a `keras.layers.Dense` per target tensor, from the source's matching
  tensor (h for h, c for c) or its only one (a GRU's h), both directions joined.

Every mismatch is a `RuleError` naming both blocks, what each has, and the fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from .params import dense_params
from .plan import _MIXED, Dim, LayerPlan, Stack, StateTensor, plan_stack
from .spec import (
    MAX_ALL_CELLS,
    GraphBlock,
    GraphSpec,
    HandOver,
    Head,
    InputSpec,
    Path,
    RuleError,
    check_block,
)


@dataclass(frozen=True)
class InputPlan:
    name: str
    timesteps: int | None
    step_shape: tuple[int, ...]
    smoke_timesteps: int

    @property
    def shape(self) -> tuple[int | None, ...]:
        """What keras.Input(shape=...) takes: (timesteps, *one step)."""
        return (self.timesteps, *self.step_shape)


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
class BlockPlan(Stack):
    name: str
    input: (
        str  # the Python name of its input tensor: an input's name or "<block>_output"
    )
    model_input: str  # the model input this block's time axis comes from
    layers: tuple[LayerPlan, ...]
    initial_state_mode: str  # zeros | ones | random | input | none | from
    source: str | None  # the block whose state starts this one
    bridges: tuple[Bridge, ...]  # in this block's flat state order
    head: Head | None
    hidden: str  # the top layer's output; the block's output unless there is a head
    output: tuple[str, tuple[Dim, ...]]
    return_state: bool

    @property
    def returns(self) -> tuple[tuple[str, tuple[Dim, ...]], ...]:
        states = tuple((s.name, s.batch_shape) for s in self.state_tensors)
        return (self.output, *(states if self.return_state else ()))

    @property
    def initial_variables(self) -> dict[str, str]:
        """Target state name -> the Python name of the tensor passed for it."""
        return {bridge.target.name: bridge.variable for bridge in self.bridges}

    @property
    def step_inputs(self) -> list[str]:
        """The one-step model's inputs: one time step, then the state."""
        return [self.input] + [f"initial_{s.name}" for s in self.state_tensors]

    @property
    def head_layer(self) -> str:
        return f"{self.name}_head"

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

    @property
    def params(self) -> int:
        return super().params + self.head_params + self.bridge_params


@dataclass(frozen=True)
class GraphPlan:
    name: str
    description: str
    spec: GraphSpec
    batch_size: int | None
    dtype: str
    layer_dtype: str
    state_dtype: str
    inputs: tuple[InputPlan, ...]
    blocks: tuple[BlockPlan, ...]
    outputs: tuple[str, ...]  # block names
    decoder: str | None  # the block that build_inference_models() steps, if any
    smoke_batch_size: int

    @property
    def timesteps(self) -> dict[str, int | None]:
        return {i.name: i.timesteps for i in self.inputs}

    @property
    def step_shapes(self) -> dict[str, tuple[int, ...]]:
        return {i.name: i.step_shape for i in self.inputs}

    @property
    def smoke_timesteps(self) -> dict[str, int]:
        return {i.name: i.smoke_timesteps for i in self.inputs}

    @property
    def state_size(self) -> dict[str, object]:
        return {b.name: b.state_size for b in self.blocks}

    @property
    def model_blocks(self) -> tuple[BlockPlan, ...]:
        """The blocks the outputs depend on: the model's (any other is built, unused)."""
        names = in_model(self.spec)
        return tuple(b for b in self.blocks if b.name in names)

    @property
    def params(self) -> int:
        """The model's weights: Keras' count_params()."""
        return sum(b.params for b in self.model_blocks)

    @property
    def array_dtype(self) -> str:
        return "DTYPE" if self.state_dtype == self.dtype else "ARRAY_DTYPE"

    @property
    def feedback(self) -> str:
        """What the greedy loop feeds the decoder next: one_hot of its most likely
        class (a head as wide as its input), its output (as wide), or the next data step.
        """
        block = self.block(self.decoder) if self.decoder else None
        if block is None:
            return ""
        features = self.step_shapes[block.input]
        if (
            block.head is not None
            and block.head.units == features[-1]
            and len(features) == 1
        ):
            return "one_hot"
        return (
            "output"
            if block.output[1][-1] == features[-1] and len(features) == 1
            else "data"
        )

    @property
    def summary(self) -> list[str]:
        lines = []
        for given in self.inputs:
            step = (
                f"shape={given.step_shape}"
                if len(given.step_shape) > 1
                else f"features={given.step_shape[0]}"
            )
            lines.append(
                f"{given.name}: batch_size={self.batch_size}, timesteps={given.timesteps}, {step}"
            )
        for block in self.blocks:
            text = " -> ".join(layer.summary for layer in block.layers)
            if block.source:
                bridge = block.bridges[0].kind
                text += f", initial state from {block.source}" + (
                    f" (bridge: {bridge})" if bridge != "none" else ""
                )
            elif block.initial_state_mode != "none":
                text += f", initial state: {block.initial_state_mode}"
            if block.head:
                text += f", head Dense({block.head.units}{', ' + block.head.activation if block.head.activation else ''})"
            lines.append(f"{block.name} ({block.input}): {text}")
        return lines

    def block(self, name: str) -> BlockPlan:
        return next(block for block in self.blocks if block.name == name)

    @property
    def returns(self) -> tuple[tuple[str, tuple[Dim, ...]], ...]:
        return tuple(item for name in self.outputs for item in self.block(name).returns)

    @property
    def state_inputs(self) -> tuple[StateTensor, ...]:
        """The state tensors that are model inputs (initial_state: input), in order."""
        return tuple(
            s
            for b in self.blocks
            if b.initial_state_mode == "input"
            for s in b.state_tensors
        )

    @property
    def model_inputs(self) -> list[str]:
        return [i.name for i in self.inputs] + [
            f"initial_{s.name}" for s in self.state_inputs
        ]

    @property
    def constant_blocks(self) -> tuple[BlockPlan, ...]:
        """Blocks that start from an initial state make_initial_state() builds."""
        return tuple(
            b
            for b in self.blocks
            if b.initial_state_mode in ("zeros", "ones", "random", "input")
        )

    @property
    def encoder_blocks(self) -> tuple[BlockPlan, ...]:
        """The blocks the decoder's initial state depends on, in order."""
        if self.decoder is None:
            return ()
        needed = {self.block(self.decoder).source}
        for block in reversed(self.blocks):
            if block.name in needed:
                needed |= {block.input, block.source} - {None}
        return tuple(b for b in self.blocks if b.name in needed)

    @property
    def encoder_inputs(self) -> tuple[InputPlan, ...]:
        names = {b.input for b in self.encoder_blocks}
        return tuple(i for i in self.inputs if i.name in names)

    @property
    def encoder_state_inputs(self) -> tuple[StateTensor, ...]:
        return tuple(
            s
            for b in self.encoder_blocks
            if b.initial_state_mode == "input"
            for s in b.state_tensors
        )

    def call_args(
        self, blocks: tuple[BlockPlan, ...], inputs: tuple[InputPlan, ...]
    ) -> list[str]:
        """The arrays main() passes to a model of these blocks: inputs, then states."""
        states = [
            f"*keras.tree.flatten(initial_state[{b.name!r}])"
            for b in blocks
            if b.initial_state_mode == "input"
        ]
        return [i.name for i in inputs] + states

    @property
    def encoder_model_inputs(self) -> list[str]:
        return [i.name for i in self.encoder_inputs] + [
            f"initial_{s.name}" for s in self.encoder_state_inputs
        ]

    @property
    def repeat_over_batch(self) -> bool:
        return self.batch_size is None and any(
            b.initial_state_mode != "input" for b in self.constant_blocks
        )


def make_graph_plan(spec: GraphSpec) -> GraphPlan:
    """Plan every block, check what crosses blocks, and pick the decoder to step."""
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
    inputs = tuple(
        InputPlan(
            name,
            given.timesteps,
            tuple(given.shape) if given.shape else (given.features,),  # type: ignore[arg-type]
            given.timesteps or 7 + index,
        )
        for index, (name, given) in enumerate(spec.inputs.items())
    )
    blocks: list[BlockPlan] = []
    for index, block in enumerate(spec.blocks):
        blocks.append(_plan_block(spec, index, block, blocks))
    dtype = first.dtype
    return GraphPlan(
        name=spec.name,
        description=spec.description,
        spec=spec,
        batch_size=first.batch_size,
        dtype=dtype,
        layer_dtype=_MIXED.get(dtype, dtype),
        state_dtype="float32" if dtype in _MIXED else dtype,
        inputs=inputs,
        blocks=tuple(blocks),
        outputs=tuple(spec.output_blocks),
        decoder=_decoder(spec, blocks),
        smoke_batch_size=first.batch_size or 2,
    )


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
        if (
            isinstance(block.initial_state, HandOver)
            and block.initial_state.source not in seen
        ):
            raise RuleError(
                where + ("initial_state", "from"),
                f"block {block.name} can start only from a block above it, got {block.initial_state.source!r}",
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


def _plan_block(
    spec: GraphSpec, index: int, block: GraphBlock, above: list[BlockPlan]
) -> BlockPlan:
    where: Path = ("blocks", index)
    upstream = next((b for b in above if b.name == block.input), None)
    if upstream is None:
        given, input_path, model_input = (
            spec.inputs[block.input],
            ("inputs", block.input),
            block.input,
        )
    else:
        given, input_path, model_input = (
            _input_from(block, upstream, where, spec),
            where + ("input",),
            upstream.model_input,
        )
    check_block(block, given, where=where, input_path=input_path)
    if block.head is not None and (block.is_conv or block.merge_mode == "none"):
        raise RuleError(
            where + ("head",),
            "a head is a Dense layer on one vector output: expected no head here",
        )
    step_shape = tuple(given.shape) if block.is_conv else (given.features,)  # type: ignore[arg-type]
    hidden = f"{block.name}_hidden" if block.head else f"{block.name}_output"
    layers = plan_stack(
        block,
        step_shape,
        prefix=f"{block.name}_",
        output=hidden,
        time=f"timesteps[{model_input!r}]",
    )
    output = layers[-1].outputs[0]
    if block.head is not None:
        output = (f"{block.name}_output", (*output[1][:-1], block.head.units))
    plan = BlockPlan(
        name=block.name,
        input=block.input if upstream is None else upstream.output[0],
        model_input=model_input,
        layers=layers,
        initial_state_mode=block.initial_state_mode,
        source=(
            block.initial_state.source
            if isinstance(block.initial_state, HandOver)
            else None
        ),
        bridges=(),
        head=block.head,
        hidden=hidden,
        output=output,
        return_state=block.return_state,
    )
    if isinstance(block.initial_state, HandOver):
        source = next(b for b in above if b.name == block.initial_state.source)
        bridges = _bridges(
            source, plan, block.initial_state.bridge, where + ("initial_state",)
        )
        plan = replace(plan, bridges=bridges)
    return plan


def _input_from(
    block: GraphBlock, upstream: BlockPlan, where: Path, spec: GraphSpec
) -> InputSpec:
    """The input a block gets from the block above: that block's output sequence."""
    top = upstream.layers[-1]
    if not top.return_sequences or top.merge_mode == "none":
        raise RuleError(
            where + ("input",),
            f"block {block.name} takes block {upstream.name}'s output, which must be one "
            f"sequence: expected return_sequences: true (and no merge_mode: none) on {upstream.name}",
        )
    root = spec.inputs[upstream.model_input]
    step = upstream.output[1][2:]
    conv = len(step) > 1
    return InputSpec(
        batch_size=root.batch_size,
        timesteps=root.timesteps,
        features=None if conv else step[0],
        shape=list(step) if conv else None,
        dtype=root.dtype,
    )


def _bridges(
    source: BlockPlan, target: BlockPlan, kind: str, where: Path
) -> tuple[Bridge, ...]:
    """Match the source's final state to the target's initial state, or say why not."""
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
    bridges = []
    for state in want:
        if kind == "none":
            match = [
                s
                for s in have
                if (s.direction, s.cell, s.role)
                == (state.direction, state.cell, state.role)
            ]
            if len(match) != 1 or match[0].shape != state.shape:
                raise RuleError(
                    where + ("from",),
                    _mismatch(pair, source, target, bidirectional_source),
                )
            bridges.append(Bridge(state, (match[0],), kind))
            continue
        if kind == "concat":
            if not bidirectional_source or state.direction:
                raise RuleError(
                    where + ("bridge",),
                    f"{pair}; bridge: concat joins a bidirectional source's forward and backward "
                    f"states for a one-directional target: expected bidirectional {source.name} and "
                    f"one-directional {target.name}",
                )
            match = [s for s in have if (s.cell, s.role) == (state.cell, state.role)]
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
            bridges.append(Bridge(state, tuple(match), kind))
            continue
        if len(state.shape) > 1:
            raise RuleError(
                where + ("bridge",),
                f"{pair}; bridge: project works on vector states, not ConvLSTM maps",
            )
        cell = [s for s in have if s.cell == state.cell]
        roles = [s for s in cell if s.role == state.role] or [
            s for s in cell if s.role == "h"
        ]
        same_direction = [s for s in roles if s.direction == state.direction]
        bridges.append(Bridge(state, tuple(same_direction or roles), kind))
    return tuple(bridges)


def _mismatch(
    pair: str, source: BlockPlan, target: BlockPlan, bidirectional_source: bool
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


def _decoder(spec: GraphSpec, blocks: list[BlockPlan]) -> str | None:
    """The block to step one time step at a time: the one block of the model that
    starts from another's state, if there is exactly one, reads a model input, runs
    one direction, is not stateful and returns its state."""
    names = in_model(spec)
    targets = [
        (b, given)
        for b, given in zip(blocks, spec.blocks)
        if b.source is not None and b.name in names
    ]
    if len(targets) != 1:
        return None
    block, given = targets[0]
    steppable = (
        block.input in spec.inputs and not given.merge_mode and not given.stateful
    )
    return block.name if steppable and given.return_state else None


def in_model(spec: GraphSpec) -> set[str]:
    """The output blocks and every block and input they depend on."""
    names = set(spec.output_blocks)
    for given in reversed(spec.blocks):
        if given.name in names:
            names.add(given.input)
            if isinstance(given.initial_state, HandOver):
                names.add(given.initial_state.source)
    return names
