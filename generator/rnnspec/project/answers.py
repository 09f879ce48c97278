"""The answers as a whole: the project's spec (rnnspec.yaml, or the answered spec
file's own rnnspec.json or rnnspec.toml) and its model module.

`spec_from_answers` writes the spec of the architecture answers (dumped by PyYAML);
`spec_text` is that, or the answered spec file's bytes unchanged; `render_text` makes
the module by the one renderer that `rnnspec render` uses (`rnnspec.render_spec`),
so the two are byte-identical. `answers_error` is the validator of the answers
together: rnnspec's own load and rules decide, as for any spec file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .. import render_spec
from ..read.load import SpecError
from ..read.schema import MODELINE
from ..targets import DEFAULT
from .parse import ascii_int, split_list, truthy
from .validators import answer_size, cells_error, size_error, units_error


def spec_from_answers(answers: Mapping[str, Any]) -> str:
    """The text of `rnnspec.yaml` for the architecture answers, dumped by PyYAML, after
    the line that points editors at rnnspec's JSON Schema."""
    types = split_list(answers.get("cells", "lstm"))
    units = split_list(answers.get("units", "64"))
    features = str(answers.get("features", 10))
    for message in (
        cells_error(types),
        units_error(units, types),
        size_error(features, "features", allow_none=False),
    ):
        if message:
            raise ValueError(message)
    if len(units) == 1:
        units = units * len(types)
    name = str(answers.get("package_name") or "model")
    spec: dict[str, Any] = {
        "name": name,
        "description": f"{answers.get('project_name') or name}: the recurrent model, "
        "scaffolded with copier from rnnspec's template.",
        "input": {
            "batch_size": answer_size(answers.get("batch_size")),
            "timesteps": answer_size(answers.get("timesteps")),
            "features": ascii_int(features.strip()),
        },
        "cells": [
            {"type": cell, "units": ascii_int(unit)} for cell, unit in zip(types, units)
        ],
    }
    if len(types) > 1:
        spec["stacking"] = str(answers.get("stacking", "layers"))
    merge = {"merge_mode": str(answers.get("merge_mode", "concat"))}
    spec["bidirectional"] = merge if truthy(answers.get("bidirectional")) else False
    spec["return_sequences"] = truthy(answers.get("return_sequences", True))
    spec["return_state"] = truthy(answers.get("return_state", True))
    spec["stateful"] = truthy(answers.get("stateful", False))
    spec["initial_state"] = str(answers.get("initial_state", "zeros"))
    return f"{MODELINE}\n" + yaml.safe_dump(
        spec, sort_keys=False, allow_unicode=True, default_flow_style=None, width=4096
    )


def spec_text(answers: Mapping[str, Any]) -> str:
    """The project's spec: the answered spec file's bytes unchanged (in its format, as
    `validators.spec_name` names it), or rnnspec.yaml written from the answers."""
    if answers.get("spec_file"):
        return Path(str(answers["spec_file"])).expanduser().read_bytes().decode("utf-8")
    return spec_from_answers(answers)


def render_text(text: str, name: str = "rnnspec.yaml", target: str = DEFAULT) -> str:
    """The generated module for a spec's text: `rnnspec render --target TARGET` on a
    file holding it."""
    with tempfile.TemporaryDirectory(prefix="rnnspec-copier-") as folder:
        file = Path(folder) / name
        file.write_bytes(text.encode("utf-8"))
        try:
            return render_spec(file, target)
        except SpecError as exc:
            for problem in exc.problems:
                object.__setattr__(problem, "file", name)
            raise SpecError(exc.problems) from None


def answers_error(answers: Mapping[str, Any]) -> str:
    """The spec written from these answers, checked by rnnspec as a whole."""
    if answers.get("spec_file"):
        return ""
    try:
        render_text(spec_from_answers(answers))
    except SpecError as exc:
        return f"these answers make no valid spec: {exc}"
    except ValueError as exc:
        return str(exc)
    return ""
