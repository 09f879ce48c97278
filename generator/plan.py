"""The plan: everything the templates need, decided in plain Python.

This is the one place that knows Keras' state rules (keras/src/layers/rnn/):

- a cell's `state_size` is `units` for SimpleRNN and GRU, `[units, units]` for LSTM;
  ConvLSTM states are spatial, `(*spatial after the convolution, filters)`;
- `RNN(StackedRNNCells(cells))` takes and returns its state nested per cell;
- `Bidirectional` takes the forward layer's states, then the backward layer's, and
  splits `initial_state` in half; it returns `[output, *forward, *backward]`, or
  `[forward_output, backward_output, *states]` with `merge_mode=None`;
- a layer called with `return_state=True` returns `[output, *states]`.

No TensorFlow here: the plan is checked against real Keras in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from .params import recurrent_params
from .spec import Block, ConvLSTMCell, Spec, conv_output_spatial

Dim = Union[int, str]  # a size, or the name of a dynamic dim: "batch_size", "timesteps"
StateTree = Union["StateTensor", list["StateTree"]]

_KERAS_NAMES = {
    "simple_rnn": ("SimpleRNN", "SimpleRNNCell"),
    "gru": ("GRU", "GRUCell"),
    "lstm": ("LSTM", "LSTMCell"),
    "conv_lstm1d": ("ConvLSTM1D", None),
    "conv_lstm2d": ("ConvLSTM2D", None),
    "conv_lstm3d": ("ConvLSTM3D", None),
}
_MIXED = {"float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


@dataclass(frozen=True)
class StateTensor:
    """One tensor of the recurrent state."""

    name: str  # readable and unique: "lstm_1_h", "backward_gru_h"
    role: str  # "h" or "c"
    shape: tuple[int, ...]  # one sequence's shape, without the batch dim
    direction: str = ""  # "", "forward" or "backward"
    cell: int = 0  # the cell's place in its stack, from 0

    @property
    def batch_shape(self) -> tuple[Dim, ...]:
        return ("batch_size", *self.shape)


@dataclass(frozen=True)
class CellPlan:
    name: str  # "lstm_1"; the layer's name too with stacking: layers
    type: str
    keras_layer: str  # the fused layer class: "LSTM", "ConvLSTM2D"
    keras_cell: str | None  # the cell class for keras.layers.RNN; None for ConvLSTM
    args: tuple[tuple[str, object], ...]  # keyword arguments, values as Python data
    state_shapes: tuple[tuple[int, ...], ...]  # per state tensor: h, or h and c
    output_shape: tuple[int, ...]  # one step's output, without batch and time

    @property
    def state_size(self) -> int | tuple:
        """Keras' `state_size`, with ConvLSTM's spatial shapes spelled out."""
        sizes = tuple(
            shape[0] if len(shape) == 1 else shape for shape in self.state_shapes
        )
        return sizes[0] if self.type in ("simple_rnn", "gru") else sizes

    @property
    def roles(self) -> tuple[str, ...]:
        return ("h",) if len(self.state_shapes) == 1 else ("h", "c")

    @property
    def window(self) -> tuple[int, ...]:
        """A ConvLSTM's kernel_size, one value per spatial dim; () for a vector cell."""
        if self.keras_cell is not None:
            return ()
        kernel = dict(self.args)["kernel_size"]
        if isinstance(kernel, tuple):
            return kernel
        return (int(kernel),) * (len(self.output_shape) - 1)  # type: ignore[call-overload]

    def params(self, features: int) -> int:
        """Its weights (one direction) when it reads `features` values a step."""
        args = dict(self.args)
        return recurrent_params(
            self.type,
            self.output_shape[-1],
            features,
            use_bias=args.get("use_bias") is not False,
            reset_after=args.get("reset_after") is not False,
            kernel_size=self.window,
        )


@dataclass(frozen=True)
class LayerPlan:
    """One Keras recurrent layer, possibly wrapped in Bidirectional."""

    name: str
    form: Literal["fused", "rnn", "stacked"]
    input_shape: tuple[int, ...]  # one time step of its input
    cells: tuple[CellPlan, ...]
    return_sequences: bool
    return_state: bool
    stateful: bool
    merge_mode: str | None  # None: one direction
    initial_state: list[StateTree]  # what this layer's `initial_state=` takes
    states: tuple[StateTensor, ...]  # what it returns after the output, flat
    outputs: tuple[tuple[str, tuple[Dim, ...]], ...]  # its output(s) and shapes

    @property
    def summary(self) -> str:
        """The layer in short Keras terms: "Bidirectional(RNN(LSTMCell(64)))"."""
        cells = [
            f"{cell.keras_cell if self.form != 'fused' else cell.keras_layer}({cell.args[0][1]})"
            for cell in self.cells
        ]
        text = {
            "fused": cells[0],
            "rnn": f"RNN({cells[0]})",
            "stacked": f"RNN(StackedRNNCells([{', '.join(cells)}]))",
        }[self.form]
        return (
            f"Bidirectional({text}, merge_mode={self.merge_mode})"
            if self.merge_mode
            else text
        )

    @property
    def keras_merge_mode(self) -> str | None:
        return None if self.merge_mode == "none" else self.merge_mode

    @property
    def cell_params(self) -> tuple[int, ...]:
        """Per cell, its weights: each reads the one below (the first, the layer's
        input); Bidirectional holds two copies."""
        features = (self.input_shape[-1], *(c.output_shape[-1] for c in self.cells))
        copies = 2 if self.merge_mode else 1
        return tuple(
            copies * cell.params(width) for cell, width in zip(self.cells, features)
        )

    @property
    def params(self) -> int:
        return sum(self.cell_params)


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


def resolve_dims(
    dims: tuple[Dim, ...],
    batch_size: int | None,
    timesteps: int | None | dict[str, int | None],
) -> tuple[int | None, ...]:
    """A shape with its named dims filled in; a graph's timesteps are per input,
    named "timesteps['source']"."""
    sizes: dict[str, int | None] = {"batch_size": batch_size}
    if isinstance(timesteps, dict):
        sizes |= {f"timesteps[{name!r}]": size for name, size in timesteps.items()}
    else:
        sizes["timesteps"] = timesteps
    return tuple(sizes[dim] if isinstance(dim, str) else dim for dim in dims)


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
        smoke_batch_size=spec.input.batch_size or 2,
        smoke_timesteps=spec.input.timesteps or 7,
    )


def plan_stack(
    block: Block,
    step_shape: tuple[int, ...],
    *,
    prefix: str = "",
    output: str = "output",
    time: Dim = "timesteps",
) -> tuple[LayerPlan, ...]:
    """The layers of one block; names start with `prefix`, its output is `output`."""
    cells = _plan_cells(block, step_shape)
    # Layer names double as Python variables: from cell types and the block's name
    # only (generator/names.py checks that block and input names make no name twice).
    if block.stacking == "cells":
        groups = [(f"{prefix}rnn", cells)]
    else:
        groups = [(f"{prefix}{cell.name}", [cell]) for cell in cells]
    layers: list[LayerPlan] = []
    for i, (name, group) in enumerate(groups):
        top = i == len(groups) - 1
        layers.append(
            _plan_layer(
                block, name, group, first=0 if block.stacking == "cells" else i, prefix=prefix, time=time,
                output=output if top else f"{name}_output", top=top,
                input_shape=_step(layers[-1]) if layers else step_shape,
            )
        )  # fmt: skip
    return tuple(layers)


def _step(layer: LayerPlan) -> tuple[int, ...]:
    """One time step of an inner layer's output (a sequence), merged directions."""
    return tuple(int(size) for size in layer.outputs[0][1][2:])


def _plan_cells(spec: Block, step_shape: tuple[int, ...]) -> list[CellPlan]:
    plans = []
    for index, cell in enumerate(spec.cells, start=1):
        name = cell.type if len(spec.cells) == 1 else f"{cell.type}_{index}"
        layer_class, cell_class = _KERAS_NAMES[cell.type]
        if isinstance(cell, ConvLSTMCell):
            spatial = conv_output_spatial(cell, step_shape[:-1])
            state = (*spatial, cell.filters)
            args = {
                "filters": cell.filters,
                "kernel_size": _compact(cell.per_dim("kernel_size")),
                "padding": cell.padding,
                "strides": _compact(cell.per_dim("strides")),
            }
        else:
            state = (cell.units,)
            args = {"units": cell.units}
        args.update(cell.keras_options())
        count = 1 if cell.type in ("simple_rnn", "gru") else 2
        plans.append(
            CellPlan(
                name=name,
                type=cell.type,
                keras_layer=layer_class,
                keras_cell=cell_class,
                args=tuple(args.items()),
                state_shapes=(state,) * count,
                output_shape=state,
            )
        )
        step_shape = state
    return plans


def _compact(values: tuple[int, ...]) -> int | tuple[int, ...]:
    """3 rather than (3, 3), as a Keras user writes it."""
    return values[0] if len(set(values)) == 1 else values


def _plan_layer(
    spec: Block,
    name: str,
    cells: list[CellPlan],
    *,
    first: int,
    prefix: str,
    output: str,
    time: Dim,
    top: bool,
    input_shape: tuple[int, ...],
) -> LayerPlan:
    """One layer over `cells`, the first of which is cell number `first` of its block."""
    merge_mode = spec.merge_mode
    return_sequences = spec.return_sequences if top else True
    per_direction: list[list[StateTree]] = []
    for direction in ("forward", "backward") if merge_mode else ("",):
        start = f"{prefix}{direction}_" if direction else prefix
        per_cell = [
            [
                StateTensor(
                    f"{start}{cell.name}_{role}", role, shape, direction, first + index
                )
                for role, shape in zip(cell.roles, cell.state_shapes)
            ]
            for index, cell in enumerate(cells)
        ]
        per_direction.append(per_cell if spec.stacking == "cells" else per_cell[0])
    initial_state = [tree for direction in per_direction for tree in direction]
    out_shape = cells[-1].output_shape
    times: tuple[Dim, ...] = (time,) if return_sequences else ()
    if merge_mode == "none":
        outputs = tuple(
            (f"{direction}_{output}", ("batch_size", *times, *out_shape))
            for direction in ("forward", "backward")
        )
    else:
        last = out_shape[-1] * 2 if merge_mode == "concat" else out_shape[-1]
        outputs = ((output, ("batch_size", *times, *out_shape[:-1], last)),)
    return LayerPlan(
        name=name,
        form="stacked" if spec.stacking == "cells" else spec.layer_form,
        input_shape=input_shape,
        cells=tuple(cells),
        return_sequences=return_sequences,
        return_state=spec.return_state,
        stateful=spec.stateful,
        merge_mode=merge_mode,
        initial_state=initial_state,
        states=tuple(_flatten(initial_state)),
        outputs=outputs,
    )


def _flatten(tree: StateTree) -> list[StateTensor]:
    if isinstance(tree, StateTensor):
        return [tree]
    return [leaf for item in tree for leaf in _flatten(item)]
