"""The `training` section: how compile_model() trains the model's outputs.

What the spec layer knows about training: the curated losses, optimizers and metrics
(each the Keras class it becomes), which output blocks are trained, and whether each
output is probabilities or logits, read from the last layer of its head (Keras'
crossentropy losses need to be told with `from_logits`). A loss that cannot read an
output (a crossentropy on an LSTM's tanh output, a CTC loss on one vector), or a metric
that does not suit its loss, is refused at its key when the spec is loaded. The plan
(`TrainingPlan`) is plain data for the templates; no TensorFlow here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from .values import Identifier
from .limits import MAX_SIZE, RuleError
from .problems import hinted

# loss name -> (Keras class, or the module's own function for ctc; its kind)
LOSSES = {
    "sparse_categorical_crossentropy": ("SparseCategoricalCrossentropy", "softmax"),
    "categorical_crossentropy": ("CategoricalCrossentropy", "softmax"),
    "binary_crossentropy": ("BinaryCrossentropy", "sigmoid"),
    "mse": ("MeanSquaredError", "regression"),
    "mae": ("MeanAbsoluteError", "regression"),
    "huber": ("Huber", "regression"),
    "ctc": ("ctc_loss", "ctc"),
}
OPTIMIZERS = {
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "Nadam",
    "rmsprop": "RMSprop",
    "sgd": "SGD",
    "adagrad": "Adagrad",
}
# metric name -> the losses it suits
METRICS = {
    "accuracy": (
        "sparse_categorical_crossentropy",
        "categorical_crossentropy",
        "binary_crossentropy",
    ),
    "mse": ("mse", "mae", "huber"),
    "mae": ("mse", "mae", "huber"),
}
# The Keras metric class of a metric under a loss: "accuracy" as Keras' compile() would
# resolve it for that loss, written out.
ACCURACY = {
    "sparse_categorical_crossentropy": "SparseCategoricalAccuracy",
    "categorical_crossentropy": "CategoricalAccuracy",
    "binary_crossentropy": "BinaryAccuracy",
}
REGRESSION_METRICS = {"mse": "MeanSquaredError", "mae": "MeanAbsoluteError"}
LINEAR = (None, "linear")  # a layer without an activation: its output is logits
TEACHER_FORCED = ("sparse_categorical_crossentropy", "categorical_crossentropy")

Optimizer = Literal[tuple(OPTIMIZERS)]  # type: ignore[valid-type]
Metric = Literal[tuple(METRICS)]  # type: ignore[valid-type]


@dataclass(frozen=True)
class LossOptions:
    """One block's loss written as a mapping: the loss, the warm-up steps it skips and
    the target value that marks a padding step (docs/training.md)."""

    type: str
    skip_steps: int = 0
    padding: int | float | None = None


OPTION_KEYS = ("type", "skip_steps", "padding")


def _loss_setting(value: object) -> str | dict[str, str | LossOptions]:
    """One loss name, or block name -> loss name or LossOptions."""
    names = ", ".join(LOSSES)
    if isinstance(value, str) and value in LOSSES:
        return value
    if isinstance(value, dict) and value:
        for block, loss in value.items():
            if isinstance(loss, dict):
                continue
            if not isinstance(loss, str) or loss not in LOSSES:  # a list: unhashable
                raise ValueError(f"one of {names} for each block ({block}: {loss!r})")
        return {
            block: _options(block, loss) if isinstance(loss, dict) else loss
            for block, loss in value.items()
        }
    raise ValueError(f"one of {names}, or a mapping of output block -> loss")


def _options(block: str, value: dict[object, object]) -> LossOptions:
    """`{type: mse, skip_steps: 50, padding: 0}`: each key checked at its place."""
    path = ("training", "loss", block)
    for key in value:
        if key not in OPTION_KEYS:
            expected = f"unknown key; expected one of {', '.join(OPTION_KEYS)}"
            message = hinted("unknown key", key, OPTION_KEYS)
            message = expected if message == "unknown key" else message
            raise RuleError(path + (key,), message, at_key=True)
    if "type" not in value:
        raise RuleError(
            path, f"required key type is missing: one of {', '.join(LOSSES)}"
        )
    loss, skip, padding = (value.get(key) for key in OPTION_KEYS)
    if not isinstance(loss, str) or loss not in LOSSES:
        message = hinted(
            f"expected one of {', '.join(LOSSES)}, got {_shown(loss)}", loss, LOSSES
        )
        raise RuleError(path + ("type",), message)
    if "skip_steps" in value and not (type(skip) is int and 1 <= skip <= MAX_SIZE):
        raise RuleError(
            path + ("skip_steps",),
            f"the steps to leave out: expected an integer >= 1 and <= {MAX_SIZE}, "
            f"got {_shown(skip)}",
        )
    if "padding" in value and not (
        type(padding) in (int, float) and math.isfinite(padding)
    ):
        raise RuleError(
            path + ("padding",),
            f"the target value of a padding step: expected a number, got {_shown(padding)}",
        )
    return LossOptions(loss, skip or 0, padding)  # type: ignore[arg-type]


def _shown(value: object) -> str:
    """A value as the spec writes it."""
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return json.dumps(value)


def loss_options(
    setting: str | dict[str, str | LossOptions], block: str
) -> LossOptions:
    """A block's loss as options, however it is written."""
    loss = setting if isinstance(setting, str) else setting[block]
    return loss if isinstance(loss, LossOptions) else LossOptions(loss)


def smoke_steps_at_least(training: Training | None) -> int:
    """The fewest output steps the smoke test's training step needs: one more than the
    most steps a loss skips (else nothing would be left to score)."""
    if training is None or not isinstance(training.loss, dict):
        return 0
    skips = [
        loss.skip_steps
        for loss in training.loss.values()
        if isinstance(loss, LossOptions)
    ]
    return max(skips, default=-1) + 1


def _learning_rate(value: float) -> float:
    if not 0.0 < value <= 10.0:
        raise ValueError("a number > 0 and <= 10")
    return value


LOSS_SCHEMA = {"enum": list(LOSSES)}
OPTIONS_SCHEMA = {
    "type": "object",
    "properties": {
        "type": LOSS_SCHEMA,
        "skip_steps": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_SIZE,
            "description": "leave the first N steps out of the loss (a warm-up)",
        },
        "padding": {
            "type": "number",
            "description": "leave out the steps whose target is this value (every "
            "feature of it): padding",
        },
    },
    "required": ["type"],
    "additionalProperties": False,
}
LossSetting = Annotated[
    object,
    AfterValidator(_loss_setting),
    WithJsonSchema(
        {
            "anyOf": [
                LOSS_SCHEMA,
                {
                    "type": "object",
                    "additionalProperties": {"anyOf": [LOSS_SCHEMA, OPTIONS_SCHEMA]},
                    "minProperties": 1,
                },
            ]
        }
    ),
]
LearningRate = Annotated[
    float,
    Field(
        allow_inf_nan=False,
        json_schema_extra={"exclusiveMinimum": 0.0, "maximum": 10.0},  # as checked
    ),
    AfterValidator(_learning_rate),
]


LossWeight = Annotated[float, Field(ge=0.0, le=1000.0, allow_inf_nan=False)]


class Training(BaseModel):
    """The `training` section of either form."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    loss: LossSetting = Field(
        description="one loss for every output block, or output block -> its loss "
        "(only those blocks are trained), a name or {type, skip_steps, padding}"
    )
    optimizer: Optimizer = "adam"
    learning_rate: LearningRate | None = Field(
        default=None, description="default: Keras' default of the optimizer"
    )
    metrics: list[Metric] = Field(
        default=[], max_length=len(METRICS), description="for every trained output"
    )
    loss_weights: dict[Identifier, LossWeight] | None = Field(
        default=None,
        description="trained output -> the weight of its loss in the total (Keras' "
        "compile(loss_weights=...)); default 1.0 each",
    )
