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

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

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


def _loss_setting(value: object) -> str | dict[str, str]:
    """One loss name, or block name -> loss name."""
    names = ", ".join(LOSSES)
    if isinstance(value, str) and value in LOSSES:
        return value
    if isinstance(value, dict) and value:
        for block, loss in value.items():
            if not isinstance(loss, str) or loss not in LOSSES:  # a list: unhashable
                raise ValueError(f"one of {names} for each block ({block}: {loss!r})")
        return value
    raise ValueError(f"one of {names}, or a mapping of output block -> loss")


def _learning_rate(value: float) -> float:
    if not 0.0 < value <= 10.0:
        raise ValueError("a number > 0 and <= 10")
    return value


LOSS_SCHEMA = {"enum": list(LOSSES)}
LossSetting = Annotated[
    object,
    AfterValidator(_loss_setting),
    WithJsonSchema(
        {
            "anyOf": [
                LOSS_SCHEMA,
                {
                    "type": "object",
                    "additionalProperties": LOSS_SCHEMA,
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


class Training(BaseModel):
    """The `training` section of either form."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    loss: LossSetting = Field(
        description="one loss for every output block, or output block -> its loss "
        "(only those blocks are trained)"
    )
    optimizer: Optimizer = "adam"
    learning_rate: LearningRate | None = Field(
        default=None, description="default: Keras' default of the optimizer"
    )
    metrics: list[Metric] = Field(
        default=[], max_length=len(METRICS), description="for every trained output"
    )
