"""Layers that act on each step's last axis: Dense, Dropout, SpatialDropout1D,
Activation, Masking, BatchNormalization and LayerNormalization (keras/src/layers/core,
regularization, normalization)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..initializers import Initializer, Number
from ..limits import Path
from ..values import LayerActivation, Rate, Size
from .base import KerasLayer, Keywords, Shape, check_rank

Fraction = Annotated[float, Field(gt=0.0, lt=1.0)]
Epsilon = Annotated[float, Field(gt=0.0, lt=1.0)]


class _MaskKeeping(KerasLayer):
    keeps_mask = True


class Dense(_MaskKeeping):
    """keras.layers.Dense on the last axis (every time step of a sequence)."""

    keras_class = "Dense"
    positional = "units"
    type: Literal["dense"]
    units: Size
    activation: LayerActivation | None = None
    use_bias: bool | None = None
    kernel_initializer: Initializer | None = None
    bias_initializer: Initializer | None = None

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        return (*shape[:-1], self.units)

    def params(self, shape: Shape) -> int:
        return int(shape[-1]) * self.units + (self.use_bias is not False) * self.units  # type: ignore[arg-type]

    def initialized(self) -> tuple[tuple[str, int, str], ...]:
        return (
            ("kernel_initializer", 2, "a Dense kernel (inputs, units)"),
            ("bias_initializer", 1, "a Dense bias (units,)"),
        )

    @property
    def weighted(self) -> bool:
        return True


class Dropout(_MaskKeeping):
    keras_class = "Dropout"
    positional = "rate"
    type: Literal["dropout"]
    rate: Rate


class SpatialDropout1D(_MaskKeeping):
    """Drops whole feature channels of a (batch, time, features) sequence."""

    keras_class = "SpatialDropout1D"
    positional = "rate"
    type: Literal["spatial_dropout1d"]
    rate: Rate

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        check_rank(
            self,
            shape,
            3,
            where,
            "drops channels of a (batch, time, features) sequence",
        )
        return shape


class BatchNormalization(_MaskKeeping):
    keras_class = "BatchNormalization"
    type: Literal["batch_normalization"]
    momentum: Fraction | None = None
    epsilon: Epsilon | None = None

    def params(self, shape: Shape) -> int:
        return 4 * int(shape[-1])  # type: ignore[arg-type]  # gamma, beta, moving mean and variance

    @property
    def weighted(self) -> bool:
        return True


class LayerNormalization(_MaskKeeping):
    keras_class = "LayerNormalization"
    type: Literal["layer_normalization"]
    epsilon: Epsilon | None = None

    def params(self, shape: Shape) -> int:
        return 2 * int(shape[-1])  # type: ignore[arg-type]

    @property
    def weighted(self) -> bool:
        return True


class Activation(_MaskKeeping):
    keras_class = "Activation"
    positional = "activation"
    type: Literal["activation"]
    activation: LayerActivation


class Masking(_MaskKeeping):
    """Masks the steps whose every value is `mask_value` (Keras' default 0.0): the
    recurrent layers after it skip them."""

    keras_class = "Masking"
    makes_mask = True
    type: Literal["masking"]
    mask_value: Number | None = None


class Embedding(KerasLayer):
    """keras.layers.Embedding: each integer token of (batch, time) becomes a vector of
    `output_dim`. A layer node's first layer, on an input of raw tokens
    (`vocabulary` without `embedding`); Keras' own mask_zero is the input's."""

    keras_class = "Embedding"
    type: Literal["embedding"]
    input_dim: Size
    output_dim: Size
    embeddings_initializer: Initializer | None = None

    def keras_args(self) -> tuple[tuple[object, ...], Keywords]:
        """Embedding(input_dim, output_dim, ...), as keras.io writes it."""
        _, keywords = super().keras_args()
        rest = tuple(item for item in keywords if item[0] not in _EMBEDDING_SIZES)
        return (self.input_dim, self.output_dim), rest

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        check_rank(self, shape, 2, where, "reads integer tokens (batch, time)")
        return (*shape, self.output_dim)

    def params(self, shape: Shape) -> int:
        return self.input_dim * self.output_dim

    def initialized(self) -> tuple[tuple[str, int, str], ...]:
        return (
            (
                "embeddings_initializer",
                2,
                "an Embedding matrix (input_dim, output_dim)",
            ),
        )


_EMBEDDING_SIZES = ("input_dim", "output_dim")
