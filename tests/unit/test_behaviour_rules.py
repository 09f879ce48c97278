"""Hand-overs whose states line up but whose sizes do not are refused at load time.

A mutation test found that dropping the size comparison from the long form's
`bridge: none` check left every test passing: the error cases all differed in the
number or kind of states. These specs have the same states on both sides, with
different sizes (in the only cell, or in the second layer only).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnspec import load_spec
from rnnspec.read.load import SpecError

from ..conftest import ROOT, invoke

SPECS = sorted(
    (ROOT / "tests" / "data" / "specs" / "behaviour" / "rules").glob("*.yaml")
)


def where(path: Path) -> str:
    """`file:line:col: ` of the `from:` value, where the error must point."""
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if "{from: " in line)
    return f"{path}:{number + 1}:{lines[number].index('{from: ') + 8}: "


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_size_mismatch_in_a_hand_over_is_refused(path: Path):
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    message = str(raised.value)
    assert message.startswith(where(path))
    assert "blocks[1].initial_state.from: " in message
    assert "do not match" in message and "bridge: project" in message
    sizes = re.findall(r"\((\d+),\)", message)
    assert len(set(sizes)) > 1, "both sizes are named"


def test_the_command_line_exits_2_without_a_traceback():
    done = invoke("check", SPECS[0])
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "do not match" in done.stderr
