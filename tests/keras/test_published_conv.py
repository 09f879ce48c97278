"""Published models with convolutions around their blocks, each against its twin.

The twins are the published model code, written again with keras.layers:

- keras-io examples/vision/conv_lstm.py: three ConvLSTM2D(64) layers (5x5, 3x3, 1x1;
  padding same, relu, return_sequences) with BatchNormalization between them, then a
  sigmoid Conv3D(1, (3, 3, 3)), over Moving MNIST's (None, 64, 64, 1) frames. Its
  layers are unnamed, so the twin names them as the generated module does.
- keras-io examples/audio/ctc_asr.py (commit ad4fc805f5e1): build_model(input_dim=193,
  output_dim=31, rnn_units=512), rnn_layers=5, without the CTC loss and the optimizer.
  The twin keeps the published names, layers (ReLU, not Activation) and input
  (`Input((None, input_dim), name="input")`); weights copy over by CTC_NAMES.

Both hold BatchNormalization layers: the generated model's moving statistics are moved
away from 0 and 1 before they are copied, and both models run with training=False, so
the comparison sees the statistics (and no Dropout).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import keras
import numpy as np
import pytest

from ..conftest import ROOT
from ..support.compare_models import assert_params_counted, copy_weights
from ..support.graph_twins import Input, Twin
from ..support.modules import load_spec_module
from .test_published import assert_close, copy_mapped, model_of

layers = keras.layers  # as the published code imports it
PUBLISHED = ROOT / "examples" / "published"


def conv_lstm_params(inputs: int, filters: int, kernel: int) -> int:
    """A ConvLSTM2D's weights: four gates, each a kernel over the input and the state
    (kernel x kernel), and a bias."""
    return 4 * filters * (kernel * kernel * (inputs + filters) + 1)


def bidirectional_gru_params(inputs: int, units: int) -> int:
    """Two GRUs with reset_after=True: three gates, each a kernel, a recurrent kernel
    and two biases."""
    return 2 * 3 * units * (inputs + units + 2)


# -- the twins ------------------------------------------------------------------------


def conv_lstm() -> Twin:
    """`inp = layers.Input(shape=(None, *x_train.shape[2:]))`: frames of (64, 64, 1)."""
    inp = Input("frames", (None, 64, 64, 1))
    x = layers.ConvLSTM2D(
        filters=64,
        kernel_size=(5, 5),
        padding="same",
        return_sequences=True,
        activation="relu",
        name="conv_1_conv_lstm2d",
    )(inp)
    x = layers.BatchNormalization(name="conv_1_head")(x)
    x = layers.ConvLSTM2D(
        filters=64,
        kernel_size=(3, 3),
        padding="same",
        return_sequences=True,
        activation="relu",
        name="conv_2_conv_lstm2d",
    )(x)
    x = layers.BatchNormalization(name="conv_2_head")(x)
    x = layers.ConvLSTM2D(
        filters=64,
        kernel_size=(1, 1),
        padding="same",
        return_sequences=True,
        activation="relu",
        name="conv_3_conv_lstm2d",
    )(x)
    x = layers.Conv3D(
        filters=1,
        kernel_size=(3, 3, 3),
        activation="sigmoid",
        padding="same",
        name="conv_3_head",
    )(x)
    return Twin([inp], {"conv_3_output": x})


# fft_length // 2 + 1; StringLookup's vocabulary_size(): 30 characters and the OOV ""
CTC_INPUT_DIM, CTC_OUTPUT_DIM, CTC_UNITS, CTC_LAYERS = 193, 31, 512, 5


def ctc_asr(
    input_dim: int = CTC_INPUT_DIM,
    output_dim: int = CTC_OUTPUT_DIM,
    rnn_layers: int = CTC_LAYERS,
    rnn_units: int = CTC_UNITS,
) -> Twin:
    """build_model() as published, up to `keras.Model(...)`."""
    input_spectrogram = layers.Input((None, input_dim), name="input")
    x = layers.Reshape((-1, input_dim, 1), name="expand_dim")(input_spectrogram)
    x = layers.Conv2D(
        filters=32,
        kernel_size=[11, 41],
        strides=[2, 2],
        padding="same",
        use_bias=False,
        name="conv_1",
    )(x)
    x = layers.BatchNormalization(name="conv_1_bn")(x)
    x = layers.ReLU(name="conv_1_relu")(x)
    x = layers.Conv2D(
        filters=32,
        kernel_size=[11, 21],
        strides=[1, 2],
        padding="same",
        use_bias=False,
        name="conv_2",
    )(x)
    x = layers.BatchNormalization(name="conv_2_bn")(x)
    x = layers.ReLU(name="conv_2_relu")(x)
    x = layers.Reshape((-1, x.shape[-2] * x.shape[-1]))(x)
    for i in range(1, rnn_layers + 1):
        recurrent = layers.GRU(
            units=rnn_units,
            activation="tanh",
            recurrent_activation="sigmoid",
            use_bias=True,
            return_sequences=True,
            reset_after=True,
            name=f"gru_{i}",
        )
        x = layers.Bidirectional(
            recurrent, name=f"bidirectional_{i}", merge_mode="concat"
        )(x)
        if i < rnn_layers:
            x = layers.Dropout(rate=0.5)(x)
    x = layers.Dense(units=rnn_units * 2, name="dense_1")(x)
    x = layers.ReLU(name="dense_1_relu")(x)
    x = layers.Dropout(rate=0.5)(x)
    output = layers.Dense(units=output_dim + 1, activation="softmax")(x)
    return Twin([input_spectrogram], {"speech_output": output})


# generated layer -> published layer; the published output Dense has no name
CTC_NAMES = {
    "speech_front_1": "conv_1",
    "speech_front_2": "conv_1_bn",
    "speech_front_4": "conv_2",
    "speech_front_5": "conv_2_bn",
    **{f"speech_gru_{i}": f"bidirectional_{i}" for i in range(1, CTC_LAYERS + 1)},
    "speech_head_1": "dense_1",
}
CTC_INPUTS = {"spectrogram": "input"}  # generated input -> published input

TWINS = {"conv_lstm": conv_lstm, "ctc_asr": ctc_asr}
# 193 frequencies, strides 2 then 2 with padding same: 97, then 49; 32 channels each
CTC_STEP = ((CTC_INPUT_DIM + 1) // 2 + 1) // 2 * 32
PARAMS = {
    "conv_lstm": conv_lstm_params(1, 64, 5)
    + conv_lstm_params(64, 64, 3)
    + conv_lstm_params(64, 64, 1)
    + 2 * 4 * 64  # two BatchNormalization: gamma, beta, moving mean and variance
    + 3 * 3 * 3 * 64 * 1
    + 1,  # Conv3D(1)
    "ctc_asr": 11 * 41 * 1 * 32  # conv_1, no bias
    + 11 * 21 * 32 * 32  # conv_2, no bias
    + 2 * 4 * 32  # conv_1_bn, conv_2_bn
    + bidirectional_gru_params(CTC_STEP, CTC_UNITS)
    + (CTC_LAYERS - 1) * bidirectional_gru_params(2 * CTC_UNITS, CTC_UNITS)
    + (2 * CTC_UNITS + 1) * 2 * CTC_UNITS  # dense_1
    + (2 * CTC_UNITS + 1) * (CTC_OUTPUT_DIM + 1),
}


def test_the_counts_are_the_published_figures() -> None:
    """ctc_asr's page prints its model.summary(): "Total params: 26,628,480"
    (examples/audio/md/ctc_asr.md); conv_lstm's prints none, its count is arithmetic."""
    assert CTC_STEP == 1568
    assert PARAMS == {"conv_lstm": 746_689, "ctc_asr": 26_628_480}


# -- running both ---------------------------------------------------------------------


def move_statistics(model: keras.Model, rng: np.random.Generator) -> None:
    """Every BatchNormalization layer's scale, offset, moving mean and moving variance
    away from Keras' initial 1, 0, 0 and 1, so that a twin that skipped them, or ran
    them in training mode (batch statistics), would give other numbers."""
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            size = layer.gamma.shape
            layer.gamma.assign(rng.uniform(0.5, 1.5, size).astype("float32"))
            layer.beta.assign(rng.normal(0.0, 0.5, size).astype("float32"))
            layer.moving_mean.assign(rng.normal(0.0, 0.5, size).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, size).astype("float32"))


def built(stem: str, folder: Path) -> tuple[ModuleType, keras.Model, Twin]:
    """The generated module, its model with moved statistics, and the twin holding the
    model's weights."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(PUBLISHED / f"{stem}.yaml", folder)
    model = module.build_model()
    move_statistics(model, np.random.default_rng(7))
    twin = TWINS[stem]()
    if stem == "ctc_asr":
        output_layer = twin.model.layers[-1].name  # the unnamed softmax Dense
        copy_mapped(model, twin.model, {**CTC_NAMES, "speech_head_4": output_layer})
    else:
        copy_weights(model, twin.model)
    return module, model, twin


def test_conv_lstm_counts_the_published_parameters(tmp_path: Path) -> None:
    _, model, twin = built("conv_lstm", tmp_path)
    assert model.count_params() == twin.model.count_params() == PARAMS["conv_lstm"]
    assert_params_counted(PUBLISHED / "conv_lstm.yaml", model)


def test_conv_lstm_predicts_the_twins_frames(tmp_path: Path) -> None:
    """Three frames in [0, 1) as Moving MNIST's, a batch of 2: the predicted frames,
    with the batch normalization of the moved statistics."""
    module, model, twin = built("conv_lstm", tmp_path)
    assert module.RETURNED == list(twin.returned) == ["conv_3_output"]
    assert tuple(model.output.shape) == tuple(twin.returned["conv_3_output"].shape)
    assert tuple(model.output.shape) == (None, None, 64, 64, 1)
    frames = np.random.default_rng(3).random((2, 3, 64, 64, 1)).astype("float32")
    got = model(frames, training=False)
    want = model_of(twin.inputs, twin.returned)(frames, training=False)
    want = want["conv_3_output"]
    assert tuple(got.shape) == (2, 3, 64, 64, 1)
    assert_close(got, want, "conv_3_output")
    module.check_returned(got, 2, {"frames": 3})


def test_ctc_asr_counts_the_published_parameters(tmp_path: Path) -> None:
    _, model, twin = built("ctc_asr", tmp_path)
    assert model.count_params() == twin.model.count_params() == PARAMS["ctc_asr"]
    assert_params_counted(PUBLISHED / "ctc_asr.yaml", model)


def test_ctc_asr_scores_the_twins_characters(tmp_path: Path) -> None:
    """The published input takes any length, the spec's 50 steps: both models read
    the same 50 normalised spectrogram steps and score 25 (the strides halve them)."""
    module, model, twin = built("ctc_asr", tmp_path)
    assert module.RETURNED == list(twin.returned) == ["speech_output"]
    assert tuple(model.output.shape) == (None, 25, CTC_OUTPUT_DIM + 1)
    assert tuple(twin.returned["speech_output"].shape) == (None, None, 32)
    assert [layer.name for layer in twin.model.layers[:2]] == ["input", "expand_dim"]
    spectrogram = np.random.default_rng(4).standard_normal((2, 50, CTC_INPUT_DIM))
    spectrogram = spectrogram.astype("float32")
    got = model(spectrogram, training=False)
    want = twin.model({CTC_INPUTS["spectrogram"]: spectrogram}, training=False)
    assert tuple(got.shape) == (2, 25, 32)
    assert_close(got, want["speech_output"], "speech_output")
    module.check_returned(got, 2, {"spectrogram": 50})


def test_ctc_asr_trains_with_the_published_ctc_loss(tmp_path: Path) -> None:
    """ctc_asr.py compiles with Adam(learning_rate=1e-4) and CTCLoss
    (keras.backend.ctc_batch_cost, blank the last class): the generated training
    model's loss is keras-io's CTCLoss of the twin's output (test_training.py writes it
    as tf_keras did), on labels as padded_batch makes them (0s pad the shorter one)."""
    from .test_training import keras_io_ctc_loss

    module, model, twin = built("ctc_asr", tmp_path)
    training = module.compile_model(module.build_training_model(model))
    assert type(training.optimizer) is keras.optimizers.Adam
    assert float(training.optimizer.learning_rate) == pytest.approx(1e-4)
    assert training.loss is module.ctc_loss
    spectrogram = np.random.default_rng(5).standard_normal((2, 50, CTC_INPUT_DIM))
    spectrogram = spectrogram.astype("float32")
    labels = np.array([[3, 1, 20, 0, 0, 0], [8, 9, 9, 27, 5, 14]], dtype="int32")
    want = keras_io_ctc_loss(
        labels,
        twin.model({CTC_INPUTS["spectrogram"]: spectrogram}, training=False)[
            "speech_output"
        ],
    )
    got = training.evaluate(spectrogram, labels, verbose=0, return_dict=True)["loss"]
    np.testing.assert_allclose(got, float(np.mean(want)), rtol=1e-4)
