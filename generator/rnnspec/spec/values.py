"""The kinds of value spec keys take, shared by the spec's models (rnnspec/spec/models.py) and
the layer registry (rnnspec/spec/layers/): sizes, rates, activation names."""

from __future__ import annotations

import keyword
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

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


def _identifier(name: str) -> str:
    if keyword.iskeyword(name):
        raise ValueError("an identifier that is not a Python keyword")
    return name


_KEYWORDS = [word for word in keyword.kwlist if word.islower()]  # the pattern's case
Identifier = Annotated[
    str,
    Field(
        pattern=r"^[a-z_][a-z0-9_]*$",
        max_length=64,
        json_schema_extra={"not": {"enum": _KEYWORDS}},  # as _identifier refuses
    ),
    AfterValidator(_identifier),
]
