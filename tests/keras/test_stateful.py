"""reset_states(): every stateful layer of a generated model reset as Keras resets it.

For each spec in tests/data/specs/stateful/ and examples/stateful_lstm.yaml, a twin written
by hand with keras.layers (stateful=True, the same fixed batch) gets the generated
model's weights, layer by layer. Then, batch after batch:

- the first batch gives the twin's numbers (both start from Keras' zeros), and so does
  a second one (both carried their state on);
- the first batch again, without a reset, gives other numbers (the state carried on);
- after reset_states(model), and the twin reset through Keras' own per-layer API, every
  state variable equals the twin's and the first batch gives the first run's numbers.

Keras' own reset is each layer's reset_state(); for RNN(StackedRNNCells), where Keras
3.15's reset_state() fails (tested below), the state Keras makes its variables with,
RNN.get_initial_state(). STATEFUL_LAYERS must name exactly the layers with
stateful=True, found by walking model.layers and Bidirectional's two directions.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan, render_module, render_spec

from ..conftest import ROOT
from ..support.compare_models import TOLERANCE, copy_weights, numbers
from ..support.graph_twins import Input, Twin
from ..support.modules import load_spec_module
from .test_published import model_of

L = keras.layers
STATEFUL = sorted((ROOT / "tests" / "data" / "specs" / "stateful").glob("*.yaml"))
SPECS = [ROOT / "examples" / "stateful_lstm.yaml", *STATEFUL]
SEQUENCE = dict(return_sequences=True, return_state=True, stateful=True)


# -- the twins ------------------------------------------------------------------------


def stateful_lstm() -> Twin:
    sequence = Input("sequence", (10, 3), 4)
    returned = L.LSTM(16, **SEQUENCE, name="lstm")(sequence)
    return Twin([sequence], dict(zip(["output", "lstm_h", "lstm_c"], returned)))


def stacked_cells() -> Twin:
    sequence = Input("sequence", (5, 4), 3)
    cells = [L.LSTMCell(6), L.GRUCell(5), L.SimpleRNNCell(4)]
    output, *states = L.RNN(L.StackedRNNCells(cells), **SEQUENCE, name="rnn")(sequence)
    names = ["lstm_1_h", "lstm_1_c", "gru_2_h", "simple_rnn_3_h"]
    returned = {"output": output, **dict(zip(names, keras.tree.flatten(states)))}
    return Twin([sequence], returned)


def two_layers() -> Twin:
    sequence = Input("sequence", (6, 3), 2)
    x, h1 = L.GRU(7, **SEQUENCE, name="gru_1")(sequence)
    hidden, h2, c2 = L.LSTM(5, return_state=True, stateful=True, name="lstm_2")(x)
    output = L.Dense(2, name="head")(hidden)
    returned = {"output": output, "gru_1_h": h1, "lstm_2_h": h2, "lstm_2_c": c2}
    return Twin([sequence], returned)


def bidirectional() -> Twin:
    sequence = Input("sequence", (5, 3), 2)
    gru = L.GRU(4, return_sequences=True, stateful=True)
    output = L.Bidirectional(gru, merge_mode="concat", name="gru")(sequence)
    return Twin([sequence], {"output": output})


def bidirectional_stacked() -> Twin:
    sequence = Input("sequence", (4, 3), 2)
    cells = L.StackedRNNCells([L.LSTMCell(4), L.LSTMCell(3)])
    layer = L.Bidirectional(L.RNN(cells, stateful=True), merge_mode="sum", name="rnn")
    return Twin([sequence], {"output": layer(sequence)})


def conv() -> Twin:
    sequence = Input("sequence", (3, 6, 6, 2), 2)
    layer = L.ConvLSTM2D(
        3, 3, padding="same", return_state=True, stateful=True, name="conv_lstm2d"
    )
    names = ["output", "conv_lstm2d_h", "conv_lstm2d_c"]
    return Twin([sequence], dict(zip(names, layer(sequence))))


def float16() -> Twin:
    sequence = Input("sequence", (5, 3), 2, "float16")
    layer = L.LSTM(6, **SEQUENCE, dtype="mixed_float16", name="lstm")
    returned = dict(zip(["output", "lstm_h", "lstm_c"], layer(sequence)))
    return Twin([sequence], returned, dtype="float16")


def float64() -> Twin:
    sequence = Input("sequence", (4, 3), 2, "float64")
    layer = L.SimpleRNN(
        5, return_state=True, stateful=True, dtype="float64", name="simple_rnn"
    )
    returned = dict(zip(["output", "simple_rnn_h"], layer(sequence)))
    return Twin([sequence], returned, dtype="float64")


def graph() -> Twin:
    frames, target = Input("frames", (5, 4), 2), Input("target", (3, 2), 2)
    lower = L.LSTM(6, return_sequences=True, stateful=True, name="lower_lstm")(frames)
    upper = L.RNN(
        L.StackedRNNCells([L.GRUCell(5), L.GRUCell(4)]),
        return_state=True,
        stateful=True,
        name="upper_rnn",
    )
    _, *states = upper(lower)
    h1, h2 = keras.tree.flatten(states)
    reader = L.RNN(
        L.StackedRNNCells([L.GRUCell(5), L.GRUCell(4)]),
        return_sequences=True,
        name="reader_rnn",
    )
    hidden = reader(target, initial_state=[[h1], [h2]])
    output = L.Dense(2, name="reader_head")(hidden)
    return Twin([frames, target], {"reader_output": output})


TWINS = {
    "stateful_lstm": stateful_lstm,
    "stacked_cells": stacked_cells,
    "two_layers": two_layers,
    "bidirectional": bidirectional,
    "bidirectional_stacked": bidirectional_stacked,
    "conv": conv,
    "float16": float16,
    "float64": float64,
    "graph": graph,
}


def test_every_stateful_spec_has_a_twin() -> None:
    assert sorted(spec.stem for spec in SPECS) == sorted(TWINS)


# -- Keras' own stateful layers and reset ---------------------------------------------


def directions(layer: keras.layers.Layer) -> list:
    """The recurrent layers inside: a Bidirectional's two, or the layer itself."""
    if isinstance(layer, L.Bidirectional):
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


def stateful_names(model: keras.Model) -> list[str]:
    """The model's layers with stateful=True, in either direction of a Bidirectional."""
    return [
        layer.name
        for layer in model.layers
        if any(getattr(inner, "stateful", False) for inner in directions(layer))
    ]


def stacked(rnn: keras.layers.Layer) -> bool:
    return isinstance(getattr(rnn, "cell", None), L.StackedRNNCells)


def reset_by_keras(model: keras.Model, batch_size: int) -> None:
    """Every stateful layer reset by Keras: its reset_state(), or for StackedRNNCells
    (whose reset_state() fails) the state Keras creates its variables with."""
    for name in stateful_names(model):
        layer = model.get_layer(name)
        if not any(stacked(rnn) for rnn in directions(layer)):
            layer.reset_state()
            continue
        for rnn in directions(layer):
            start = keras.tree.flatten(rnn.get_initial_state(batch_size))
            variables = keras.tree.flatten(rnn.states)
            assert len(start) == len(variables)
            for variable, value in zip(variables, start):
                variable.assign(value)


def state_values(model: keras.Model) -> dict[str, list[np.ndarray]]:
    """Every stateful layer's state variables, by layer name, flat."""
    return {
        name: [
            numbers(v.value) for v in keras.tree.flatten(model.get_layer(name).states)
        ]
        for name in stateful_names(model)
    }


# -- running both ---------------------------------------------------------------------


def built(
    spec: Path, folder: Path
) -> tuple[ModuleType, keras.Model, Twin, keras.Model]:
    """The module, its model, the twin and the twin's model holding the model's weights
    (taking one input alone, as the generated model does)."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(spec, folder)
    model = module.build_model()
    twin = TWINS[spec.stem]()
    twin_model = model_of(twin.inputs, twin.returned)
    copy_weights(model, twin_model)
    return module, model, twin, twin_model


def batch(twin: Twin, seed: int) -> list[np.ndarray]:
    """One batch for every input, in the twin's (and the model's) input order."""
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal(tuple(given.shape)).astype(given.dtype)
        for given in twin.inputs
    ]


def run(model: keras.Model, names: list[str], data: list[np.ndarray]) -> dict:
    """One call, its returned tensors as float64 numbers by name."""
    returned = model(data if len(data) > 1 else data[0])
    if isinstance(returned, dict):
        return {name: numbers(returned[name]) for name in names}
    return dict(zip(names, map(numbers, keras.tree.flatten(returned))))


def assert_same(got: dict, want: dict, dtype: str, when: str) -> None:
    assert list(got) == list(want)
    for name in want:
        np.testing.assert_allclose(
            got[name], want[name], err_msg=f"{name}, {when}", **TOLERANCE[dtype]
        )


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_a_reset_starts_again_as_keras_does(spec: Path, tmp_path: Path) -> None:
    module, model, twin, twin_model = built(spec, tmp_path)
    names, dtype = module.RETURNED, twin.dtype
    assert names == list(twin.returned)
    assert model.count_params() == twin_model.count_params()
    first, second = batch(twin, 1), batch(twin, 2)

    fresh = run(model, names, first)
    assert_same(fresh, run(twin_model, names, first), dtype, "the first batch")
    carried = run(model, names, second)
    assert_same(carried, run(twin_model, names, second), dtype, "the second batch")

    without_reset = run(model, names, first)
    for name in names:
        assert not np.allclose(
            without_reset[name], fresh[name], **TOLERANCE[dtype]
        ), f"{name}: the first batch again gave the same numbers without a reset"

    module.reset_states(model)
    reset_by_keras(twin_model, module.BATCH_SIZE)
    ours, keras_own = state_values(model), state_values(twin_model)
    assert list(ours) == list(keras_own) and ours
    for name in ours:
        for got, want in zip(ours[name], keras_own[name], strict=True):
            np.testing.assert_array_equal(got, want, err_msg=f"{name}'s state")
    again = run(model, names, first)
    assert_same(again, fresh, dtype, "the first batch after reset_states")
    assert_same(again, run(twin_model, names, first), dtype, "after both resets")


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_stateful_layers_names_every_stateful_layer(spec: Path, tmp_path: Path) -> None:
    module, model, twin, twin_model = built(spec, tmp_path)
    assert module.STATEFUL_LAYERS == stateful_names(model)
    assert module.STATEFUL_LAYERS == stateful_names(twin_model)


def test_keras_own_reset_state_fails_on_stacked_cells(tmp_path: Path) -> None:
    """Why reset_states() zeroes StackedRNNCells' variables itself: Keras 3.15's
    RNN.reset_state() assigns to each entry of its nested states. If this starts to
    pass, Keras fixed it and the module can call reset_state() for every layer."""
    keras.backend.clear_session(free_memory=False)
    model = stacked_cells().model
    with pytest.raises(AttributeError, match="assign"):
        model.get_layer("rnn").reset_state()
    with pytest.raises(AttributeError, match="assign"):
        bidirectional_stacked().model.get_layer("rnn").reset_state()


def test_keras_3_models_have_no_reset_states() -> None:
    """keras-team/keras#20327: why the module offers reset_states(model)."""
    assert not hasattr(keras.Model, "reset_states")


def test_the_smoke_test_fails_when_the_reset_resets_nothing(tmp_path: Path) -> None:
    module = load_spec_module(SPECS[0], tmp_path)
    module.main()  # passes as rendered
    module.reset_states = lambda model: None
    with pytest.raises(AssertionError, match="after reset_states"):
        module.main()


def test_modules_without_a_stateful_layer_have_no_reset_states() -> None:
    text = render_spec(ROOT / "examples" / "lstm.yaml")
    assert "reset_states" not in text and "STATEFUL_LAYERS" not in text


@pytest.mark.parametrize("name", ["reset_states", "fresh", "again", "before"])
def test_an_input_may_take_the_modules_stateful_names(
    name: str, tmp_path: Path
) -> None:
    """The spec keeps the name; the module renames its own (rnnspec/plan/names.py),
    and reset_states stays its interface (tests/data/specs/own_names/ runs such)."""
    spec = tmp_path / "clash.yaml"
    spec.write_text(
        f"name: clash\ninputs:\n  {name}: {{batch_size: 2, timesteps: 3, features: 2}}\n"
        f"blocks:\n  - {{name: enc, input: {name}, cells: [{{type: gru, units: 2}}],"
        " stateful: true}\n",
        encoding="utf-8",
    )
    loaded = load_spec(spec)
    assert make_plan(loaded).own[name] == f"{name}_"
    source = render_module(loaded)
    compile(source, "clash.py", "exec")
    assert f"    {name} = keras.Input(" in source
    assert (
        "\ndef reset_states" in source or "\nreset_states = reset_states_\n" in source
    )
