"""Layer options the examples do not use, held against Keras itself.

Each test builds the generated model (or the Keras layer) and compares with what Keras
reports or computes: a hand-over bridge's activation (its Dense layer's config and the
decoder's initial state computed by hand from that layer's weights), layer
normalization's weights (count_params(), also through `rnnspec check` and the
parameter budget), a Conv1D's output length for every padding, strides and kernel
(Keras' compute_output_shape() and its real output), and the Dropout layers between
stacked layers (their rates, and training mode against inference mode).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan
from rnnspec.spec.layers.conv import Conv1D
from rnnspec.spec.limits import MAX_PARAMS, RuleError
from rnnspec.read.load import SpecError
from rnnspec.plan.model import resolve_dims

from ..conftest import invoke
from ..support.compare_models import call, numbers
from ..support.modules import load_spec_module


def write_spec(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\n{text}", encoding="utf-8")
    return path


def build(spec: Path, folder: Path) -> keras.Model:
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(5)
    return load_spec_module(spec, folder).build_model()


def layers_of(model: keras.Model, kind: type) -> list:
    return [layer for layer in model.layers if isinstance(layer, kind)]


# -- bridge: project with an activation -----------------------------------------------

BRIDGE = """\
inputs:
  source: {batch_size: 3, timesteps: 4, features: 5}
  target: {batch_size: 3, timesteps: 2, features: 3}
blocks:
  - name: encoder
    input: source
    cells: [{type: lstm, units: 7}]
    return_state: true
  - name: decoder
    input: target
    cells: [{type: lstm, units: 6}]
    return_sequences: true
    return_state: true
    initial_state: {from: encoder, bridge: project, activation: ACTIVATION}
"""
HAND = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0)}


@pytest.mark.parametrize("activation", sorted(HAND))
def test_a_project_bridge_applies_its_activation(
    activation: str, tmp_path: Path
) -> None:
    """The bridge's Dense layers have the activation, and the decoder's initial state
    is activation(s @ W + b), computed here from the encoder layer's final state s and
    the Dense layer's own weights: what the encoder model hands over, and what the full
    model's decoder starts from."""
    spec = write_spec(tmp_path, "bridged", BRIDGE.replace("ACTIVATION", activation))
    model = build(spec, tmp_path)
    bridges = make_plan(load_spec(spec)).block("decoder").bridges
    dense = [model.get_layer(bridge.dense_layer) for bridge in bridges]
    assert len(layers_of(model, keras.layers.Dense)) == len(dense) == 2  # h, c
    assert {layer.get_config()["activation"] for layer in dense} == {activation}

    rng = np.random.default_rng(1)
    data = {
        "source": rng.standard_normal((3, 4, 5)).astype("float32"),
        "target": rng.standard_normal((3, 2, 3)).astype("float32"),
    }
    _, h, c = (numbers(t) for t in model.get_layer("encoder_lstm")(data["source"]))
    final = {"h": h, "c": c}
    linear = []
    for bridge, layer in zip(bridges, dense):
        kernel, bias = (w.astype("float64") for w in layer.get_weights())
        (source,) = bridge.sources
        linear.append(final[source.role] @ kernel + bias)
    by_hand = [HAND[activation](values) for values in linear]
    # the activation changes the numbers: without it, the test fails
    assert all(np.abs(a - b).max() > 1e-3 for a, b in zip(linear, by_hand))

    encoder_model, _ = load_spec_module(spec, tmp_path).build_inference_models(model)
    handed = keras.tree.flatten(encoder_model(data["source"]))
    for got, want in zip(handed, by_hand, strict=True):
        np.testing.assert_allclose(numbers(got), want, rtol=1e-5, atol=1e-6)
    decoder = model.get_layer("decoder_lstm")
    started = [keras.ops.convert_to_tensor(s.astype("float32")) for s in by_hand]
    want = decoder(data["target"], initial_state=started)
    got = call(model, data)
    for mine, theirs in zip(keras.tree.flatten(got), keras.tree.flatten(want)):
        np.testing.assert_allclose(numbers(mine), numbers(theirs), rtol=1e-5, atol=1e-6)


# -- layer normalization's weights ----------------------------------------------------

NORMALISED = {
    "short_front_and_head": """\
input: {batch_size: 2, timesteps: 4, features: 6}
front: [{type: layer_normalization}, {type: dense, units: 5}, {type: layer_normalization, epsilon: 0.01}]
cells: [{type: gru, units: 8}]
return_sequences: true
head: [{type: layer_normalization}, {type: dense, units: 3}]
""",
    "long_two_blocks": """\
inputs:
  x: {batch_size: 2, timesteps: 4, features: 9}
blocks:
  - name: first
    input: x
    front: [{type: layer_normalization}]
    cells: [{type: lstm, units: 10}]
    return_sequences: true
    head: [{type: dense, units: 7}, {type: layer_normalization}]
  - name: second
    input: first
    cells: [{type: simple_rnn, units: 4}]
    head: [{type: layer_normalization}]
""",
}


@pytest.mark.parametrize("name", sorted(NORMALISED))
def test_layer_normalization_weights_are_keras_count(name: str, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, name, NORMALISED[name])
    model = build(spec, tmp_path)
    assert layers_of(model, keras.layers.LayerNormalization)
    plan = make_plan(load_spec(spec))
    assert plan.params == model.count_params()
    checked = invoke("check", spec)
    assert checked.returncode == 0, checked.stderr
    assert f"parameters: {model.count_params():,}" in checked.stdout


BUDGET = """\
input: {batch_size: 1, timesteps: 2, features: 65536}
FRONT
cells: [{type: simple_rnn, units: 1490}]
"""


def test_the_budget_counts_layer_normalization_as_keras_does(tmp_path: Path) -> None:
    """A spec just under the parameter budget goes over it by one layer normalization
    of its 65,536 features, counted by Keras (the layer built on its own)."""
    without = write_spec(tmp_path, "without", BUDGET.replace("FRONT\n", ""))
    base = make_plan(load_spec(without)).params
    norm = keras.layers.LayerNormalization()
    norm.build((None, 2, 65536))
    total = base + norm.count_params()
    assert base <= MAX_PARAMS < total  # the case the test needs
    front = "front: [{type: layer_normalization}]\n"
    spec = write_spec(tmp_path, "normalised", BUDGET.replace("FRONT\n", front))
    with pytest.raises(SpecError, match=f"would have {total:,} parameters"):
        load_spec(spec)


# -- Conv1D's output length -----------------------------------------------------------

GRID = list(
    itertools.product(
        (1, 4, 7, 8), (1, 2, 3, 5), (1, 2, 3), ("valid", "same", "causal")
    )
)


def test_conv1d_lengths_are_keras_lengths() -> None:
    """Every (timesteps, kernel, strides, padding) of the grid: rnnspec's static shape
    is Keras' compute_output_shape() and its real output's shape, or a refusal where
    Keras makes no step at all."""
    x = np.ones((1, max(t for t, *_ in GRID), 2), "float32")
    for timesteps, kernel, strides, padding in GRID:
        keywords = dict(kernel_size=kernel, strides=strides, padding=padding)
        layer = keras.layers.Conv1D(3, **keywords)
        spec = Conv1D(type="conv1d", filters=3, **keywords)
        where = (timesteps, kernel, strides, padding)
        try:
            keras_shape = tuple(layer.compute_output_shape((1, timesteps, 2)))
        except ValueError:  # "Computed output size would be zero or negative"
            keras_shape = (1, 0, 3)
        if keras_shape[1] < 1:
            with pytest.raises(RuleError):
                spec.output_shape((1, timesteps, 2), ("front", 0), {})
            continue
        mine = spec.output_shape((1, timesteps, 2), ("front", 0), {})
        assert mine == keras_shape, where
        assert tuple(layer(x[:, :timesteps]).shape) == keras_shape, where


CAUSAL = """\
input: {batch_size: 2, timesteps: 9, features: 3}
front: [{type: conv1d, filters: 4, kernel_size: 3, strides: 2, padding: causal}]
cells: [{type: gru, units: 5}]
return_sequences: true
"""


def test_a_strided_causal_front_runs_with_the_shapes_it_states(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "causal", CAUSAL)
    module = load_spec_module(spec, tmp_path)
    model = build(spec, tmp_path)
    data = np.random.default_rng(2).standard_normal((2, 9, 3)).astype("float32")
    returned = keras.tree.flatten(model(data))
    plan = make_plan(load_spec(spec))
    for got, (name, dims) in zip(returned, plan.returns):
        assert tuple(got.shape) == resolve_dims(dims, 2, 9), name
    assert tuple(returned[0].shape) == (2, 5, 5)  # ceil(9 / 2) steps
    module.main()  # its own smoke run: shape checks included


# -- Dropout between stacked layers ---------------------------------------------------

DROPPED = {
    "short_three_layers": (
        """\
input: {batch_size: 4, timesteps: 5, features: 3}
cells: [{type: lstm, units: 8}, {type: gru, units: 8}, {type: simple_rnn, units: 6}]
dropout_between_layers: 0.4
return_sequences: true
""",
        [0.4, 0.4],
    ),
    "long_bidirectional_with_a_head_dropout": (
        """\
inputs:
  x: {batch_size: 4, timesteps: 5, features: 3}
blocks:
  - name: encoder
    input: x
    cells: [{type: gru, units: 6}, {type: gru, units: 6}]
    bidirectional: true
    dropout_between_layers: 0.25
    head: [{type: dropout, rate: 0.5}, {type: dense, units: 2}]
""",
        [0.25, 0.5],
    ),
}


@pytest.mark.parametrize("name", sorted(DROPPED))
def test_dropout_between_layers_is_in_the_model(name: str, tmp_path: Path) -> None:
    """The model has a Dropout layer of the spec's rate between each pair of stacked
    layers (and those the head lists); in training mode they drop, in inference mode
    the model is the same model built without dropout."""
    text, rates = DROPPED[name]
    spec = write_spec(tmp_path, name, text)
    model = build(spec, tmp_path)
    dropped = layers_of(model, keras.layers.Dropout)
    assert sorted(layer.rate for layer in dropped) == sorted(rates)
    data = np.random.default_rng(3).standard_normal((4, 5, 3)).astype("float32")
    inference = numbers(model(data, training=False))
    training = numbers(model(data, training=True))
    assert not np.allclose(training, inference)

    plain_text = text.replace("dropout_between_layers", "# dropout_between_layers")
    plain_text = plain_text.replace("{type: dropout, rate: 0.5}, ", "")
    plain = build(write_spec(tmp_path, "plain", plain_text), tmp_path)
    assert not layers_of(plain, keras.layers.Dropout)
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(numbers(plain(data)), inference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        numbers(plain(data, training=True)), inference, rtol=1e-5, atol=1e-6
    )


# -- a decoder's front, stepped -------------------------------------------------------

STEPPED = """\
inputs:
  source: {{timesteps: 4, features: 2}}
  target: {{timesteps: 4, features: 2}}
blocks:
  - {{name: encoder, input: source, cells: [{{type: lstm, units: 3}}], return_state: true}}
  - name: decoder
    input: target
    cells: [{{type: lstm, units: 3}}]
    return_sequences: true
    return_state: true
    initial_state: {{from: encoder}}
    front: [{front}]
"""
FRONTS = [
    "{type: conv1d, filters: 2, kernel_size: 1}",
    "{type: conv1d, filters: 2, kernel_size: 1, padding: causal}",
    "{type: conv1d, filters: 2, kernel_size: 2, padding: same}",
    "{type: conv1d, filters: 2, kernel_size: 2, padding: causal}",
    "{type: conv1d, filters: 2, kernel_size: 1, strides: 2}",
    "{type: conv2d, filters: 2, kernel_size: [1, 2]}",
    "{type: conv2d, filters: 2, kernel_size: [2, 1], padding: same}",
    "{type: dense, units: 2}",
    "{type: layer_normalization}",
]


@pytest.mark.parametrize("front", FRONTS)
def test_a_decoder_is_stepped_only_where_its_front_reads_one_step(
    front: str, tmp_path: Path
) -> None:
    """build_inference_models() runs the decoder's front on one step at a time: it is
    offered exactly where the front's layers, run step by step, give what they give on
    the whole sequence (Keras' own numbers), and the module runs either way."""
    spec = write_spec(tmp_path, "stepped", STEPPED.format(front=front))
    module = load_spec_module(spec, tmp_path)
    model = build(spec, tmp_path)
    front_layers = [layer for layer in model.layers if "front" in layer.name]
    assert front_layers, [layer.name for layer in model.layers]

    def front_of(sequence: np.ndarray) -> np.ndarray:
        for layer in front_layers:
            sequence = layer(sequence)
        return keras.ops.convert_to_numpy(sequence)

    sequence = np.random.default_rng(3).normal(size=(2, 4, 2)).astype("float32")
    whole = front_of(sequence)
    try:
        steps = np.concatenate([front_of(sequence[:, t : t + 1]) for t in range(4)], 1)
    except ValueError:  # Keras refuses the layer on one step
        steps = None
    step_local = (
        steps is not None
        and steps.shape == whole.shape
        and np.allclose(steps, whole, atol=1e-6)
    )
    assert hasattr(module, "build_inference_models") == step_local
    module.main()
