"""Feedback (rnnspec/check/feedback.py): a block of one vector cell and a head as wide
as its input predicts `steps` steps, (batch, steps, features); every key the loop
cannot run is refused at its key, as tests/data/specs/feedback/refuse_*.yaml expect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from rnnspec import SpecError, load_spec, make_plan
from rnnspec.check.checked import checked
from rnnspec.render.module import render_module

from ...keras.test_properties import PROFILE
from ...support.specs import graph, load, refusal, short
from ...support.strategies import broken_sections, feedback_specs
from ..test_schema_mistakes import VALIDATOR

SPECS = Path(__file__).parents[2] / "data" / "specs" / "feedback"
REFUSED = sorted(SPECS.glob("refuse_*.yaml"))
INPUT = {"timesteps": 5, "features": 10}


@pytest.mark.parametrize("spec", REFUSED, ids=lambda p: p.stem)
def test_what_feedback_cannot_run_is_refused_at_its_key(spec: Path) -> None:
    first = spec.read_text(encoding="utf-8").splitlines()[0]
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert f"# expect: {str(caught.value).replace(f'{spec}:', '', 1)}" == first


@pytest.mark.parametrize(
    ("cells", "head"),
    [
        ([{"type": "lstm", "units": 32}], {"units": 10}),
        ([{"type": "gru", "units": 8}], [{"type": "dense", "units": 10}]),
        (
            [{"type": "simple_rnn", "units": 4, "dropout": 0.1}],
            [
                {"type": "dense", "units": 6, "activation": "relu"},
                {"type": "dropout", "rate": 0.5},
                {"type": "layer_normalization"},
                {"type": "dense", "units": 10},
                {"type": "activation", "activation": "tanh"},
            ],
        ),
    ],
)
def test_a_feedback_block_returns_its_predictions(
    cells: list[dict[str, Any]], head: object
) -> None:
    """The output is (batch, steps, features) whatever the input's length; the block
    is an RNN over its one cell (layer defaults to rnn) and starts from Keras' zeros."""
    spec = short(cells, head=head, feedback={"steps": 7})
    (shape,) = checked(spec).shapes
    assert shape.output == ("output", ("batch_size", 7, 10))
    assert shape.layers[0].form == "rnn" and not shape.layers[0].return_sequences
    assert shape.feedback is not None
    assert (shape.feedback.layer, shape.feedback.steps, shape.feedback.cell) == (
        "feedback",
        7,
        shape.layers[0].name,
    )
    assert shape.feedback.head == tuple(layer.name for layer in shape.head)
    plan = make_plan(spec)
    assert plan.feeds_back and "FeedBack" in plan.module_names
    assert not plan.blocks[0].passes_state  # zeros: Keras' own, none passed
    assert plan.returns == (("output", ("batch_size", 7, 10)),)


def test_without_feedback_a_block_is_as_before() -> None:
    spec = short([{"type": "lstm", "units": 3}], input=INPUT, head={"units": 10})
    (shape,) = checked(spec).shapes
    assert shape.feedback is None and shape.layers[0].form == "fused"
    assert not make_plan(spec).feeds_back
    assert "FeedBack" not in render_module(spec)


def test_the_module_defines_and_registers_feedback_once() -> None:
    """Two blocks with feedback in one long form share the one class; each block's
    layer is named after it, and its cell after its recurrent layer."""
    blocks = [
        {"name": f"b{i}", "input": "x", "cells": [{"type": "gru", "units": 3}],
         "head": {"units": 4}, "feedback": {"steps": 2}}  # fmt: skip
        for i in (1, 2)
    ]
    spec = graph({"x": {"timesteps": 6, "features": 4}}, blocks, outputs=["b1", "b2"])
    source = render_module(spec)
    assert source.count("class FeedBack(") == 1
    assert source.count("@keras.saving.register_keras_serializable(package=NAME)") == 1
    for name in ("b1", "b2"):
        assert f'name="{name}_gru"' in source and f'name="{name}_feedback"' in source
    assert "it registers FeedBack" in source


def test_feedback_names_clash_where_they_are_made() -> None:
    """The block's FeedBack layer is a name it makes: an input of that name clashes."""
    problem = refusal(
        {"name": "g",
         "inputs": {"f_feedback": {"timesteps": 3, "features": 2}},
         "blocks": [{"name": "f", "input": "f_feedback",
                     "cells": [{"type": "gru", "units": 3}],
                     "head": {"units": 2}, "feedback": {"steps": 2}}]}
    )  # fmt: skip
    assert "f_feedback" in problem.message and "FeedBack layer" in problem.message


def test_a_loss_may_skip_the_first_predictions() -> None:
    spec = short(
        [{"type": "lstm", "units": 4}],
        head={"units": 10},
        feedback={"steps": 6},
        training={"loss": {"m": {"type": "mse", "skip_steps": 2}}},
    )
    plan = make_plan(spec)
    assert plan.training is not None
    (output,) = plan.training.outputs
    assert (output.shape, output.skip_steps) == (("batch_size", 6, 10), 2)


@settings(PROFILE, max_examples=60)
@given(spec=feedback_specs())
def test_drawn_feedback_specs_load_and_the_schema_takes_them(spec: dict) -> None:
    """Valid as docs/decoding.md describes them (tests/support/strategies/feedback.py):
    the loader and the JSON Schema both take them, and the output is the predictions."""
    loaded = load(spec)
    assert not list(VALIDATOR.iter_errors(spec))
    fed = [shape for shape in checked(loaded).shapes if shape.feedback]
    assert len(fed) == 1 and fed[0].output[1][1] == fed[0].feedback.steps


@settings(PROFILE, max_examples=60)
@given(spec=feedback_specs().flatmap(broken_sections))
def test_a_broken_feedback_value_is_refused_at_its_key(spec: dict) -> None:
    blocks = spec.get("blocks") or [spec]
    value = next(block["feedback"] for block in blocks if "feedback" in block)
    valid = isinstance(value, dict) and set(value) == {"steps"}
    valid = valid and type(value["steps"]) is int and 1 <= value["steps"] <= 1024
    if valid:
        return  # broken_sections broke training or decoding instead
    with pytest.raises(SpecError) as caught:
        load(spec)
    path = caught.value.problems[0].path
    assert path.startswith("feedback") or ".feedback" in path, path
