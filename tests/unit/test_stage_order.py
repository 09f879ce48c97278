"""A spec followed from `render_spec` through its calls visits each stage once, in
order: read, check, plan, render. Every call into the package is traced; each is put in
its stage by its folder, and the stages' turns are counted. The driver
(render/from_file.py and render/module.py, which call the stages in turn, and the
render cache it looks in first) and what every stage reads (spec/, cells.py, targets/,
settle.py) take no turn."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import rnnspec
from rnnspec import render_spec
from rnnspec.plan import model

from ..conftest import ALL_EXAMPLES

PACKAGE = Path(rnnspec.__file__).parent
PREFIX = f"{PACKAGE}{os.sep}"
STAGES = ("read", "check", "plan", "render")
DRIVER = {"render/from_file.py", "render/module.py", "render/cache.py"}


def stage_turns(spec: Path) -> list[str]:
    """The stages in the order their code ran, one entry a turn (after a first render
    untraced: the imports that a first render makes are no stage's turn)."""
    render_spec(str(spec), cache=False)
    turns: list[str] = []

    def trace(frame: FrameType, event: str, _: Any) -> None:
        path = frame.f_code.co_filename
        if event != "call" or not path.startswith(PREFIX):
            return
        where = Path(path).relative_to(PACKAGE)
        stage = where.parts[0]
        if stage in STAGES and where.as_posix() not in DRIVER:
            if not turns or turns[-1] != stage:
                turns.append(stage)

    sys.setprofile(trace)
    try:
        render_spec(str(spec), cache=False)
    finally:
        sys.setprofile(None)
    return turns


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda path: path.stem)
def test_render_spec_visits_each_stage_once_in_order(spec: Path) -> None:
    assert stage_turns(spec) == list(STAGES)


def test_the_trace_sees_a_stage_called_out_of_turn() -> None:
    """The tracer itself: a plan function called while rendering is a turn."""
    original = model.ModelPlan.__dict__["summary"]
    model.ModelPlan.summary = property(original.func)  # computed when read again
    try:
        turns = stage_turns(ALL_EXAMPLES[0])
    finally:
        model.ModelPlan.summary = original
    assert turns[-2:] == ["plan", "render"] and turns.count("plan") > 1
