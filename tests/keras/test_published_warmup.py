"""Hvass-Labs' weather forecaster against its twin: Hvass-Labs/TensorFlow-Tutorials,
23_Time-Series-Prediction.ipynb (TensorFlow 2.1, tf.keras 2.2.4-tf):

    from tensorflow.keras.backend import square, mean
    ...
    model = Sequential()
    model.add(GRU(units=512,
                  return_sequences=True,
                  input_shape=(None, num_x_signals,)))
    model.add(Dense(num_y_signals, activation='sigmoid'))
    ...
    warmup_steps = 50

    def loss_mse_warmup(y_true, y_pred):
        # The shape of both input tensors are:
        # [batch_size, sequence_length, num_y_signals].

        # Ignore the "warmup" parts of the sequences
        # by taking slices of the tensors.
        y_true_slice = y_true[:, warmup_steps:, :]
        y_pred_slice = y_pred[:, warmup_steps:, :]
        ...
        mse = mean(square(y_true_slice - y_pred_slice))

        return mse

    optimizer = RMSprop(lr=1e-3)
    model.compile(loss=loss_mse_warmup, optimizer=optimizer)

with num_x_signals = 20 (Temp, Pressure, WindSpeed, WindDir of 5 cities) and
num_y_signals = 3 (target_names = ['Temp', 'WindSpeed', 'Pressure']); its
model.summary() prints "Total params: 821,763" (gru 820,224, dense 1,539). Keras 3
spells `lr` as `learning_rate`, and keras.ops holds the backend's square and mean."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from ..conftest import ROOT
from ..support.compare_models import (
    TOLERANCE,
    assert_params_counted,
    call,
    copy_weights,
    loose,
    numbers,
)
from ..support.graph_twins import Input, Twin
from ..support.modules import load_spec_module

L = keras.layers
SPEC = ROOT / "examples" / "published" / "time_series_warmup.yaml"
NUM_X_SIGNALS, NUM_Y_SIGNALS, UNITS = 20, 3, 512
square, mean = keras.ops.square, keras.ops.mean  # tensorflow.keras.backend's
warmup_steps = 50


def loss_mse_warmup(y_true, y_pred):
    """The published loss, as published (its comments left out)."""
    y_true_slice = y_true[:, warmup_steps:, :]
    y_pred_slice = y_pred[:, warmup_steps:, :]
    mse = mean(square(y_true_slice - y_pred_slice))
    return mse


def time_series_warmup() -> Twin:
    """The published Sequential model, its layers named as the module names them."""
    sequence = Input("sequence", (None, NUM_X_SIGNALS))
    hidden = L.GRU(units=UNITS, return_sequences=True, name="gru")(sequence)
    output = L.Dense(NUM_Y_SIGNALS, activation="sigmoid", name="head")(hidden)
    return Twin([sequence], {"output": output})


TWINS = {"time_series_warmup": time_series_warmup}
# GRU (reset_after=True): 3 gates x (kernel, recurrent kernel, two biases); Dense.
PARAMS = {
    "time_series_warmup": 3 * (NUM_X_SIGNALS * UNITS + UNITS * UNITS + 2 * UNITS)
    + UNITS * NUM_Y_SIGNALS
    + NUM_Y_SIGNALS
}


def _built(folder: Path):
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    module = load_spec_module(SPEC, folder)
    return module, module.build_model()


def _batch(seed: int, steps: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Scaled signals and targets in [0, 1], as the notebook's MinMaxScaler gives;
    the warm-up's targets far off (1.0 against predictions near 0.5), so that a loss
    that kept the warm-up would differ."""
    rng = np.random.default_rng(seed)
    x = rng.random((4, steps, NUM_X_SIGNALS)).astype("float32")
    y = rng.random((4, steps, NUM_Y_SIGNALS)).astype("float32")
    y[:, :warmup_steps] = 1.0
    return x, y


def test_published_params_match_the_notebooks_summary() -> None:
    assert PARAMS["time_series_warmup"] == 821_763


def test_the_forecaster_counts_and_computes_as_its_twin(tmp_path: Path) -> None:
    """Equal parameters, equal outputs with copied weights on sequences of two
    lengths (the published input's length is free)."""
    _, model = _built(tmp_path)
    twin = time_series_warmup().model
    assert model.count_params() == twin.count_params() == PARAMS["time_series_warmup"]
    assert_params_counted(SPEC, model)
    copy_weights(model, twin)
    for steps in (7, 64):
        x, _ = _batch(3, steps)
        got, want = call(model, {"sequence": x}), call(twin, {"sequence": x})
        np.testing.assert_allclose(
            numbers(got), numbers(want["output"]), **TOLERANCE["float32"]
        )


def test_the_generated_loss_is_loss_mse_warmup_and_trains_as_published(
    tmp_path: Path,
) -> None:
    """Both models compiled (the generated compile_model(), the published
    compile(loss=loss_mse_warmup, optimizer=RMSprop(1e-3))) evaluate one batch to the
    same loss, which is not the mean squared error over every step; one training step
    each gives the same loss and the same weights after it."""
    module, model = _built(tmp_path)
    training = module.compile_model(module.build_training_model(model))
    optimizer = training.optimizer
    assert isinstance(optimizer, keras.optimizers.RMSprop)
    assert np.isclose(float(numbers(optimizer.learning_rate)), 1e-3)
    notebook = time_series_warmup()
    twin = keras.Model(notebook.inputs, notebook.returned["output"])
    copy_weights(training, twin)
    twin.compile(
        loss=loss_mse_warmup, optimizer=keras.optimizers.RMSprop(learning_rate=1e-3)
    )
    x, y = _batch(5)
    generated = training.evaluate(x, y, batch_size=4, verbose=0)
    published = twin.evaluate(x, y, batch_size=4, verbose=0)
    assert generated == pytest.approx(published, rel=1e-5)
    everywhere = float(numbers(mean(square(y - training.predict(x, verbose=0)))))
    assert generated != pytest.approx(everywhere, rel=1e-2)

    before = [numbers(weight) for weight in training.weights]
    stepped = training.train_on_batch(x, y, return_dict=True)["loss"]
    twin_stepped = twin.train_on_batch(x, y, return_dict=True)["loss"]
    assert float(stepped) == pytest.approx(float(twin_stepped), rel=1e-5)
    assert float(stepped) == pytest.approx(generated, rel=1e-5)
    for mine, theirs in zip(training.weights, twin.weights, strict=True):
        np.testing.assert_allclose(numbers(mine), numbers(theirs), **loose("float32"))
    assert any(
        not np.array_equal(numbers(weight), old)
        for weight, old in zip(training.weights, before, strict=True)
    )
