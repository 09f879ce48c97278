"""The hierarchical RNN of the Keras 2 examples folder against its twin: keras-team/keras
2.x, examples/mnist_hierarchical_rnn.py:

    row, col, pixel = X_train.shape[1:]

    # 4D input.
    x = Input(shape=(row, col, pixel))

    # Encodes a row of pixels using TimeDistributed Wrapper.
    encoded_rows = TimeDistributed(LSTM(output_dim=row_hidden))(x)

    # Encodes columns of encoded rows.
    encoded_columns = LSTM(col_hidden)(encoded_rows)

    # Final predictions and model.
    prediction = Dense(num_classes, activation='softmax')(encoded_columns)
    model = Model(input=x, output=prediction)
    model.compile(loss='categorical_crossentropy',
                  optimizer='rmsprop',
                  metrics=['accuracy'])

with row_hidden = col_hidden = 128, num_classes = 10 and X_train of shape
(60000, 28, 28, 1). The spec's `time_distributed: true` block is the TimeDistributed
LSTM: it reads each of the 28 rows as a sequence of 28 one-pixel steps."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from ..conftest import ROOT
from ..support.compare_models import (
    TOLERANCE,
    assert_params_counted,
    call,
    copy_weights,
    numbers,
)
from ..support.graph_twins import Input, Twin
from ..support.modules import load_spec_module

L = keras.layers
SPEC = ROOT / "examples" / "published" / "mnist_hierarchical_rnn.yaml"
ROW, COL, PIXEL, HIDDEN, CLASSES = 28, 28, 1, 128, 10


def mnist_hierarchical_rnn() -> Twin:
    """The published functional model, its layers named as the module names them."""
    x = Input("image", (ROW, COL, PIXEL))
    encoded_rows = L.TimeDistributed(L.LSTM(HIDDEN), name="rows_lstm")(x)
    encoded_columns = L.LSTM(HIDDEN, name="columns_lstm")(encoded_rows)
    prediction = L.Dense(CLASSES, activation="softmax", name="columns_head")(
        encoded_columns
    )
    return Twin([x], {"columns_output": prediction})


TWINS = {"mnist_hierarchical_rnn": mnist_hierarchical_rnn}
# An LSTM's four gates: kernel, recurrent kernel and bias each; then the Dense.
PARAMS = {
    "mnist_hierarchical_rnn": 4 * HIDDEN * (PIXEL + HIDDEN + 1)
    + 4 * HIDDEN * (HIDDEN + HIDDEN + 1)
    + (HIDDEN + 1) * CLASSES
}


def _built(folder: Path):
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    module = load_spec_module(SPEC, folder)
    return module, module.build_model()


def test_the_row_encoder_is_a_time_distributed_lstm(tmp_path: Path) -> None:
    """The module wraps the row LSTM as the published code does: one TimeDistributed
    layer whose own layer is an LSTM of 128 units, (batch, rows, 128) out."""
    _, model = _built(tmp_path)
    rows = model.get_layer("rows_lstm")
    assert isinstance(rows, L.TimeDistributed)
    assert isinstance(rows.layer, L.LSTM) and rows.layer.units == HIDDEN
    assert not rows.layer.return_sequences
    assert tuple(rows.output.shape) == (None, ROW, HIDDEN)


def test_the_hierarchical_rnn_counts_and_computes_as_its_twin(tmp_path: Path) -> None:
    """Equal parameters (199,434, the published arithmetic), equal outputs with copied
    weights, and one training step under the published compile settings."""
    module, model = _built(tmp_path)
    twin = mnist_hierarchical_rnn()
    expected = PARAMS["mnist_hierarchical_rnn"]
    assert model.count_params() == twin.model.count_params() == expected == 199_434
    assert_params_counted(SPEC, model)
    copy_weights(model, twin.model)
    rng = np.random.default_rng(5)
    data = {"image": rng.random((3, ROW, COL, PIXEL)).astype("float32")}
    got, want = call(model, data), call(twin.model, data)
    np.testing.assert_allclose(
        numbers(got), numbers(want["columns_output"]), **TOLERANCE["float32"]
    )
    training = module.compile_model(module.build_training_model(model))
    assert isinstance(training.optimizer, keras.optimizers.RMSprop)
    assert isinstance(training.loss, keras.losses.CategoricalCrossentropy)
    targets = np.eye(CLASSES, dtype="float32")[rng.integers(0, CLASSES, 3)]
    before = [numbers(weight) for weight in training.trainable_weights]
    loss = training.train_on_batch(data["image"], targets)
    assert np.all(np.isfinite(numbers(keras.tree.flatten(loss)[0])))
    after = [numbers(weight) for weight in training.trainable_weights]
    assert any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))
