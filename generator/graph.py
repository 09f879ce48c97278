"""The plan of a long-form spec: blocks wired to inputs and to each other.

Each block is planned like a short-form spec (generator/stack.py), with its names
prefixed by the block's; what crosses blocks (a block's input, the hand-over of a
source block's final state, bridged on request) is generator/wiring.py's, checked when
the spec was loaded. Here the blocks become the module's plan: its inputs, the state
the model takes and returns, and the decoder that build_inference_models() steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from .plan import _MIXED, Stack
from .spec import GraphSpec
from .stack import SMOKE_BATCH_SIZE, Dim, StateTensor, smoke_timesteps
from .wiring import BlockShape, Bridge, block_shapes

__all__ = [
    "BlockPlan",
    "Bridge",
    "GraphPlan",
    "InputPlan",
    "in_model",
    "make_graph_plan",
]


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
class BlockPlan(Stack, BlockShape):
    """A block's shapes (generator/wiring.py) and how it starts."""

    initial_state_mode: str  # zeros | ones | random | input | none | from
    source: str | None  # the block whose state starts this one

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
    """Plan every block of a checked spec, and pick the decoder to step."""
    first = next(iter(spec.inputs.values()))
    inputs = tuple(
        InputPlan(
            name,
            given.timesteps,
            given.step_shape,
            smoke_timesteps(given.timesteps, index),
        )
        for index, (name, given) in enumerate(spec.inputs.items())
    )
    blocks = [
        BlockPlan(
            **vars(shape),
            initial_state_mode=block.initial_state_mode,
            source=getattr(block.initial_state, "source", None),
        )
        for shape, block in zip(block_shapes(spec), spec.blocks)
    ]
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
        smoke_batch_size=first.batch_size or SMOKE_BATCH_SIZE,
    )


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
            if given.initial_state_mode == "from":
                names.add(given.initial_state.source)  # type: ignore[union-attr]
    return names
