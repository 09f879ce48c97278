"""The project's own Python is black-formatted, like the modules it generates."""

from __future__ import annotations

import black
import pytest

from ..conftest import ROOT

SOURCES = sorted(
    path
    for folder in ("generator", "tests", "benchmarks", "tools")
    for path in (ROOT / folder).rglob("*.py")
    if "golden" not in path.relative_to(ROOT).parts  # generated: test_golden.py's
)
MODE = black.Mode(target_versions={black.TargetVersion.PY311})


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_source_is_black_formatted(path) -> None:
    source = path.read_text(encoding="utf-8")
    assert (
        black.format_str(source, mode=MODE) == source
    ), f"run: black {path.relative_to(ROOT)}"
