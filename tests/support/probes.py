"""The session's probe runs (tests/support/backend_probe.py): each golden module built
and run once per backend and test session, its smoke and its numbers kept in the
session's scratch folder, under a lock per backend (the xdist workers share them).
TensorFlow's run is the reference the other backends are held to, and the smoke that
every test of a golden module on TensorFlow reads (tests/support/shared_smoke.py)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from rnnspec.run.smoke_report import SmokeResult
from rnnspec.run.verify import result_of

REFERENCE = "tensorflow"  # the test process's backend: what the others are held to
PROBE = Path(__file__).resolve().parent / "backend_probe.py"
LOAD_PROBE = PROBE.with_name("load_probe.py")  # saved models read back, fresh
SCRATCH = "RNNSPEC_TESTS_SCRATCH"  # the session's folder, set by conftest.py


def probed(backend: str, modules: Sequence[Path]) -> Path:
    """The folder that holds the probe results for ``modules`` on the backend, and
    first on TensorFlow, whose weights and .keras files the others take; a module is
    probed only if this session has not probed it on that backend yet."""
    scratch = Path(os.environ[SCRATCH])
    folder = scratch / "backends"
    if backend != REFERENCE:
        probed(REFERENCE, modules)
    with locked(scratch / f"backends-{backend}.lock"):
        done = folder / backend
        todo = [m for m in modules if not (done / f"{m.stem}.smoke.json").exists()]
        if todo:
            probe(backend, folder, todo)
    return folder


def read_back(backend: str, modules: Sequence[Path]) -> Path:
    """The folder that holds, for ``modules``, the outputs of the models TensorFlow's
    probe saved, each read back by its module's load_model() in a fresh process on the
    backend (one for the modules not read back yet this session)."""
    folder = probed(REFERENCE, modules)
    with locked(Path(os.environ[SCRATCH]) / f"loaded-{backend}.lock"):
        done = folder / backend
        todo = [
            m
            for m in modules
            if not (done / f"{m.stem}.loaded.npz").exists()
            and not (done / f"{m.stem}.loaded.error").exists()
        ]
        if todo:
            probe(backend, folder, todo, LOAD_PROBE)
    return folder


def loaded_numbers(
    folder: Path, backend: str, name: str
) -> dict[str, np.ndarray] | str:
    """A module's saved model's outputs, read back on the backend, or the traceback of
    its failure."""
    error = folder / backend / f"{name}.loaded.error"
    if error.exists():
        return f"failed to load on {backend}:\n{error.read_text()}"
    with np.load(folder / backend / f"{name}.loaded.npz") as kept:
        return {key: kept[key] for key in kept.files}


def probe(
    backend: str, folder: Path, modules: Sequence[Path], script: Path = PROBE
) -> None:
    """One probe process (``script``) on the backend for ``modules``, results under
    ``folder``."""
    done = subprocess.run(
        [sys.executable, str(script), str(folder), *map(str, modules)],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-6000:]


def smoke_of(folder: Path, backend: str, module: Path) -> SmokeResult | None:
    """The module's main() as the probe ran it on the backend (None: it did not)."""
    try:
        ran = json.loads((folder / backend / f"{module.stem}.smoke.json").read_text())
    except FileNotFoundError:
        return None
    reply = (ran["ok"], ran["error"], ran["output"])
    return result_of(module, reply, ran["seconds"])


def numbers_of(folder: Path, backend: str, name: str) -> dict[str, np.ndarray] | str:
    """A module's outputs on the backend, or the traceback of its failure."""
    error = folder / backend / f"{name}.error"
    if error.exists():
        return f"failed on {backend}:\n{error.read_text()}"
    try:
        with np.load(folder / backend / f"{name}.npz") as kept:
            return {key: kept[key] for key in kept.files}
    except FileNotFoundError:
        return f"no numbers on {backend}"


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Held by one process of the session at a time."""
    with open(path, "a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
