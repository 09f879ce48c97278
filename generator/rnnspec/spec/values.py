"""The kinds of value spec keys take, shared by the spec's models (rnnspec/spec/models.py) and
the layer registry (rnnspec/spec/layers/): sizes, rates, activation names."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .limits import MAX_SIZE

# Keras' activation names a cell takes; a layer around a block takes softmax too.
ACTIVATIONS = (
    "tanh", "sigmoid", "hard_sigmoid", "relu", "relu6", "elu", "selu", "gelu", "silu",
    "swish", "softplus", "softsign", "linear", "exponential", "leaky_relu", "mish",
    "hard_silu", "log_sigmoid", "hard_tanh",
)  # fmt: skip
LAYER_ACTIVATIONS = (*ACTIVATIONS, "softmax")

Size = Annotated[int, Field(ge=1, le=MAX_SIZE)]
Rate = Annotated[float, Field(ge=0.0, lt=1.0)]
Activation = Literal[ACTIVATIONS]  # type: ignore[valid-type]
LayerActivation = Literal[LAYER_ACTIVATIONS]  # type: ignore[valid-type]
