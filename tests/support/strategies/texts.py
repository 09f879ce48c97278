"""A drawn spec as YAML, JSON or TOML text, in the styles people write."""

from __future__ import annotations

import json
import re
from typing import Any

import tomli_w  # a second TOML writer: a test dependency, required (no fallback)
import yaml
from hypothesis import strategies as st

from .values import Data


def to_yaml(data: Data, *, flow: bool | None = False, unicode: bool = True) -> str:
    text = yaml.safe_dump(
        data, sort_keys=False, default_flow_style=flow, allow_unicode=unicode
    )
    if unicode and yaml.safe_load(text) != data:
        # PyYAML writes NEL, LS and PS as they are in a quoted string, where YAML
        # reads them as line breaks (folded to a space): escape them instead
        return to_yaml(data, flow=flow, unicode=False)
    return text


def to_json(data: Data, *, indent: int | None = 2, ascii: bool = False) -> str:
    return json.dumps(data, indent=indent, ensure_ascii=ascii) + "\n"


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    if isinstance(value, dict):
        pairs = (
            f"{_toml_key(k)} = {_toml_value(v)}"
            for k, v in value.items()
            if v is not None
        )
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"no TOML for {value!r}")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _is_table(value: object) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
    )


def to_toml(data: Data, *, tables: bool = True) -> str:
    """TOML, which has no null: a null key is left out, which means the same (every
    key that takes null defaults to it). `tables`: [sub.tables] and [[arrays]] of
    them, else every nested value inline."""
    lines: list[str] = []

    def table(data: Data, path: tuple[str, ...]) -> None:
        nested = []
        for key, value in data.items():
            if value is None:
                continue
            if tables and _is_table(value):
                nested.append((key, value))
            else:
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, value in nested:
            name = ".".join(map(_toml_key, (*path, key)))
            for item in [value] if isinstance(value, dict) else value:
                lines.extend(
                    ["", f"[{name}]" if isinstance(value, dict) else f"[[{name}]]"]
                )
                table(item, (*path, key))

    table(data, ())
    return "\n".join(lines).lstrip("\n") + "\n"


@st.composite
def texts(draw: st.DrawFn, data: Data, kind: str) -> str:
    """`data` as `kind` text, in one of the styles people write."""
    if kind == "yaml":
        return to_yaml(
            data,
            flow=draw(st.sampled_from((False, None, True))),
            unicode=draw(st.booleans()),
        )
    if kind == "json":
        return to_json(
            data, indent=draw(st.sampled_from((2, None, 4))), ascii=draw(st.booleans())
        )
    data = _without_nulls(data)  # TOML has no null: a null key means its default
    if draw(st.booleans()):
        return tomli_w.dumps(data, multiline_strings=draw(st.booleans()))
    return to_toml(data, tables=draw(st.booleans()))


def _without_nulls(data: object) -> Any:
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_nulls(v) for v in data if v is not None]
    return data
