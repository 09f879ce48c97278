"""Load a spec file (YAML, TOML or JSON) into a checked `Spec`.

Every mistake becomes a `SpecError` that names the file, line and column, the key
path, what was expected and what was found. `spec_file` reads the text safely, the
readers (`yaml_marks`, `json_marks`, `toml_marks`) turn it into plain, bounded data
and marks, and this module checks that data against the spec model.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path as FilePath
from typing import Any, BinaryIO

from pydantic import BaseModel, ValidationError

from ..spec.initializers import INITIALIZER_MODELS
from ..spec.layers import LAYER_MODELS
from .json_marks import read_json
from .marks import Mark, Marks, TextProblem, describe
from ..check.checked import GraphSpec, Spec
from ..spec.problems import Problem, SpecError, did_you_mean
from ..spec.models import (
    CELL_MODELS,
    BidirectionalSpec,
    GraphBlock,
    HandOver,
    Head,
    InputSpec,
)
from ..spec.limits import Path, RuleError
from ..spec.nodes import (
    MERGES,
    NODE_LAYER_MODELS,
    Concatenate,
    Dot,
    Elementwise,
    LayerNode,
    entry_kind,
)
from .schema import EDITOR_KEY
from .spec_file import read_spec_stream, read_spec_text
from ..check.target_rules import DEFAULT, check_target
from .toml_marks import read_toml
from .yaml_marks import read_yaml

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
STDIN = FilePath("<stdin>")  # what a spec read from stdin is called in its problems


def load_spec(file: str | FilePath, target: str = DEFAULT) -> Spec | GraphSpec:
    """Read and check one spec file, for `target` (rnnspec/check/target_rules.py)."""
    file = FilePath(file)
    _kind(file)  # an unknown suffix is refused before the file is read
    try:
        text = read_spec_text(file)
    except TextProblem as exc:
        raise _error(file, exc.mark, exc.path, exc.message) from None
    return load_text(text, file, target)


def load_stream(
    stream: BinaryIO, kind: str, file: FilePath = STDIN, target: str = DEFAULT
) -> Spec | GraphSpec:
    """Read and check a spec in the format `kind` (yaml, json or toml) from `stream`,
    named `file` in its problems."""
    try:
        text = read_spec_stream(stream)
    except TextProblem as exc:
        raise _error(file, exc.mark, exc.path, exc.message) from None
    data, marks = parse(text, kind, file)
    return validate(data, marks, file, target)


def load_text(text: str, file: FilePath, target: str = DEFAULT) -> Spec | GraphSpec:
    """Check the text of the spec file `file`, already read, for `target`."""
    data, marks = parse(text, _kind(file), file)
    return validate(data, marks, file, target)


def _kind(file: FilePath) -> str:
    if (kind := SUFFIXES.get(file.suffix.lower())) is None:
        raise _error(
            file,
            (1, 1),
            (),
            f"expected a .yaml, .yml, .toml or .json file, got {file.suffix or 'no suffix'!r}",
        )
    return kind


_READERS = {"yaml": read_yaml, "json": read_json, "toml": read_toml}


def parse(text: str, kind: str, file: FilePath) -> tuple[Any, Marks]:
    """Plain data and marks for a spec text (nothing but str, int, float, bool, None)."""
    try:
        return _READERS[kind](text)
    except TextProblem as exc:
        source = _line(text, exc.mark[0]) if exc.syntax else None
        raise _error(file, exc.mark, exc.path, exc.message, source) from None


def _line(text: str, number: int) -> str:
    """Line `number` (1-based) of `text` as the readers count lines, "" past the end."""
    lines = text.split("\n")
    return lines[number - 1].removesuffix("\r") if number <= len(lines) else ""


def validate(
    data: Any, marks: Marks, file: FilePath, target: str = DEFAULT
) -> Spec | GraphSpec:
    """Check parsed data against the spec model and its rules, and the target's."""
    if not isinstance(data, dict):
        raise _error(
            file,
            marks.find(()),
            (),
            f"expected a mapping with name, input and cells, got {describe(data)}",
        )
    data = _without_editor_key(data, marks, file)
    try:
        model = GraphSpec if "blocks" in data else Spec  # the long form, or the short
        spec = model.model_validate(data)
        check_target(spec, target)
        return spec
    except RuleError as exc:
        mark = marks.find(exc.path, key=exc.at_key)
        raise _error(file, mark, exc.path, exc.message) from None
    except ValidationError as exc:
        problems = _problems(exc, data, marks, file)
        raise SpecError(problems) from None


def _without_editor_key(data: dict, marks: Marks, file: FilePath) -> dict:
    """The spec without its `$schema` key (for editors: rnnspec/read/schema.py), which
    must be a string if present."""
    if EDITOR_KEY not in data:
        return data
    if not isinstance(data[EDITOR_KEY], str):
        found = describe(data[EDITOR_KEY])
        path = (EDITOR_KEY,)
        raise _error(file, marks.find(path), path, f"must be a string, got {found}")
    return {key: value for key, value in data.items() if key != EDITOR_KEY}


def _problems(
    exc: ValidationError, data: Any, marks: Marks, file: FilePath
) -> list[Problem]:
    """Turn pydantic's errors into problems, merging the errors of union members."""
    merged: dict[Path, list[dict[str, Any]]] = {}
    for error in exc.errors():
        merged.setdefault(_data_path(error["loc"], data), []).append(error)
    for path in list(merged):  # a union member that got further explains it better
        if any(other[: len(path)] == path and other != path for other in merged):
            del merged[path]
    problems = []
    for path, errors in merged.items():
        is_key = any(e["type"] == "extra_forbidden" for e in errors)
        path, message = _message(path, errors, data)
        problems.append(_problem(file, marks.find(path, key=is_key), path, message))
    return sorted(problems, key=lambda p: (p.line, p.column))


def _data_path(loc: tuple[Any, ...], data: Any) -> Path:
    """Pydantic's loc without the union members' tags: the path of keys in the file."""
    path: list[str | int] = []
    node = data
    for part in loc:
        is_key = isinstance(node, dict) and part in node
        is_tag = isinstance(part, str) and (
            part in _TAGS or part.startswith(("literal[", "list[", "tagged-union["))
        )
        if is_tag and not (is_key and part != node.get("type")):
            continue
        path.append(part)
        node = (
            node[part]
            if is_key or (isinstance(node, list) and isinstance(part, int))
            else None
        )
    return tuple(path)


_TAGS = (
    set(CELL_MODELS)
    | set(LAYER_MODELS)
    | set(INITIALIZER_MODELS)
    | {
        "bool",
        "str",
        "block",
        "node",
        "embedding",
        *MERGES,
        "BidirectionalSpec",
        "HandOver",
        "Head",
        "constrained-int",
        "list[constrained-int]",
    }
)


def _model_at(path: Path, data: Any) -> type[BaseModel] | None:
    """The model whose keys belong at `path`, for the list of allowed keys."""
    block = path[:2] if path[:1] == ("blocks",) else ()
    rest = path[len(block) :]
    if path == ():
        return GraphSpec if isinstance(data, dict) and "blocks" in data else Spec
    if block and rest == ():
        entry = _lookup(data, path)
        return LayerNode if entry_kind(entry) == "node" else GraphBlock
    if block and rest == ("merge",):
        merge = _lookup(data, path)
        kind = merge.get("type") if isinstance(merge, dict) else None
        return {"concatenate": Concatenate, "dot": Dot}.get(kind, Elementwise)  # type: ignore[arg-type]
    if rest == ("input",) or (len(path) == 2 and path[0] == "inputs"):
        return InputSpec
    if rest in (("bidirectional",),):
        return BidirectionalSpec
    if rest == ("initial_state",):
        return HandOver
    if rest == ("head",):
        return Head
    if _is_initializer(path):
        given = _lookup(data, path)
        return (
            INITIALIZER_MODELS.get(given.get("type"))
            if isinstance(given, dict)
            else None
        )
    if len(rest) == 2 and rest[0] in ("front", "head", "layers"):
        layer = _lookup(data, path)
        models = NODE_LAYER_MODELS if rest[0] == "layers" else LAYER_MODELS
        return models.get(layer.get("type")) if isinstance(layer, dict) else None
    if len(rest) == 2 and rest[0] == "cells":
        cell = _lookup(data, path)
        return CELL_MODELS.get(cell.get("type")) if isinstance(cell, dict) else None
    return None


def _is_initializer(path: Path) -> bool:
    return bool(path) and str(path[-1]).endswith("_initializer")


def _lookup(data: Any, path: Path) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _message(path: Path, errors: list[dict[str, Any]], data: Any) -> tuple[Path, str]:
    """What was expected and what was found, for the errors at one path."""
    kinds = {e["type"] for e in errors}
    error = errors[0]
    found = describe(error["input"])
    if "too_long" in kinds or "too_short" in kinds:
        found = f"{len(error['input'])} item(s)"
    if kinds & {"union_tag_invalid", "union_tag_not_found"}:
        kind, models = _tagged(path)
        tags = ", ".join(models)
        if "union_tag_not_found" in kinds:
            return path + ("type",), f"required key is missing; expected one of {tags}"
        tag = next(e for e in errors if e["type"].startswith("union_tag"))["ctx"]["tag"]
        if hint := did_you_mean(tag, models):
            return path + ("type",), f"unknown {kind} type {describe(tag)}; {hint}"
        return (
            path + ("type",),
            f"unknown {kind} type; expected one of {tags}, got {describe(tag)}",
        )
    if "missing" in kinds:
        return path, "required key is missing"
    if "extra_forbidden" in kinds:
        model = _model_at(path[:-1], data)
        keys = (
            sorted(field.alias or name for name, field in model.model_fields.items())
            if model
            else []
        )
        hint = did_you_mean(path[-1], keys)
        known = f"; expected one of {', '.join(keys)}" if keys else ""
        return path, f"unknown key; {hint}" if hint else f"unknown key{known}"
    expected = " or ".join(dict.fromkeys(_expected(e) for e in errors))
    if hint := _literal_hint(errors):
        return path, f"got {found}; {hint}"
    return path, f"must be {expected}, got {found}"


def _tagged(path: Path) -> tuple[str, dict[str, Any]]:
    """What a mapping with a `type` at `path` is, and its types."""
    if _is_initializer(path):
        return "initializer", INITIALIZER_MODELS
    if len(path) > 2 and path[2] == "layers":  # a layer node's
        return "layer", NODE_LAYER_MODELS
    if any(part in ("front", "head") for part in path):
        return "layer", LAYER_MODELS
    if len(path) > 2 and path[2] == "merge":
        return "merge", MERGES
    return "cell", CELL_MODELS


def _literal_hint(errors: list[dict[str, Any]]) -> str:
    """`did you mean ...?` for a value close to one a fixed choice allows (pydantic's
    `expected` holds the choices' reprs); "" if another kind of error is among them."""
    if any(error["type"] != "literal_error" for error in errors):
        return ""
    choices = [
        ast.literal_eval(choice)
        for error in errors
        for choice in _REPRS.findall(error["ctx"]["expected"])
    ]
    return did_you_mean(errors[0]["input"], [c for c in choices if isinstance(c, str)])


_REPRS = re.compile(r"'(?:[^'\\]|\\.)*'")


def _expected(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "an integer >= 1"
    if kind == "greater_than_equal":
        return (
            f"an integer >= {ctx['ge']}"
            if isinstance(error["input"], int)
            else f"a number >= {ctx['ge']}"
        )
    if kind == "greater_than":
        return f"a number > {ctx['gt']}"
    if kind == "less_than":
        return f"a number < {ctx['lt']}"
    if kind == "less_than_equal":
        return f"an integer <= {ctx['le']}"
    if kind in ("float_type", "float_parsing"):
        return "a number"
    if kind == "bool_type":
        return "true or false"
    if kind == "string_type":
        return "a string"
    if kind == "string_pattern_mismatch":
        return "a Python identifier (lowercase letters, digits and _, not starting with a digit)"
    if kind == "string_too_long":
        return f"at most {ctx['max_length']} characters"
    if kind == "literal_error":
        return f"one of {ctx['expected']}"
    if kind in ("list_type", "tuple_type"):
        return "a list"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "a mapping"
    if kind == "too_short":
        return f"at least {ctx['min_length']} item(s)"
    if kind == "too_long":
        return f"at most {ctx['max_length']} item(s)"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


def _problem(
    file: FilePath, mark: Mark, path: Path, message: str, source: str | None = None
) -> Problem:
    return Problem(str(file), mark[0], mark[1], format_path(path), message, source)


def _error(
    file: FilePath, mark: Mark, path: Path, message: str, source: str | None = None
) -> SpecError:
    return SpecError([_problem(file, mark, path, message, source)])


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_path(path: Path) -> str:
    """('cells', 1, 'units') -> 'cells[1].units'; other keys quoted: 'a["x y"]'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:  # escaped: a key never breaks the one line a problem gets
            text += f"[{json.dumps(part)}]"
    return text
