"""Copier glue: the project template (`copier.yml`, `template/`) renders through this.

`RnnspecExtension` is the Jinja extension that `copier.yml` names in
`_jinja_extensions`. It gives the template what it cannot do alone, and nothing else:

- `rnnspec_spec_text()`: the text of the project's `rnnspec.yaml`, written from the
  answers, or the bytes of the answered `spec_file`, unchanged;
- `... | rnnspec_render`: the model module for a spec's text, by the one renderer that
  `rnnspec render` uses (`generator.render_spec`), so the two are byte-identical;
- the validators' checks (`rnnspec_*_error`): each returns "" for a good answer and
  otherwise a message saying what is allowed, as copier's `validator:` expects.

Copier imports this module, so it needs `--trust` and rnnspec installed next to copier.
"""

from __future__ import annotations

import json
import keyword
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.ext import Extension

from . import render_spec
from .load import SpecError

CELL_TYPES = ("simple_rnn", "gru", "lstm")
MERGE_MODES = ("concat", "sum", "mul", "ave", "none")
SPEC_SUFFIXES = (".yaml", ".yml", ".json")
NONE_WORDS = ("", "none", "null", "~")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def split_list(value: Any) -> list[str]:
    """`lstm,gru`, `lstm gru`, `[lstm, gru]` or a real list -> ['lstm', 'gru']."""
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    text = re.sub(r"[\[\]'\"]", " ", str(value))
    return [item for item in re.split(r"[\s,]+", text) if item]


def package_name(project_name: Any) -> str:
    """A package name derived from the project's: `My RNN model` -> `my_rnn_model`."""
    name = re.sub(r"[^a-z0-9_]+", "_", str(project_name).lower()).strip("_")[:58]
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"model_{name}".rstrip("_")
    return name


# --- validators: "" when the answer is good, else what is allowed -------------------


def identifier_error(name: Any, what: str = "package_name") -> str:
    name = str(name)
    if not _IDENTIFIER.match(name) or keyword.iskeyword(name) or len(name) > 64:
        return (
            f"{what} must be a Python identifier: lowercase letters, digits and _, "
            f"not starting with a digit, not a Python keyword, at most 64 characters; "
            f"got {name!r}"
        )
    return ""


def cells_error(cells: Any) -> str:
    types = split_list(cells)
    bad = [cell for cell in types if cell not in CELL_TYPES]
    if not types or bad:
        got = ", ".join(map(repr, bad)) if bad else "nothing"
        return (
            f"cells must be one or more of {', '.join(CELL_TYPES)}, comma-separated, "
            f"bottom to top (e.g. lstm,gru); got {got} (for conv_lstm cells, "
            "write a spec and answer spec_file)"
        )
    return ""


def units_error(units: Any, cells: Any = None) -> str:
    values = split_list(units)
    allowed = (
        "units must be positive integers: one for every cell (64) or one per cell, "
        "comma-separated (64,32)"
    )
    if not values or not all(v.isdigit() and int(v) >= 1 for v in values):
        return f"{allowed}; got {str(units)!r}"
    count = len(split_list(cells)) if cells is not None else len(values)
    if len(values) not in (1, count):
        return f"{allowed}; got {len(values)} values for {count} cells"
    return ""


def size_error(value: Any, what: str, allow_none: bool = True) -> str:
    text = str(value).strip().lower()
    if allow_none and text in NONE_WORDS:
        return ""
    if text.isdigit() and int(text) >= 1:
        return ""
    allowed = "an integer >= 1" + (", or none for any size" if allow_none else "")
    return f"{what} must be {allowed}; got {str(value)!r}"


def stateful_error(stateful: Any, batch_size: Any) -> str:
    if _truthy(stateful) and _size(batch_size) is None:
        return (
            "stateful: true needs a fixed batch_size (an integer >= 1): a stateful layer "
            "keeps one state per sequence of the batch; answer a batch_size or stateful: false"
        )
    return ""


def initial_state_error(initial_state: Any, stateful: Any) -> str:
    if _truthy(stateful) and str(initial_state) != "none":
        return (
            "a stateful layer starts from zeros and keeps its state between calls, so "
            f"initial_state must be none when stateful is true; got {initial_state}"
        )
    return ""


def spec_file_error(path: Any) -> str:
    """ "" for no spec file or a good one; otherwise why it cannot be used."""
    if not path:
        return ""
    file = Path(str(path)).expanduser()
    if file.suffix.lower() not in SPEC_SUFFIXES:
        return (
            "spec_file must be a .yaml, .yml or .json rnnspec spec (it is copied byte "
            f"for byte to rnnspec.yaml); got {str(path)!r}"
        )
    if not file.is_file():
        return (
            f"spec_file must be an existing spec file; {str(path)!r} does not exist "
            f"(a relative path is read from the folder copier runs in, {Path.cwd()}; "
            "for copier update, run `copier update PROJECT` from the folder copier copy "
            "ran in, or answer an absolute path)"
        )
    try:
        render_spec(file)
    except SpecError as exc:
        return f"spec_file is not a valid rnnspec spec: {exc}"
    return ""


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


# --- the spec and the module ---------------------------------------------------------


def spec_from_answers(answers: Mapping[str, Any]) -> str:
    """The text of `rnnspec.yaml` for the architecture answers."""
    types = split_list(answers.get("cells", "lstm"))
    units = split_list(answers.get("units", "64"))
    for message in (cells_error(types), units_error(units, types)):
        if message:
            raise ValueError(message)
    if len(units) == 1:
        units = units * len(types)
    size = {key: _size(answers.get(key)) for key in ("batch_size", "timesteps")}
    features = int(answers.get("features", 10))
    name = answers.get("package_name") or "model"
    description = (
        f"{answers.get('project_name') or name}: the recurrent model, "
        "scaffolded with copier from rnnspec's template."
    )
    merge = str(answers.get("merge_mode", "concat"))
    bidirectional = (
        f"{{merge_mode: {merge}}}" if _truthy(answers.get("bidirectional")) else "false"
    )
    lines = [
        f"name: {name}",
        f"description: {json.dumps(description)}",
        "input: {batch_size: %s, timesteps: %s, features: %d}"
        % (_yaml_size(size["batch_size"]), _yaml_size(size["timesteps"]), features),
        "cells:",
        *(
            f"  - {{type: {cell}, units: {int(unit)}}}"
            for cell, unit in zip(types, units)
        ),
    ]
    if len(types) > 1:
        lines.append(f"stacking: {answers.get('stacking', 'layers')}")
    lines += [
        f"bidirectional: {bidirectional}",
        f"return_sequences: {_yaml_bool(answers.get('return_sequences', True))}",
        f"return_state: {_yaml_bool(answers.get('return_state', True))}",
        f"stateful: {_yaml_bool(answers.get('stateful', False))}",
        f"initial_state: {answers.get('initial_state', 'zeros')}",
    ]
    return "\n".join(lines) + "\n"


def spec_text(answers: Mapping[str, Any]) -> str:
    """`rnnspec.yaml`: the answered spec file's bytes unchanged, or written from the answers."""
    if answers.get("spec_file"):
        return Path(str(answers["spec_file"])).expanduser().read_bytes().decode("utf-8")
    return spec_from_answers(answers)


def render_text(text: str, name: str = "rnnspec.yaml") -> str:
    """The generated module for a spec's text: `rnnspec render` on a file holding it."""
    with tempfile.TemporaryDirectory(prefix="rnnspec-copier-") as folder:
        file = Path(folder) / name
        file.write_bytes(text.encode("utf-8"))
        try:
            return render_spec(file)
        except SpecError as exc:
            for problem in exc.problems:
                object.__setattr__(problem, "file", name)
            raise SpecError(exc.problems) from None


def _render_filter(text: str) -> str:
    try:
        return render_text(text)
    except SpecError as exc:
        from copier.errors import UserMessageError

        raise UserMessageError(
            f"rnnspec cannot render this project's spec:\n{exc}"
        ) from None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "y", "1", "on")
    return bool(value)


def _size(value: Any) -> int | None:
    text = str(value).strip().lower() if value is not None else ""
    if text in NONE_WORDS:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(size_error(value, "a size"))
    return int(text)


def _yaml_size(value: int | None) -> str:
    return "null" if value is None else str(value)


def _yaml_bool(value: Any) -> str:
    return "true" if _truthy(value) else "false"


class RnnspecExtension(Extension):
    """Filters and globals for rnnspec's copier template (see the module docstring)."""

    def __init__(self, environment) -> None:  # noqa: ANN001 - jinja's signature
        super().__init__(environment)
        environment.filters.update(
            rnnspec_render=_render_filter,
            rnnspec_split=split_list,
            rnnspec_package_name=package_name,
            rnnspec_identifier_error=identifier_error,
            rnnspec_cells_error=cells_error,
            rnnspec_units_error=units_error,
            rnnspec_size_error=size_error,
            rnnspec_spec_file_error=spec_file_error,
        )
        environment.globals.update(
            rnnspec_spec_text=pass_context(lambda context: spec_text(context)),
            rnnspec_answers_error=pass_context(lambda context: answers_error(context)),
            rnnspec_stateful_error=stateful_error,
            rnnspec_initial_state_error=initial_state_error,
        )
