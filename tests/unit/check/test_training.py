"""Training's plan (rnnspec/check/training.py): each trained output under its Keras
loss, told `from_logits` by the head's last activation (a softmax or sigmoid gives
probabilities, none gives logits), the metric classes Keras' compile() would pick for
"accuracy", and every loss that cannot read its output refused at its key."""

from __future__ import annotations

from typing import Any

import pytest

from rnnspec.check.checked import checked
from rnnspec.check.training import TrainingPlan, plan_training
from rnnspec.spec.normalise import normalise

from ...support.specs import graph, refusal, short

GRU = [{"type": "gru", "units": 4}]


def planned(**keys: Any) -> TrainingPlan:
    plan = checked(short(GRU, **keys)).training_plan
    assert plan is not None
    return plan


@pytest.mark.parametrize(
    ("loss", "activation", "from_logits", "accuracy"),
    [
        (
            "sparse_categorical_crossentropy",
            "softmax",
            False,
            "SparseCategoricalAccuracy",
        ),
        ("sparse_categorical_crossentropy", None, True, "SparseCategoricalAccuracy"),
        ("categorical_crossentropy", "softmax", False, "CategoricalAccuracy"),
        ("binary_crossentropy", "sigmoid", False, "BinaryAccuracy"),
        ("binary_crossentropy", "linear", True, "BinaryAccuracy"),
    ],
)
def test_a_crossentropy_reads_probabilities_or_logits(
    loss: str, activation: str | None, from_logits: bool, accuracy: str
) -> None:
    head = {"units": 3} | ({"activation": activation} if activation else {})
    plan = planned(head=head, training={"loss": loss, "metrics": ["accuracy"]})
    (output,) = plan.outputs
    assert (output.block, output.name, output.shape) == (
        "m",
        "output",
        ("batch_size", 3),
    )
    assert (output.from_logits, output.classes) == (from_logits, 3)
    assert output.metrics == (("accuracy", accuracy),)
    assert (plan.optimizer, plan.learning_rate, plan.ctc) == ("Adam", None, False)


@pytest.mark.parametrize(
    ("loss", "keras"),
    [("mse", "MeanSquaredError"), ("mae", "MeanAbsoluteError"), ("huber", "Huber")],
)
def test_a_regression_loss_reads_any_output(loss: str, keras: str) -> None:
    training = {"loss": loss, "optimizer": "rmsprop", "learning_rate": 0.01,
                "metrics": ["mae", "mse"]}  # fmt: skip
    plan = planned(training=training)
    (output,) = plan.outputs
    assert (output.keras_loss, output.from_logits) == (keras, None)
    assert output.metrics == (("mae", "MeanAbsoluteError"), ("mse", "MeanSquaredError"))
    assert (plan.optimizer, plan.learning_rate) == ("RMSprop", 0.01)


def test_ctc_scores_a_sequence_of_classes() -> None:
    plan = planned(return_sequences=True, head={"units": 5}, training={"loss": "ctc"})
    (output,) = plan.outputs
    assert plan.ctc and output.from_logits and output.keras_loss == "ctc_loss"
    assert output.shape == ("batch_size", "timesteps", 5)


def test_only_the_outputs_given_a_loss_are_trained() -> None:
    inputs = {"x": {"timesteps": 5, "features": 3}}
    blocks = [
        {"name": "a", "input": "x", "cells": GRU, "return_sequences": True},
        {"name": "b", "input": "a", "cells": GRU, "head": {"units": 2}},
    ]
    spec = graph(inputs, blocks, outputs=["a", "b"], training={"loss": {"b": "mse"}})
    model = normalise(spec)
    plan = plan_training(model, list(checked(spec).shapes))
    assert plan is not None and plan.names == ["b_output"]
    assert (
        plan_training(normalise(short(GRU)), list(checked(short(GRU)).shapes)) is None
    )


def test_a_decoder_trained_at_every_step_is_teacher_forced() -> None:
    tokens = {"timesteps": 4, "vocabulary": 9, "embedding": 3}
    blocks = [
        {"name": "enc", "input": "x", "cells": GRU, "return_state": True},
        {"name": "dec", "input": "y", "cells": GRU, "return_sequences": True,
         "return_state": True, "initial_state": {"from": "enc"}, "head": {"units": 9}},
    ]  # fmt: skip
    spec = graph(
        {"x": tokens, "y": tokens},
        blocks,
        training={"loss": "sparse_categorical_crossentropy"},
    )
    plan = checked(spec).training_plan
    assert plan is not None
    assert plan.teacher_forced("dec") == plan.outputs[0]
    assert plan.teacher_forced("enc") is None


def refused(**keys: Any) -> tuple[str, str]:
    problem = refusal({"name": "m", "input": {"timesteps": 5, "features": 3},
                       "cells": GRU, **keys})  # fmt: skip
    return problem.path, problem.message


@pytest.mark.parametrize(
    ("keys", "path", "words"),
    [
        ({"training": {"loss": "categorical_crossentropy"}}, "training.loss",
         "the recurrent layer's output (no head)"),
        ({"head": {"units": 3, "activation": "relu"},
          "training": {"loss": "categorical_crossentropy"}}, "training.loss",
         "activation relu"),
        ({"head": {"units": 3, "activation": "softmax"},
          "training": {"loss": "binary_crossentropy"}}, "training.loss",
         "activation sigmoid or none"),
        ({"head": {"units": 3}, "training": {"loss": "ctc"}}, "training.loss",
         "ctc scores a sequence"),
        ({"head": {"units": 1},
          "training": {"loss": "sparse_categorical_crossentropy"}},
         "training.loss", "2 classes or more"),
        ({"training": {"loss": "mse", "metrics": ["accuracy"]}},
         "training.metrics[0]", "accuracy does not suit the loss mse"),
        ({"training": {"loss": "mse", "metrics": ["mae", "mae"]}},
         "training.metrics[1]", "each metric once"),
        ({"training": {"loss": {"other": "mse"}}}, "training.loss.other",
         "expected one of m"),
    ],
)  # fmt: skip
def test_a_loss_that_cannot_read_its_output_is_refused(
    keys: dict, path: str, words: str
) -> None:
    where, message = refused(**keys)
    assert where == path
    assert words in message
