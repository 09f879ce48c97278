"""A stack of one one-state cell, `RNN(StackedRNNCells([GRUCell]))`, on JAX.

StackedRNNCells.call (keras/src/layers/rnn/stacked_rnn_cells.py, Keras 3.15.1) hands a
lone cell's state back unwrapped when it went in unwrapped, and a one-state cell's
(GRUCell, SimpleRNNCell) `h` when its states were not nested; JAX's lax.scan refuses a
carry that comes out in another structure than it went in ("carry input and carry
output must have the same pytree structure"), so `initial_state=[[h]]` fails there while
`[h]` runs. The generated module keeps make_initial_state()'s per-cell nesting and
passes such a state flat at the call site (stack.LayerPlan.call_state), in every mode:
zeros/ones/random, input, from (direct and bridged), the inference models' state
inputs; and reset_states() of a stateful stack zeroes its variables on JAX too.

Each spec below renders a module that tests/support/backend_probe.py runs on TensorFlow
(the reference weights and .keras file) and then on JAX in a process of its own: the
model, the inference models, greedy decoding and the loaded .keras file must give
TensorFlow's numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnspec import load_spec, make_plan, render_spec

from ..support.probes import probe

TOLERANCE = 1e-5  # as tests/backends/test_backends.py

ENC_DEC = """\
name: {name}
inputs:
  src: {{batch_size: {batch}, timesteps: 5, features: 4}}
  tgt: {{batch_size: {batch}, timesteps: 4, features: 3}}
blocks:
  - name: enc
    input: src
    cells: [{{type: {encoder}, units: {units}}}]
    stacking: cells
    bidirectional: {bidirectional}
    initial_state: {start}
    return_state: true
  - name: dec
    input: tgt
    cells: [{{type: gru, units: 6}}]
    stacking: cells
    return_sequences: true
    return_state: true
    initial_state: {{from: enc{bridge}}}
    head: {{units: 3, activation: softmax}}
decoding: {{}}  # greedy_decode, checked on JAX too
"""

SPECS = {
    "gru_zeros": """\
name: gru_zeros
input: {batch_size: 2, timesteps: 5, features: 3}
cells: [{type: gru, units: 4}]
stacking: cells
return_sequences: true
return_state: true
""",
    "gru_ones_any_batch": """\
name: gru_ones_any_batch
input: {batch_size: null, timesteps: 5, features: 3}
cells: [{type: gru, units: 4, reset_after: false}]
stacking: cells
initial_state: ones
return_state: true
""",
    "simple_rnn_random": """\
name: simple_rnn_random
input: {batch_size: 2, timesteps: 5, features: 3}
cells: [{type: simple_rnn, units: 4}]
stacking: cells
initial_state: random
return_sequences: true
""",
    "simple_rnn_input_bidirectional": """\
name: simple_rnn_input_bidirectional
input: {batch_size: null, timesteps: null, features: 3}
cells: [{type: simple_rnn, units: 4}]
stacking: cells
bidirectional: true
initial_state: input
return_state: true
""",
    "from_direct": ENC_DEC.format(
        name="from_direct", batch=2, encoder="simple_rnn", units=6,
        bidirectional="false", start="random", bridge="",
    ),
    "from_bridged": ENC_DEC.format(
        name="from_bridged", batch="null", encoder="gru", units=3,
        bidirectional="true", start="zeros", bridge=", bridge: concat",
    ),
    "stateful_gru_lstm": """\
name: stateful_gru_lstm
input: {batch_size: 2, timesteps: 4, features: 3}
cells: [{type: gru, units: 3}, {type: lstm, units: 2}]
stacking: cells
stateful: true
return_sequences: true
return_state: true
""",
}  # fmt: skip


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("one_state")
    paths = []
    for name, text in SPECS.items():
        spec = folder / f"{name}.yaml"
        spec.write_text(text, encoding="utf-8")
        module = folder / f"{name}.py"
        module.write_text(render_spec(spec, cache=False), encoding="utf-8")
        paths.append(module)
    return paths


def test_the_call_site_passes_a_lone_one_state_cell_flat(
    modules: list[Path],
) -> None:
    """make_initial_state() keeps [[h]]; only the call passes [h] (or [h_fw, h_bw])."""
    flat = {}
    for name in SPECS:
        plan = make_plan(load_spec(modules[0].parent / f"{name}.yaml"))
        for block in plan.blocks:
            for layer in block.layers:
                flat[f"{name}/{layer.name}"] = layer.flat_state
                if layer.flat_state:
                    assert layer.call_state == list(layer.states)
                    assert layer.initial_state == [[s] for s in layer.states]
                else:
                    assert layer.call_state == layer.initial_state
    assert flat["stateful_gru_lstm/rnn"] is False
    assert flat["from_bridged/enc_rnn"] is True  # forward and backward h
    assert sum(flat.values()) == len(flat) - 1
    source = modules[0].read_text(encoding="utf-8")
    assert "initial_state=keras.tree.flatten(initial_state)" in source
    assert "return [[gru_h]]" in source


def test_jax_gives_tensorflows_numbers(modules: list[Path], tmp_path: Path) -> None:
    probe("tensorflow", tmp_path, modules)
    probe("jax", tmp_path, modules)
    problems = []
    for module in modules:
        error = tmp_path / "jax" / f"{module.stem}.error"
        if error.exists():
            problems.append(f"{module.stem}: {error.read_text()[-2000:]}")
            continue
        with (
            np.load(tmp_path / "jax" / f"{module.stem}.npz") as mine,
            np.load(tmp_path / "tensorflow" / f"{module.stem}.npz") as theirs,
        ):
            assert set(theirs.files) <= set(mine.files), module.stem
            loaded = [k for k in mine.files if k.startswith("loaded/")]
            assert loaded, f"{module.stem}: the .keras file was not run"
            for key in mine.files:
                want = theirs[key.replace("loaded/", "model/")]
                got = mine[key]
                if got.shape != want.shape or not np.allclose(
                    got, want, rtol=0, atol=TOLERANCE
                ):
                    problems.append(f"{module.stem} {key}: differs")
    assert not problems, "\n".join(problems)
    names = {k for m in modules for k in np.load(tmp_path / "jax" / f"{m.stem}.npz")}
    assert any("greedy" in k for k in names) and any("decoder" in k for k in names)
