"""Keras' state rules for one stack of recurrent cells (keras/src/layers/rnn/):

- a cell's states and output step take their shapes from the cell registry
  (rnnspec/cells.py): `(units,)`, or a ConvLSTM's `(*spatial after the convolution,
  filters)`;
- `RNN(StackedRNNCells(cells))` takes and returns its state nested per cell;
- `Bidirectional` takes the forward layer's states, then the backward layer's, and
  splits `initial_state` in half; it returns `[output, *forward, *backward]`, or
  `[forward_output, backward_output, *states]` with `merge_mode=None`;
- a layer called with `return_state=True` returns `[output, *states]`.

Pure Python on a checked spec block, so that both the spec's rules (hand-over, names,
sizes) and the plan read one answer. The tests hold it against real Keras.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Union

from ..cells import CELLS, CellKind, keras_args, size_of, state_shape
from .params import recurrent_params

if TYPE_CHECKING:
    from ..spec.models import Block

Dim = Union[int, str]  # a size, or the name of a dynamic dim: "batch_size", "timesteps"
StateTree = Union["StateTensor", list["StateTree"]]
SMOKE_BATCH_SIZE = 2  # the smoke test's batch where the spec leaves it open


def smoke_timesteps(timesteps: int | None, index: int = 0, least: int = 0) -> int:
    """The smoke test's timesteps of input number `index`, where the spec leaves them
    open: at least `least` (a loss that skips steps needs some left)."""
    return timesteps or max(7 + index, least)


@dataclass(frozen=True)
class StateTensor:
    """One tensor of the recurrent state."""

    name: str  # readable and unique: "lstm_1_h", "backward_gru_h"
    role: str  # "h" or "c"
    shape: tuple[int, ...]  # one sequence's shape, without the batch dim
    direction: str = ""  # "", "forward" or "backward"
    cell: int = 0  # the cell's place in its stack, from 0

    @cached_property
    def batch_shape(self) -> tuple[Dim, ...]:
        return ("batch_size", *self.shape)


@dataclass(frozen=True)
class CellPlan:
    name: str  # "lstm_1"; the layer's name too with stacking: layers
    type: str
    size: int  # units or filters: Keras' positional argument
    args: tuple[tuple[str, object], ...]  # the keyword arguments, values as Python data
    state_shapes: tuple[tuple[int, ...], ...]  # per state tensor: h, or h and c
    output_shape: tuple[int, ...]  # one step's output, without batch and time

    @cached_property
    def kind(self) -> CellKind:
        return CELLS[self.type]

    @cached_property
    def keras_layer(self) -> str:
        """The fused layer class: "LSTM", "ConvLSTM2D"."""
        return self.kind.keras_layer

    @cached_property
    def keras_cell(self) -> str | None:
        """The cell class for keras.layers.RNN; None where Keras has none public."""
        return self.kind.keras_cell

    @cached_property
    def state_size(self) -> int | tuple:
        """Keras' `state_size`, with ConvLSTM's spatial shapes spelled out."""
        return self.kind.state_size(self.state_shapes)

    @cached_property
    def roles(self) -> tuple[str, ...]:
        return self.kind.roles

    @cached_property
    def window(self) -> tuple[int, ...]:
        """A ConvLSTM's kernel_size, one value per spatial dim; () for a vector cell."""
        if not self.kind.rank:
            return ()
        kernel = dict(self.args)["kernel_size"]
        if isinstance(kernel, tuple):
            return kernel
        return (int(kernel),) * self.kind.rank  # type: ignore[call-overload]

    def label(self, fused: bool) -> str:
        """The cell as Keras spells it: "LSTMCell(64)", or "GRU(32)" fused."""
        return f"{self.keras_layer if fused else self.keras_cell}({self.size})"

    def params(self, features: int) -> int:
        """Its weights (one direction) when it reads `features` values a step."""
        args = dict(self.args)
        two_biases = self.kind.two_biases and args.get("reset_after") is not False
        return recurrent_params(
            self.kind.gates,
            self.size,
            features,
            use_bias=args.get("use_bias") is not False,
            bias_rows=2 if two_biases else 1,
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
    go_backwards: bool = False
    dropout: float | None = None  # a Dropout of this rate on its output, for the next
    outer: Dim | None = None  # time_distributed: the axis TimeDistributed runs it over

    @cached_property
    def time_distributed(self) -> bool:
        """Wrapped in keras.layers.TimeDistributed, over the `outer` axis."""
        return self.outer is not None

    @cached_property
    def sequence(self) -> bool:
        """Its output has a time axis after the batch: its steps, or the outer axis
        it is time-distributed over."""
        return self.return_sequences or self.time_distributed

    @cached_property
    def dropout_layer(self) -> str:
        return f"{self.name}_dropout"

    @cached_property
    def feeds(self) -> str:
        """The tensor the next layer of its block reads."""
        return f"{self.name}_dropped" if self.dropout else self.outputs[0][0]

    @cached_property
    def summary(self) -> str:
        """The layer in short Keras terms: "Bidirectional(RNN(LSTMCell(64)))"."""
        cells = [cell.label(self.form == "fused") for cell in self.cells]
        text = {
            "fused": cells[0],
            "rnn": f"RNN({cells[0]})",
            "stacked": f"RNN(StackedRNNCells([{', '.join(cells)}]))",
        }[self.form]
        if self.merge_mode:
            text = f"Bidirectional({text}, merge_mode={self.merge_mode})"
        return f"TimeDistributed({text})" if self.time_distributed else text

    @cached_property
    def flat_state(self) -> bool:
        """A stack of one one-state cell (GRU, SimpleRNN): its call site passes each
        direction's h flat, `[h]` for `[[h]]`. StackedRNNCells hands such a cell's
        state back unwrapped, and JAX's lax.scan needs the carry in the structure it
        comes out in; TensorFlow and PyTorch take both."""
        return (
            self.form == "stacked"
            and len(self.cells) == 1
            and len(self.cells[0].roles) == 1
        )

    @cached_property
    def output_state(self) -> StateTensor:
        """The state its output is, step by step (one direction): its top cell's h."""
        return self.states[-len(self.cells[-1].roles)]

    @cached_property
    def call_state(self) -> list[StateTree]:
        """What the call site passes as `initial_state=` (initial_state, or flat)."""
        return list(self.states) if self.flat_state else self.initial_state

    @cached_property
    def keras_merge_mode(self) -> str | None:
        return None if self.merge_mode == "none" else self.merge_mode

    @cached_property
    def cell_params(self) -> tuple[int, ...]:
        """Per cell, its weights: each reads the one below (the first, the layer's
        input); Bidirectional holds two copies."""
        features = (self.input_shape[-1], *(c.output_shape[-1] for c in self.cells))
        copies = 2 if self.merge_mode else 1
        return tuple(
            copies * cell.params(width) for cell, width in zip(self.cells, features)
        )

    @cached_property
    def params(self) -> int:
        return sum(self.cell_params)


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


def plan_stack(
    block: Block,
    step_shape: tuple[int, ...],
    *,
    prefix: str = "",
    output: str = "output",
    time: Dim = "timesteps",
    outer: Dim | None = None,
) -> tuple[LayerPlan, ...]:
    """The layers of one block; names start with `prefix`, its output is `output`.
    Time-distributed over `outer`, each reads (batch, outer, time, *step_shape)."""
    cells = _plan_cells(block, step_shape)
    # Layer names double as Python variables: from cell types and the block's name
    # only (rnnspec/check/names.py checks that block and input names make no name twice).
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
                output=output if top else f"{name}_output", top=top, outer=outer,
                input_shape=_step(layers[-1]) if layers else step_shape,
            )
        )  # fmt: skip
    return tuple(layers)


def _step(layer: LayerPlan) -> tuple[int, ...]:
    """One time step of an inner layer's output (a sequence), merged directions."""
    return tuple(
        int(size) for size in layer.outputs[0][1][2 + layer.time_distributed :]
    )


def _plan_cells(spec: Block, step_shape: tuple[int, ...]) -> list[CellPlan]:
    plans = []
    for index, cell in enumerate(spec.cells, start=1):
        name = cell.type if len(spec.cells) == 1 else f"{cell.type}_{index}"
        state = state_shape(cell, step_shape)
        plans.append(
            CellPlan(
                name=name,
                type=cell.type,
                size=size_of(cell),
                args=tuple(keras_args(cell).items()),
                state_shapes=(state,) * len(CELLS[cell.type].roles),
                output_shape=state,
            )
        )
        step_shape = state
    return plans


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
    outer: Dim | None = None,
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
    if outer is not None:  # TimeDistributed puts the outer axis back
        times = (outer, *times)
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
        go_backwards=spec.go_backwards,
        dropout=None if top else spec.dropout_between_layers,
        outer=outer,
    )


def _flatten(tree: StateTree) -> list[StateTensor]:
    if isinstance(tree, StateTensor):
        return [tree]
    return [leaf for item in tree for leaf in _flatten(item)]
