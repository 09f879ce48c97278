"""Broken new sections never crash the command line (tests/support/section_mutants.py): a
spec with its training, decoding, attention, front or head layers, token input,
hand-over, repeat or go_backwards broken gets, from `render` and `check`, exit 0 or
2 (never 1, never a traceback), every line of an exit 2 at file:line:col, and the
output file left as it was. `make fuzz` runs 10,000 of them in two halves
(RNNSPEC_FUZZ_SCALE scales it) and prints the counts by place, kind and format; the
suite runs 60.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnspec.cli import main

from ..support.section_mutants import section_mutants
from ..support.strategies import FORMATS, SUFFIX, texts
from ..keras.test_properties import (
    COUNTS,
    FUZZ,
    OLD_MODULE,
    _assert_clean,
    _crash,
    _assert_found_nothing,
    _count,
    examples,
    failures,
)


def _cause(crash: str) -> str:
    """A crash by where it happened: exception, file, function; numbers blanked."""
    where = crash.split(": ", 2)[1] if crash.count(": ") >= 2 else crash
    return re.sub(r"\d+", "N", where)[:100]


@st.composite
def _broken(draw: st.DrawFn) -> tuple[bytes, str, str, str]:
    spec, place, kind = draw(section_mutants())
    form = draw(st.sampled_from(FORMATS))
    return draw(texts(spec, form)).encode("utf-8", "surrogatepass"), form, place, kind


@pytest.mark.parametrize(
    "half", [1, 2]
)  # two tests: make fuzz's two workers share them
def test_broken_sections_never_crash_the_command_line(
    tmp_path: Path, half: int
) -> None:
    runner = CliRunner()
    every = examples("sections")

    @settings(every, max_examples=max(1, every.max_examples // 2))
    @given(broken=_broken())
    def run(broken: tuple[bytes, str, str, str]) -> None:
        data, form, place, kind = broken
        _count("section mutants")
        _count(f"section mutants as {form}")
        path = tmp_path / f"spec{SUFFIX[form]}"
        path.write_bytes(data)
        out = tmp_path / "model.py"
        out.write_text(OLD_MODULE, encoding="utf-8")
        with failures("sections", data, SUFFIX[form]):
            rendered = runner.invoke(main, ["render", str(path), "-o", str(out)])
            code = rendered.exit_code
            _count(f"section mutants: exit {code}")
            _count(f"section mutants at {place}: exit {code}")
            _count(f"section mutants, {kind}: exit {code}")
            if not isinstance(rendered.exception, (type(None), SystemExit)):
                _count(f"section mutants crashed: {_cause(_crash(rendered))}")
            _assert_clean(rendered, path, data)
            checked = runner.invoke(main, ["check", str(path)])
            _assert_clean(checked, path, data)
            assert checked.exit_code == code, checked.output
            if code == 0:
                ast.parse(out.read_text(encoding="utf-8"))
            else:
                assert out.read_text(encoding="utf-8") == OLD_MODULE

    run()
    _assert_found_nothing("sections")
    if FUZZ:  # every format written: none silently left out (a missing writer)
        for form in FORMATS:
            assert COUNTS.get(f"section mutants as {form}", 0) > 0, form
