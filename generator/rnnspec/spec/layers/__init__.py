"""The layer registry: the one place that names layer types and knows their Keras
facts. Each type is a pydantic model of its keys (Keras' arguments) that answers as a
Keras layer does: its class (`keras_class`), its arguments (`keras_args()`), the shape
it makes (`output_shape()`), its weights (`params()`), whether it passes a mask on
(`keeps_mask`). Ask the layer, never a tuple of type names. A module per family, as in
keras/src/layers: core.py, conv.py, pooling.py, reshaping.py."""

from __future__ import annotations

from typing import Annotated, Union, get_args

from pydantic import Field

from .base import Dim, KerasLayer, Shape, show
from .conv import Conv1D, Conv2D, Conv3D
from .core import (
    Activation, BatchNormalization, Dense, Dropout, LayerNormalization, Masking,
    SpatialDropout1D,
)  # fmt: skip
from .pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
    GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
)  # fmt: skip
from .reshaping import Flatten, Permute, RepeatVector, Reshape

__all__ = ["AroundLayer", "Dense", "Dim", "KerasLayer", "LAYER_MODELS", "Shape", "show"]

AroundLayer = Annotated[
    Union[
        Dense, Dropout, SpatialDropout1D, BatchNormalization, LayerNormalization,
        Activation, Conv1D, Conv2D, Conv3D, Masking, MaxPooling1D, MaxPooling2D,
        MaxPooling3D, AveragePooling1D, AveragePooling2D, AveragePooling3D,
        GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
        GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, Reshape,
        Flatten, Permute, RepeatVector,
    ],
    Field(discriminator="type"),
]  # fmt: skip
# type -> the model of its keys, in the order the union names them
LAYER_MODELS: dict[str, type[KerasLayer]] = {
    name: model
    for model in get_args(get_args(AroundLayer)[0])
    for name in get_args(model.model_fields["type"].annotation)
}
# The Keras classes that pass their input's mask on to their output (supports_masking
# in Keras 2 and 3 alike), and the Reshape the front adds for a conv2d.
MASK_KEEPING = frozenset(
    model.keras_class for model in LAYER_MODELS.values() if model.keeps_mask
)
