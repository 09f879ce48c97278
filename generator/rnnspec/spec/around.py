"""The layers around a recurrent block: the one place that names them and knows their Keras facts.

A block may put layers before its recurrent layers (`front`) and after them (`head`):
each type's keys (its pydantic model), its Keras class and arguments, its static
shape rule (what it makes of a `(batch, time, *step)` or `(batch, *step)` tensor) and
its weights (Keras' count_params()). Shapes are known without Keras: a rule that
Keras would break at build time is a `RuleError` here, at the layer's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field

from .limits import Path, RuleError
from .values import LayerActivation, Rate, Size

Fraction = Annotated[float, Field(gt=0.0, lt=1.0)]
Epsilon = Annotated[float, Field(gt=0.0, lt=1.0)]
Dim = Union[int, str, None]


class _Layer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Dense(_Layer):
    """keras.layers.Dense on the last axis (every time step of a sequence)."""

    type: Literal["dense"]
    units: Size
    activation: LayerActivation | None = None
    use_bias: bool | None = None


class Dropout(_Layer):
    type: Literal["dropout"]
    rate: Rate


class SpatialDropout1D(_Layer):
    """Drops whole feature channels of a (batch, time, features) sequence."""

    type: Literal["spatial_dropout1d"]
    rate: Rate


class BatchNormalization(_Layer):
    type: Literal["batch_normalization"]
    momentum: Fraction | None = None
    epsilon: Epsilon | None = None


class LayerNormalization(_Layer):
    type: Literal["layer_normalization"]
    epsilon: Epsilon | None = None


class Activation(_Layer):
    type: Literal["activation"]
    activation: LayerActivation


class _Conv(_Layer):
    filters: Size
    padding: Literal["valid", "same"] = "valid"
    activation: LayerActivation | None = None
    use_bias: bool | None = None


class Conv1D(_Conv):
    """Over time: (batch, time, channels) -> (batch, time', filters)."""

    type: Literal["conv1d"]
    kernel_size: Size
    strides: Size = 1
    padding: Literal["valid", "same", "causal"] = "valid"


class Conv2D(_Conv):
    """Over time and one axis: a (batch, time, features) spectrogram gains a channel
    axis first, as speech models do; before vector cells the result is reshaped back
    into time steps of features * filters."""

    type: Literal["conv2d"]
    kernel_size: Size | Annotated[list[Size], Field(min_length=2, max_length=2)]
    strides: Size | Annotated[list[Size], Field(min_length=2, max_length=2)] = 1


class Conv3D(_Conv):
    """Over time and two axes: (batch, time, height, width, channels)."""

    type: Literal["conv3d"]
    kernel_size: Size | Annotated[list[Size], Field(min_length=3, max_length=3)]
    strides: Size | Annotated[list[Size], Field(min_length=3, max_length=3)] = 1


AroundLayer = Annotated[
    Union[
        Dense, Dropout, SpatialDropout1D, BatchNormalization, LayerNormalization,
        Activation, Conv1D, Conv2D, Conv3D,
    ],
    Field(discriminator="type"),
]  # fmt: skip
# type -> the model of its keys
LAYER_MODELS: dict[str, type[_Layer]] = {
    name: model
    for model in get_args(get_args(AroundLayer)[0])
    for name in get_args(model.model_fields["type"].annotation)
}
KERAS_CLASS = {
    "dense": "Dense", "dropout": "Dropout", "spatial_dropout1d": "SpatialDropout1D",
    "batch_normalization": "BatchNormalization",
    "layer_normalization": "LayerNormalization", "activation": "Activation",
    "conv1d": "Conv1D", "conv2d": "Conv2D", "conv3d": "Conv3D",
}  # fmt: skip
# Keras' positional argument of each type, where it has one.
POSITIONAL = {"dense": "units", "dropout": "rate", "spatial_dropout1d": "rate",
              "activation": "activation", "conv1d": "filters", "conv2d": "filters",
              "conv3d": "filters"}  # fmt: skip
CONV_AXES = {"conv1d": 1, "conv2d": 2, "conv3d": 3}
# The classes that pass their input's Keras mask on to their output (supports_masking,
# in Keras 2 and 3 alike); the convolutions and Reshape drop it.
MASK_KEEPING = frozenset(
    {"Dense", "Dropout", "SpatialDropout1D", "BatchNormalization",
     "LayerNormalization", "Activation"}
)  # fmt: skip


@dataclass(frozen=True)
class AroundPlan:
    """One layer around a block, as the module builds it."""

    name: str  # the Keras layer's name and its Python variable
    keras_class: str  # "Dense", or "Reshape" for the reshapes conv2d needs
    args: tuple[object, ...]  # positional arguments, as Python data
    keywords: tuple[tuple[str, object], ...]
    output: str  # the Python name of its output
    shape: tuple[Dim, ...]  # its output's shape, batch first
    params: int
    path: Path = ()  # its key in the block: ("head", 1); ("head",) for a Dense's keys

    @cached_property
    def keeps_mask(self) -> bool:
        """Whether Keras passes its input's mask on to its output."""
        return self.keras_class in MASK_KEEPING

    @cached_property
    def brief(self) -> str:
        """For the module's header: its class, arguments and activation only,
        "Dense(93, softmax)"."""
        activation = [str(v) for k, v in self.keywords if k == "activation"]
        return f"{self.keras_class}({', '.join([*map(str, self.args), *activation])})"


def layer_args(
    layer: _Layer,
) -> tuple[tuple[object, ...], tuple[tuple[str, object], ...]]:
    """Keras' positional and keyword arguments of a spec's layer; unset keys are Keras'
    defaults and are not passed."""
    values = layer.model_dump(exclude={"type"}, exclude_none=True)
    positional = POSITIONAL.get(layer.type)
    args = (values.pop(positional),) if positional else ()
    if layer.type in CONV_AXES:
        ordered = ("kernel_size", "strides", "padding")
        keywords = [(key, _tupled(values.pop(key))) for key in ordered]
        if keywords[1][1] == 1:
            keywords.pop(1)
        if keywords[-1][1] == "valid":
            keywords.pop()
        return args, (*keywords, *values.items())
    return args, tuple(values.items())


def _tupled(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def output_shape(
    layer: _Layer, shape: tuple[Dim, ...], where: Path, sizes: dict[str, int]
) -> tuple[Dim, ...]:
    """What `layer` makes of a tensor of `shape` (batch first); RuleError where Keras
    would refuse it. A named axis (a time axis) stays named where the layer keeps its
    length; where it changes it, its length must be known (`sizes`, by name)."""
    rank = len(shape)
    axes = CONV_AXES.get(layer.type)
    if layer.type == "spatial_dropout1d" and rank != 3:
        raise RuleError(
            where + ("type",),
            f"spatial_dropout1d drops channels of a (batch, time, features) sequence: "
            f"expected a tensor of rank 3 here, got rank {rank} {_show(shape)}",
        )
    if axes is None:
        if layer.type == "dense":
            return (*shape[:-1], layer.units)  # type: ignore[attr-defined]
        return shape
    if rank != axes + 2:
        raise RuleError(
            where + ("type",),
            f"{layer.type} moves over {_AXES[axes]} of a (batch, "
            f"{', '.join(['time', 'height', 'width'][:axes])}, channels) tensor: "
            f"expected rank {axes + 2}, got rank {rank} {_show(shape)}",
        )
    kernels = _per_axis(layer.kernel_size, axes)  # type: ignore[attr-defined]
    strides = _per_axis(layer.strides, axes)  # type: ignore[attr-defined]
    lengths: list[Dim] = []
    for axis, (size, kernel, stride) in enumerate(zip(shape[1:-1], kernels, strides)):
        padded = layer.padding in ("same", "causal")  # type: ignore[attr-defined]
        keeps = stride == 1 and (padded or kernel == 1)
        if keeps:
            lengths.append(size)
            continue
        size = sizes.get(size, size) if isinstance(size, str) else size
        if not isinstance(size, int):
            raise RuleError(
                where + ("strides" if stride > 1 else "padding",),
                f"{layer.type} changes the length of axis {axis + 1}, which is not "
                f"fixed here: expected padding: same and strides: 1 on it, or a fixed "
                f"input.timesteps",
            )
        length = _conv_length(size, kernel, stride, layer.padding)  # type: ignore[attr-defined]
        if length < 1:
            raise RuleError(
                where + ("kernel_size",),
                f"{layer.type}'s kernel {kernel} is longer than axis {axis + 1} "
                f"({size}) with padding: valid: expected a smaller kernel_size or "
                "padding: same",
            )
        lengths.append(length)
    return (shape[0], *lengths, layer.filters)  # type: ignore[attr-defined]


def check_softmax_width(
    activation: str | None, shape: tuple[Dim, ...], where: Path
) -> None:
    """Refuse a softmax over one value (`shape`: the layer's output): it is 1 whatever
    its input, so the layer's output is constant and no weight before it ever changes,
    trained under any loss or not trained at all."""
    if activation == "softmax" and shape[-1] == 1:
        raise RuleError(
            where + ("activation",),
            "softmax over one value is always 1 (a constant output whatever the input, "
            "and no gradient for any weight before it): expected 2 units or more, or "
            "activation sigmoid for one probability, got softmax over 1",
        )


def params(layer: _Layer, shape: tuple[Dim, ...]) -> int:
    """Its weights when it reads a tensor of `shape`: Keras' count_params()."""
    channels = int(shape[-1])  # type: ignore[arg-type]
    bias = getattr(layer, "use_bias", None) is not False
    if layer.type == "dense":
        return channels * layer.units + bias * layer.units  # type: ignore[attr-defined]
    if layer.type == "batch_normalization":
        return 4 * channels  # gamma, beta, moving mean and variance
    if layer.type == "layer_normalization":
        return 2 * channels
    axes = CONV_AXES.get(layer.type)
    if axes is None:
        return 0
    window = 1
    for kernel in _per_axis(layer.kernel_size, axes):  # type: ignore[attr-defined]
        window *= kernel
    filters = layer.filters  # type: ignore[attr-defined]
    return window * channels * filters + bias * filters


def mixes_steps(layer: _Layer) -> bool:
    """Whether the layer's output at one time step reads other steps (a conv whose
    kernel or stride along time is over 1): it cannot run one step at a time."""
    return isinstance(layer, _Conv) and max(time_window(layer)) > 1


def time_window(layer: _Layer) -> tuple[int, int]:
    """A conv's kernel size and stride along time (its first axis)."""
    axes = CONV_AXES[layer.type]
    kernel, strides = layer.kernel_size, layer.strides  # type: ignore[attr-defined]
    return _per_axis(kernel, axes)[0], _per_axis(strides, axes)[0]


def _per_axis(value: int | list[int], axes: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, list) else (value,) * axes


def _conv_length(size: int, kernel: int, stride: int, padding: str) -> int:
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - kernel) // stride + 1


_AXES = {1: "time", 2: "time and one axis", 3: "time and two axes"}


def _show(shape: tuple[Dim, ...]) -> str:
    """A shape in words: (batch, time, 8, 8, 1)."""
    words = {"batch_size": "batch"}
    sizes = [str(d) if isinstance(d, int) else words.get(str(d), "time") for d in shape]
    return "(" + ", ".join(sizes) + ")"


def plan_front(
    layers: list[_Layer],
    shape: tuple[Dim, ...],
    prefix: str,
    vector_cells: bool,
    where: Path,
    sizes: dict[str, int],
) -> tuple[AroundPlan, ...]:
    """The front's layers on the block's input; a conv2d on (batch, time, features)
    gains a channel axis first, and before vector cells its output becomes time steps
    of features * filters again (keras.layers.Reshape, as speech models do)."""
    plans: list[AroundPlan] = []
    for index, (layer, name) in enumerate(
        zip(layers, _names(f"{prefix}front", layers))
    ):
        if layer.type == "conv2d" and len(shape) == 3:
            shape = (*shape, 1)
            plans.append(_reshape(f"{name}_expand", shape))
        plans.append(
            _plan(layer, name, f"{name}_output", shape, where + (index,), sizes)
        )
        shape = plans[-1].shape
    if vector_cells and len(shape) == 4:
        flat = (shape[0], shape[1], int(shape[2]) * int(shape[3]))  # type: ignore[arg-type]
        plans.append(_reshape(f"{prefix}front_flatten", flat))
    return tuple(plans)


def plan_head(
    layers: list[_Layer],
    shape: tuple[Dim, ...],
    prefix: str,
    where: Path,
    sizes: dict[str, int],
    listed: bool = True,
) -> tuple[AroundPlan, ...]:
    """The head's layers on the block's top output; the last one makes its output.
    Unlisted, the head is one Dense layer given by its keys at `where`."""
    names = _names(f"{prefix}head", layers)
    outputs = [f"{name}_output" for name in names[:-1]] + [f"{prefix}output"]
    plans: list[AroundPlan] = []
    for index, (layer, name, output) in enumerate(zip(layers, names, outputs)):
        at = where + (index,) if listed else where
        plans.append(_plan(layer, name, output, shape, at, sizes))
        shape = plans[-1].shape
    return tuple(plans)


def _names(base: str, layers: list[_Layer]) -> list[str]:
    """One layer takes the base name; several are numbered from 1."""
    if len(layers) == 1:
        return [base]
    return [f"{base}_{index}" for index in range(1, len(layers) + 1)]


def _plan(
    layer: _Layer,
    name: str,
    output: str,
    shape: tuple[Dim, ...],
    where: Path,
    sizes: dict[str, int],
) -> AroundPlan:
    args, keywords = layer_args(layer)
    made = output_shape(layer, shape, where, sizes)
    check_softmax_width(getattr(layer, "activation", None), made, where)
    return AroundPlan(
        name,
        KERAS_CLASS[layer.type],
        args,
        keywords,
        output,
        made,
        params(layer, shape),
        where,
    )


def _reshape(name: str, shape: tuple[Dim, ...]) -> AroundPlan:
    """keras.layers.Reshape to `shape`, its time axis left to Keras (-1)."""
    target = (-1, *shape[2:])
    return AroundPlan(name, "Reshape", (target,), (), f"{name}_output", shape, 0)
