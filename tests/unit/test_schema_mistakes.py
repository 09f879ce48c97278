"""Each single-key mistake the command line refuses, the schema file refuses too, and
a spec the command line takes the schema takes.

A mistake is a single-key one when the spec models' keys alone refuse it
(`ShortForm`, `LongForm`: the unchecked models, rnnspec/spec/models.py): an unknown
key, a value of a wrong type, a number out of its key's range, a name no key takes
(cell or layer type, activation, loss, ...), a missing key. The schema is made from
those models, so it must refuse every one. The rules across keys (rnnspec/check/) are
out of its reach, and the mistakes only they refuse are not asked of it: a shape or
size that follows from other keys (a kernel larger than its input, the parameter and
tensor budgets), a name that must be another key's (`from`, `over`, `input`, a loss's
output block), a combination (stateful with initial_state, merge_mode none with a
chain, conv cells with stacking: cells), a target's rules (--target tf_keras). Two
single-key kinds are out of it too, and are not drawn here: an integral float (64.0)
where an integer is wanted (JSON Schema counts it an integer; rnnspec's strict reading
does not), and NaN (not a JSON value, but YAML's .nan is).

The mistakes: every case of tests/unit/test_spec_errors.py and every spec file of
tests/data/specs/, then specs drawn by tests/support/strategies/ broken one way by
tests/support/section_mutants.py and by `_one_key_broken` below.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnnspec.read.load import SUFFIXES, load_text, parse
from rnnspec.read.schema import EDITOR_KEY, SCHEMA_FILE
from rnnspec.spec.limits import RuleError
from rnnspec.spec.models import LongForm, ShortForm
from rnnspec.spec.problems import SpecError

from ..conftest import ROOT
from ..keras.test_properties import PROFILE
from ..support.section_mutants import section_mutants
from ..support.strategies import specs
from .test_spec_errors import YAML_CASES

VALIDATOR = jsonschema.Draft202012Validator(
    json.loads((ROOT / SCHEMA_FILE).read_text("utf-8"))
)
SPEC_FILES = sorted(
    path
    for path in (ROOT / "tests" / "data" / "specs").rglob("*.*")
    if path.suffix in SUFFIXES
)
DRAWN = 120  # drawn mistakes (about 0.05 s each)


def _single_key(data: Any) -> bool:
    """Whether the models' keys alone refuse `data` (no rule across keys runs)."""
    if not isinstance(data, dict):
        return True
    data = {key: value for key, value in data.items() if key != EDITOR_KEY}
    try:
        (LongForm if "blocks" in data else ShortForm).model_validate(data)
    except (ValidationError, RuleError):  # RuleError: a key checked at its place
        return True
    return False


def _judge(text: str, file: Path) -> str:
    """Hold the schema to the command line's verdict on one spec text; the verdict."""
    try:
        data, _ = parse(text, SUFFIXES[file.suffix], file)
    except SpecError:
        return "not readable"  # a syntax error: no data for a schema
    try:
        load_text(text, file)
    except SpecError as exc:
        if not _single_key(data):
            return "refused across keys"
        assert list(VALIDATOR.iter_errors(data)), f"the schema takes: {exc}"
        return "refused by one key"
    assert not list(VALIDATOR.iter_errors(data)), "the schema refuses a valid spec"
    return "taken"


@pytest.mark.parametrize("text, _", YAML_CASES.values(), ids=YAML_CASES.keys())
def test_every_error_case_refused_by_one_key_is_refused_by_the_schema(
    text: str, _: str
) -> None:
    _judge(text, Path("spec.yaml"))


def test_every_spec_file_of_the_suite_gets_the_same_verdict() -> None:
    verdicts = Counter(_judge(path.read_text("utf-8"), path) for path in SPEC_FILES)
    # each kind reached: the schema is really held to refusals and to valid specs
    assert min(verdicts[v] for v in ("taken", "refused by one key")) >= 10, verdicts
    assert verdicts["refused across keys"] >= 10, verdicts


WRONG_VALUES = ("nope", [1], {"a": 1}, True, 1.5, None, -1, 0, 10**30, 2**63, "")
NAMES = ("lstn", "LSTM", "Tanh", "softmax ", "relu6x", "mse_", "Dense")
UNKNOWN_KEYS = ("retrun_state", "unit", "Units", "$ref", "__proto__", "types")


def _places(node: Any) -> list[tuple[Any, Any]]:
    """Every (mapping or list, key or index) in the data, the top level's keys too."""
    entries = node.items() if isinstance(node, dict) else enumerate(node)
    found = []
    for key, value in entries:
        found.append((node, key))
        if isinstance(value, (dict, list)):
            found += _places(value)
    return found


def _mappings(node: Any) -> list[dict]:
    found = [node] if isinstance(node, dict) else []
    for value in node.values() if isinstance(node, dict) else node:
        if isinstance(value, (dict, list)):
            found += _mappings(value)
    return found


@st.composite
def _one_key_broken(draw: st.DrawFn) -> dict:
    """A drawn valid spec with one key broken: unknown, of a wrong type or range, a
    name no key takes, or gone."""
    spec = copy.deepcopy(draw(specs()))
    kind = draw(st.sampled_from(("unknown key", "wrong value", "unknown name", "gone")))
    if kind == "unknown key":
        draw(st.sampled_from(_mappings(spec)))[draw(st.sampled_from(UNKNOWN_KEYS))] = 1
        return spec
    holder, key = draw(st.sampled_from(_places(spec)))
    if kind == "gone":
        del holder[key]
    else:
        pool = WRONG_VALUES if kind == "wrong value" else NAMES
        holder[key] = copy.deepcopy(draw(st.sampled_from(pool)))
    return spec


def test_drawn_single_key_mistakes_are_refused_by_the_schema() -> None:
    verdicts: Counter[str] = Counter()

    @settings(PROFILE, max_examples=DRAWN)
    @given(spec=st.one_of(_one_key_broken(), section_mutants().map(lambda m: m[0])))
    def run(spec: dict) -> None:
        verdicts[_judge(json.dumps(spec), Path("spec.json"))] += 1

    run()
    # mistakes of both reaches were drawn, and valid specs (a value left valid)
    reached = ("taken", "refused by one key", "refused across keys")
    assert min(verdicts[verdict] for verdict in reached) >= 5, verdicts
