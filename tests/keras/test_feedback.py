"""Blocks with `feedback` (docs/decoding.md) on every backend and on Keras 2: the
specs of tests/data/specs/feedback/ok_*.yaml (a GRU with dropout and a head of
several layers, a SimpleRNN beside another block in the long form, mixed precision).

Each prediction is the head on the cell fed the prediction before it (checked against
the contract written out with the model's own cell and head), the model saved to
.keras loads back through the module's load_model(), and `rnnspec smoke` passes on
TensorFlow, JAX and PyTorch, and the tf_keras module's smoke test in .venv-tf-keras.
The published model is held against its twin in test_published_feedback.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan, render_spec

from ..conftest import ROOT, run_cli
from ..support.compare_models import loose, numbers
from ..support.modules import load_spec_module

SPECS = sorted((ROOT / "tests" / "data" / "specs" / "feedback").glob("ok_*.yaml"))
TF_KERAS_PYTHON = ROOT / ".venv-tf-keras" / "bin" / "python"


def _inputs(model: keras.Model, rng: np.random.Generator, batch: int) -> list:
    return [
        rng.standard_normal((batch, x.shape[1] or 4, x.shape[2])).astype(
            keras.backend.standardize_dtype(x.dtype)
        )
        for x in model.inputs
    ]


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_each_prediction_is_fed_back_and_the_model_loads(
    spec: Path, tmp_path: Path
) -> None:
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(1)
    module = load_spec_module(spec, tmp_path)
    model = module.build_model()
    plan = make_plan(load_spec(spec))
    (block,) = [b for b in plan.blocks if b.feedback]
    given = _inputs(model, np.random.default_rng(2), plan.batch_size or 2)
    called = given if len(given) > 1 else given[0]
    returned = dict(zip(module.RETURNED, keras.tree.flatten(model(called))))
    got = numbers(returned[block.output[0]])
    assert got.shape[1] == block.feedback.steps
    layer = model.get_layer(block.feedback.layer)
    sequence = given[[x.name for x in model.inputs].index(block.model_input)]
    output, *state = layer.rnn(sequence)
    for step in range(block.feedback.steps):
        if step:
            output, state = layer.cell(prediction, state)
        prediction = output
        for head in layer.head:
            prediction = head(prediction)
        np.testing.assert_allclose(
            got[:, step], numbers(prediction), **loose(plan.dtype)
        )
    path = tmp_path / f"{spec.stem}.keras"
    model.save(path)
    loaded = module.load_model(path)
    again = dict(zip(module.RETURNED, keras.tree.flatten(loaded(called))))
    np.testing.assert_array_equal(numbers(again[block.output[0]]), got)


def test_feedback_runs_on_every_backend() -> None:
    done = run_cli("smoke", "--backend", "tensorflow,jax,torch", *SPECS)
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]


def test_feedback_runs_on_keras_2(tmp_path: Path) -> None:
    assert TF_KERAS_PYTHON.exists(), "build .venv-tf-keras: `make .venv-tf-keras`"
    for spec in SPECS:
        module = tmp_path / f"{spec.stem}.py"
        module.write_text(render_spec(str(spec), target="tf_keras"), "utf-8")
        done = subprocess.run(
            [str(TF_KERAS_PYTHON), str(module)],
            capture_output=True,
            text=True,
            timeout=600,
            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, f"{spec.stem}: {done.stderr[-3000:]}"
        assert "training step" in done.stdout or spec.stem == "ok_graph"
