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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from .limits import Path, RuleError

if TYPE_CHECKING:
    from .normalise import ModelSpec
    from .shapes import BlockShape
    from .spec import GraphBlock, GraphSpec, Spec

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
                {"type": "object", "additionalProperties": LOSS_SCHEMA},
            ]
        }
    ),
]
LearningRate = Annotated[
    float, Field(allow_inf_nan=False), AfterValidator(_learning_rate)
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


@dataclass(frozen=True)
class TrainedOutput:
    """One trained output: its block, the tensor's name and shape, and its loss."""

    block: str
    name: str  # in RETURNED
    shape: tuple[object, ...]  # (batch, ..., classes), as the plan writes dims
    loss: str
    from_logits: bool | None  # crossentropy and ctc: None for the regression losses
    metrics: tuple[tuple[str, str], ...]  # (name, Keras metric class)

    @property
    def keras_loss(self) -> str:
        return LOSSES[self.loss][0]

    @property
    def classes(self) -> object:
        return self.shape[-1]


@dataclass(frozen=True)
class TrainingPlan:
    optimizer: str  # Keras' class
    learning_rate: float | None
    outputs: tuple[TrainedOutput, ...]

    @property
    def ctc(self) -> bool:
        return any(output.loss == "ctc" for output in self.outputs)

    @property
    def names(self) -> list[str]:
        """TRAINED: the tensors build_training_model() returns, in order."""
        return [output.name for output in self.outputs]

    def teacher_forced(self, decoder: str | None) -> TrainedOutput | None:
        """The decoder's output, when it is trained on classes (a crossentropy) at
        every step: (batch, steps, classes), not the last step's alone."""
        for output in self.outputs:
            if (
                output.block == decoder
                and output.loss in TEACHER_FORCED
                and len(output.shape) == 3
            ):
                return output
        return None


def check_training(spec: Spec | GraphSpec, shapes: list[BlockShape]) -> None:
    """Refuse a training section whose losses cannot read their outputs (`shapes`:
    every block's, as the rules computed them)."""
    from .normalise import normalise  # imports the spec's models, which import this

    if spec.training is not None:
        plan_training(normalise(spec), shapes)


def plan_training(model: ModelSpec, shapes: list[BlockShape]) -> TrainingPlan | None:
    """The training plan of a model spec, checking each rule at its key."""
    training = model.training
    if training is None:
        return None
    losses = (
        training.loss
        if isinstance(training.loss, dict)
        else {name: training.loss for name in model.outputs}
    )
    for name in losses:
        if name not in model.outputs:
            raise RuleError(
                ("training", "loss", name),
                f"a loss is for an output block: expected one of "
                f"{', '.join(model.outputs)}, got {name}",
                at_key=True,
            )
    for index, metric in enumerate(training.metrics):
        if metric in training.metrics[:index]:
            raise RuleError(
                ("training", "metrics", index),
                f"each metric once: expected no second {metric}, got {metric} twice",
            )
    blocks = {block.name: block for block in model.blocks}
    shaped = {shape.name: shape for shape in shapes}
    outputs = tuple(
        _trained(blocks[name], shaped[name], loss, training.metrics, path)
        for name, loss in losses.items()
        for path in [_loss_path(training, name)]
    )
    return TrainingPlan(
        OPTIMIZERS[training.optimizer], training.learning_rate, outputs=outputs
    )


def _loss_path(training: Training, name: str) -> Path:
    """Where a block's loss is written: under its name, or the one loss for all."""
    return ("training", "loss") + ((name,) if isinstance(training.loss, dict) else ())


def _trained(
    block: GraphBlock,
    shape: BlockShape,
    loss: str,
    metrics: list[str],
    path: Path,
) -> TrainedOutput:
    """One output block under its loss: its tensor, from_logits and metrics."""
    if block.merge_mode == "none":
        raise RuleError(
            path,
            f"block {block.name} returns two outputs (merge_mode: none); expected a "
            "block with one output tensor to train, or another merge_mode",
        )
    name, dims = shape.output
    kind = LOSSES[loss][1]
    from_logits = (
        None if kind == "regression" else _from_logits(block, loss, kind, path)
    )
    if kind == "ctc" and len(dims) != 3:
        raise RuleError(
            path,
            f"ctc scores a sequence: expected block {block.name}'s output to be "
            f"(batch, time, classes) (return_sequences: true), got {_dims(dims)}",
        )
    if kind in ("softmax", "ctc") and dims[-1] == 1:
        raise RuleError(
            path,
            f"{loss} needs a class axis: expected block {block.name}'s output to "
            f"score 2 classes or more, got {_dims(dims)}",
        )
    return TrainedOutput(
        block.name,
        name,
        dims,
        loss,
        from_logits,
        tuple(_metric(metric, loss, index) for index, metric in enumerate(metrics)),
    )


def _from_logits(block: GraphBlock, loss: str, kind: str, path: Path) -> bool:
    """True when the block's last layer has no activation (logits); False when it is
    the probabilities the loss expects (softmax, or sigmoid for binary)."""
    layers = block.head_layers
    last = layers[-1] if layers else None
    if last is None:
        found = "the recurrent layer's output (no head)"
    elif last.type in ("dropout", "spatial_dropout1d"):
        found = f"a head that ends with {last.type}"
    else:
        activation = getattr(last, "activation", None)
        if activation in LINEAR:
            return True
        if activation == kind or (kind == "ctc" and activation == "softmax"):
            return False
        found = f"a head that ends with activation {activation}"
    wanted = "sigmoid" if kind == "sigmoid" else "softmax"
    raise RuleError(
        path,
        f"{loss} reads probabilities or logits: expected block {block.name}'s head "
        f"to end with a layer of activation {wanted} or none (add a head, e.g. "
        f"head: {{units: N, activation: {wanted}}}), got {found}",
    )


def _metric(metric: str, loss: str, index: int) -> tuple[str, str]:
    if loss not in METRICS[metric]:
        suits = ", ".join(METRICS[metric])
        raise RuleError(
            ("training", "metrics", index),
            f"{metric} does not suit the loss {loss}: expected a loss among {suits}, "
            f"or no metric {metric}",
        )
    return metric, (
        ACCURACY.get(loss) if metric == "accuracy" else REGRESSION_METRICS[metric]
    )


def _dims(dims: tuple[object, ...]) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"
