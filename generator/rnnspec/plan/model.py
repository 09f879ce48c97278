"""The model plan: everything a target's templates need, decided in plain Python.

Every spec arrives normalised (rnnspec/spec/normalise.py): named inputs, blocks in order.
Each block's layers, output and state come from Keras' state rules (rnnspec/check/stack.py)
through the spec layer's wiring (rnnspec/check/wiring.py), which also made the hand-overs'
bridges; here they become the module's plan: dtypes, the smoke test's sizes, the
module constants (`TIMESTEPS`, `STATE_SIZE`), the state the model takes and returns,
and the decoder that build_inference_models() steps. The plan trusts its spec: every
rule was checked when the spec was loaded. No TensorFlow here: the plan is checked
against real Keras in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check.decoding import Generator, feedback_of, generator_of, steppable_decoder
from ..spec.normalise import ModelSpec, normalise
from ..check.checked import GraphSpec, Spec
from ..check.stack import (
    SMOKE_BATCH_SIZE,
    CellPlan,
    Dim,
    LayerPlan,
    StateTensor,
    StateTree,
    resolve_dims,
    smoke_timesteps,
)
from ..check.shapes import BlockShape, Bridge, input_tensor
from .parts import CONSTANT, BlockPlan, InputPlan
from .summary import summary_lines
from ..check.training import TrainedOutput, TrainingPlan, plan_training
from ..check.wiring import block_shapes, needed

__all__ = [
    "BlockPlan",
    "Bridge",
    "CellPlan",
    "Dim",
    "InputPlan",
    "LayerPlan",
    "ModelPlan",
    "StateTensor",
    "StateTree",
    "make_plan",
    "resolve_dims",
]

_MIXED = {"float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


@dataclass(frozen=True)
class ModelPlan:
    name: str
    description: str
    spec: ModelSpec
    keyed: bool  # module constants keyed by input and block (see rnnspec/spec/normalise.py)
    batch_size: int | None
    dtype: str  # of inputs and outputs
    layer_dtype: str  # Keras dtype policy of the layers
    state_dtype: str  # numpy dtype of the initial state arrays
    inputs: tuple[InputPlan, ...]
    blocks: tuple[BlockPlan, ...]
    outputs: tuple[str, ...]  # block names
    decoder: str | None  # the block that build_inference_models() steps, if any
    smoke_batch_size: int
    training: TrainingPlan | None = None  # how compile_model() trains it (issue 12)

    def _constant(self, values: dict[str, object]) -> object:
        """A module constant: keyed by name, or the one value unkeyed."""
        return values if self.keyed else next(iter(values.values()))

    @property
    def timesteps(self) -> object:
        """TIMESTEPS: per input, its length (None: any)."""
        return self._constant({i.name: i.timesteps for i in self.sequences})

    @property
    def step_shapes(self) -> dict[str, tuple[int, ...]]:
        return {i.name: i.step_shape for i in self.inputs}

    @property
    def smoke_timesteps(self) -> object:
        return self._constant({i.name: i.smoke_timesteps for i in self.sequences})

    @property
    def sequences(self) -> tuple[InputPlan, ...]:
        """The inputs with a time axis."""
        return tuple(i for i in self.inputs if i.sequence)

    @property
    def state_size(self) -> object:
        """STATE_SIZE: per block, Keras' state_size of its cell(s)."""
        return self._constant({b.name: b.state_size for b in self.blocks})

    @property
    def state_size_note(self) -> str:
        """What STATE_SIZE's entries are, where they are not per block."""
        layers = self.blocks[0].layers
        if self.keyed:
            return ""
        if len(layers) > 1:
            return ": one entry a layer"
        return ": one entry a cell" if layers[0].form == "stacked" else ""

    @property
    def stateful(self) -> bool:
        return any(block.stateful for block in self.blocks)

    @property
    def stateful_layers(self) -> tuple[LayerPlan, ...]:
        """The model's stateful recurrent layers, block by block: reset_states()'s."""
        return tuple(
            layer for b in self.model_blocks if b.stateful for layer in b.layers
        )

    @property
    def model_blocks(self) -> tuple[BlockPlan, ...]:
        """The blocks the outputs depend on: the model's (any other is built, unused)."""
        names = needed(self.spec.outputs, self.spec.blocks)
        return tuple(b for b in self.blocks if b.name in names)

    @property
    def params(self) -> int:
        """The model's weights: Keras' count_params()."""
        return sum(b.params for b in self.model_blocks) + sum(
            i.params for i in self.inputs
        )

    @property
    def array_dtype(self) -> str:
        """The module constant that numpy arrays use."""
        return "DTYPE" if self.state_dtype == self.dtype else "ARRAY_DTYPE"

    @property
    def teacher_forced(self) -> TrainedOutput | None:
        """The decoder's trained output, when its head scores its own input's classes
        under a crossentropy: teacher_forcing() shifts one sequence into both."""
        if self.training is None or self.feedback not in ("token", "one_hot"):
            return None
        return self.training.teacher_forced(self.decoder)

    def mask(self, block: BlockPlan) -> InputPlan | None:
        """The token input whose Keras mask reaches `block`'s recurrent layers (as the
        check found: rnnspec/shapes.py's `masked`), or None. Keras fills it in for a
        layer called on one tensor; a layer also given its initial state gets it as
        `mask=` (Keras 3 would apply none)."""
        return self.input(block.model_input) if block.masked else None

    def masked_inputs(
        self, blocks: tuple[BlockPlan, ...], step: bool = False
    ) -> list[InputPlan]:
        """The inputs whose masks `blocks` pass as `mask=`, each once: those of the
        blocks called with their initial state (all, in a one-step model: `step`)."""
        found = (
            self.mask(block)
            for block in blocks
            if step or block.initial_state_mode != "none"
        )
        return list({given.name: given for given in found if given}.values())

    def block(self, name: str) -> BlockPlan:
        return next(block for block in self.blocks if block.name == name)

    def input(self, name: str) -> InputPlan:
        return next(given for given in self.inputs if given.name == name)

    @property
    def returns(self) -> tuple[tuple[str, tuple[Dim, ...]], ...]:
        """What build_model() returns, in order: per output block, its returns."""
        return tuple(item for name in self.outputs for item in self.block(name).returns)

    @property
    def state_inputs(self) -> tuple[StateTensor, ...]:
        """The state tensors that are model inputs (initial_state: input), in order."""
        return _state_inputs(self.blocks)

    @property
    def model_inputs(self) -> list[str]:
        """build_model()'s inputs: the inputs, then any state inputs, flat."""
        return [i.name for i in self.inputs] + [
            f"initial_{s.name}" for s in self.state_inputs
        ]

    @property
    def constant_blocks(self) -> tuple[BlockPlan, ...]:
        """Blocks that start from an initial state make_initial_state() builds."""
        return tuple(
            b for b in self.blocks if b.initial_state_mode in (*CONSTANT, "input")
        )

    @property
    def initial_blocks(self) -> tuple[BlockPlan, ...]:
        """The blocks make_initial_state() builds a state for; unkeyed, it always
        builds the one block's (Keras' zeros where the model passes none)."""
        return self.constant_blocks if self.keyed else self.blocks

    @property
    def repeat_over_batch(self) -> bool:
        """A fixed initial state with a dynamic batch: repeat it inside the model."""
        return self.batch_size is None and any(
            b.initial_state_mode in CONSTANT for b in self.blocks
        )

    @property
    def feedback(self) -> str:
        """What the decoder's loop feeds back: "token" or "one_hot" (its most likely
        class), "output", or "data" (rnnspec/spec/decoding.py)."""
        if self.decoder is None:
            return ""
        return feedback_of(self.spec, self.block(self.decoder))

    @property
    def generator(self) -> Generator | None:
        """How the model generates classes, if its spec has a `decoding` section
        (decoding.jinja's decoders): its decoder fed back its most likely class, or
        window generation. None without one: a module has decoders only if asked."""
        if self.spec.decoding is None:
            return None
        return generator_of(self.spec, self.blocks)

    @property
    def memories(self) -> tuple[str, ...]:
        """What the encoder model returns before the decoder's initial state, and the
        one-step decoder takes after its step: the sequence its attention reads, then
        (for a memory of masked tokens) that memory's mask."""
        attention = self.block(self.decoder).attention if self.decoder else None
        if attention is None:
            return ()
        return (attention.memory,) + ((attention.mask,) if attention.mask else ())

    @property
    def encoder_blocks(self) -> tuple[BlockPlan, ...]:
        """The blocks the decoder's initial state and memory depend on, in order."""
        if self.decoder is None:
            return ()
        decoder = self.block(self.decoder)
        memory = [decoder.attention.over] if decoder.attention else []
        names = needed([decoder.source, *memory], self.spec.blocks)
        return tuple(b for b in self.blocks if b.name in names)

    @property
    def encoder_inputs(self) -> tuple[InputPlan, ...]:
        names = {b.reads for b in self.encoder_blocks}
        if self.decoder is not None:
            names.add(self.block(self.decoder).projected)
        return tuple(i for i in self.inputs if i.name in names)

    @property
    def encoder_state_inputs(self) -> tuple[StateTensor, ...]:
        return _state_inputs(self.encoder_blocks)

    @property
    def encoder_model_inputs(self) -> list[str]:
        return [i.name for i in self.encoder_inputs] + [
            f"initial_{s.name}" for s in self.encoder_state_inputs
        ]

    @property
    def summary(self) -> list[str]:
        """The header comment: inputs and blocks, a line each."""
        return summary_lines(self.inputs, self.blocks, self.batch_size)


def make_plan(spec: Spec | GraphSpec | ModelSpec) -> ModelPlan:
    """Plan every block of a checked spec, and pick the decoder to step."""
    model = normalise(spec)
    first = next(iter(model.inputs.values()))
    inputs = tuple(
        InputPlan(
            name,
            given.timesteps,
            () if given.embedding else given.step_shape,
            smoke_timesteps(given.timesteps, index),
            input_tensor(name, given),
            given.vocabulary,
            given.embedding,
            given.mask_zero,
            given.sequence,
        )
        for index, (name, given) in enumerate(model.inputs.items())
    )
    blocks = tuple(
        BlockPlan(
            **vars(shape),
            initial_state_mode=block.initial_state_mode,
            source=getattr(block.initial_state, "source", None),
            stateful=block.stateful,
            reads=block.input,
        )
        for shape, block in zip(block_shapes(model), model.blocks)
    )
    dtype = first.dtype
    return ModelPlan(
        name=model.name,
        description=model.description,
        spec=model,
        keyed=model.keyed,
        batch_size=first.batch_size,
        dtype=dtype,
        layer_dtype=_MIXED.get(dtype, dtype),
        state_dtype="float32" if dtype in _MIXED else dtype,
        inputs=inputs,
        blocks=blocks,
        outputs=model.outputs,
        decoder=steppable_decoder(model),
        smoke_batch_size=first.batch_size or SMOKE_BATCH_SIZE,
        training=plan_training(model, list(blocks)),
    )


def _state_inputs(blocks: tuple[BlockPlan, ...]) -> tuple[StateTensor, ...]:
    return tuple(
        s for b in blocks if b.initial_state_mode == "input" for s in b.state_tensors
    )
