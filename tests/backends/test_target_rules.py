"""Target rules: what tf_keras (Keras 2) would reject or compute otherwise is refused at
load time, at its key, and nothing else is.

The refused activations are not taken on trust: every activation the spec accepts is
computed by Keras 3 here and by tf_keras in .venv-tf-keras on the same grid; the ones
that differ or are missing there must be exactly those the tf_keras target refuses
(rnnspec/targets/tf_keras/).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnspec import load_spec, render_module
from rnnspec.spec.limits import RuleError
from rnnspec.read.load import SpecError
from rnnspec.targets.tf_keras import KERAS2_ACTIVATIONS
from rnnspec.spec.values import LAYER_ACTIVATIONS

from ..conftest import ROOT, invoke

SCRIPT = Path(__file__).parent.parent / "support" / "activations.py"
TF_KERAS_PYTHON = ROOT / ".venv-tf-keras" / "bin" / "python"


def computed(python: Path | str) -> dict[str, object]:
    names = ",".join(LAYER_ACTIVATIONS)
    result = subprocess.run(
        [str(python), str(SCRIPT), names],
        capture_output=True,
        text=True,
        check=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    return json.loads(result.stdout)


def test_tf_keras_refuses_exactly_the_activations_keras_2_lacks_or_computes_otherwise() -> (
    None
):
    assert TF_KERAS_PYTHON.exists(), "build .venv-tf-keras: `make .venv-tf-keras`"
    keras3, keras2 = computed(sys.executable), computed(TF_KERAS_PYTHON)
    differ = {
        name
        for name in LAYER_ACTIVATIONS
        if isinstance(keras2[name], str)
        or not np.allclose(keras2[name], keras3[name], rtol=1e-6, atol=1e-6)
    }
    assert all(not isinstance(keras3[name], str) for name in LAYER_ACTIVATIONS)
    assert differ == set(KERAS2_ACTIVATIONS)


SPEC = """\
name: hs
input: {timesteps: 5, features: 3}
cells: [{type: lstm, units: 4, recurrent_activation: hard_sigmoid}]
"""
GRAPH = """\
name: g
inputs:
  x: {timesteps: 5, features: 3}
blocks:
  - name: encoder
    input: x
    cells: [{type: gru, units: 4}]
    return_state: true
  - name: decoder
    input: x
    cells: [{type: gru, units: 6}]
    initial_state: {from: encoder, bridge: project, activation: log_sigmoid}
    head: [{type: dense, units: 2, activation: relu}]
"""


@pytest.mark.quick  # rules only: no Keras runs
@pytest.mark.parametrize(
    ("text", "place", "name"),
    [
        (SPEC, "3:54: cells[0].recurrent_activation", "hard_sigmoid"),
        (GRAPH, "12:65: blocks[1].initial_state.activation", "log_sigmoid"),
    ],
)
def test_tf_keras_refuses_at_the_key(
    text: str, place: str, name: str, tmp_path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    load_spec(spec)  # the keras3 target takes it
    render_module(load_spec(spec))
    with pytest.raises(SpecError) as caught:
        load_spec(spec, "tf_keras")
    assert str(caught.value).startswith(f"{spec}:{place}: activation {name} on target")
    result = invoke("render", "--target", "tf_keras", str(spec))
    assert result.returncode == 2
    assert f"{place}: activation {name} on target tf_keras" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(RuleError):  # the API, from a spec loaded for keras3
        render_module(load_spec(spec), "tf_keras")


@pytest.mark.quick  # rules only: no Keras runs
def test_every_other_activation_renders_for_tf_keras(tmp_path) -> None:
    for name in sorted(set(LAYER_ACTIVATIONS) - set(KERAS2_ACTIVATIONS) - {"softmax"}):
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(SPEC.replace("hard_sigmoid", name), encoding="utf-8")
        assert f'recurrent_activation="{name}"' in render_module(
            load_spec(spec, "tf_keras"), "tf_keras"
        )


STATEFUL_CONV = """\
name: sc
input: {batch_size: 2, timesteps: 3, shape: [4, 2], dtype: DTYPE}
cells: [{type: conv_lstm1d, filters: 2, kernel_size: 2}]
stateful: true
"""
KERAS2_STATEFUL_CONV = """\
import numpy as np, tf_keras as keras
layer = keras.layers.ConvLSTM1D(2, 2, stateful=True, dtype="DTYPE")
try:
    layer(np.zeros((2, 3, 4, 2), "DTYPE"))
    print("runs")
except Exception:
    print("fails")
"""


@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_tf_keras_refuses_a_stateful_conv_lstm_keras_2_cannot_run(
    dtype: str, tmp_path
) -> None:
    """Keras 2 keeps a stateful ConvLSTM's state in float32 whatever the layer's dtype:
    its own call fails (checked in .venv-tf-keras), so the target refuses the spec at
    `stateful`; float32 runs there and is taken."""
    assert TF_KERAS_PYTHON.exists(), "build .venv-tf-keras: `make .venv-tf-keras`"

    def keras2(dtype: str) -> str:
        code = KERAS2_STATEFUL_CONV.replace("DTYPE", dtype)
        done = subprocess.run(
            [str(TF_KERAS_PYTHON), "-c", code],
            capture_output=True,
            text=True,
            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        )
        return done.stdout.split()[-1]

    assert (keras2(dtype), keras2("float32")) == ("fails", "runs")
    spec = tmp_path / "spec.yaml"
    spec.write_text(STATEFUL_CONV.replace("DTYPE", dtype), encoding="utf-8")
    render_module(load_spec(spec))  # the keras3 target takes it
    result = invoke("render", "--target", "tf_keras", str(spec))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"4:11: stateful: stateful conv_lstm1d cells with dtype {dtype} on " in (
        result.stderr
    )
    spec.write_text(STATEFUL_CONV.replace("DTYPE", "float32"), encoding="utf-8")
    render_module(load_spec(spec, "tf_keras"), "tf_keras")
