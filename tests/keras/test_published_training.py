"""The published compile settings of the models with a training section.

addition_rnn, bidirectional_lstm_imdb (test_published.py) and ctc_asr
(test_published_conv.py) are checked where their twins live; here the others: each
generated training model is compiled by compile_model() and held against its twin
compiled as the published code compiles it: the optimizer and its learning rate, and
the loss on the same batch with the same weights. Then a few steps on that one batch
must lower the generated model's loss.

- tensorflow/docs nmt_with_attention (commit 9e18593): `Adam()` and MaskedLoss, a
  SparseCategoricalCrossentropy(from_logits=True) summed where the target is not 0,
  over the count of such targets (its train_step's average loss); the Luong variant
  is compiled alike. The targets drawn here have no 0, the one case the generated
  model's plain mean equals it.
- keras-io lstm_character_level_text_generation.py: `RMSprop(learning_rate=0.01)`,
  loss="categorical_crossentropy".
- keras-team/keras examples/lstm_stateful.py: loss="mse", optimizer="adam".
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from ..conftest import ROOT
from ..support.compare_models import copy_weights, numbers
from ..support.modules import load_spec_module
from .test_published_attention import TWINS as ATTENTION
from .test_published_generation import text_generation
from .test_published_stateful import stateful_streaming

PUBLISHED = ROOT / "examples" / "published"


def masked_loss(y_true, y_pred) -> float:
    """tensorflow/docs' MaskedLoss over the count of unmasked targets."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)
    mask = numbers(y_true) != 0
    return float((numbers(loss(y_true, y_pred)) * mask).sum() / mask.sum())


def nmt_batch(rng: np.random.Generator):
    source = rng.integers(1, 5000, (2, 6)).astype("int32")
    target = rng.integers(1, 5000, (2, 5)).astype("int32")
    return [source, target], rng.integers(1, 5000, (2, 5)).astype("int32")


def text_batch(rng: np.random.Generator):
    chars = np.eye(56, dtype="float32")
    return chars[rng.integers(0, 56, (4, 40))], chars[rng.integers(0, 56, 4)]


def stream_batch(rng: np.random.Generator):
    return rng.uniform(-0.1, 0.1, (1, 1, 1)).astype("float32"), rng.uniform(
        -0.1, 0.1, (1, 1)
    ).astype("float32")


# stem: (twin, published optimizer, published loss or None for masked_loss, a batch)
CASES = {
    "nmt_attention": (
        ATTENTION["nmt_attention"],
        keras.optimizers.Adam(),
        None,
        nmt_batch,
    ),
    "nmt_luong_attention": (
        ATTENTION["nmt_luong_attention"],
        keras.optimizers.Adam(),
        None,
        nmt_batch,
    ),
    "text_generation": (
        text_generation,
        keras.optimizers.RMSprop(learning_rate=0.01),
        "categorical_crossentropy",
        text_batch,
    ),
    "stateful_streaming": (
        stateful_streaming,
        keras.optimizers.Adam(),
        "mse",
        stream_batch,
    ),
}


@pytest.mark.parametrize("stem", sorted(CASES))
def test_compile_model_is_the_published_compile(stem: str, tmp_path: Path) -> None:
    make_twin, optimizer, loss, batch = CASES[stem]
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(PUBLISHED / f"{stem}.yaml", tmp_path)
    model = module.build_model()
    twin = make_twin()
    if stem in ("stateful_streaming", "text_generation"):  # unnamed published layers
        twin.set_weights(model.get_weights())
    else:
        copy_weights(model, twin)
    training = module.compile_model(module.build_training_model(model))
    assert type(training.optimizer) is type(optimizer)
    assert np.isclose(
        float(training.optimizer.learning_rate), float(optimizer.learning_rate)
    )
    x, y = batch(np.random.default_rng(3))
    # test_on_batch: evaluate() would cut a stateful model's batch into a dynamic one
    got = training.test_on_batch(x, y, return_dict=True)["loss"]
    if loss is None:
        want = masked_loss(y, keras.tree.flatten(twin(x))[0])
    else:
        twin.compile(loss=loss, optimizer=optimizer)
        want = twin.test_on_batch(x, y, return_dict=True)["loss"]
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize("stem", sorted(CASES))
def test_a_few_steps_lower_the_loss_on_one_batch(stem: str, tmp_path: Path) -> None:
    *_, batch = CASES[stem]
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(PUBLISHED / f"{stem}.yaml", tmp_path)
    keras.utils.set_random_seed(0)
    training = module.compile_model(module.build_training_model(module.build_model()))
    x, y = batch(np.random.default_rng(4))
    if hasattr(module, "reset_states"):
        module.reset_states(training)
    first = training.train_on_batch(x, y)
    for _ in range(4):
        if hasattr(module, "reset_states"):
            module.reset_states(training)
        last = training.train_on_batch(x, y)
    assert np.isfinite(last) and last < first, (first, last)
