"""Copier glue: the project template (`copier.yml`, `template/`) renders through this.

`RnnspecExtension` is the Jinja extension that `copier.yml` names in
`_jinja_extensions`. It gives the template what it cannot do alone, and nothing else:

- `rnnspec_spec_text()`: the text of the project's `rnnspec.yaml`, dumped by PyYAML from
  the answers, or the bytes of the answered `spec_file`, unchanged;
- `... | rnnspec_render`: the model module for a spec's text, by the one renderer that
  `rnnspec render` uses (`generator.render_spec`), so the two are byte-identical;
- the one way free text reaches each kind of file: `rnnspec_python_str` (a repr()'d
  literal), `rnnspec_toml_str` (a TOML basic string), `rnnspec_markdown_text` (markup
  characters backslash-escaped); `package_name` is a checked identifier and goes in as is;
- the validators' checks (`rnnspec_*_error`): each returns "" for a good answer and
  otherwise a message saying what is allowed, as copier's `validator:` expects.

Copier imports this module, so it needs `--trust` and rnnspec installed next to copier.
"""

from __future__ import annotations

import re
import sys
import tempfile
import unicodedata
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from jinja2 import pass_context
from jinja2.ext import Extension
from pydantic import TypeAdapter, ValidationError

from . import render_spec
from .cells import VECTOR_TYPES
from .load import SpecError
from .rules import stateful_with_initial_state, stateful_without_batch_size
from .spec import Identifier

CELL_TYPES = VECTOR_TYPES  # the cells question offers the vector cells
SPEC_SUFFIXES = (".yaml", ".yml", ".json")
NONE_WORDS = ("", "none", "null", "~")
MAX_PROJECT_NAME = 200
MAX_DIGITS = 18
# Imported by the generated project (its src/ comes first on sys.path), or rnnspec's own.
PROJECT_IMPORTS = frozenset(
    "keras numpy tensorflow pytest jax torch tests generator rnnspec "
    "black click jinja2 pydantic yaml copier".split()
)
# Distributions whose modules (and their dependencies') a package must not shadow.
DEPENDENCIES = ("keras", "tensorflow", "tensorflow-cpu", "numpy", "pytest", "rnnspec")
_DIGITS_NOTE = f"an integer is written in the ASCII digits 0-9, at most {MAX_DIGITS}"
# Characters that project_name refuses besides categories Cc, Cs, Cn, Zl and Zp.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_MARKUP = re.compile(r"([\\`*_{}\[\]<>#!|~&$])")  # CommonMark, GitHub's and HTML's
_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_IDENTIFIER = TypeAdapter(Identifier)


def split_list(value: Any) -> list[str]:
    """`lstm,gru`, `lstm gru`, `[lstm, gru]` or a real list -> ['lstm', 'gru']."""
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    text = re.sub(r"[\[\]'\"]", " ", str(value))
    return [item for item in re.split(r"[\s,]+", text) if item]


# --- escaping: the one way free text reaches each kind of file ----------------------


def python_str(value: Any) -> str:
    """A Python string literal: `repr()`, which no text can break out of."""
    return repr(str(value))


def toml_str(value: Any) -> str:
    """A TOML basic string: quote, backslash and control characters escaped."""
    out = []
    for char in str(value):
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        elif unicodedata.category(char) == "Cs":
            raise ValueError(f"a TOML string cannot hold the surrogate U+{ord(char):X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def markdown_text(value: Any) -> str:
    """Text for one Markdown line: every character that Markdown (CommonMark, GitHub's)
    or HTML could read as markup is backslash-escaped, so it shows as typed."""
    return _MARKUP.sub(r"\\\1", str(value))


# --- names ---------------------------------------------------------------------------


def package_name(project_name: Any) -> str:
    """A package name derived from the project's, never a refused one:
    `My RNN model` -> `my_rnn_model`, `2048 GRU` -> `model_2048_gru`, `Keras` ->
    `keras_model`, `Ünïcode` -> `unicode`."""
    text = unicodedata.normalize("NFKD", str(project_name)).encode("ascii", "ignore")
    name = re.sub(r"[^a-z0-9]+", "_", text.decode().lower()).strip("_")[:52].rstrip("_")
    if not name or name[0].isdigit():
        name = f"model_{name}".rstrip("_")
    for candidate in (name, f"{name}_model", f"model_{name}"):
        if not package_name_error(candidate, suggest=False):
            return candidate
    return "model"


@cache
def dependency_modules() -> frozenset[str]:
    """Top-level modules of the installed `DEPENDENCIES` and all they require."""
    wanted, todo = set(), list(DEPENDENCIES)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in wanted:
            continue
        wanted.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        todo += [
            re.match(r"[A-Za-z0-9._-]+", req)[0]
            for req in requires
            if "extra" not in req.partition(";")[2]
        ]
    return frozenset(
        module
        for module, dists in metadata.packages_distributions().items()
        if any(re.sub(r"[-_.]+", "-", d).lower() in wanted for d in dists)
    )


def shadowed(name: str) -> str:
    """What a package called `name` would shadow in the generated project, or ""."""
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return "a standard-library module"
    if name in PROJECT_IMPORTS:
        return "a module that the generated project or rnnspec imports"
    if name in dependency_modules():
        return "a module of one of the generated project's dependencies"
    return ""


# --- validators: "" when the answer is good, else what is allowed -------------------


def project_name_error(name: Any) -> str:
    text = str(name)
    if not text.strip():
        return "project_name must not be empty"
    if len(text) > MAX_PROJECT_NAME:
        return (
            f"project_name must be at most {MAX_PROJECT_NAME} characters; "
            f"got {len(text)}"
        )
    bad = dict.fromkeys(char for char in text if _unprintable(char))
    if bad:
        return (
            "project_name must be printable text on one line: no control characters "
            "(newline, tab, NUL, ...), line separators, bidirectional controls, "
            "surrogates or unassigned code points; got "
            + ", ".join(f"U+{ord(char):04X}" for char in bad)
            + f" in {text!r}"
        )
    return ""


def identifier_error(name: Any, what: str = "package_name") -> str:
    try:
        _IDENTIFIER.validate_python(str(name))
    except ValidationError:
        return (
            f"{what} must be a Python identifier: lowercase letters, digits and _, "
            f"not starting with a digit, not a Python keyword, at most 64 characters; "
            f"got {str(name)!r}"
        )
    return ""


def package_name_error(name: Any, suggest: bool = True) -> str:
    """An identifier (the spec's name too) that shadows nothing the project imports."""
    text = str(name)
    if message := identifier_error(text):
        return message
    if text.startswith("_") or text.endswith("_"):
        return (
            "package_name must start and end with a letter or digit: pyproject.toml's "
            f"project name is package_name with - for _; got {text!r}"
        )
    if why := shadowed(text):
        hint = f" (try {package_name(text)!r})" if suggest else ""
        return (
            f"package_name must not shadow a module the project imports: {text!r} is "
            f"{why}; got {text!r}{hint}"
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
    if not values or not all((ascii_int(v) or 0) >= 1 for v in values):
        return f"{allowed}; got {str(units)!r} ({_DIGITS_NOTE})"
    count = len(split_list(cells)) if cells is not None else len(values)
    if len(values) not in (1, count):
        return f"{allowed}; got {len(values)} values for {count} cells"
    return ""


def size_error(value: Any, what: str, allow_none: bool = True) -> str:
    text = str(value).strip().lower()
    if allow_none and text in NONE_WORDS:
        return ""
    if (ascii_int(text) or 0) >= 1:
        return ""
    allowed = "an integer >= 1" + (", or none for any size" if allow_none else "")
    return f"{what} must be {allowed}; got {str(value)!r} ({_DIGITS_NOTE})"


def stateful_error(stateful: Any, batch_size: Any) -> str:
    try:
        size = _size(batch_size)
    except ValueError:
        return ""  # batch_size's own validator says why
    if stateful_without_batch_size(_truthy(stateful), size):
        return (
            "stateful: true needs a fixed batch_size (an integer >= 1): a stateful layer "
            "keeps one state per sequence of the batch; answer a batch_size or stateful: false"
        )
    return ""


def initial_state_error(initial_state: Any, stateful: Any) -> str:
    if stateful_with_initial_state(_truthy(stateful), str(initial_state)):
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
    """The text of `rnnspec.yaml` for the architecture answers, dumped by PyYAML."""
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
            "batch_size": _size(answers.get("batch_size")),
            "timesteps": _size(answers.get("timesteps")),
            "features": ascii_int(features.strip()),
        },
        "cells": [
            {"type": cell, "units": ascii_int(unit)} for cell, unit in zip(types, units)
        ],
    }
    if len(types) > 1:
        spec["stacking"] = str(answers.get("stacking", "layers"))
    merge = {"merge_mode": str(answers.get("merge_mode", "concat"))}
    spec["bidirectional"] = merge if _truthy(answers.get("bidirectional")) else False
    spec["return_sequences"] = _truthy(answers.get("return_sequences", True))
    spec["return_state"] = _truthy(answers.get("return_state", True))
    spec["stateful"] = _truthy(answers.get("stateful", False))
    spec["initial_state"] = str(answers.get("initial_state", "zeros"))
    return yaml.safe_dump(
        spec, sort_keys=False, allow_unicode=True, default_flow_style=None, width=4096
    )


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


def ascii_int(text: str) -> int | None:
    """`text` as an int when it is only ASCII digits (not `²` or `٦٤`), else None."""
    return int(text) if re.fullmatch(f"[0-9]{{1,{MAX_DIGITS}}}", text) else None


def _unprintable(char: str) -> bool:
    """Control, separator, surrogate, unassigned or bidirectional-control characters."""
    category = unicodedata.category(char)
    return category in ("Cc", "Cs", "Cn", "Zl", "Zp") or char in _BIDI_CONTROLS


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "y", "1", "on")
    return bool(value)


def _size(value: Any) -> int | None:
    text = str(value).strip().lower() if value is not None else ""
    if text in NONE_WORDS:
        return None
    number = ascii_int(text)
    if number is None or number < 1:
        raise ValueError(size_error(value, "a size"))
    return number


class RnnspecExtension(Extension):
    """Filters and globals for rnnspec's copier template (see the module docstring)."""

    def __init__(self, environment) -> None:  # noqa: ANN001 - jinja's signature
        super().__init__(environment)
        environment.filters.update(
            rnnspec_render=_render_filter,
            rnnspec_split=split_list,
            rnnspec_package_name=package_name,
            rnnspec_python_str=python_str,
            rnnspec_toml_str=toml_str,
            rnnspec_markdown_text=markdown_text,
            rnnspec_project_name_error=project_name_error,
            rnnspec_package_name_error=package_name_error,
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
