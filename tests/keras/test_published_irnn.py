"""The IRNN of the Keras 2 examples folder against its twin: keras-team/keras 2.x,
examples/mnist_irnn.py (after Le, Jaitly and Hinton, arXiv:1504.00941):

    model = Sequential()
    model.add(SimpleRNN(hidden_units,
                        kernel_initializer=initializers.RandomNormal(stddev=0.001),
                        recurrent_initializer=initializers.Identity(gain=1.0),
                        activation='relu',
                        input_shape=x_train.shape[1:]))
    model.add(Dense(num_classes))
    model.add(Activation('softmax'))
    rmsprop = RMSprop(learning_rate=learning_rate)
    model.compile(loss='categorical_crossentropy', optimizer=rmsprop,
                  metrics=['accuracy'])

with hidden_units = 100, num_classes = 10, learning_rate = 1e-6 and x_train of shape
(60000, 784, 1). The initializers are what makes it an IRNN: the generated model's
recurrent kernel starts as the identity and its kernel near zero, as the twin's do."""

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
SPEC = ROOT / "examples" / "published" / "mnist_irnn.yaml"
HIDDEN, CLASSES, PIXELS = 100, 10, 784


def mnist_irnn() -> Twin:
    """The published Sequential model, its layers named as the module names them."""
    pixels = Input("pixels", (PIXELS, 1))
    hidden = L.SimpleRNN(
        HIDDEN,
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.001),
        recurrent_initializer=keras.initializers.Identity(gain=1.0),
        activation="relu",
        name="irnn_simple_rnn",
    )(pixels)
    scores = L.Dense(CLASSES, name="irnn_head_1")(hidden)
    output = L.Activation("softmax", name="irnn_head_2")(scores)
    return Twin([pixels], {"irnn_output": output})


TWINS = {"mnist_irnn": mnist_irnn}
# SimpleRNN: kernel, recurrent kernel, bias; Dense: kernel and bias.
PARAMS = {"mnist_irnn": HIDDEN * (1 + HIDDEN + 1) + HIDDEN * CLASSES + CLASSES}


def _built(folder: Path):
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    module = load_spec_module(SPEC, folder)
    return module, module.build_model()


def test_the_irnn_starts_from_the_identity_and_a_small_normal_kernel(
    tmp_path: Path,
) -> None:
    """The initializers reach Keras: Identity(gain=1.0) and RandomNormal(stddev=0.001),
    as the twin's weights start."""
    _, model = _built(tmp_path)
    kernel, recurrent, bias = model.get_layer("irnn_simple_rnn").get_weights()
    np.testing.assert_array_equal(recurrent, np.eye(HIDDEN, dtype="float32"))
    assert kernel.shape == (1, HIDDEN) and 0.0005 < kernel.std() < 0.002
    np.testing.assert_array_equal(bias, np.zeros(HIDDEN, "float32"))
    twin = mnist_irnn().model.get_layer("irnn_simple_rnn").get_weights()
    np.testing.assert_array_equal(twin[1], recurrent)


def test_the_irnn_counts_and_computes_as_its_twin(tmp_path: Path) -> None:
    """Equal parameters (the published arithmetic), equal outputs with copied
    weights, and one training step under the published compile settings."""
    module, model = _built(tmp_path)
    twin = mnist_irnn()
    assert model.count_params() == twin.model.count_params() == PARAMS["mnist_irnn"]
    assert_params_counted(SPEC, model)
    copy_weights(model, twin.model)
    rng = np.random.default_rng(3)
    data = {"pixels": rng.random((3, PIXELS, 1)).astype("float32")}
    got, want = call(model, data), call(twin.model, data)
    np.testing.assert_allclose(
        numbers(got), numbers(want["irnn_output"]), **TOLERANCE["float32"]
    )
    training = module.compile_model(module.build_training_model(model))
    optimizer = training.optimizer
    assert isinstance(optimizer, keras.optimizers.RMSprop)
    assert np.isclose(float(numbers(optimizer.learning_rate)), 1e-6)
    targets = np.eye(CLASSES, dtype="float32")[rng.integers(0, CLASSES, 3)]
    loss = training.train_on_batch(data["pixels"], targets)
    assert np.all(np.isfinite(numbers(keras.tree.flatten(loss)[0])))
