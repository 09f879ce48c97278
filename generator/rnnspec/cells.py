"""The cell registry: the one place that names cell types and knows their Keras facts.

Ask the cell, as Keras does (`self.state_size = self.units`): its Keras classes, its
positional argument, its state roles and shapes, its gates. The spec's pydantic cell
models (rnnspec/spec/models.py) say which keys each type takes; this module imports none
of them, so the spec layer and the plan can both ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .targets import differing_defaults

H = ("h",)  # one state: the hidden state
HC = ("h", "c")  # two states, in Keras' order: hidden state, then cell state
ROLE_NAMES = {"h": "hidden state", "c": "cell state"}


@dataclass(frozen=True)
class CellKind:
    """What Keras makes of one cell type."""

    type: str  # the spec's `type:`
    keras_layer: str  # the fused layer class: "LSTM", "ConvLSTM2D"
    keras_cell: str | None  # the cell class for keras.layers.RNN; None: no public cell
    roles: tuple[str, ...]  # its state tensors, in Keras' order
    gates: int  # kernels side by side: 1 SimpleRNN, 3 GRU, 4 LSTM
    rank: int = 0  # spatial dims of a convolutional cell; 0 for a vector cell
    two_biases: bool = False  # a GRU with reset_after (Keras' default): bias (2, g*u)

    @property
    def size_key(self) -> str:
        """Its positional argument: units, or filters for a convolutional cell."""
        return "filters" if self.rank else "units"

    @property
    def stackable(self) -> bool:
        """Whether it goes in StackedRNNCells and keras.layers.RNN (layer: rnn)."""
        return self.keras_cell is not None

    def state_size(self, shapes: tuple[tuple[int, ...], ...]) -> int | tuple:
        """Keras' `state_size` for these state shapes: `units` for one state, a tuple
        for more; a convolutional cell's shapes spelled out."""
        sizes = tuple(shape[0] if len(shape) == 1 else shape for shape in shapes)
        return sizes[0] if len(self.roles) == 1 else sizes


CELLS: dict[str, CellKind] = {
    kind.type: kind
    for kind in (
        CellKind("simple_rnn", "SimpleRNN", "SimpleRNNCell", H, gates=1),
        CellKind("gru", "GRU", "GRUCell", H, gates=3, two_biases=True),
        CellKind("lstm", "LSTM", "LSTMCell", HC, gates=4),
        CellKind("conv_lstm1d", "ConvLSTM1D", None, HC, gates=4, rank=1),
        CellKind("conv_lstm2d", "ConvLSTM2D", None, HC, gates=4, rank=2),
        CellKind("conv_lstm3d", "ConvLSTM3D", None, HC, gates=4, rank=3),
    )
}
VECTOR_TYPES = tuple(name for name, kind in CELLS.items() if not kind.rank)

# Keras class -> each argument whose default differs between a target's Keras and
# Keras 3, as (that Keras' default, Keras 3's): each target's own (rnnspec/targets/).
# A module writes Keras 3's value, so its numbers do not depend on the Keras version.
VERSION_DEFAULTS = differing_defaults()


class CellSpec(Protocol):
    """A spec's cell (rnnspec/spec/models.py), as this module reads it."""

    type: str


def kind_of(cell: CellSpec) -> CellKind:
    return CELLS[cell.type]


def size_of(cell: CellSpec) -> int:
    """Its units or filters: the positional argument, and the last dim of its states."""
    return getattr(cell, kind_of(cell).size_key)


def per_dim(cell: CellSpec, key: str) -> tuple[int, ...]:
    """A convolutional cell's kernel_size or strides, one value per spatial dim."""
    value = getattr(cell, key)
    return tuple(value) if isinstance(value, list) else (value,) * kind_of(cell).rank


def conv_output_spatial(cell: CellSpec, spatial: tuple[int, ...]) -> tuple[int, ...]:
    """Keras' output length per spatial dim (dilation 1): same rounds up, valid drops the border."""
    padding = getattr(cell, "padding")
    return tuple(
        -(-size // stride) if padding == "same" else (size - kernel) // stride + 1
        for size, kernel, stride in zip(
            spatial, per_dim(cell, "kernel_size"), per_dim(cell, "strides")
        )
    )


def state_shape(cell: CellSpec, step_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Each state's (and each output step's) shape when one input step is `step_shape`:
    `(units,)`, or a convolutional cell's spatial dims after the convolution + filters.
    """
    if not kind_of(cell).rank:
        return (size_of(cell),)
    return (*conv_output_spatial(cell, step_shape[:-1]), size_of(cell))


def keras_args(cell: CellSpec) -> dict[str, object]:
    """Its keyword arguments after the positional size: a convolutional cell's window,
    the defaults that differ between Keras versions (`VERSION_DEFAULTS`), then the
    optional keys the user set (which win)."""
    kind = kind_of(cell)
    args: dict[str, object] = {}
    if kind.rank:
        args = {
            "kernel_size": _compact(per_dim(cell, "kernel_size")),
            "padding": getattr(cell, "padding"),
            "strides": _compact(per_dim(cell, "strides")),
        }
    for keras_class in (kind.keras_layer, kind.keras_cell):
        for key, (_, keras3) in VERSION_DEFAULTS.get(keras_class or "", {}).items():
            args[key] = keras3
    return args | getattr(cell, "keras_options")()


def _compact(values: tuple[int, ...]) -> int | tuple[int, ...]:
    """3 rather than (3, 3), as a Keras user writes it."""
    return values[0] if len(set(values)) == 1 else values
