"""Rules that each rested on one test: checked again by other paths.

- `stateful: true` needs a fixed `batch_size` (Keras keeps one state per sequence of
  the batch): refused with its place in JSON (the YAML and TOML forms, short and
  long, are files under tests/data/specs/places/), and by copier's validator: the function
  itself, the validator that copier.yml really renders, and the whole answers' check.
- The test suite imports the project's own dependencies, never skips for lack of one.
"""

from __future__ import annotations

import ast

import jinja2
import pytest
import yaml

from rnnspec import load_spec, project
from rnnspec.read.load import SpecError

from ..conftest import ROOT

NEEDS_BATCH = "stateful: true needs a fixed input.batch_size, got batch_size: null"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        (
            '{"name": "j", "input": {"features": 3, "batch_size": null},\n'
            ' "cells": [{"type": "gru", "units": 2}],\n "stateful":  true}\n',
            "3:15: stateful",
        ),
        (
            '{"name": "j", "input": {"features": 3}, "stateful": true, '
            '"cells": [{"type": "lstm", "units": 2}], "return_state": true}\n',
            "1:53: stateful",
        ),
        (
            '{"name": "g",\n "inputs": {"a": {"features": 3}},\n "blocks": [\n'
            '  {"name": "x", "input": "a", "cells": [{"type": "gru", "units": 2}],\n'
            '   "return_sequences": true},\n'
            '  {"name": "y", "input": "x", "stateful": true,\n'
            '   "cells": [{"type": "gru", "units": 2}]}]}\n',
            "6:43: blocks[1].stateful",
        ),
    ],
    ids=["short-null", "short-missing", "long-form-block"],
)
def test_stateful_without_batch_size_is_refused_at_stateful(write, text, place):
    path = write("spec.json", text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value) == f"{path}:{place}: {NEEDS_BATCH}"


def test_stateful_with_a_batch_size_is_a_spec(write) -> None:
    """The rule refuses only what it must: the same specs with a batch size load."""
    spec = load_spec(
        write(
            "spec.json",
            '{"name": "j", "input": {"features": 3, "batch_size": 4}, '
            '"stateful": true, "cells": [{"type": "gru", "units": 2}]}',
        )
    )
    assert spec.stateful and spec.input.batch_size == 4


NO_BATCH = ["none", "None", " NULL ", "~", "", None]
STATEFUL = [True, "true", "yes", "1", "on"]


@pytest.mark.parametrize("batch_size", NO_BATCH)
@pytest.mark.parametrize("stateful", STATEFUL)
def test_copier_refuses_stateful_without_a_batch_size(stateful, batch_size) -> None:
    message = project.stateful_error(stateful, batch_size)
    assert message.startswith("stateful: true needs a fixed batch_size")


@pytest.mark.parametrize(
    ("stateful", "batch_size"),
    [(True, "4"), ("yes", " 16 "), (False, "none"), ("false", ""), ("no", None)],
)
def test_copier_accepts_stateful_with_a_batch_size(stateful, batch_size) -> None:
    assert project.stateful_error(stateful, batch_size) == ""


def copier_validator(question: str) -> jinja2.Template:
    """A question's validator from copier.yml, in a Jinja environment with rnnspec's
    extension, as copier renders it."""
    questions = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    extensions = questions["_jinja_extensions"]
    assert extensions == ["rnnspec.project.RnnspecExtension"]
    environment = jinja2.Environment(extensions=extensions)
    return environment.from_string(questions[question]["validator"])


@pytest.mark.parametrize("batch_size", ["none", "", "null"])
def test_copier_yml_validates_stateful_against_the_batch_size(batch_size) -> None:
    validator = copier_validator("stateful")
    assert "needs a fixed batch_size" in validator.render(
        stateful=True, batch_size=batch_size
    )
    assert validator.render(stateful=False, batch_size=batch_size).strip() == ""
    assert validator.render(stateful=True, batch_size="2").strip() == ""


def test_copier_answers_for_a_stateful_layer_without_batch_make_no_spec() -> None:
    """The answers as a whole go through rnnspec's own rule too."""
    answers = {
        "package_name": "model",
        "batch_size": "none",
        "cells": "gru",
        "units": "4",
        "stateful": True,
        "initial_state": "none",
    }
    assert NEEDS_BATCH in project.answers_error(answers)
    assert project.answers_error({**answers, "batch_size": "3"}) == ""


def test_no_test_skips_for_a_missing_dependency() -> None:
    """keras, numpy, copier, ... are the project's dependencies: a test that skips
    without them would pass where it never ran."""
    skipping = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skipping += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "importorskip"
        ]
    assert skipping == []
