"""The published stateful model, against its twin: keras-team/keras examples/
lstm_stateful.py (commit c4bee7462fb6, Keras 2).

Its create_model(stateful=True), with the editable parameters as published
(`tsteps = 2`, `lahead = 1`, `batch_size = 1`):

    model = Sequential()
    model.add(LSTM(20, input_shape=(lahead, 1), batch_size=batch_size, stateful=stateful))
    model.add(Dense(1))
    model.compile(loss='mse', optimizer='adam')

Keras 3 refuses `batch_size` on a layer, so the twin starts the Sequential with an
`Input(shape=(lahead, 1), batch_size=batch_size)`; the rest is as published, without the
compile. Its data is `np.random.uniform(-amp, +amp, xn)` with `amp=0.1`, read one
value a batch; after each epoch it calls `model_stateful.reset_states()`, which a Keras
3 Model no longer has: the twin resets its LSTM through `reset_state()`, the generated
model through the module's `reset_states(model)`.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import keras
import numpy as np

from ..conftest import ROOT
from ..support.compare_models import assert_params_counted
from ..support.modules import load_spec_module
from .test_published import assert_close, copy_mapped

SPEC = ROOT / "examples" / "published" / "stateful_streaming.yaml"
# examples/lstm_stateful.py's editable parameters
TSTEPS, LAHEAD, BATCH_SIZE, AMP = 2, 1, 1, 0.1
UNITS = 20


def stateful_streaming() -> keras.Model:
    """create_model(stateful=True), as Keras 3 takes it."""
    model = keras.Sequential()
    model.add(keras.Input(shape=(LAHEAD, 1), batch_size=BATCH_SIZE))
    model.add(keras.layers.LSTM(UNITS, stateful=True))
    model.add(keras.layers.Dense(1))
    return model


TWINS = {"stateful_streaming": stateful_streaming}
# an LSTM's four gates, each a kernel over the input and the state and a bias; Dense(1)
PARAMS = {"stateful_streaming": 4 * UNITS * (1 + UNITS + 1) + UNITS + 1}


def test_the_count_is_the_published_arithmetic() -> None:
    assert PARAMS["stateful_streaming"] == 1781


def built(folder: Path) -> tuple[ModuleType, keras.Model, keras.Model]:
    """The module, its model, and the twin holding its weights (the published layers
    are unnamed: the LSTM is the first layer, the Dense the second)."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(SPEC, folder)
    model = module.build_model()
    twin = stateful_streaming()
    lstm, dense = (layer.name for layer in twin.layers)
    copy_mapped(model, twin, {"lstm": lstm, "head": dense})
    return module, model, twin


def stream(seed: int, batches: int) -> list[np.ndarray]:
    """Consecutive batches of the published data: one uniform value in [-0.1, 0.1)."""
    values = np.random.default_rng(seed).uniform(-AMP, AMP, batches * BATCH_SIZE)
    return list(values.astype("float32").reshape(batches, BATCH_SIZE, LAHEAD, 1))


def test_the_published_parameters(tmp_path: Path) -> None:
    module, model, twin = built(tmp_path)
    assert model.count_params() == twin.count_params() == PARAMS["stateful_streaming"]
    assert_params_counted(SPEC, model)
    assert module.STATEFUL_LAYERS == ["lstm"]
    assert (module.BATCH_SIZE, module.TIMESTEPS, module.STEP_SHAPE) == (1, 1, (1,))


def test_the_stream_gives_the_twins_numbers_batch_after_batch(tmp_path: Path) -> None:
    """Six consecutive batches, state carried through both; then, after each model's
    reset, the same six batches give the first pass's numbers again."""
    module, model, twin = built(tmp_path)
    batches = stream(1986, 6)  # the published np.random.seed(1986)
    passes = []
    for _ in range(2):
        got = [model(x) for x in batches]
        want = [twin(x) for x in batches]
        for step, (mine, theirs) in enumerate(zip(got, want)):
            assert tuple(mine.shape) == (BATCH_SIZE, 1)
            assert_close(mine, theirs, f"output of batch {step}")
        passes.append(got)
        assert not hasattr(twin, "reset_states")  # keras-team/keras#20327
        module.reset_states(model)
        twin.layers[0].reset_state()
    for step, (first, again) in enumerate(zip(*passes)):
        assert_close(again, first, f"output of batch {step} after the reset")


def test_the_state_is_carried_from_batch_to_batch(tmp_path: Path) -> None:
    """One batch read twice without a reset gives other numbers, in both models: what
    makes the reset needed."""
    module, model, twin = built(tmp_path)
    (x,) = stream(7, 1)
    for network in (model, twin):
        first, second = network(x), network(x)
        assert not np.allclose(np.asarray(first), np.asarray(second), atol=1e-6)
    module.reset_states(model)
    twin.layers[0].reset_state()
    assert_close(model(x), twin(x), "output after both resets")
