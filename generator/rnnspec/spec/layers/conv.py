"""Convolutions over time and up to two more axes: Conv1D, Conv2D, Conv3D
(keras/src/layers/convolutional)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from ..initializers import Initializer
from ..limits import Path, RuleError
from ..values import LayerActivation, Size
from .base import (
    KerasLayer,
    Keywords,
    Shape,
    axes_words,
    keras_value,
    per_axis,
    show,
    windowed,
)

_AXES = {1: "time", 2: "time and one axis", 3: "time and two axes"}


class _Conv(KerasLayer):
    keras_class: ClassVar[str]
    positional = "filters"
    axes: ClassVar[int]
    filters: Size
    padding: Literal["valid", "same"] = "valid"
    activation: LayerActivation | None = None
    use_bias: bool | None = None
    kernel_initializer: Initializer | None = None
    bias_initializer: Initializer | None = None
    kernel_size: int | list[int]
    strides: int | list[int] = 1

    def keras_args(self) -> tuple[tuple[object, ...], Keywords]:
        """The window first, as Keras users write it: kernel_size, then strides and
        padding where they are not Keras' defaults."""
        args, keywords = super().keras_args()
        window = {"kernel_size": keras_value(self.kernel_size)}
        if self.strides != 1:
            window["strides"] = keras_value(self.strides)
        if self.padding != "valid":
            window["padding"] = self.padding
        rest = [
            (k, v)
            for k, v in keywords
            if k not in ("kernel_size", "strides", "padding")
        ]
        return args, (*window.items(), *rest)

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        if len(shape) != self.axes + 2:
            raise RuleError(
                where + ("type",),
                f"{self.type} moves over {_AXES[self.axes]} of a "
                f"{axes_words(self.axes)} tensor: expected rank {self.axes + 2}, got "
                f"rank {len(shape)} {show(shape)}",
            )
        windows = tuple(zip(self.kernels, per_axis(self.strides, self.axes)))
        lengths = windowed(
            self, shape, windows, self.padding, where, sizes, "kernel_size", "kernel"
        )
        return (shape[0], *lengths, self.filters)

    @property
    def kernels(self) -> tuple[int, ...]:
        return per_axis(self.kernel_size, self.axes)

    def params(self, shape: Shape) -> int:
        window = 1
        for kernel in self.kernels:
            window *= kernel
        bias = self.use_bias is not False
        return window * int(shape[-1]) * self.filters + bias * self.filters  # type: ignore[arg-type]

    @property
    def weighted(self) -> bool:
        return True

    def initialized(self) -> tuple[tuple[str, int, str], ...]:
        return (
            (
                "kernel_initializer",
                self.axes + 2,
                f"a {self.keras_class} kernel " f"(*kernel_size, channels, filters)",
            ),
            ("bias_initializer", 1, f"a {self.keras_class} bias (filters,)"),
        )

    def time_window(self) -> tuple[int, int]:
        """Its kernel size and stride along time (its first axis)."""
        return self.kernels[0], per_axis(self.strides, self.axes)[0]

    def mixes_steps(self) -> bool:
        return max(self.time_window()) > 1

    def steps_reason(self) -> str:
        kernel, strides = self.time_window()
        return (
            f"this {self.type} reads several steps: expected kernel_size and strides "
            f"1 along time, got kernel_size {kernel} and strides {strides} there"
        )


class Conv1D(_Conv):
    """Over time: (batch, time, channels) -> (batch, time', filters)."""

    keras_class = "Conv1D"
    axes = 1
    type: Literal["conv1d"]
    kernel_size: Size
    strides: Size = 1
    padding: Literal["valid", "same", "causal"] = "valid"


class Conv2D(_Conv):
    """Over time and one axis: a (batch, time, features) spectrogram gains a channel
    axis first, as speech models do; before vector cells the result is reshaped back
    into time steps of features * filters."""

    keras_class = "Conv2D"
    axes = 2
    adds_channel_axis = True
    type: Literal["conv2d"]
    kernel_size: Size | Annotated[list[Size], Field(min_length=2, max_length=2)]
    strides: Size | Annotated[list[Size], Field(min_length=2, max_length=2)] = 1


class Conv3D(_Conv):
    """Over time and two axes: (batch, time, height, width, channels)."""

    keras_class = "Conv3D"
    axes = 3
    type: Literal["conv3d"]
    kernel_size: Size | Annotated[list[Size], Field(min_length=3, max_length=3)]
    strides: Size | Annotated[list[Size], Field(min_length=3, max_length=3)] = 1
