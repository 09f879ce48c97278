"""The `training` section: compile_model() against Keras' own compile, and training.

A generated module's compile_model() must give the numbers Keras gives for the same
model compiled by hand with the published loss (a string Keras resolves itself), on
a hand-written twin holding the same weights: so from_logits is right for a head with
no activation, and "accuracy" is the accuracy Keras would pick. ctc_loss() must give
keras-io ctc_asr's CTCLoss (keras.backend.ctc_batch_cost, which Keras 3 lacks: written
here as tf_keras wrote it, with tensorflow). A few steps on one batch lower its loss,
and every refused spec under tests/data/specs/training/ fails at its key.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import keras
import numpy as np
import pytest

from rnnspec import load_spec
from rnnspec.read.load import SpecError

from ..conftest import ROOT
from ..support.modules import load_spec_module
from ..unit.test_graph_errors import expected_error

L = keras.layers
REFUSED = sorted((ROOT / "tests" / "data" / "specs" / "training").glob("*.yaml"))
CLOSE = {"rtol": 1e-5, "atol": 1e-6}


def short_spec(folder: Path, name: str, head: str, training: str) -> Path:
    """A short-form LSTM of 8 units over 6 steps of 5 features, with a head."""
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\n"
        "input: {timesteps: 6, features: 5}\n"
        "cells: [{type: lstm, units: 8}]\n"
        f"head: {head}\n"
        f"training: {training}\n",
        encoding="utf-8",
    )
    return path


def twin(units: int, activation: str) -> keras.Model:
    """The short form's model by hand: LSTM(8) -> Dense(units, activation)."""
    given = keras.Input((6, 5))
    hidden = L.LSTM(8)(given)
    return keras.Model(given, L.Dense(units, activation=activation)(hidden))


def trained(spec: Path, folder: Path) -> tuple[ModuleType, keras.Model]:
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(spec, folder)
    return module, module.compile_model(
        module.build_training_model(module.build_model())
    )


@pytest.mark.parametrize("spec", REFUSED, ids=lambda p: p.stem)
def test_training_mistakes_are_refused_at_their_key(spec: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).replace(f"{spec}:", "") == expected_error(spec)


CASES = {
    # spec head, loss, the twin's activation and Keras' loss name, targets
    "softmax": ("{units: 4, activation: softmax}", "sparse_categorical_crossentropy", "softmax", "classes"),
    "logits": ("{units: 4}", "sparse_categorical_crossentropy", "softmax", "classes"),
    "one-hot logits": ("{units: 4}", "categorical_crossentropy", "softmax", "one_hot"),
    "sigmoid": ("{units: 1, activation: sigmoid}", "binary_crossentropy", "sigmoid", "binary"),
    "binary logits": ("{units: 1}", "binary_crossentropy", "sigmoid", "binary"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_compile_model_gives_keras_numbers_for_the_published_loss(
    case: str, tmp_path: Path
) -> None:
    """The twin ends in the activation Keras' loss string expects (probabilities);
    the spec's head may give logits instead, and compile_model() must say so: the
    loss and accuracy are the twin's either way."""
    head, loss, activation, kind = CASES[case]
    spec = short_spec(tmp_path, "clf", head, f"{{loss: {loss}, metrics: [accuracy]}}")
    module, model = trained(spec, tmp_path)
    logits = "activation" not in head
    assert model.loss.get_config()["from_logits"] is logits
    reference = twin(model.output.shape[-1], activation)
    reference.set_weights(model.get_weights())
    reference.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 6, 5)).astype("float32")
    scores = reference.predict(x, verbose=0)
    classes = model.output.shape[-1]
    y = {
        "classes": rng.integers(0, classes, 16),
        "one_hot": np.eye(classes, dtype="float32")[rng.integers(0, classes, 16)],
        # the twin's own predictions, 4 flipped
        "binary": (scores > 0.5) != (np.arange(16) < 4)[:, None],
    }[kind].astype("float32")
    if kind == "binary":  # a logit in (0, 0.5) is 1 at threshold 0 and 0 at 0.5
        assert np.any((scores > 0.5) & (scores < 1 / (1 + np.exp(-0.5))))
    got = model.evaluate(x, y, verbose=0, return_dict=True)
    want = reference.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(got) == sorted(want) == ["accuracy", "loss"]
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
    assert got["accuracy"] == want["accuracy"]
    assert 0.0 < want["accuracy"] < 1.0  # a metric that cannot tell would pass


def test_binary_accuracy_on_logits_is_the_decisions_not_keras_string(
    tmp_path: Path,
) -> None:
    """docs/training.md: on a binary logits head compile_model()'s accuracy thresholds
    the logits at 0 (probability 0.5); Keras' own `metrics=["accuracy"]` on the same
    logits model thresholds them at 0.5, which miscounts a logit in (0, 0.5)."""
    spec = short_spec(
        tmp_path,
        "clf",
        "{units: 1}",
        "{loss: binary_crossentropy, metrics: [accuracy]}",
    )
    _, model = trained(spec, tmp_path)
    x = np.random.default_rng(5).standard_normal((32, 6, 5)).astype("float32")
    logits = model.predict(x, verbose=0)
    y = (logits > 0).astype("float32")  # the model's own decisions: accuracy 1
    assert np.any((logits > 0) & (logits < 0.5)), "no logit where the two differ"
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] == 1.0
    keras_string = keras.models.clone_model(model)
    keras_string.set_weights(model.get_weights())
    keras_string.compile(
        loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    keras_accuracy = keras_string.evaluate(x, y, verbose=0, return_dict=True)
    assert keras_accuracy["accuracy"] == pytest.approx(
        np.mean(logits >= 0.5) + np.mean(logits <= 0)
    )


def test_the_optimizer_and_learning_rate_are_the_specs(tmp_path: Path) -> None:
    spec = short_spec(
        tmp_path,
        "reg",
        "{units: 3}",
        "{loss: huber, optimizer: rmsprop, learning_rate: 0.25, metrics: [mae]}",
    )
    _, model = trained(spec, tmp_path)
    assert type(model.optimizer) is keras.optimizers.RMSprop
    assert float(model.optimizer.learning_rate) == 0.25
    assert type(model.loss) is keras.losses.Huber
    default = short_spec(
        tmp_path, "plain", "{units: 3}", "{loss: mse, optimizer: nadam}"
    )
    _, model = trained(default, tmp_path)
    assert float(model.optimizer.learning_rate) == pytest.approx(
        float(keras.optimizers.Nadam().learning_rate)
    )


# -- CTC --------------------------------------------------------------------------


def keras_io_ctc_loss(y_true, y_pred):
    """keras-io examples/audio/ctc_asr.py's CTCLoss (commit ad4fc805f5e1), with
    keras.backend.ctc_batch_cost as tf_keras wrote it (tf_keras/src/backend.py):
    log(y_pred + epsilon), time major, into tf.compat.v1.nn.ctc_loss, whose blank is
    the last class."""
    import tensorflow as tf

    batch_len = tf.cast(tf.shape(y_true)[0], dtype="int64")
    input_length = tf.cast(tf.shape(y_pred)[1], dtype="int64")
    label_length = tf.cast(tf.shape(y_true)[1], dtype="int64")
    input_length = input_length * tf.ones(shape=(batch_len, 1), dtype="int64")
    label_length = label_length * tf.ones(shape=(batch_len, 1), dtype="int64")
    # ctc_batch_cost(y_true, y_pred, input_length, label_length):
    label_length = tf.cast(tf.squeeze(label_length, axis=-1), tf.int32)
    input_length = tf.cast(tf.squeeze(input_length, axis=-1), tf.int32)
    sparse_labels = tf.cast(
        tf.sparse.from_dense(tf.cast(y_true, tf.int32) + 1), tf.int32
    )  # ctc_label_dense_to_sparse keeps every label; +1 so that 0s stay, then back
    sparse_labels = tf.SparseTensor(
        sparse_labels.indices, sparse_labels.values - 1, sparse_labels.dense_shape
    )
    y_pred = tf.math.log(tf.transpose(y_pred, perm=[1, 0, 2]) + keras.config.epsilon())
    return tf.expand_dims(
        tf.compat.v1.nn.ctc_loss(
            inputs=y_pred, labels=sparse_labels, sequence_length=input_length
        ),
        1,
    )


CTC_SPEC = """\
name: ctc
inputs:
  frames: {timesteps: 12, features: 6}
blocks:
  - name: speech
    input: frames
    cells: [{type: gru, units: 16}]
    bidirectional: true
    return_sequences: true
    head: HEAD
training: {loss: ctc, learning_rate: 0.01}
"""


def ctc_module(folder: Path, head: str) -> tuple[ModuleType, keras.Model]:
    spec = folder / "ctc.yaml"
    spec.write_text(CTC_SPEC.replace("HEAD", head), encoding="utf-8")
    return trained(spec, folder)


def test_ctc_loss_is_keras_ios_ctc_loss(tmp_path: Path) -> None:
    """Labels with 0s and repeats (0 is a label here, as in keras-io's padded
    batches), softmax outputs of 5 classes whose last is the blank."""
    module, _ = ctc_module(tmp_path, "{units: 5, activation: softmax}")
    rng = np.random.default_rng(0)
    y_pred = keras.ops.softmax(rng.standard_normal((3, 12, 5)).astype("float32"))
    y_true = np.array([[0, 1, 1, 2], [3, 0, 0, 0], [2, 2, 1, 3]], dtype="int32")
    got = keras.ops.convert_to_numpy(module.ctc_loss(y_true, y_pred))
    want = keras.ops.convert_to_numpy(keras_io_ctc_loss(y_true, y_pred))
    assert got.shape == (3,) and want.shape == (3, 1)
    np.testing.assert_allclose(got, want[:, 0], rtol=1e-5)
    logits = keras.ops.log(y_pred)
    from_logits = module.ctc_loss_from_logits(y_true, logits)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(from_logits), got, rtol=1e-4)


def test_ctc_on_logits_is_the_softmax_ctc(tmp_path: Path) -> None:
    module, model = ctc_module(tmp_path, "{units: 5}")
    assert model.loss is module.ctc_loss_from_logits
    _, softmax_model = ctc_module(tmp_path, "{units: 5, activation: softmax}")
    assert softmax_model.loss.__name__ == "ctc_loss"


# -- a few steps on one batch -------------------------------------------------------


def steps_lower_the_loss(model: keras.Model, x, y, steps: int = 8) -> None:
    before = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    for _ in range(steps):
        model.train_on_batch(x, y)
    after = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    assert np.isfinite(after) and after < before, (before, after)


def test_a_classifier_learns_one_batch(tmp_path: Path) -> None:
    spec = short_spec(
        tmp_path,
        "clf",
        "{units: 3}",
        "{loss: sparse_categorical_crossentropy, learning_rate: 0.01}",
    )
    _, model = trained(spec, tmp_path)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 6, 5)).astype("float32")
    steps_lower_the_loss(model, x, rng.integers(0, 3, 8))


def test_ctc_learns_one_batch(tmp_path: Path) -> None:
    _, model = ctc_module(tmp_path, "{units: 5, activation: softmax}")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 12, 6)).astype("float32")
    steps_lower_the_loss(model, x, rng.integers(0, 4, (4, 5)))


SEQ2SEQ = """\
name: s2s
inputs:
  source: {timesteps: null, vocabulary: 20, embedding: 8}
  target: {timesteps: null, vocabulary: 15, embedding: 8}
blocks:
  - name: encoder
    input: source
    cells: [{type: gru, units: 16}]
    return_state: true
  - name: decoder
    input: target
    cells: [{type: gru, units: 16}]
    return_sequences: true
    return_state: true
    initial_state: {from: encoder}
    head: {units: 15, activation: softmax}
training: {loss: LOSS, learning_rate: 0.01, metrics: [accuracy]}
"""


@pytest.mark.parametrize(
    "loss", ["sparse_categorical_crossentropy", "categorical_crossentropy"]
)
def test_a_seq2seq_learns_one_batch_with_teacher_forcing(
    loss: str, tmp_path: Path
) -> None:
    """teacher_forcing() shifts one target sequence into the decoder's input (all but
    the last token) and its targets (all but the first, one-hot for the categorical
    loss); the training model returns only decoder_output."""
    spec = tmp_path / "s2s.yaml"
    spec.write_text(SEQ2SEQ.replace("LOSS", loss), encoding="utf-8")
    module, model = trained(spec, tmp_path)
    assert module.TRAINED == ["decoder_output"]
    assert [tuple(x.shape) for x in keras.tree.flatten(model.outputs)] == [
        (None, None, 15)
    ]
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, 15, (6, 8))
    decoder_input, targets = module.teacher_forcing(tokens)
    np.testing.assert_array_equal(decoder_input, tokens[:, :-1])
    if loss.startswith("sparse"):
        np.testing.assert_array_equal(targets, tokens[:, 1:])
    else:
        np.testing.assert_array_equal(targets.argmax(-1), tokens[:, 1:])
        assert targets.shape == (6, 7, 15) and targets.sum() == 6 * 7
    source = rng.integers(0, 20, (6, 9))
    steps_lower_the_loss(model, [source, decoder_input], targets)


@pytest.mark.parametrize("vocabulary", [True, False], ids=["tokens", "one_hot"])
def test_a_decoder_returning_its_last_step_only_is_not_teacher_forced(
    vocabulary: bool, tmp_path: Path, capsys
) -> None:
    """Without return_sequences the decoder scores one step, not one a step: there is
    no teacher_forcing(), and the smoke step trains it on one class a sequence (the
    fuzz run found main() feeding it a target a step)."""
    text = SEQ2SEQ.replace("    return_sequences: true\n", "").replace(
        "LOSS", "sparse_categorical_crossentropy"
    )
    if not vocabulary:
        text = text.replace("vocabulary: 15, embedding: 8", "features: 15")
    spec = tmp_path / "last_step.yaml"
    spec.write_text(text, encoding="utf-8")
    module, model = trained(spec, tmp_path)
    assert not hasattr(module, "teacher_forcing")
    assert [tuple(x.shape) for x in keras.tree.flatten(model.outputs)] == [(None, 15)]
    module.main()
    assert "training step: loss finite, weights changed" in capsys.readouterr().out


NAN_FORWARD = """\
name: nan_forward
input: {timesteps: 50, features: 4}
cells: [{type: simple_rnn, units: 8, activation: exponential, recurrent_initializer: ones}]
training: {loss: mse}
"""


def test_the_smoke_step_allows_a_loss_no_finer_than_the_models_own_outputs(
    tmp_path: Path, capsys
) -> None:
    """A valid spec whose outputs overflow on the smoke's random data (exponential over
    50 steps) cannot have a finite loss: main() says so instead of failing, and still
    checks that the step moved the weights."""
    spec = tmp_path / "nan_forward.yaml"
    spec.write_text(NAN_FORWARD, encoding="utf-8")
    module = load_spec_module(spec, tmp_path)
    outputs = module.build_model()(np.ones((2, 50, 4), "float32"))
    assert not np.isfinite(keras.ops.convert_to_numpy(outputs)).all()
    module.main()
    assert capsys.readouterr().out.splitlines()[-1] == (
        "training step: outputs not finite on this batch, weights changed"
    )
