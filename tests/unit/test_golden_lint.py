"""Every golden module passes ruff's curated rule set (tests/unit/ruff.toml: pyflakes,
pycodestyle, bugbear, simplify) with no finding, no line over 88 characters (E501)
included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.py")) + sorted(
    (ROOT / "tests" / "golden" / "tf_keras").glob("*.py")
)
CONFIG = Path(__file__).with_name("ruff.toml")


def test_there_are_golden_modules_for_both_targets() -> None:
    assert len(GOLDEN) >= 40


def test_ruff_finds_nothing_in_the_golden_modules() -> None:
    """ruff is a pinned test dependency (constraints.txt): missing, this fails."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(CONFIG)]
        + ["--output-format", "concise", *map(str, GOLDEN)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, f"ruff: {result.stdout}{result.stderr}"
