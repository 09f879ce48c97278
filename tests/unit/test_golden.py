"""The bundled examples render byte for byte to the reviewed golden modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnspec import render_spec
from rnnspec.render.format import format_whole

from ..conftest import ALL_EXAMPLES, GOLDEN


def test_every_example_has_a_golden_module() -> None:
    assert {p.stem for p in ALL_EXAMPLES} == {p.stem for p in GOLDEN.glob("*.py")}
    assert len(ALL_EXAMPLES) >= 12


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda p: p.stem)
def test_render_matches_golden(spec: Path) -> None:
    golden = (GOLDEN / f"{spec.stem}.py").read_text(encoding="utf-8")
    assert (
        render_spec(spec) == golden
    ), "re-render with `make golden` and review the diff"


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda p: p.stem)
def test_tf_keras_render_matches_golden(spec: Path) -> None:
    golden = GOLDEN / "tf_keras" / f"{spec.stem}.py"
    assert render_spec(spec, target="tf_keras") == golden.read_text(
        encoding="utf-8"
    ), "re-render with `make golden` and review the diff"


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda p: p.stem)
def test_render_is_byte_stable_and_black_clean(spec: Path) -> None:
    first, second = render_spec(spec), render_spec(spec)
    assert first == second
    assert format_whole(first) == first  # what `black --check` checks
    compile(first, str(spec), "exec")
