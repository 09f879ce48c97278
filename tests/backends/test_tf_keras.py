"""The tf_keras target: every golden spec's Keras 2 module runs (its main()) in
.venv-tf-keras, and its numbers equal the Keras 3 module's with the same weights; so
do those of tests/data/specs/tf_keras/, where Keras 2 once failed or computed otherwise.

The Keras 3 side is TensorFlow's probe of the keras3 module (tests/support/probes.py:
the run every other test of a golden module reads too), which keeps its fresh weights
by layer name, its inputs and its numbers; one Keras 2 process runs every tf_keras
module's smoke test, takes those weights and inputs and returns its numbers
(tests/support/tf_keras_run.py). Compared: the model's returned tensors, a stateful
model's next batch and its batch after reset_states(), the inference models' outputs,
greedy decoding, and the CTC losses.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rnnspec import render_spec

from ..conftest import ALL_EXAMPLES, GOLDEN, ROOT
from ..support.probes import REFERENCE, SCRATCH, locked, numbers_of, probed
from ..support.sample import SAMPLE

TF_KERAS_PYTHON = ROOT / ".venv-tf-keras" / "bin" / "python"
RUN = Path(__file__).parents[1] / "support" / "tf_keras_run.py"
# Specs that Keras 2 once ran otherwise than Keras 3 (each file says how).
KERAS2_CASES = sorted((ROOT / "tests" / "data" / "specs" / "tf_keras").glob("*.yaml"))
SPECS = ALL_EXAMPLES + KERAS2_CASES
NAMES = [spec.stem for spec in SPECS]


def _run(probed: Path, folder: Path, names: list[str]) -> dict[str, str]:
    done = subprocess.run(
        [str(TF_KERAS_PYTHON), str(RUN), str(probed), str(folder), *names],
        capture_output=True,
        text=True,
        timeout=1800,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads((folder / "errors.json").read_text())


Compared = tuple[Path, Path, dict]


def _keras3_module(spec: Path, scratch: Path) -> Path:
    """The spec's Keras 3 module: its golden file, else rendered into ``scratch``."""
    golden = GOLDEN / f"{spec.stem}.py"
    if golden.exists():
        return golden
    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / f"{spec.stem}.py"
    path.write_text(render_spec(str(spec)), "utf-8")
    return path


def _compared(specs: list[Path]) -> Compared:
    """Each spec's Keras 3 module probed on TensorFlow, and its tf_keras module run on
    Keras 2 with the probe's weights and inputs: once per test session and spec, kept
    in the session's scratch folder under a lock (the xdist workers share it), so the
    sample and the whole set never run twice."""
    assert TF_KERAS_PYTHON.exists(), "build .venv-tf-keras: `make .venv-tf-keras`"
    folder = Path(os.environ[SCRATCH]) / "tf_keras"
    with locked(folder.with_suffix(".lock")):
        (folder / "tf_keras").mkdir(parents=True, exist_ok=True)
        modules = [_keras3_module(spec, folder / "keras3") for spec in specs]
        probed_at = probed(REFERENCE, modules)
        kept = folder / "checked.json"
        errors = json.loads(kept.read_text()) if kept.exists() else {}
        todo = [spec for spec in specs if spec.stem not in errors.get("done", [])]
        for spec in todo:
            source = render_spec(str(spec), target="tf_keras")
            (folder / "tf_keras" / f"{spec.stem}.py").write_text(source, "utf-8")
        names = [spec.stem for spec in todo]
        if names:
            errors.setdefault("check", {}).update(_run(probed_at, folder, names))
            errors["done"] = errors.get("done", []) + names
            kept.write_text(json.dumps(errors), encoding="utf-8")
    return folder, probed_at, errors.get("check", {})


@pytest.fixture(scope="module")
def compared() -> Compared:
    return _compared(SPECS)


@pytest.mark.quick
def test_the_environment_is_keras_2() -> None:
    done = subprocess.run(
        [str(TF_KERAS_PYTHON), "-c", "import tf_keras; print(tf_keras.__version__)"],
        capture_output=True,
        text=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1].startswith("2."), done.stdout


@pytest.mark.parametrize("name", NAMES)
def test_tf_keras_module_runs_and_matches_keras3(compared: Compared, name: str) -> None:
    _check_matches(compared, name)


@pytest.mark.quick
def test_a_sample_runs_on_keras_2_and_matches_keras3() -> None:
    """The sample (tests/support/sample.py), `make test`'s run: one test, so that its
    two processes run once however the workers share the tests."""
    specs = [spec for spec in ALL_EXAMPLES if spec.stem in SAMPLE]
    assert len(specs) == len(SAMPLE)
    compared = _compared(specs)
    for name in SAMPLE:
        _check_matches(compared, name)


def _check_matches(compared: Compared, name: str) -> None:
    folder, probed_at, checked = compared
    assert name not in checked, checked.get(name)
    keras3 = numbers_of(probed_at, REFERENCE, name)
    assert not isinstance(keras3, str), keras3
    tf_keras = dict(np.load(folder / f"{name}.tf_keras.npz"))
    assert sorted(tf_keras) == sorted(keras3)
    assert any(key.startswith("model/") for key in keras3)
    for key, expected in keras3.items():
        assert_close(tf_keras[key], expected, f"{name}: {key}")


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Within 1e-5, and within 1e-5 of the tensor's largest value: softmax outputs
    over many classes are small, so an absolute 1e-5 alone would pass near anything."""
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5, err_msg=what)
    scale = max(float(np.abs(expected).max()), 1e-12)
    np.testing.assert_allclose(
        actual / scale, expected / scale, rtol=0, atol=1e-5, err_msg=what
    )


def test_tf_keras_modules_import_no_keras_3() -> None:
    for spec in ALL_EXAMPLES:
        source = render_spec(str(spec), target="tf_keras")
        assert "import tf_keras as keras" in source
        assert "keras.tree" not in source and "keras.ops" not in source, spec.stem
