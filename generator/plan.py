"""The plan of a short-form spec: everything the templates need, decided in plain Python.

Keras' state rules for a stack of cells are in generator/stack.py (the spec's rules
read them too); here they become the module's plan: dtypes, the smoke test's sizes,
`STATE_SIZE`, the nested initial state and what `build_model()` returns. The plan
trusts its spec: every rule was checked when the spec was loaded.
No TensorFlow here: the plan is checked against real Keras in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import Spec
from .stack import (
    SMOKE_BATCH_SIZE,
    CellPlan,
    Dim,
    LayerPlan,
    StateTensor,
    StateTree,
    plan_stack,
    resolve_dims,
    smoke_timesteps,
)

__all__ = [
    "CellPlan",
    "Dim",
    "LayerPlan",
    "Plan",
    "Stack",
    "StateTensor",
    "StateTree",
    "make_plan",
    "plan_stack",
    "resolve_dims",
]

_MIXED = {"float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


class Stack:
    """What a stack of recurrent layers (a spec's, or a block's) says of its state."""

    layers: tuple[LayerPlan, ...]

    @property
    def state_size(self) -> object:
        """STATE_SIZE: per layer (one entry a layer), per cell inside a stack."""
        per_layer = [
            (
                layer.cells[0].state_size
                if layer.form != "stacked"
                else tuple(cell.state_size for cell in layer.cells)
            )
            for layer in self.layers
        ]
        return per_layer[0] if len(per_layer) == 1 else tuple(per_layer)

    @property
    def initial_state(self) -> StateTree:
        """make_initial_state()'s structure: the layer's, or a list of one a layer."""
        if len(self.layers) == 1:
            return self.layers[0].initial_state
        return [layer.initial_state for layer in self.layers]

    @property
    def state_tensors(self) -> tuple[StateTensor, ...]:
        return tuple(state for layer in self.layers for state in layer.states)

    @property
    def params(self) -> int:
        """The weights of its layers: Keras' count_params()."""
        return sum(layer.params for layer in self.layers)


@dataclass(frozen=True)
class Plan(Stack):
    name: str
    description: str
    spec: Spec
    batch_size: int | None
    timesteps: int | None
    step_shape: tuple[int, ...]  # one time step: (features,) or (*spatial, channels)
    dtype: str  # of inputs and outputs
    layer_dtype: str  # Keras dtype policy of the layers
    state_dtype: str  # numpy dtype of the initial state arrays
    initial_state_mode: str
    layers: tuple[LayerPlan, ...]
    smoke_batch_size: int
    smoke_timesteps: int

    @property
    def returns(self) -> tuple[tuple[str, tuple[Dim, ...]], ...]:
        """What build_model() returns, in order: the output(s), then the states flat."""
        top = self.layers[-1]
        if not self.spec.return_state:
            return top.outputs
        return top.outputs + tuple((s.name, s.batch_shape) for s in self.state_tensors)

    @property
    def model_inputs(self) -> list[str]:
        """build_model()'s inputs: the sequence, then any state inputs, flat."""
        states = [f"initial_{s.name}" for s in self.state_tensors]
        return ["sequence", *(states if self.initial_state_mode == "input" else [])]

    @property
    def fill(self) -> str:
        """How make_initial_state() fills its arrays: zeros, ones or random."""
        return {"input": "random", "none": "zeros"}.get(
            self.initial_state_mode, self.initial_state_mode
        )

    @property
    def array_dtype(self) -> str:
        """The module constant that numpy arrays use."""
        return "DTYPE" if self.state_dtype == self.dtype else "ARRAY_DTYPE"

    @property
    def repeat_over_batch(self) -> bool:
        """A fixed initial state with a dynamic batch: repeat it inside the model."""
        return self.batch_size is None and self.initial_state_mode in (
            "zeros",
            "ones",
            "random",
        )

    @property
    def state_size_note(self) -> str:
        if len(self.layers) > 1:
            return ": one entry a layer"
        if self.layers[0].form == "stacked":
            return ": one entry a cell"
        return ""

    @property
    def summary(self) -> list[str]:
        """The header comment: input, layers and state in a few lines."""
        dims = ", ".join(
            f"{key}={value}"
            for key, value in (
                ("batch_size", self.batch_size),
                ("timesteps", self.timesteps),
            )
        )
        step = (
            f"shape={self.step_shape}"
            if self.spec.is_conv
            else f"features={self.step_shape[0]}"
        )
        lines = [f"input: {dims}, {step}, dtype={self.dtype}"]
        for layer in self.layers:
            lines.append(f"{layer.name}: {layer.summary}")
        lines.append(f"initial_state: {self.initial_state_mode}")
        return lines


def make_plan(spec: Spec) -> Plan:
    """Decide layers, cells, arguments and the full state tree of a checked spec."""
    step_shape = tuple(spec.input.shape) if spec.is_conv else (spec.input.features,)
    dtype = spec.input.dtype
    return Plan(
        name=spec.name,
        description=spec.description,
        spec=spec,
        batch_size=spec.input.batch_size,
        timesteps=spec.input.timesteps,
        step_shape=step_shape,
        dtype=dtype,
        layer_dtype=_MIXED.get(dtype, dtype),
        state_dtype="float32" if dtype in _MIXED else dtype,
        initial_state_mode=spec.initial_state_mode,
        layers=plan_stack(spec, step_shape),
        smoke_batch_size=spec.input.batch_size or SMOKE_BATCH_SIZE,
        smoke_timesteps=smoke_timesteps(spec.input.timesteps),
    )
