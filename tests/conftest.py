"""Shared fixtures: the repository's paths, the command line run for real or in this
process, one smoke run per session (tests/support/shared_smoke.py), and the session's scratch
folder, which also holds the render cache: the user's cache is never touched."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support.probes import SCRATCH
from .support.shared_smoke import shared, stop_session_worker

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GRAPH_EXAMPLES = sorted((ROOT / "examples" / "seq2seq").glob("*.yaml"))
# Whole published models, each held against its hand-written twin (test_published.py).
PUBLISHED = sorted((ROOT / "examples" / "published").glob("*.yaml"))
ALL_EXAMPLES = EXAMPLES + GRAPH_EXAMPLES + PUBLISHED
GOLDEN = ROOT / "tests" / "golden"


def run_cli(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`rnnspec ARGS...` in a fresh interpreter, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "rnnspec.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def invoke(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`rnnspec ARGS...` in this process (click's CliRunner), answered as run_cli
    answers; an exception the command lets through fails the test with its traceback."""
    from click.testing import CliRunner

    from rnnspec.cli import main

    strs = list(map(str, args))
    result = CliRunner().invoke(main, strs, env=env, catch_exceptions=False)
    return subprocess.CompletedProcess(
        strs, result.exit_code, result.stdout, result.stderr
    )


@contextlib.contextmanager
def sharing_smoke() -> Iterator[None]:
    """`verify.smoke_modules` answered from the session's one run, for tests that only
    need results (see tests/support/shared_smoke.py)."""
    from rnnspec.run import verify

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify, "smoke_modules", shared(verify.smoke_modules))
        yield


@pytest.fixture
def shared_smoke() -> Iterator[None]:
    with sharing_smoke():
        yield


UNIT = Path(__file__).resolve().parent / "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every unit test is quick (`make test` runs `-m quick`); the other tiers' quick
    tests are marked where they are."""
    for item in items:
        if item.path.is_relative_to(UNIT):
            item.add_marker(pytest.mark.quick)


def pytest_configure(config: pytest.Config) -> None:
    """The session's scratch folder, made once (by xdist's controller, whose workers
    inherit the environment): shared smoke results and the render cache."""
    if hasattr(config, "workerinput"):
        return
    folder = tempfile.mkdtemp(prefix="rnnspec-tests-")
    config.stash[_SCRATCH_KEY] = folder
    os.environ[SCRATCH] = folder
    os.environ["RNNSPEC_CACHE_DIR"] = os.path.join(folder, "cache")


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_session_worker()
    folder = config.stash.get(_SCRATCH_KEY, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


_SCRATCH_KEY = pytest.StashKey[str]()


@pytest.fixture
def write(tmp_path: Path):
    """Write a file under tmp_path and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# Filled by tests/keras/test_properties.py; printed at the end of the run (`make fuzz`).
PROPERTY_COUNTS: dict[str, int] = {}
PROPERTY_NOTES: list[str] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands its property counts to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["property_counts"] = dict(PROPERTY_COUNTS)
        output["property_notes"] = list(PROPERTY_NOTES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # noqa: ANN001 - xdist's hook
    """The controller adds up its workers' property counts."""
    output = getattr(node, "workeroutput", {})
    for key, count in output.get("property_counts", {}).items():
        PROPERTY_COUNTS[key] = PROPERTY_COUNTS.get(key, 0) + count
    PROPERTY_NOTES.extend(output.get("property_notes", []))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's hook
    """The property tests' counts: specs drawn, accepted, refused, run, broken, failed."""
    if any(PROPERTY_COUNTS.values()):
        terminalreporter.section("property-based tests: counts")
        for key, count in PROPERTY_COUNTS.items():
            terminalreporter.write_line(f"{key:>40}: {count}")
        for note in PROPERTY_NOTES:
            terminalreporter.write_line(note)
