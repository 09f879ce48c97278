"""The generated modules on every Keras 3 backend: TensorFlow, JAX and PyTorch (CPU).

Keras fixes its backend at ``import keras`` (``KERAS_BACKEND``), and this test process
runs TensorFlow, so every other backend runs in processes of its own, each importing
its backend once:

- tests/support/backend_probe.py, once per backend and golden module in a session
  (kept in the session's scratch folder): it builds the module's model once, runs its
  ``main()`` (the smoke test, which must print the tensor shapes TensorFlow's run
  prints), then its numbers: the same weights and inputs give the same outputs within
  TOLERANCE, the inference models and greedy decoding included, and the ``.keras``
  file TensorFlow saved loads and gives them too. TensorFlow's own probe run is the
  reference, and the smoke of the golden modules that every test on TensorFlow reads
  (tests/support/probes.py, tests/support/shared_smoke.py);
- the Keras matrix's build and state checks (tests/keras/test_keras_matrix.py, the tests
  marked ``backends``) in a pytest run per backend.

SAMPLE (tests/support/sample.py), golden modules that cover every feature family, is
what ``make test`` runs on JAX and PyTorch (the tests marked ``quick``); the others run
every golden module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rnnspec.run import verify

from ..conftest import GOLDEN, ROOT, invoke, run_cli
from ..support.probes import (
    REFERENCE,
    loaded_numbers,
    numbers_of,
    probe,
    probed,
    read_back,
    smoke_of,
)
from ..support.sample import SAMPLE

OTHERS = ("jax", "torch")  # the backends besides this process's TensorFlow
TOLERANCE = 1e-5  # the largest difference allowed between two backends' outputs
MODULES = sorted(GOLDEN.glob("*.py"))
SAMPLE_MODULES = [GOLDEN / f"{name}.py" for name in SAMPLE]


def test_the_suite_covers_every_backend() -> None:
    assert set(verify.BACKENDS) == {REFERENCE, *OTHERS}
    assert len(MODULES) >= 24
    assert set(SAMPLE_MODULES) <= set(MODULES)


def test_this_process_runs_tensorflow() -> None:
    """The reference side of every comparison below (KERAS_BACKEND unset or so)."""
    assert verify.default_backend() == REFERENCE


@pytest.mark.quick
@pytest.mark.parametrize("backend", OTHERS)
def test_sample_runs_and_matches(backend: str) -> None:
    """SAMPLE's smoke and numbers on the backend (all of them: the tests below)."""
    folder = probed(backend, SAMPLE_MODULES)
    problems = _smoke_problems(folder, backend, SAMPLE_MODULES)
    numbers, largest = _number_problems(folder, backend, SAMPLE_MODULES)
    assert not problems + numbers, f"on {backend}:\n" + "\n".join(problems + numbers)
    print(f"{backend}: largest difference from tensorflow {largest:.3g} (sample)")


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param(name, marks=[pytest.mark.quick] if name == "tensorflow" else [])
        for name in verify.BACKENDS
    ],
)
def test_every_golden_module_runs(backend: str) -> None:
    """main() of every golden module passes on the backend, as the session's probe ran
    it (the smoke every other test of a golden module on TensorFlow reads too),
    printing tensor shapes, and on JAX and PyTorch the shapes TensorFlow printed."""
    probed(backend, SAMPLE_MODULES)  # first, in a run of its own: what the sample
    # tests of the other backends wait for
    problems = _smoke_problems(probed(backend, MODULES), backend, MODULES)
    assert not problems, f"on {backend}:\n" + "\n".join(problems)


@pytest.mark.parametrize("backend", OTHERS)
def test_the_keras_matrix_builds(backend: str) -> None:
    """tests/keras/test_keras_matrix.py's build and state checks on the backend."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + ["-m", "backends", "tests/keras/test_keras_matrix.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]


@pytest.mark.parametrize("backend", OTHERS)
def test_same_weights_same_numbers(backend: str) -> None:
    """Every golden model, its inference models, greedy decoding and the .keras file
    saved on TensorFlow give TensorFlow's outputs within TOLERANCE on the backend."""
    folder = probed(backend, MODULES)
    problems, largest = _number_problems(folder, backend, MODULES)
    assert not problems, f"{backend} vs tensorflow:\n" + "\n".join(problems)
    print(f"{backend}: largest difference from tensorflow {largest:.3g}")


@pytest.mark.parametrize("backend", verify.BACKENDS)
def test_saved_models_load_in_a_fresh_process(backend: str) -> None:
    """Every golden model TensorFlow saved to .keras, read back by its module's
    load_model() in a fresh process on the backend that imports the module and builds
    nothing, gives the outputs TensorFlow's model gave within TOLERANCE."""
    folder = read_back(backend, MODULES)
    problems = []
    for module in MODULES:
        got = loaded_numbers(folder, backend, module.stem)
        want = numbers_of(folder, REFERENCE, module.stem)
        if isinstance(got, str) or isinstance(want, str):
            problems.append(f"{module.stem}: {got if isinstance(got, str) else want}")
            continue
        expected = {key: v for key, v in want.items() if key.startswith("model/")}
        if set(got) != set(expected):
            problems.append(f"{module.stem}: outputs {sorted(got)} vs {sorted(want)}")
            continue
        for key, value in expected.items():
            difference = _difference(got[key], value)
            if not difference <= TOLERANCE:
                problems.append(f"{module.stem} {key}: differs by {difference:.3g}")
    assert not problems, f"read back on {backend}:\n" + "\n".join(problems)


# Two modules with one build_model: main() of the second changes the model's weights
# and state, then fails; the probe still gets the fresh model's numbers.
PROBED = """\
import keras
import numpy as np


def build_model():
    sequence = keras.Input((3, 2), batch_size=2)
    return keras.Model(sequence, keras.layers.SimpleRNN(4, stateful=True)(sequence))


def main():
    keras.utils.set_random_seed(0)
    model = build_model()
    print(f"output: {tuple(model(np.ones((2, 3, 2), 'float32')).shape)}")
"""
SPOILED = """\
    model.set_weights([w + 1 for w in model.get_weights()])
    model(np.ones((2, 3, 2), "float32"))
    1 / 0
"""


def test_the_probe_reports_main_and_numbers_from_fresh_weights(tmp_path) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text(PROBED)
    spoiled = tmp_path / "spoiled.py"
    spoiled.write_text(PROBED + SPOILED)
    probe(REFERENCE, tmp_path, [clean, spoiled])
    ran = [smoke_of(tmp_path, REFERENCE, module) for module in (clean, spoiled)]
    assert ran[0].ok and ran[0].tensors == (("output", "(2, 4)"),)
    assert not ran[1].ok and ran[1].error == "ZeroDivisionError: division by zero"
    assert "output: (2, 4)\nTraceback" in ran[1].output
    numbers = [numbers_of(tmp_path, REFERENCE, name) for name in ("clean", "spoiled")]
    assert list(numbers[0]) == ["model/0"]
    assert np.array_equal(numbers[0]["model/0"], numbers[1]["model/0"])


# The module reports the backend it really ran on, as a tensor line of the report.
WHICH = "import keras\n\nprint(keras.backend.backend() + ': (1,)')\n"
BROKEN = "import keras\n\nprint('about to fail')\nraise SystemExit(3)\n"


def test_smoke_runs_each_backend_given_in_order(write) -> None:
    which, broken = write("which.py", WHICH), write("broken.py", BROKEN)
    result = run_cli(
        "smoke", which, broken, "--backend", "jax", "--backend", "torch,jax"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    reports = result.stdout.split("\n\n")
    assert [report.splitlines()[0] for report in reports] == [
        "backend: jax",
        "backend: torch",
    ]
    for backend, report in zip(["jax", "torch"], reports):
        rows = report.splitlines()
        assert rows[2].split()[-2:] == [backend, "(1,)"] and " ok " in rows[2]
        assert "FAIL" in rows[3] and "SystemExit: 3" in rows[3]
        assert rows[-1] == "2 modules: 1 passed, 1 failed"
        assert f"{broken} ({backend}): output:\n    about to fail\n" in result.stderr


def test_smoke_runs_on_keras_backend_by_default(write) -> None:
    result = run_cli("smoke", write("which.py", WHICH), env={"KERAS_BACKEND": "torch"})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "backend: torch" and lines[2].split()[-2:] == ["torch", "(1,)"]


def test_smoke_refuses_an_unknown_backend(write) -> None:
    module = write("which.py", WHICH)
    given = invoke("smoke", module, "--backend", "jax,numpy")
    assert given.returncode == 2
    assert "'numpy' is not one of tensorflow, jax, torch" in given.stderr
    unset = invoke("smoke", module, env={"KERAS_BACKEND": "numpy"})
    assert unset.returncode == 2 and "KERAS_BACKEND=numpy" in unset.stderr


def _difference(got: np.ndarray, want: np.ndarray) -> float:
    if got.shape != want.shape:
        return float("inf")
    if got.size == 0:
        return 0.0
    return float(np.max(np.abs(got.astype("float64") - want.astype("float64"))))


def _smoke_problems(folder: Path, backend: str, modules: Sequence[Path]) -> list[str]:
    """What is wrong with the modules' probed main() on the backend: a failure there
    or on TensorFlow, or printed shapes other than TensorFlow's (or none)."""
    problems = []
    for module in modules:
        mine = smoke_of(folder, backend, module)
        theirs = smoke_of(folder, REFERENCE, module)
        for side, result in ((backend, mine), (REFERENCE, theirs)):
            if result is None:
                problems.append(f"{module.stem}: no smoke result on {side}")
            elif not result.ok:
                problems.append(
                    f"{module.stem} on {side}: {result.error}\n{result.output[-3000:]}"
                )
        both_ran = mine is not None and theirs is not None and mine.ok and theirs.ok
        if both_ran and (not mine.tensors or mine.tensors != theirs.tensors):
            problems.append(
                f"{module.stem}: printed {mine.tensors}, on tensorflow {theirs.tensors}"
            )
    return problems


def _number_problems(
    folder: Path, backend: str, modules: Sequence[Path]
) -> tuple[list[str], float]:
    """The outputs on the backend that differ from TensorFlow's by more than
    TOLERANCE, or are missing; and the largest difference found."""
    problems, largest = [], 0.0
    for module in modules:
        mine = numbers_of(folder, backend, module.stem)
        theirs = numbers_of(folder, REFERENCE, module.stem)
        if isinstance(mine, str) or isinstance(theirs, str):
            problems.append(
                f"{module.stem}: {mine if isinstance(mine, str) else theirs}"
            )
            continue
        loaded = {
            k.replace("loaded/", "model/"): v for k, v in mine.items() if "loaded/" in k
        }
        expected = {k for k in theirs if k.startswith("model/")}
        own = {key for key in mine if not key.startswith("loaded/")}
        if own != set(theirs) or set(loaded) != expected:
            problems.append(
                f"{module.stem}: outputs {sorted(mine)} vs {sorted(theirs)}"
            )
            continue
        pairs = [(k, mine[k], theirs[k]) for k in theirs] + [
            (f"loaded {k}", v, theirs[k]) for k, v in loaded.items()
        ]
        for key, got, want in pairs:
            difference = _difference(got, want)
            largest = max(largest, difference)
            if not difference <= TOLERANCE:
                problems.append(f"{module.stem} {key}: differs by {difference:.3g}")
    return problems, largest
