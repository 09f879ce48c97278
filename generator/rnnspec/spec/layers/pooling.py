"""Pooling over time and up to two more axes, and its global forms: MaxPooling1D/2D/3D,
AveragePooling1D/2D/3D, GlobalMaxPooling1D/2D/3D, GlobalAveragePooling1D/2D/3D
(keras/src/layers/pooling; channels last, Keras' default data_format)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from ..limits import Path
from ..values import Size
from .base import KerasLayer, Shape, axes_words, check_rank, per_axis, windowed

Pair = Annotated[list[Size], Field(min_length=2, max_length=2)]
Triple = Annotated[list[Size], Field(min_length=3, max_length=3)]


class _Pooling(KerasLayer):
    """A window of `pool_size` (Keras' default 2) moved by `strides` (Keras' default:
    pool_size) over each axis between batch and channels."""

    positional = "pool_size"
    axes: ClassVar[int]
    pool_size: int | list[int] | None = None
    strides: int | list[int] | None = None
    padding: Literal["valid", "same"] | None = None

    @property
    def windows(self) -> tuple[tuple[int, int], ...]:
        pools = per_axis(self.pool_size or 2, self.axes)
        strides = per_axis(self.strides, self.axes) if self.strides else pools
        return tuple(zip(pools, strides))

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        what = f"pools over {axes_words(self.axes)}"
        check_rank(self, shape, self.axes + 2, where, what)
        padding = self.padding or "valid"
        lengths = windowed(
            self, shape, self.windows, padding, where, sizes, "pool_size", "pool"
        )
        return (shape[0], *lengths, shape[-1])

    def mixes_steps(self) -> bool:
        return max(self.windows[0]) > 1

    def steps_reason(self) -> str:
        pool, strides = self.windows[0]
        return (
            f"this {self.type} reads several steps: expected pool_size and strides 1 "
            f"along time, got pool_size {pool} and strides {strides} there"
        )


class MaxPooling1D(_Pooling):
    keras_class = "MaxPooling1D"
    axes = 1
    type: Literal["max_pooling1d"]
    pool_size: Size | None = None
    strides: Size | None = None


class AveragePooling1D(MaxPooling1D):
    """Keras 3 takes no default pool_size here (Keras 2 takes 2)."""

    keras_class = "AveragePooling1D"
    type: Literal["average_pooling1d"]  # type: ignore[assignment]
    pool_size: Size  # type: ignore[assignment]


class MaxPooling2D(_Pooling):
    keras_class = "MaxPooling2D"
    axes = 2
    type: Literal["max_pooling2d"]
    pool_size: Size | Pair | None = None
    strides: Size | Pair | None = None


class AveragePooling2D(MaxPooling2D):
    """Keras 3 takes no default pool_size here (Keras 2 takes 2)."""

    keras_class = "AveragePooling2D"
    type: Literal["average_pooling2d"]  # type: ignore[assignment]
    pool_size: Size | Pair  # type: ignore[assignment]


class MaxPooling3D(_Pooling):
    keras_class = "MaxPooling3D"
    axes = 3
    type: Literal["max_pooling3d"]
    pool_size: Size | Triple | None = None
    strides: Size | Triple | None = None


class AveragePooling3D(MaxPooling3D):
    """Keras 3 takes no default pool_size here (Keras 2 takes 2)."""

    keras_class = "AveragePooling3D"
    type: Literal["average_pooling3d"]  # type: ignore[assignment]
    pool_size: Size | Triple  # type: ignore[assignment]


class _GlobalPooling(KerasLayer):
    """Pools every axis between batch and channels into one value per channel (with
    keepdims, those axes stay, of length 1)."""

    axes: ClassVar[int]
    keepdims: bool | None = None

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        what = f"pools over {axes_words(self.axes)}"
        check_rank(self, shape, self.axes + 2, where, what)
        kept = (1,) * self.axes if self.keepdims else ()
        return (shape[0], *kept, shape[-1])

    def mixes_steps(self) -> bool:
        return True

    def steps_reason(self) -> str:
        return f"this {self.type} reads every step"


class GlobalMaxPooling1D(_GlobalPooling):
    keras_class = "GlobalMaxPooling1D"
    axes = 1
    type: Literal["global_max_pooling1d"]


class GlobalAveragePooling1D(_GlobalPooling):
    keras_class = "GlobalAveragePooling1D"
    axes = 1
    type: Literal["global_average_pooling1d"]


class GlobalMaxPooling2D(_GlobalPooling):
    keras_class = "GlobalMaxPooling2D"
    axes = 2
    type: Literal["global_max_pooling2d"]


class GlobalAveragePooling2D(_GlobalPooling):
    keras_class = "GlobalAveragePooling2D"
    axes = 2
    type: Literal["global_average_pooling2d"]


class GlobalMaxPooling3D(_GlobalPooling):
    keras_class = "GlobalMaxPooling3D"
    axes = 3
    type: Literal["global_max_pooling3d"]


class GlobalAveragePooling3D(_GlobalPooling):
    keras_class = "GlobalAveragePooling3D"
    axes = 3
    type: Literal["global_average_pooling3d"]


POOLING = (
    MaxPooling1D, AveragePooling1D, MaxPooling2D, AveragePooling2D, MaxPooling3D,
    AveragePooling3D, GlobalMaxPooling1D, GlobalAveragePooling1D, GlobalMaxPooling2D,
    GlobalAveragePooling2D, GlobalMaxPooling3D, GlobalAveragePooling3D,
)  # fmt: skip
