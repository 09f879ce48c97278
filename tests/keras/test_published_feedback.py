"""The tensorflow/docs time-series tutorial's autoregressive model against its twin:
tensorflow/docs, site/en/tutorials/structured_data/time_series.ipynb, "Advanced:
Autoregressive model", copied below as published (`tf.keras` as `keras`):

    class FeedBack(tf.keras.Model):
      def __init__(self, units, out_steps):
        super().__init__()
        self.out_steps = out_steps
        self.units = units
        self.lstm_cell = tf.keras.layers.LSTMCell(units)
        # Also wrap the LSTMCell in an RNN to simplify the `warmup` method.
        self.lstm_rnn = tf.keras.layers.RNN(self.lstm_cell, return_state=True)
        self.dense = tf.keras.layers.Dense(num_features)

    def warmup(self, inputs):
      x, *state = self.lstm_rnn(inputs)
      prediction = self.dense(x)
      return prediction, state

    def call(self, inputs, training=None):
      predictions = []
      prediction, state = self.warmup(inputs)
      predictions.append(prediction)
      for n in range(1, self.out_steps):
        x = prediction
        x, state = self.lstm_cell(x, states=state, training=training)
        prediction = self.dense(x)
        predictions.append(prediction)
      predictions = tf.stack(predictions)
      predictions = tf.transpose(predictions, [1, 0, 2])
      return predictions

    feedback_model = FeedBack(units=32, out_steps=OUT_STEPS)

and compile_and_fit()'s compile:

    model.compile(loss=tf.keras.losses.MeanSquaredError(),
                  optimizer=tf.keras.optimizers.Adam(),
                  metrics=[tf.keras.metrics.MeanAbsoluteError()])

with OUT_STEPS = 24, num_features = 19 (the weather data's columns after feature
engineering) and windows of 24 input hours (WindowGenerator(input_width=24,
label_width=OUT_STEPS, shift=OUT_STEPS)). The generated module's FeedBack layer holds
the same cell and Dense layer; equal parameters, equal predictions with the weights
copied, and one training step under the published compile settings that moves both
alike."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from ..conftest import ROOT
from ..support.compare_models import TOLERANCE, assert_params_counted, numbers
from ..support.modules import load_spec_module

SPEC = ROOT / "examples" / "published" / "time_series_feedback.yaml"
UNITS, OUT_STEPS, NUM_FEATURES, INPUT_WIDTH = 32, 24, 19, 24


class FeedBack(keras.Model):
    """The published model, its methods as the tutorial attaches them."""

    def __init__(self, units, out_steps):
        super().__init__()
        self.out_steps = out_steps
        self.units = units
        self.lstm_cell = keras.layers.LSTMCell(units)
        # Also wrap the LSTMCell in an RNN to simplify the `warmup` method.
        self.lstm_rnn = keras.layers.RNN(self.lstm_cell, return_state=True)
        self.dense = keras.layers.Dense(NUM_FEATURES)

    def warmup(self, inputs):
        x, *state = self.lstm_rnn(inputs)
        prediction = self.dense(x)
        return prediction, state

    def call(self, inputs, training=None):
        predictions = []
        prediction, state = self.warmup(inputs)
        predictions.append(prediction)
        for _ in range(1, self.out_steps):
            x = prediction
            x, state = self.lstm_cell(x, states=state, training=training)
            prediction = self.dense(x)
            predictions.append(prediction)
        predictions = keras.ops.stack(predictions)
        return keras.ops.transpose(predictions, [1, 0, 2])


# The published model and its arithmetic (tests/keras/test_published.py reads them):
# LSTMCell 4 * (units * (features + units) + units), Dense units * features + features.
TWINS = {"time_series_feedback": FeedBack}
PARAMS = {
    "time_series_feedback": 4 * (UNITS * (NUM_FEATURES + UNITS) + UNITS)
    + UNITS * NUM_FEATURES
    + NUM_FEATURES
}


def _pair(folder: Path):
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    module = load_spec_module(SPEC, folder)
    model = module.build_model()
    twin = FeedBack(units=UNITS, out_steps=OUT_STEPS)
    twin(np.zeros((1, INPUT_WIDTH, NUM_FEATURES), "float32"))  # built
    twin.set_weights(model.get_weights())
    return module, model, twin


def _window(rng: np.random.Generator, batch: int = 4) -> np.ndarray:
    return rng.standard_normal((batch, INPUT_WIDTH, NUM_FEATURES)).astype("float32")


def test_the_feedback_model_counts_and_predicts_as_its_twin(tmp_path: Path) -> None:
    """Equal parameters (LSTMCell: 4 * (32 * (19 + 32) + 32); Dense: 32 * 19 + 19),
    the weights in the same order and shapes, equal predictions (batch, 24, 19)."""
    _, model, twin = _pair(tmp_path)
    params = PARAMS["time_series_feedback"]
    assert model.count_params() == twin.count_params() == params == 7_283
    assert_params_counted(SPEC, model)
    assert [w.shape for w in model.weights] == [w.shape for w in twin.weights]
    window = _window(np.random.default_rng(3))
    got, want = model(window), twin(window)
    assert tuple(got.shape) == (4, OUT_STEPS, NUM_FEATURES)
    np.testing.assert_allclose(numbers(got), numbers(want), **TOLERANCE["float32"])


def test_the_predictions_feed_back_through_the_same_cell(tmp_path: Path) -> None:
    """A prediction is the Dense layer on the cell's output, fed the prediction
    before it: the second step from the first, by hand with the model's own layers."""
    _, model, twin = _pair(tmp_path)
    window = _window(np.random.default_rng(5), batch=2)
    got = numbers(model(window))
    first, state = twin.warmup(window)
    output, _ = twin.lstm_cell(first, states=state)
    np.testing.assert_allclose(got[:, 0], numbers(first), **TOLERANCE["float32"])
    np.testing.assert_allclose(
        got[:, 1], numbers(twin.dense(output)), **TOLERANCE["float32"]
    )
    assert not np.allclose(got[:, 0], got[:, 1])


def test_one_training_step_moves_both_alike(tmp_path: Path) -> None:
    """The published compile settings: MeanSquaredError, Adam (its defaults),
    MeanAbsoluteError; one step on the same batch gives the same loss and weights."""
    module, model, twin = _pair(tmp_path)
    training = module.compile_model(module.build_training_model(model))
    assert isinstance(training.loss, keras.losses.MeanSquaredError)
    assert isinstance(training.optimizer, keras.optimizers.Adam)
    twin.compile(
        loss=keras.losses.MeanSquaredError(),
        optimizer=keras.optimizers.Adam(),
        metrics=[keras.metrics.MeanAbsoluteError()],
    )
    rng = np.random.default_rng(7)
    window = _window(rng)
    labels = rng.standard_normal((4, OUT_STEPS, NUM_FEATURES)).astype("float32")
    before = [numbers(w) for w in model.weights]
    got = training.train_on_batch(window, labels, return_dict=True)
    want = twin.train_on_batch(window, labels, return_dict=True)
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
    np.testing.assert_allclose(got["mae"], want["mean_absolute_error"], rtol=1e-5)
    for mine, theirs, old in zip(model.weights, twin.weights, before, strict=True):
        assert not np.array_equal(numbers(mine), old)
        np.testing.assert_allclose(numbers(mine), numbers(theirs), rtol=1e-4, atol=1e-6)


def test_the_saved_model_loads_and_predicts_alike(tmp_path: Path) -> None:
    """model.save() and the module's load_model(): the FeedBack layer is registered
    under the spec's name and rebuilt from its config, weights and all."""
    module, model, _ = _pair(tmp_path)
    path = tmp_path / "feedback.keras"
    model.save(path)
    loaded = module.load_model(path)
    window = _window(np.random.default_rng(9))
    np.testing.assert_allclose(
        numbers(loaded(window)), numbers(model(window)), **TOLERANCE["float32"]
    )
