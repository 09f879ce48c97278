"""Every layer and cell of a generated model in the spec's dtype policy.

`input.dtype` is float32, float64, float16 (Keras' `mixed_float16` policy) or bfloat16
(`mixed_bfloat16`). Keras does not pass a policy on: `RNN(cell, dtype=...)` leaves the
cell at float32, `StackedRNNCells` and `Bidirectional` have their own, and a layer left
at float32 casts what it is given (a float64 state rounded to float32, a bfloat16
output widened). So every layer of the built model is walked, with the layers inside
others (a Bidirectional's forward and backward layers, every RNN's cell, a stack's
cells), heads and bridges included, and each one's policy compared with the one the
spec asks for; every returned tensor must come out in the spec's dtype.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
import yaml

from rnnspec import render_module, render_spec
from rnnspec.check.checked import Spec
from ..support import reference as ref
from ..support.keras_matrix import CASES
from ..support.modules import load_module

from ..conftest import ALL_EXAMPLES, ROOT

POLICY = {
    "float32": "float32",
    "float64": "float64",
    "float16": "mixed_float16",
    "bfloat16": "mixed_bfloat16",
}
SPECS = ROOT / "tests" / "data" / "specs"
GRAPHS = (
    sorted((SPECS / "graphs").glob("*.yaml"))
    + sorted((SPECS / "names").glob("ok_*.yaml"))
    + sorted((SPECS / "dtypes").glob("graph_*.yaml"))
)


@pytest.fixture
def _fresh_keras():
    keras.backend.clear_session(free_memory=False)


def spec_dtype(spec: dict) -> str:
    """The dtype a spec dict asks for: its input's, or (long form) its inputs'."""
    given = spec["input"] if "input" in spec else next(iter(spec["inputs"].values()))
    return given.get("dtype", "float32")


def cells_in_model(spec: dict) -> int:
    """How many recurrent cells the model holds: a cell per spec cell and direction,
    in every block the outputs depend on."""
    if "blocks" not in spec:
        return len(spec["cells"]) * (2 if spec.get("bidirectional") else 1)
    blocks = spec["blocks"]
    wanted = set(spec.get("outputs") or [blocks[-1].get("name")])
    for block in reversed(blocks):
        if block.get("name") in wanted:
            reads = block.get("input")  # a layer node's may be several
            wanted.update(reads if isinstance(reads, list) else [reads])
            start = block.get("initial_state")
            if isinstance(start, dict):
                wanted.add(start["from"])
    return sum(
        len(block["cells"]) * (2 if block.get("bidirectional") else 1)
        for block in blocks
        if block.get("name") in wanted and "cells" in block
    )


def assert_policies(model: keras.Model, spec: dict) -> None:
    dtype = spec_dtype(spec)
    walked = ref.every_layer(model)
    wrong = [
        f"{path} ({type(layer).__name__}): {layer.dtype_policy.name}"
        for path, layer in walked
        if not isinstance(layer, keras.layers.InputLayer)
        and layer.dtype_policy.name != POLICY[dtype]
    ]
    assert not wrong, f"expected {POLICY[dtype]}, got " + "; ".join(wrong)
    inputs = {
        layer.name: layer.dtype
        for _, layer in walked
        if isinstance(layer, keras.layers.InputLayer)
    }
    given = spec.get("inputs") or {"sequence": spec.get("input", {})}
    tokens = {name for name, keys in given.items() if keys.get("vocabulary")}
    masks = {name for name, keys in given.items() if keys.get("masks")}
    assert inputs  # token ids are int32, masks bool; every other the spec's dtype
    assert inputs == {
        name: "int32" if name in tokens else "bool" if name in masks else dtype
        for name in inputs
    }, inputs
    assert sum(ref.is_cell(layer) for _, layer in walked) == cells_in_model(spec)


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_every_layer_and_cell_of_a_short_form_has_the_specs_policy(c, tmp_path):
    module = load_module(
        render_module(Spec.model_validate(c.spec)), tmp_path, "rnnspec_dtypes"
    )
    assert_policies(module.build_model(), c.spec)


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("spec", ALL_EXAMPLES + GRAPHS, ids=lambda p: p.stem)
def test_every_layer_cell_head_and_bridge_has_the_specs_policy(spec: Path, tmp_path):
    module = load_module(render_spec(spec), tmp_path, "rnnspec_dtypes")
    assert_policies(module.build_model(), yaml.safe_load(spec.read_text("utf-8")))


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("spec", GRAPHS, ids=lambda p: p.stem)
def test_every_tensor_a_graph_returns_is_in_the_specs_dtype(spec: Path, tmp_path):
    """Symbolically and eagerly, as the short form's test_output_dtypes checks."""
    dtype = spec_dtype(yaml.safe_load(spec.read_text("utf-8")))
    module = load_module(render_spec(spec), tmp_path, "rnnspec_dtypes")
    model = module.build_model()
    assert [keras.backend.standardize_dtype(x.dtype) for x in model.outputs] == [
        dtype
    ] * len(module.RETURNED)
    rng = np.random.default_rng(0)
    arrays = [
        rng.standard_normal([size or 3 for size in x.shape]).astype(
            "float32" if dtype in ref.MIXED else dtype
        )
        for x in model.inputs
    ]
    returned = keras.tree.flatten(model(arrays if len(arrays) > 1 else arrays[0]))
    assert [keras.backend.standardize_dtype(x.dtype) for x in returned] == [
        dtype
    ] * len(module.RETURNED)
