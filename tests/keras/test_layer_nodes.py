"""Layer nodes against Keras: for specs that use every merge (tests/data/specs/nodes/),
the TimeDistributed wrapper, embeddings of raw tokens and pooling that leaves the
length open, every layer the check plans (rnnspec/plan/layer_rows.py) is one Keras
builds, with Keras' class, output shape and count_params(); the model runs on data of
the smoke test's sizes and its outputs have the planned shapes."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan
from rnnspec.plan.layer_rows import layer_rows
from rnnspec.run.report import concrete

from ..conftest import ROOT
from ..support.modules import load_spec_module

SPECS = sorted((ROOT / "tests" / "data" / "specs" / "nodes").glob("*.yaml")) + [
    ROOT / "examples" / "published" / "babi_memnn.yaml"  # Keras orders its layers
]  # otherwise than the module builds them (tests/keras/test_check_layers.py)


@pytest.mark.parametrize("spec", SPECS, ids=lambda path: path.stem)
def test_each_planned_node_layer_is_keras_own(spec: Path, tmp_path: Path) -> None:
    plan = make_plan(load_spec(spec))
    module = load_spec_module(spec, tmp_path)
    model = module.build_model()
    for row in layer_rows(plan):
        layer = model.get_layer(row.name)
        assert type(layer).__name__ == row.keras_class, row.name
        assert layer.count_params() == row.params, row.name
        want = [None if d is None else d for d in concrete(row.shape, plan)]
        assert list(layer.output.shape) == want, row.name
    assert model.count_params() == plan.params
    rng = np.random.default_rng(0)
    data = []
    for given in plan.inputs:
        steps = given.timesteps or 9
        if not given.sequence:
            data.append(rng.random((2, *given.step_shape)).astype("float32"))
        elif given.vocabulary:
            data.append(rng.integers(0, given.vocabulary, (2, steps)).astype("int32"))
        else:
            data.append(rng.random((2, steps, *given.step_shape)).astype("float32"))
    outputs = keras.tree.flatten(model(data if len(data) > 1 else data[0]))
    for output, (name, dims) in zip(outputs, plan.returns):
        sized = concrete(dims, plan)
        assert all(a in (None, b) for a, b in zip(sized, output.shape)), name
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(output))), name
