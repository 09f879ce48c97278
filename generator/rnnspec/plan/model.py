"""The model plan: everything a target's templates need, decided in plain Python.

Every spec arrives normalised (rnnspec/spec/normalise.py): named inputs, blocks in order.
Each block's layers, output and state, the hand-overs' bridges, the training plan and
the decoder are what the check found when the spec was loaded (`Checked`,
rnnspec/check/checked.py), computed once; here they become the module's plan: dtypes,
the smoke test's sizes, the module constants (`TIMESTEPS`, `STATE_SIZE`), the state the
model takes and returns, and the decoder that build_inference_models() steps. The plan
reads what the check found and raises nothing. No TensorFlow here: the plan is checked
against real Keras in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import cast

from ..check.checked import Checked, GraphSpec, Spec
from ..check.decoding import Generator
from ..check.stack import (
    SMOKE_BATCH_SIZE,
    CellPlan,
    Dim,
    LayerPlan,
    StateTensor,
    StateTree,
    resolve_dims,
)
from ..check.nodes import NodeShape
from ..check.shapes import Bridge
from .names import builtin_aliases, own_names, public_aliases
from .parts import CONSTANT, BlockPlan, InputPlan, keras_zeros, state_inputs
from .summary import summary_lines
from ..check.training import TrainedOutput, TrainingPlan
from ..settle import extended, settle
from ..spec.normalise import ModelSpec, normalise

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
    spec: Checked
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
    feedback: str = ""  # what the decoder's loop feeds back (rnnspec/check/decoding.py)
    generator: Generator | None = None  # how the model generates classes, if it does
    nodes: tuple[NodeShape, ...] = ()  # the layer nodes, in order

    @cached_property
    def graph(self) -> tuple[tuple[str, BlockPlan | NodeShape], ...]:
        """("block" or "node", its plan) for each entry, in the spec's order: each
        reads only those above it."""
        kinds = {block.name: ("block", block) for block in self.blocks}
        kinds |= {node.name: ("node", node) for node in self.nodes}
        return tuple(kinds[entry.name] for entry in self.spec.entries)  # type: ignore[misc]

    @cached_property
    def named_nodes(self) -> dict[str, NodeShape]:
        return {node.name: node for node in self.nodes}

    @cached_property
    def model_nodes(self) -> tuple[NodeShape, ...]:
        """The nodes the outputs depend on."""
        return tuple(n for n in self.nodes if n.name in self.spec.used)

    def _constant(self, values: dict[str, object]) -> object:
        """A module constant: keyed by name, or the one value unkeyed."""
        return values if self.keyed else next(iter(values.values()))

    @cached_property
    def timesteps(self) -> object:
        """TIMESTEPS: per input, its length (None: any)."""
        return self._constant({i.name: i.timesteps for i in self.sequences})

    @cached_property
    def step_shapes(self) -> dict[str, tuple[int, ...]]:
        return {i.name: i.step_shape for i in self.inputs}

    @cached_property
    def smoke_timesteps(self) -> object:
        return self._constant({i.name: i.smoke_timesteps for i in self.sequences})

    @cached_property
    def sequences(self) -> tuple[InputPlan, ...]:
        """The inputs with a time axis."""
        return tuple(i for i in self.inputs if i.sequence)

    @cached_property
    def state_size(self) -> object:
        """STATE_SIZE: per block, Keras' state_size of its cell(s)."""
        return self._constant({b.name: b.state_size for b in self.blocks})

    @cached_property
    def state_size_note(self) -> str:
        """What STATE_SIZE's entries are, where they are not per block."""
        layers = self.blocks[0].layers
        if self.keyed:
            return ""
        if len(layers) > 1:
            return ": one entry a layer"
        return ": one entry a cell" if layers[0].form == "stacked" else ""

    @cached_property
    def stateful(self) -> bool:
        return any(block.stateful for block in self.blocks)

    @cached_property
    def stateful_layers(self) -> tuple[LayerPlan, ...]:
        """The model's stateful recurrent layers, block by block: reset_states()'s."""
        return tuple(
            layer for b in self.model_blocks if b.stateful for layer in b.layers
        )

    @cached_property
    def model_blocks(self) -> tuple[BlockPlan, ...]:
        """The blocks the outputs depend on: the model's (any other is built, unused)."""
        return tuple(b for b in self.blocks if b.name in self.spec.used)

    @cached_property
    def params(self) -> int:
        """The model's weights: Keras' count_params()."""
        return (
            sum(b.params for b in self.model_blocks)
            + sum(n.params for n in self.model_nodes)
            + sum(i.params for i in self.inputs)
        )

    @cached_property
    def array_dtype(self) -> str:
        """The module constant that numpy arrays use."""
        own = self.own
        return own["DTYPE"] if self.state_dtype == self.dtype else own["ARRAY_DTYPE"]

    @cached_property
    def own(self) -> dict[str, str]:
        """The module's own names, each renamed where the spec makes it too
        (rnnspec/plan/names.py): the templates write `own.keras`, never `keras`."""
        return own_names(self.spec.python_names)

    @cached_property
    def builtin_aliases(self) -> list[tuple[str, str]]:
        """(alias, builtin) for each builtin the module renames."""
        return builtin_aliases(self.own)

    @cached_property
    def public_aliases(self) -> list[tuple[str, str]]:
        """(name, renamed) for each function or constant the module renames."""
        return [a for a in public_aliases(self.own) if a[0] in self.module_names]

    @cached_property
    def module_names(self) -> frozenset[str]:
        """The module-level names of rnnspec/plan/names.py the module defines."""
        parts = {
            ("STEP_SHAPES" if self.keyed else "STEP_SHAPE",): True,
            ("ARRAY_DTYPE",): self.state_dtype != self.dtype,
            ("RepeatOverBatch",): self.repeat_over_batch,
            ("InputFeeding",): self.input_feeding,
            ("FeedBack",): self.feeds_back,
            ("make_initial_state",): bool(self.initial_blocks),
            ("build_inference_models",): self.decoder is not None,
            ("build_step_model",): self.generator_block is not None,
            ("reset_states",): self.stateful,
            ("build_training_model", "compile_model"): self.training is not None,
            ("teacher_forcing",): self.teacher_forced is not None,
            ("CLASSES", "decode_step", "greedy_decode")
            + ("sample_decode", "beam_search_decode"): self.generator
            is not None,
        }
        always = ("NAME", "BATCH_SIZE", "TIMESTEPS", "DTYPE", "SEED", "RETURNED")
        always += ("check_shape", "check_returned", "recurrent_part", "build_model")
        return frozenset(
            (
                *always,
                "main",
                *(name for names, has in parts.items() if has for name in names),
            )
        )

    @cached_property
    def teacher_forced(self) -> TrainedOutput | None:
        """The decoder's trained output, when its head scores its own input's classes
        under a crossentropy: teacher_forcing() shifts one sequence into both."""
        return self.spec.teacher_forced

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
        found = (self.passed_mask(block, step) for block in blocks)
        made = (given for given in found if given and not given.mask_input)
        return list({given.name: given for given in made}.values())

    def passed_mask(self, block: BlockPlan, step: bool = False) -> InputPlan | None:
        """The input whose mask `block`'s layers get as `mask=`: with their initial
        state (all, in a one-step model: `step`), or where it reads an input that has
        a mask input (Keras has no mask on the input itself to fill in)."""
        given = self.mask(block)
        if given is None:
            return None
        direct = given.mask_input is not None and block.reads == given.name
        return given if step or block.passes_state or direct else None

    def block(self, name: str) -> BlockPlan:
        return self.named_blocks[name]

    def input(self, name: str) -> InputPlan:
        return self.named_inputs[name]

    @cached_property
    def named_blocks(self) -> dict[str, BlockPlan]:
        return {block.name: block for block in self.blocks}

    @cached_property
    def named_inputs(self) -> dict[str, InputPlan]:
        return {given.name: given for given in self.inputs}

    @cached_property
    def masks(self) -> dict[str, InputPlan | None]:
        """Per block, by name: `mask(block)`."""
        return {block.name: self.mask(block) for block in self.blocks}

    @cached_property
    def passed_masks(self) -> dict[str, InputPlan | None]:
        """Per block, by name: `passed_mask(block)`, what its layers get as `mask=`
        in build_model() (in a one-step model: `masks`)."""
        return {block.name: self.passed_mask(block) for block in self.blocks}

    @cached_property
    def model_masks(self) -> list[InputPlan]:
        """The masks build_model() passes as `mask=`."""
        return self.masked_inputs(self.blocks)

    @cached_property
    def encoder_masks(self) -> list[InputPlan]:
        """The masks the encoder model passes as `mask=`."""
        return self.masked_inputs(self.encoder_blocks)

    @cached_property
    def decoder_block(self) -> BlockPlan | None:
        """The block that build_inference_models() steps, if any."""
        return self.block(self.decoder) if self.decoder else None

    @cached_property
    def decoder_input(self) -> InputPlan | None:
        """The model input the decoder reads a step of, if there is a decoder."""
        block = self.decoder_block
        return self.input(block.model_input) if block else None

    @cached_property
    def step_masks(self) -> list[InputPlan]:
        """The masks the one-step decoder passes as `mask=`."""
        block = self.decoder_block
        return self.masked_inputs((block,), step=True) if block else []

    @cached_property
    def generator_block(self) -> BlockPlan | None:
        """The language model's block that build_step_model() steps, if the model
        generates with a one-step model of its own (rnnspec/check/onestep.py)."""
        gen = self.generator
        return self.block(gen.block) if gen and gen.kind == "onestep" else None

    @cached_property
    def generator_masks(self) -> list[InputPlan]:
        """The masks build_step_model()'s model passes as `mask=`."""
        block = self.generator_block
        return self.masked_inputs((block,), step=True) if block else []

    @cached_property
    def returns(self) -> tuple[tuple[str, tuple[Dim, ...]], ...]:
        """What build_model() returns, in order: per output block, its returns; per
        output node, its output."""
        return tuple(
            item
            for name in self.outputs
            for item in (
                (self.named_nodes[name].output,)
                if name in self.named_nodes
                else self.block(name).returns
            )
        )

    @cached_property
    def state_inputs(self) -> tuple[StateTensor, ...]:
        """The state tensors that are model inputs (initial_state: input), in order."""
        return state_inputs(self.blocks)

    @cached_property
    def model_inputs(self) -> list[str]:
        """build_model()'s inputs: the inputs, then any state inputs, flat."""
        return [i.name for i in self.inputs] + [
            f"initial_{s.name}" for s in self.state_inputs
        ]

    @cached_property
    def constant_blocks(self) -> tuple[BlockPlan, ...]:
        """Blocks that start from an initial state make_initial_state() builds."""
        return tuple(
            b for b in self.blocks if b.initial_state_mode in (*CONSTANT, "input")
        )

    @cached_property
    def initial_blocks(self) -> tuple[BlockPlan, ...]:
        """The blocks make_initial_state() builds a state for; unkeyed, it always
        builds the one block's (Keras' zeros where the model passes none)."""
        return self.constant_blocks if self.keyed else self.blocks

    @cached_property
    def repeat_over_batch(self) -> bool:
        """A fixed initial state other than zeros with a dynamic batch: repeat it
        inside the model (zeros: Keras' own, passed as none)."""
        return self.batch_size is None and any(
            b.initial_state_mode in CONSTANT and not b.keras_zeros for b in self.blocks
        )

    @cached_property
    def input_feeding(self) -> bool:
        """Whether a block attends before its step: the module defines InputFeeding,
        the layer that runs it."""
        return any(b.attention and b.attention.feeding for b in self.blocks)

    @cached_property
    def feeds_back(self) -> bool:
        """A block predicts by feeding its head back: the module defines FeedBack."""
        return any(b.feedback is not None for b in self.model_blocks)

    @cached_property
    def memories(self) -> tuple[str, ...]:
        """What the encoder model returns before the decoder's initial state, and the
        one-step decoder takes after its step: the sequence its attention reads, then
        (for a memory of masked tokens) that memory's mask."""
        attention = self.block(self.decoder).attention if self.decoder else None
        if attention is None:
            return ()
        return (attention.memory,) + ((attention.mask,) if attention.mask else ())

    @cached_property
    def encoder_blocks(self) -> tuple[BlockPlan, ...]:
        """The blocks the decoder's initial state and memory depend on, in order."""
        return tuple(b for b in self.blocks if b.name in self.spec.encoder)

    @cached_property
    def encoder_inputs(self) -> tuple[InputPlan, ...]:
        names = {b.reads for b in self.encoder_blocks}
        if self.decoder is not None:
            names.add(self.block(self.decoder).projected)
        return tuple(i for i in self.inputs if (i.masks or i.name) in names)

    @cached_property
    def encoder_state_inputs(self) -> tuple[StateTensor, ...]:
        return state_inputs(self.encoder_blocks)

    @cached_property
    def encoder_model_inputs(self) -> list[str]:
        return [i.name for i in self.encoder_inputs] + [
            f"initial_{s.name}" for s in self.encoder_state_inputs
        ]

    @cached_property
    def summary(self) -> list[str]:
        """The header comment: inputs and blocks, a line each."""
        return summary_lines(self.inputs, self.graph, self.batch_size)


def make_plan(spec: Spec | GraphSpec | ModelSpec) -> ModelPlan:
    """Plan every block of a checked spec (or of the model spec `normalise` gives for
    one) from what its check found: shapes, hand-overs, training, the decoder."""
    model = cast(Checked, normalise(spec))  # what the check found
    first = next(iter(model.inputs.values()))
    blocks = tuple(
        extended(
            shape,
            BlockPlan,
            initial_state_mode=block.initial_state_mode,
            source=getattr(block.initial_state, "source", None),
            stateful=block.stateful,
            reads=block.input,
            keras_zeros=keras_zeros(block.initial_state_mode, shape, first.batch_size)
            or shape.feedback is not None,
        )
        for shape, block in zip(model.shapes, model.blocks)
    )
    dtype = first.dtype
    plan = ModelPlan(
        name=model.name,
        description=model.description,
        spec=model,
        keyed=model.keyed,
        batch_size=first.batch_size,
        dtype=dtype,
        layer_dtype=_MIXED.get(dtype, dtype),
        state_dtype="float32" if dtype in _MIXED else dtype,
        inputs=model.input_shapes,
        blocks=blocks,
        outputs=model.outputs,
        decoder=model.decoder,
        smoke_batch_size=first.batch_size or SMOKE_BATCH_SIZE,
        training=model.training_plan,
        feedback=model.feedback,
        generator=model.generator,
        nodes=model.node_shapes,
    )
    return settle(plan)
