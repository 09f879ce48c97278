"""The plan's parts: each model input (as the check found it: rnnspec/check/inputs.py)
and each block, as the templates read them (the whole model: rnnspec/plan/model.py)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..check.inputs import InputShape as InputPlan
from ..check.shapes import BlockShape
from ..check.stack import Dim, StateTensor, StateTree

__all__ = ["CONSTANT", "BlockPlan", "InputPlan", "keras_zeros", "state_inputs"]

CONSTANT = ("zeros", "ones", "random")  # initial states make_initial_state() builds


@dataclass(frozen=True)
class BlockPlan(BlockShape):
    """A block's layers and shapes (rnnspec/check/wiring.py) and how it starts."""

    initial_state_mode: str  # zeros | ones | random | input | none | from
    source: str | None  # the block whose state starts this one
    stateful: bool
    reads: str  # the input or block it reads, by its spec name
    # zeros for a dynamic batch: it passes no initial_state, Keras starts from the
    # same zeros (no custom layer to repeat them over the batch; model._keras_zeros)
    keras_zeros: bool = False

    @cached_property
    def passes_state(self) -> bool:
        """Its layers are called with `initial_state=`."""
        return self.initial_state_mode != "none" and not self.keras_zeros

    @cached_property
    def state_size(self) -> object:
        """Its STATE_SIZE: per layer (one entry a layer), per cell inside a stack."""
        per_layer = [
            (
                layer.cells[0].state_size
                if layer.form != "stacked"
                else tuple(cell.state_size for cell in layer.cells)
            )
            for layer in self.layers
        ]
        return per_layer[0] if len(per_layer) == 1 else tuple(per_layer)

    @cached_property
    def initial_state(self) -> StateTree:
        """What its `initial_state=` takes: the layer's, or a list of one a layer."""
        if len(self.layers) == 1:
            return self.layers[0].initial_state
        return [layer.initial_state for layer in self.layers]

    @cached_property
    def fill(self) -> str:
        """How make_initial_state() fills its arrays: zeros, ones or random."""
        mode = self.initial_state_mode
        return {"input": "random", "none": "zeros"}.get(mode, mode)

    @cached_property
    def returns(self) -> tuple[tuple[str, tuple[Dim, ...]], ...]:
        """Its output(s), then with return_state its states, flat in Keras' order."""
        states = tuple((s.name, s.batch_shape) for s in self.state_tensors)
        top = self.layers[-1]
        outputs = (self.output,) if self.head or self.attention else top.outputs
        return (*outputs, *(states if self.return_state else ()))

    @cached_property
    def initial_variables(self) -> dict[str, str]:
        """Target state name -> the Python name of the tensor passed for it."""
        return {bridge.target.name: bridge.variable for bridge in self.bridges}

    @cached_property
    def step_inputs(self) -> list[str]:
        """The one-step model's inputs: one time step, then the state."""
        return [self.model_input] + [f"initial_{s.name}" for s in self.state_tensors]

    @cached_property
    def params(self) -> int:
        """The weights of its layers, head and bridge: Keras' count_params()."""
        layers = sum(layer.params for layer in self.layers)
        attention = self.attention.params if self.attention else 0
        return (
            layers
            + self.front_params
            + self.head_params
            + self.bridge_params
            + attention
        )


def keras_zeros(mode: str, shape: BlockShape, batch_size: int | None) -> bool:
    """Zeros for any batch size that Keras' own zeros give: not for a stack of one
    one-state cell (flat_state), whose default state JAX's lax.scan refuses
    (tests/keras/test_stacked_one_state.py): that one is passed, repeated."""
    flat = any(layer.flat_state for layer in shape.layers)
    return mode == "zeros" and batch_size is None and not flat


def state_inputs(blocks: tuple[BlockPlan, ...]) -> tuple[StateTensor, ...]:
    """The state tensors of the blocks that take their state as a model input."""
    return tuple(
        s for b in blocks if b.initial_state_mode == "input" for s in b.state_tensors
    )
