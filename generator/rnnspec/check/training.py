"""Training's plan: which outputs are trained, with which Keras loss, optimizer and
metrics, and whether each output is probabilities or logits (the section's keys:
rnnspec/spec/training.py). A loss that cannot read an output, or a metric that does not
suit its loss, is a `RuleError` at its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from ..spec.limits import Path, RuleError
from ..spec.problems import hinted
from ..spec.training import (
    ACCURACY,
    LINEAR,
    LOSSES,
    METRICS,
    OPTIMIZERS,
    REGRESSION_METRICS,
    TEACHER_FORCED,
    LossOptions,
    loss_options,
)

if TYPE_CHECKING:
    from ..spec.normalise import ModelSpec
    from collections.abc import Sequence

    from .nodes import NodeShape
    from .shapes import BlockShape
    from ..spec.models import GraphBlock
    from ..spec.training import Training


@dataclass(frozen=True)
class TrainedOutput:
    """One trained output: its block, the tensor's name and shape, and its loss."""

    block: str
    name: str  # in RETURNED
    shape: tuple[object, ...]  # (batch, ..., classes), as the plan writes dims
    loss: str
    from_logits: bool | None  # crossentropy and ctc: None for the regression losses
    metrics: tuple[tuple[str, str], ...]  # (name, Keras metric class)
    skip_steps: int = 0  # the first steps the loss leaves out
    padding: int | float | None = None  # the target value of a step it leaves out

    @cached_property
    def own_loss(self) -> bool:
        """Whether the module writes a loss function of its own for this output."""
        return bool(self.skip_steps) or self.padding is not None

    @cached_property
    def function(self) -> str:
        """The name of that function."""
        return f"{self.name}_loss"

    @cached_property
    def keras_loss(self) -> str:
        return LOSSES[self.loss][0]

    @cached_property
    def classes(self) -> object:
        return self.shape[-1]


@dataclass(frozen=True)
class TrainingPlan:
    optimizer: str  # Keras' class
    learning_rate: float | None
    outputs: tuple[TrainedOutput, ...]
    loss_weights: tuple[float, ...] | None = None  # per trained output, in order

    @cached_property
    def ctc(self) -> bool:
        return any(output.loss == "ctc" for output in self.outputs)

    @cached_property
    def ctc_outputs(self) -> tuple[TrainedOutput, ...]:
        return tuple(output for output in self.outputs if output.loss == "ctc")

    @cached_property
    def own_losses(self) -> tuple[TrainedOutput, ...]:
        return tuple(output for output in self.outputs if output.own_loss)

    @cached_property
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


@dataclass(frozen=True)
class _Scored:
    """A layer node as a loss reads it: its layers end in what it scores."""

    name: str
    head_layers: list[object]
    merge_mode: None = None
    return_sequences: bool = True  # its output's rank tells


def plan_training(
    model: ModelSpec, shapes: list[BlockShape], nodes: Sequence[NodeShape] = ()
) -> TrainingPlan | None:
    """The training plan of a model spec (`shapes`, `nodes`: every block's and layer
    node's, as the rules computed them), checking each rule at its key: the check
    pass's (rnnspec/check/checked.py); the plan reads what it found."""
    training = model.training
    if training is None:
        return None
    names = training.loss if isinstance(training.loss, dict) else model.outputs
    losses = {name: loss_options(training.loss, name) for name in names}
    blocks = {block.name for block in model.blocks}
    for name in losses:
        if name not in model.outputs:
            raise RuleError(
                ("training", "loss", name),
                hinted(
                    f"a loss is for an output block: expected one of "
                    f"{', '.join(model.outputs)}, got {name}",
                    name,
                    [] if name in blocks else model.outputs,  # one not returned
                ),
                at_key=True,
            )
    for index, metric in enumerate(training.metrics):
        if metric in training.metrics[:index]:
            raise RuleError(
                ("training", "metrics", index),
                f"each metric once: expected no second {metric}, got {metric} twice",
            )
    scored: dict[str, object] = {block.name: block for block in model.blocks}
    scored |= {node.name: _Scored(node.name, node.layers) for node in model.nodes}
    lengths = {name: given.timesteps for name, given in model.inputs.items()}
    shaped: dict[str, BlockShape | NodeShape] = {shape.name: shape for shape in shapes}
    shaped |= {node.name: node for node in nodes}
    outputs = tuple(
        _trained(scored[name], shaped[name], loss, training.metrics, path, lengths)  # type: ignore[arg-type]
        for name, loss in losses.items()
        for path in [_loss_path(training, name)]
    )
    return TrainingPlan(
        OPTIMIZERS[training.optimizer],
        training.learning_rate,
        outputs=outputs,
        loss_weights=_loss_weights(training, [output.name for output in outputs]),
    )


def _loss_weights(training: Training, trained: list[str]) -> tuple[float, ...] | None:
    """Each trained output's loss weight, in order: 1.0 where the spec gives none."""
    weights = training.loss_weights
    if weights is None:
        return None
    for name in weights:
        if name not in trained:
            raise RuleError(
                ("training", "loss_weights", name),
                hinted(
                    f"a loss weight is for a trained output: expected one of "
                    f"{', '.join(trained)}, got {name}",
                    name,
                    trained,
                ),
                at_key=True,
            )
    return tuple(float(weights.get(name, 1.0)) for name in trained)


def _loss_path(training: Training, name: str) -> Path:
    """Where a block's loss is written: under its name (its `type` in a mapping), or
    the one loss for all."""
    if not isinstance(training.loss, dict):
        return ("training", "loss")
    written = isinstance(training.loss[name], LossOptions)
    return ("training", "loss", name) + (("type",) if written else ())


def _trained(
    block: GraphBlock,
    shape: BlockShape,
    options: LossOptions,
    metrics: list[str],
    path: Path,
    lengths: dict[str, int | None],
) -> TrainedOutput:
    """One output block under its loss: its tensor, from_logits and metrics."""
    loss = options.type
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
    _check_options(block, options, dims, path[:-1], _steps(dims, lengths))
    return TrainedOutput(
        block.name,
        name,
        dims,
        loss,
        from_logits,
        tuple(_metric(metric, loss, index) for index, metric in enumerate(metrics)),
        options.skip_steps,
        options.padding,
    )


def _check_options(
    block: GraphBlock,
    options: LossOptions,
    dims: tuple[object, ...],
    path: Path,
    steps: int | None,
) -> None:
    """skip_steps and padding read a sequence of steps (batch, time, features), and
    padding a class the output scores; ctc scores whole sequences: neither."""
    used = {
        "skip_steps": options.skip_steps > 0,
        "padding": options.padding is not None,
    }
    given = [key for key, written in used.items() if written]
    if not given:
        return
    where = path + (given[0],)
    if options.type == "ctc":
        raise RuleError(
            where,
            f"ctc scores each whole sequence and reads no {given[0]}: expected another "
            f"loss, or no {given[0]}",
        )
    steps_of = block.return_sequences or block.feedback is not None  # predictions
    if len(dims) != 3 or not steps_of:
        raise RuleError(
            where,
            f"{given[0]} reads time steps: expected block {block.name}'s output to be "
            f"(batch, time, features) (return_sequences: true), got {_dims(dims)}",
        )
    if steps is not None and options.skip_steps >= steps:
        raise RuleError(
            path + ("skip_steps",),
            f"the loss needs a step left: expected skip_steps < {steps}, block "
            f"{block.name}'s output steps, got {options.skip_steps}",
        )
    padding, classes = options.padding, dims[-1]
    if options.type == "sparse_categorical_crossentropy" and padding is not None:
        if type(padding) is not int or not 0 <= padding < classes:  # type: ignore[operator]
            raise RuleError(
                path + ("padding",),
                f"sparse targets are class ids: expected an integer in [0, {classes}), "
                f"got {padding}",
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


def _steps(dims: tuple[object, ...], lengths: dict[str, int | None]) -> int | None:
    """An output's steps (dims[1]) where the spec fixes them: a number, or the
    timesteps of the input it names (`timesteps`, the short form's one input, or
    `timesteps['name']`); None where they are open."""
    steps = dims[1] if len(dims) > 1 else None
    if not isinstance(steps, str):
        return steps  # type: ignore[return-value]
    named = {f"timesteps[{name!r}]": size for name, size in lengths.items()}
    if len(lengths) == 1:
        named["timesteps"] = next(iter(lengths.values()))
    return named.get(steps)


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
