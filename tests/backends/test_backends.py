"""The generated modules on every Keras 3 backend: TensorFlow, JAX and PyTorch (CPU).

Keras fixes its backend at ``import keras`` (``KERAS_BACKEND``), and this test process
runs TensorFlow, so every other backend runs in processes of its own, each importing
its backend once:

- every golden module's ``main()`` (what ``python MODULE.py`` runs) through the smoke
  worker, one worker per backend (``verify.smoke_modules(backend=...)``), printing the
  same tensor shapes as on TensorFlow;
- the Keras matrix's build and state checks (tests/keras/test_keras_matrix.py, the tests
  marked ``backends``) in a pytest run per backend;
- the numbers (tests/support/backend_numbers.py): the same weights and inputs give the same
  outputs within TOLERANCE, the inference models and greedy decoding included, and the
  ``.keras`` file TensorFlow saved loads and gives them too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rnnspec.run import verify

from ..conftest import GOLDEN, ROOT, invoke, run_cli, sharing_smoke
from ..support.shared_smoke import SCRATCH

OTHERS = ("jax", "torch")  # the backends besides this process's TensorFlow
TOLERANCE = 1e-5  # the largest difference allowed between two backends' outputs
MODULES = sorted(GOLDEN.glob("*.py"))
NUMBERS = ROOT / "tests" / "support" / "backend_numbers.py"


def test_the_suite_covers_every_backend() -> None:
    assert set(verify.BACKENDS) == {"tensorflow", *OTHERS}
    assert len(MODULES) >= 23


def test_this_process_runs_tensorflow() -> None:
    """The reference side of every comparison below (KERAS_BACKEND unset or so)."""
    assert verify.default_backend() == "tensorflow"


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param(name, marks=[pytest.mark.quick] if name == "tensorflow" else [])
        for name in verify.BACKENDS
    ],
)
def test_every_golden_module_runs(backend: str) -> None:
    """main() of every golden module passes on the backend, printing the shapes it
    prints on TensorFlow; all modules share one worker, which imports keras once."""
    with (
        sharing_smoke()
    ):  # TensorFlow's: the session's run (tests/support/shared_smoke.py)
        results = verify.smoke_modules(MODULES, backend=backend, workers=1)
        reference = verify.smoke_modules(MODULES, backend="tensorflow")
    failed = [
        f"{r.path.name}: {r.error}\n{r.output[-3000:]}" for r in results if not r.ok
    ]
    assert not failed, f"on {backend}:\n" + "\n".join(failed)
    assert [r.tensors for r in results] == [r.tensors for r in reference]
    assert all(r.tensors for r in results)


@pytest.mark.parametrize("backend", OTHERS)
def test_the_keras_matrix_builds(backend: str) -> None:
    """tests/keras/test_keras_matrix.py's build and state checks on the backend."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + ["-m", "backends", "tests/keras/test_keras_matrix.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(backend),
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]


@pytest.mark.parametrize("backend", OTHERS)
def test_same_weights_same_numbers(backend: str) -> None:
    """Every golden model, its inference models, greedy decoding and the .keras file
    saved on TensorFlow give TensorFlow's outputs within TOLERANCE on the backend."""
    folder = _reference()
    _probe(backend, folder)
    problems, largest = [], 0.0
    for module in MODULES:
        mine = _numbers(folder, backend, module.stem)
        theirs = _numbers(folder, "tensorflow", module.stem)
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
    assert not problems, f"{backend} vs tensorflow:\n" + "\n".join(problems)
    print(f"{backend}: largest difference from tensorflow {largest:.3g}")


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


def _numbers(folder: Path, backend: str, name: str) -> dict[str, np.ndarray] | str:
    """A module's outputs on the backend, or the traceback of its failure."""
    error = folder / backend / f"{name}.error"
    if error.exists():
        return f"failed on {backend}:\n{error.read_text()}"
    with np.load(folder / backend / f"{name}.npz") as kept:
        return {key: kept[key] for key in kept.files}


def _reference() -> Path:
    """The session's TensorFlow run of tests/support/backend_numbers.py: weights, .keras files
    and outputs, made once under a lock (the xdist workers share it)."""
    folder = Path(os.environ[SCRATCH]) / "backends"
    with _locked(Path(os.environ[SCRATCH]) / "backends.lock"):
        if not (folder / "tensorflow.done").exists():
            _probe("tensorflow", folder)
            (folder / "tensorflow.done").touch()
    return folder


def _probe(backend: str, folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(NUMBERS), str(folder), *map(str, MODULES)],
        capture_output=True,
        text=True,
        env=_env(backend),
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-6000:]


def _env(backend: str) -> dict[str, str]:
    return {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
