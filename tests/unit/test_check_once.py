"""One check pass: loading a spec computes each block's shapes once, and the plan
builds on what the check found (rnnspec/check/checked.py's `Checked`), computing none
of it again and raising nothing, for every bundled example. No Keras here."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from rnnspec import load_spec, make_plan, normalise
from rnnspec.check import decoding, rules, shapes, training, wiring
from rnnspec.check.checked import Checked

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))


def _counting(monkeypatch: pytest.MonkeyPatch, counts: Counter[str]) -> None:
    """Count every call of the one function that computes a block's shapes, where
    the check reaches it (wiring.py looks it up in its own globals)."""
    computed = shapes.shape_of

    def shape_of(*args: object, **kwargs: object) -> shapes.BlockShape:
        counts["shape_of"] += 1
        return computed(*args, **kwargs)

    monkeypatch.setattr(wiring, "shape_of", shape_of)


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("the plan computed what the check found")


def test_examples_are_found() -> None:
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_shapes_are_computed_once_per_load_and_plan(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts: Counter[str] = Counter()
    _counting(monkeypatch, counts)
    spec = load_spec(path)
    plan = make_plan(spec)
    assert counts["shape_of"] == len(plan.blocks)  # once a block, by the check


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_plan_reads_what_the_check_found_and_raises_nothing(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_spec(path)
    found = normalise(spec)
    assert isinstance(found, Checked)
    for module, name in (
        (wiring, "shape_of"),
        (wiring, "block_shapes"),
        (wiring, "check_wiring"),
        (rules, "block_shapes"),
        (training, "plan_training"),
        (decoding, "generator_of"),
        (decoding, "steppable_decoder"),
    ):
        monkeypatch.setattr(module, name, _refuse)
    for plan in (make_plan(spec), make_plan(found)):  # a checked spec, or its model
        assert plan.spec is found
        assert len(plan.blocks) == len(found.shapes)
        for block, shape in zip(plan.blocks, found.shapes):
            assert block.layers is shape.layers and block.bridges is shape.bridges
        assert plan.training is found.training_plan
        assert plan.generator is found.generator
        assert plan.decoder == found.decoder
