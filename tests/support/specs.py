"""Small specs built in a test: Python data written as a JSON spec file's text and read
as one (rnnspec/read/), so that a test states its spec next to what it asserts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rnnspec import GraphSpec, Spec, SpecError
from rnnspec.read.load import load_text
from rnnspec.spec.problems import Problem

FILE = Path("spec.json")
INPUT = {"timesteps": 5, "features": 10}


def load(data: dict[str, Any]) -> Spec | GraphSpec:
    """A checked spec of `data`, as `rnnspec.load_spec` reads it from a file."""
    return load_text(json.dumps(data), FILE)


def short(cells: list[dict[str, Any]], **keys: Any) -> Spec:
    """A short form named "m" of `cells` on a sequence of 5 steps of 10 features."""
    spec = load({"name": "m", "input": INPUT, "cells": cells, **keys})
    assert isinstance(spec, Spec)
    return spec


def graph(
    inputs: dict[str, Any], blocks: list[dict[str, Any]], **keys: Any
) -> GraphSpec:
    """A long form "g" of `inputs` and `blocks`."""
    spec = load({"name": "g", "inputs": inputs, "blocks": blocks, **keys})
    assert isinstance(spec, GraphSpec)
    return spec


def refusal(data: dict[str, Any]) -> Problem:
    """The first problem the loader finds in `data`: a rule it breaks, at its key."""
    with pytest.raises(SpecError) as caught:
        load(data)
    return caught.value.problems[0]
