"""The JSON Schema file (schema/rnnspec.schema.json): current, valid, with its `$id`;
every bundled example names it and follows it; a spec may carry `$schema` in each
format. tests/unit/test_schema_mistakes.py holds it against the mistakes the command
line refuses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from rnnspec import render_module
from rnnspec.read.load import load_text, parse
from rnnspec.read.schema import MODELINE, SCHEMA_FILE, SCHEMA_ID, schema_text
from rnnspec.spec.problems import SpecError

from ..conftest import ALL_EXAMPLES, ROOT

SCHEMA = json.loads((ROOT / SCHEMA_FILE).read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_file_is_what_rnnspec_schema_prints() -> None:
    """Like the golden modules: `make schema` writes it again after a change."""
    assert (ROOT / SCHEMA_FILE).read_text("utf-8") == schema_text(), "run: make schema"


def test_the_schema_file_is_a_draft_2020_12_schema_with_its_id() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == SCHEMA_ID
    assert SCHEMA_ID.endswith("/" + SCHEMA_FILE)  # the file's place on the main branch


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=lambda path: path.stem)
def test_every_example_names_the_schema_and_follows_it(example: Path) -> None:
    text = example.read_text("utf-8")
    assert text.splitlines()[0] == MODELINE
    data, _ = parse(text, "yaml", example)  # as rnnspec reads it
    assert not list(VALIDATOR.iter_errors(data))
    load_text(text, example)


GRU = {
    "name": "gru",
    "input": {"batch_size": 1, "timesteps": 5, "features": 3},
    "cells": [{"type": "gru", "units": 4}],
}
# The same spec with a `$schema` key, in each format.
WITH_SCHEMA = {
    "json": json.dumps({"$schema": SCHEMA_ID, **GRU}),
    "yaml": f"$schema: {SCHEMA_ID}\n" + yaml.safe_dump(GRU),
    "toml": f'"$schema" = "{SCHEMA_ID}"\nname = "gru"\n'
    'cells = [{type = "gru", units = 4}]\n'
    "[input]\nbatch_size = 1\ntimesteps = 5\nfeatures = 3\n",
}


@pytest.mark.parametrize("suffix", sorted(WITH_SCHEMA))
def test_a_schema_key_is_accepted_and_changes_nothing(suffix: str) -> None:
    file = Path(f"spec.{suffix}")
    spec = load_text(WITH_SCHEMA[suffix], file)
    plain = load_text(json.dumps(GRU), Path("spec.json"))
    assert render_module(spec) == render_module(plain)
    data, _ = parse(WITH_SCHEMA[suffix], suffix, file)
    assert data["$schema"] == SCHEMA_ID and not list(VALIDATOR.iter_errors(data))


@pytest.mark.parametrize("value", [1, True, None, ["x"], {"url": SCHEMA_ID}])
def test_a_schema_key_that_is_no_string_is_refused_by_both(value: object) -> None:
    text = json.dumps(GRU, indent=1)[:-1] + f',\n "$schema": {json.dumps(value)}\n}}'
    with pytest.raises(SpecError) as caught:
        load_text(text, Path("spec.json"))
    (problem,) = caught.value.problems
    line = text.count("\n")  # the last but one: the closing brace follows
    assert (problem.line, problem.path) == (line, '["$schema"]'), problem
    assert problem.message.startswith("must be a string, got ")
    assert list(VALIDATOR.iter_errors({**GRU, "$schema": value}))


def test_the_yaml_language_server_line_is_a_comment_that_changes_nothing() -> None:
    text = json.dumps(GRU)
    plain = render_module(load_text(text, Path("spec.yaml")))
    assert render_module(load_text(f"{MODELINE}\n{text}", Path("spec.yaml"))) == plain
