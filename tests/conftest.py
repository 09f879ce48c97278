"""Shared fixtures: the repository's paths and a way to run the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.fixture
def write(tmp_path: Path):
    """Write a file under tmp_path and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# Filled by tests/test_properties.py; printed at the end of the run (`make fuzz`).
PROPERTY_COUNTS: dict[str, int] = {}
PROPERTY_NOTES: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's hook
    """The property tests' counts: specs drawn, accepted, refused, run, broken, failed."""
    if any(PROPERTY_COUNTS.values()):
        terminalreporter.section("property-based tests: counts")
        for key, count in PROPERTY_COUNTS.items():
            terminalreporter.write_line(f"{key:>40}: {count}")
        for note in PROPERTY_NOTES:
            terminalreporter.write_line(note)
