"""Long-form specs: each seq2seq example against the same model written by hand in Keras.

The generated modules are imported in-process (TensorFlow is imported once) and
compared with hand-written Keras: parameter count, output shapes, and identical
numbers when the hand-written model gets the generated model's weights. The inference
models are checked step by step against the full model (teacher forcing).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import keras
import numpy as np
import pytest

from generator import load_spec, make_graph_plan, render_spec
from generator.report import describe_plan

from .conftest import GRAPH_EXAMPLES

L = keras.layers


def load_module(spec: Path, folder: Path) -> ModuleType:
    path = folder / f"{spec.stem}.py"
    path.write_text(render_spec(spec), encoding="utf-8")
    loader = importlib.util.spec_from_file_location(spec.stem, path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def lstm_seq2seq() -> keras.Model:
    """The recurrent part of Keras' character-level translation example."""
    encoder_inputs = keras.Input(shape=(None, 71))
    _, state_h, state_c = L.LSTM(256, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, 93))
    decoder_outputs, _, _ = L.LSTM(256, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[state_h, state_c]
    )
    decoder_outputs = L.Dense(93, activation="softmax")(decoder_outputs)
    return keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)


def bidirectional_concat() -> keras.Model:
    source, target = keras.Input(shape=(20, 32)), keras.Input(shape=(15, 40))
    _, fh, fc, bh, bc = L.Bidirectional(L.LSTM(128, return_state=True))(source)
    state = [L.Concatenate()([fh, bh]), L.Concatenate()([fc, bc])]
    hidden, _, _ = L.LSTM(256, return_sequences=True, return_state=True)(
        target, initial_state=state
    )
    return keras.Model([source, target], L.Dense(40, activation="softmax")(hidden))


def gru_to_lstm() -> keras.Model:
    source, target = keras.Input(shape=(12, 16), batch_size=4), keras.Input(
        shape=(10, 16), batch_size=4
    )
    _, h = L.GRU(128, return_state=True)(source)
    state = [L.Dense(256)(h), L.Dense(256)(h)]
    hidden, _, _ = L.LSTM(256, return_sequences=True, return_state=True)(
        target, initial_state=state
    )
    return keras.Model([source, target], L.Dense(16)(hidden))


def stacked_seq2seq() -> keras.Model:
    source, target = keras.Input(shape=(None, 24)), keras.Input(shape=(None, 30))
    x, h1, c1 = L.LSTM(64, return_sequences=True, return_state=True)(source)
    _, h2, c2 = L.LSTM(32, return_state=True)(x)
    decoder = L.RNN(
        L.StackedRNNCells([L.LSTMCell(64), L.LSTMCell(32)]),
        return_sequences=True,
        return_state=True,
    )
    hidden, *_ = decoder(target, initial_state=[[h1, c1], [h2, c2]])
    return keras.Model([source, target], L.Dense(30, activation="softmax")(hidden))


def chained_blocks() -> keras.Model:
    frames = keras.Input(shape=(16, 12))
    h0, c0 = keras.Input(shape=(8,)), keras.Input(shape=(8,))
    features = L.Bidirectional(L.GRU(32, return_sequences=True), merge_mode="sum")(
        frames
    )
    hidden = L.LSTM(8, return_sequences=True)(features, initial_state=[h0, c0])
    return keras.Model(
        [frames, h0, c0], [features, L.Dense(4, activation="sigmoid")(hidden)]
    )


HAND_WRITTEN = {
    f.__name__: f
    for f in (
        lstm_seq2seq,
        bidirectional_concat,
        gru_to_lstm,
        stacked_seq2seq,
        chained_blocks,
    )
}


def test_every_graph_example_has_a_hand_written_twin() -> None:
    assert {spec.stem for spec in GRAPH_EXAMPLES} == set(HAND_WRITTEN)


@pytest.mark.parametrize("spec", GRAPH_EXAMPLES, ids=lambda p: p.stem)
def test_generated_model_equals_the_hand_written_one(
    spec: Path, tmp_path: Path
) -> None:
    keras.backend.clear_session()
    module = load_module(spec, tmp_path)
    model, reference = module.build_model(), HAND_WRITTEN[spec.stem]()
    assert model.count_params() == reference.count_params()
    assert_params_counted(spec, model)
    reference.set_weights(model.get_weights())  # raises if any layout differs

    rng = np.random.default_rng(1)
    batch = module.BATCH_SIZE or 3
    inputs = [
        rng.standard_normal(
            (batch, module.TIMESTEPS[name] or 6, *module.STEP_SHAPES[name])
        ).astype("float32")
        for name in module.TIMESTEPS
    ]
    state_inputs = [x for x in model.inputs if x.name.startswith("initial_")]
    inputs += [
        rng.standard_normal((batch, *x.shape[1:])).astype("float32")
        for x in state_inputs
    ]
    got = keras.tree.flatten(model(inputs))
    want = keras.tree.flatten(reference(inputs))
    returned = dict(zip(module.RETURNED, got))
    outputs = [returned[name] for name in module.RETURNED if name.endswith("_output")]
    assert len(outputs) == len(want)
    for mine, theirs in zip(outputs, want):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(mine),
            keras.ops.convert_to_numpy(theirs),
            rtol=1e-5,
            atol=1e-6,
        )
    module.check_returned(
        got, batch, {name: x.shape[1] for name, x in zip(module.TIMESTEPS, inputs)}
    )


@pytest.mark.parametrize(
    "spec",
    [s for s in GRAPH_EXAMPLES if s.stem != "chained_blocks"],
    ids=lambda p: p.stem,
)
def test_inference_models_step_through_the_same_numbers(
    spec: Path, tmp_path: Path
) -> None:
    """Feeding the decoder step model the true inputs reproduces the full model."""
    keras.backend.clear_session()
    module = load_module(spec, tmp_path)
    model = module.build_model()
    encoder_model, decoder_model = module.build_inference_models(model)
    rng = np.random.default_rng(2)
    batch = module.BATCH_SIZE or 2
    source, target = (
        rng.standard_normal(
            (batch, module.TIMESTEPS[name] or 5, *module.STEP_SHAPES[name])
        ).astype("float32")
        for name in module.TIMESTEPS
    )
    full = keras.ops.convert_to_numpy(model([source, target])[0])
    states = keras.tree.flatten(encoder_model(source))
    for t in range(target.shape[1]):
        output, *states = decoder_model(
            [keras.ops.convert_to_tensor(target[:, t : t + 1]), *states]
        )
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(output)[:, 0], full[:, t], rtol=1e-4, atol=1e-5
        )


def test_chained_blocks_offer_no_inference_models(tmp_path: Path) -> None:
    module = load_module(
        next(s for s in GRAPH_EXAMPLES if s.stem == "chained_blocks"), tmp_path
    )
    assert not hasattr(module, "build_inference_models")
    assert module.STATE_SIZE == {"features": 32, "tracker": (8, 8)}


def assert_params_counted(spec: Path, model: keras.Model) -> None:
    """The plan counts the model's weights without Keras; `rnnspec check` prints them."""
    plan = make_graph_plan(load_spec(spec))
    assert plan.params == model.count_params()
    assert (
        describe_plan(plan)
        .splitlines()[-1]
        .startswith(f"parameters: {model.count_params():,}")
    )


SPECS = Path(__file__).parent / "specs"
# more wiring, and names that look like generated ones but make none twice
VARIANTS = sorted((SPECS / "graphs").glob("*.yaml")) + sorted(
    (SPECS / "names").glob("ok_*.yaml")
)


@pytest.mark.parametrize("spec", VARIANTS, ids=lambda p: p.stem)
def test_graph_variants_run_and_step_like_the_full_model(
    spec: Path, tmp_path: Path, capsys
) -> None:
    """More wiring (bidirectional to bidirectional, stacks with concat, ConvLSTM hand-over,
    project, dynamic batches, float64): the smoke test passes, and where there is a
    one-step decoder, stepping it over the decoder's input gives the full model's numbers.
    """
    keras.backend.clear_session()
    module = load_module(spec, tmp_path)
    module.main()
    printed = [line.split(": ")[0] for line in capsys.readouterr().out.splitlines()]
    assert printed[: len(module.RETURNED)] == module.RETURNED
    model = module.build_model()
    assert_params_counted(spec, model)
    if not hasattr(module, "build_inference_models"):
        return
    encoder_model, decoder_model = module.build_inference_models(model)
    rng = np.random.default_rng(3)
    batch = module.BATCH_SIZE or 2
    dtype = getattr(module, "ARRAY_DTYPE", module.DTYPE)
    data = {  # every input of the model, by name: sequences, then any state inputs
        name: rng.standard_normal(
            (batch, steps or 4, *module.STEP_SHAPES[name])
        ).astype(dtype)
        for name, steps in module.TIMESTEPS.items()
    }
    data |= {
        x.name: rng.standard_normal((batch, *x.shape[1:])).astype(dtype)
        for x in model.inputs
        if x.name not in data
    }

    def feed(keras_model: keras.Model) -> list | np.ndarray:
        arrays = [data[x.name] for x in keras_model.inputs]
        return arrays if len(arrays) > 1 else arrays[0]

    decoder_input = next(
        x.name for x in decoder_model.inputs if not x.name.startswith("initial_")
    )
    full = dict(zip(module.RETURNED, keras.tree.flatten(model(feed(model)))))
    states = keras.tree.flatten(encoder_model(feed(encoder_model)))
    target = data[decoder_input]
    decoder = decoder_model.name.removesuffix("_step")
    if f"{decoder}_output" not in full or len(full[f"{decoder}_output"].shape) < 3:
        return  # no per-step output to compare
    expected = keras.ops.convert_to_numpy(
        keras.ops.cast(full[f"{decoder}_output"], "float32")
    )
    low = module.DTYPE in ("float16", "bfloat16")
    tolerance = {"rtol": 2e-2, "atol": 2e-2} if low else {"rtol": 1e-4, "atol": 1e-5}
    for t in range(target.shape[1]):
        output, *states = decoder_model(
            [keras.ops.convert_to_tensor(target[:, t : t + 1]), *states]
        )
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(keras.ops.cast(output, "float32"))[:, 0],
            expected[:, t],
            **tolerance,
        )
