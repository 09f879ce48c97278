"""Explicit defaults: a module writes every argument whose default differs between
Keras 2 (tf_keras 2.x) and Keras 3, so its numbers do not depend on the Keras version.

`rnnspec.cells.VERSION_DEFAULTS` is the list; here it is checked against Keras 3's own
signatures and the recorded Keras 2 ones (tests/support/keras2_defaults.py, itself checked
against tf_keras in `.venv-tf-keras`), for every Keras class a module can build.
A float64 spec with any batch size repeats its initial state in DTYPE.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest
import yaml

from rnnspec import render_spec
from rnnspec.check import attention
from rnnspec.spec.layers import LAYER_MODELS
from rnnspec.cells import CELLS, VERSION_DEFAULTS

from ..support.keras2_defaults import KERAS2_DEFAULTS
from ..support.modules import load_spec_module

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "generator" / "rnnspec" / "targets" / "keras3" / "templates"
TF_KERAS_PYTHON = REPO / ".venv-tf-keras" / "bin" / "python"

# Keras 2 defaults that its signatures hide in **kwargs, read in tf_keras 2.21.0's
# source: attention/base_dense_attention.py (`__init__(self, dropout=0.0, **kwargs)`),
# rnn/base_rnn.py (`kwargs.pop("zero_output_for_mask", False)`),
# normalization/batch_normalization.py (BatchNormalizationBase's renorm arguments).
KERAS2_KWARGS = {
    "Attention": {"dropout": "0.0"},
    "AdditiveAttention": {"dropout": "0.0"},
    "RNN": {"zero_output_for_mask": "False"},
    "BatchNormalization": {
        "renorm": "False",
        "renorm_clipping": "None",
        "renorm_momentum": "0.99",
    },
}


def emitted_classes() -> set[str]:
    """Every keras class a keras3 module can build: the registries' and the templates'."""
    names = {kind.keras_layer for kind in CELLS.values()}
    names |= {kind.keras_cell for kind in CELLS.values() if kind.keras_cell}
    names |= {model.keras_class for model in LAYER_MODELS.values()} | {"Reshape"}
    names |= set(attention.KERAS_CLASS.values()) | {"Input"}
    for template in TEMPLATES.glob("*.jinja"):
        text = template.read_text()  # keras, as the module's own name for it
        names |= set(re.findall(r"keras(?: \}\})?\.layers\.([A-Z]\w+)\(", text))
    return names - {"Layer"}  # RepeatOverBatch's base class: no arguments of its own


def keras3_defaults(name: str) -> dict[str, str]:
    parameters = inspect.signature(getattr(keras.layers, name)).parameters.values()
    return {p.name: repr(p.default) for p in parameters if p.default is not p.empty}


def same_in_effect(key: str, keras2: str, keras3: str) -> bool:
    """Equal, or spelled differently for the same layer: (1, 1) for 1 per dimension;
    data_format None reads keras.config.image_data_format(), channels_last here."""
    old, new = ast.literal_eval(keras2), ast.literal_eval(keras3)
    if old == new:
        return True
    if isinstance(old, tuple) and isinstance(new, int):
        return set(old) == {new}
    if key == "data_format" and new is None:
        return old == keras.config.image_data_format() == "channels_last"
    return False


def test_every_emitted_class_has_its_keras2_defaults_recorded():
    emitted = emitted_classes()
    assert {"ConvLSTM2D", "LSTMCell", "Bidirectional", "Embedding"} <= emitted
    assert emitted <= set(KERAS2_DEFAULTS), emitted - set(KERAS2_DEFAULTS)


@pytest.mark.parametrize("name", sorted(KERAS2_DEFAULTS))
def test_every_default_that_differs_is_in_version_defaults(name):
    """Keras 3's signature against Keras 2's record: each argument both have whose
    default differs is listed, with both defaults; nothing else is."""
    keras2 = KERAS2_DEFAULTS[name] | KERAS2_KWARGS.get(name, {})
    keras3 = keras3_defaults(name)
    differ = {
        key: (ast.literal_eval(keras2[key]), ast.literal_eval(keras3[key]))
        for key in keras2.keys() & keras3.keys()
        if not same_in_effect(key, keras2[key], keras3[key])
    }
    assert differ == VERSION_DEFAULTS.get(name, {})


def test_version_defaults_name_only_classes_a_module_builds():
    assert set(VERSION_DEFAULTS) <= emitted_classes()
    assert VERSION_DEFAULTS["ConvLSTM2D"] == {
        "recurrent_activation": ("hard_sigmoid", "sigmoid")
    }


def test_the_keras2_record_is_tf_keras_own():
    """tests/support/keras2_defaults.py printed again by tf_keras in `.venv-tf-keras`."""
    assert TF_KERAS_PYTHON.is_file(), "build .venv-tf-keras first (make .venv-tf-keras)"
    done = subprocess.run(
        [str(TF_KERAS_PYTHON), str(REPO / "tests" / "support" / "keras2_defaults.py")],
        capture_output=True,
        text=True,
        timeout=300,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == KERAS2_DEFAULTS


# --- the generated code writes them --------------------------------------------------


def keyword_calls(source: str) -> dict[str, list[dict[str, object]]]:
    """Each `keras.layers.X(...)` call of a module: X -> the keywords of each call."""
    calls: dict[str, list[dict[str, object]]] = {}
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and ast.unparse(node.func.value) == "keras.layers"
        ):
            keywords = {
                k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg
            }
            calls.setdefault(node.func.attr, []).append(keywords)
    return calls


CONV_SPECS = {
    "conv_lstm1d": {"batch_size": 2, "timesteps": 3, "shape": [6, 2]},
    "conv_lstm2d": {"batch_size": 2, "timesteps": 3, "shape": [6, 6, 2]},
    "conv_lstm3d": {"batch_size": 2, "timesteps": 3, "shape": [4, 4, 4, 2]},
}


def write_spec(folder: Path, name: str, data: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, **data}), encoding="utf-8")
    return path


@pytest.mark.parametrize("cell", sorted(CONV_SPECS))
def test_conv_lstm_modules_write_keras3_recurrent_activation(tmp_path, cell):
    spec = write_spec(
        tmp_path,
        cell,
        {
            "input": CONV_SPECS[cell],
            "cells": [
                {"type": cell, "filters": 2, "kernel_size": 3, "padding": "same"}
            ],
        },
    )
    source = render_spec(spec)
    (layer,) = keyword_calls(source)[CELLS[cell].keras_layer]
    for key, (_, keras3) in VERSION_DEFAULTS[CELLS[cell].keras_layer].items():
        assert layer[key] == keras3, key
    built = load_spec_module(spec, tmp_path).build_model()
    assert built.get_layer(cell).cell.recurrent_activation is keras.activations.sigmoid


def test_a_value_the_user_set_wins_over_the_pinned_default(tmp_path):
    cells = [
        {
            "type": "conv_lstm2d",
            "filters": 2,
            "kernel_size": 3,
            "recurrent_activation": "hard_sigmoid",
        }
    ]
    spec = write_spec(
        tmp_path, "user", {"input": CONV_SPECS["conv_lstm2d"], "cells": cells}
    )
    source = render_spec(spec)
    assert source.count("recurrent_activation=") == 1
    assert keyword_calls(source)["ConvLSTM2D"][0]["recurrent_activation"] == (
        "hard_sigmoid"
    )


# --- RepeatOverBatch: the module's dtype ---------------------------------------------


def test_repeat_over_batch_uses_dtype_for_a_float64_spec_with_any_batch(tmp_path):
    spec = write_spec(
        tmp_path,
        "float64_any_batch",
        {
            "input": {
                "batch_size": None,
                "timesteps": 4,
                "features": 3,
                "dtype": "float64",
            },
            "cells": [{"type": "lstm", "units": 5}],
            "return_state": True,
            "initial_state": "ones",
        },
    )
    source = render_spec(spec)
    assert "RepeatOverBatch(state, dtype=DTYPE)" in source
    module = load_spec_module(spec, tmp_path)
    assert module.DTYPE == "float64"
    built = module.build_model()
    repeats = [
        layer for layer in built.layers if type(layer).__name__ == "RepeatOverBatch"
    ]
    assert repeats and {layer.compute_dtype for layer in repeats} == {"float64"}
    outputs = built.predict(np.ones((3, 4, 3)), verbose=0)
    assert {np.asarray(out).dtype for out in outputs} == {np.dtype("float64")}
    # Keras' own LSTM from h = c = 1, with the same weights, in float64.
    twin = keras.layers.LSTM(5, return_state=True, dtype="float64")
    twin.build((None, 4, 3))
    twin.set_weights(built.get_layer("lstm").get_weights())
    ones = np.ones((3, 5))
    expected = twin(np.ones((3, 4, 3)), initial_state=[ones, ones])
    for out, want in zip(outputs, expected):
        np.testing.assert_allclose(out, keras.ops.convert_to_numpy(want), rtol=1e-12)
