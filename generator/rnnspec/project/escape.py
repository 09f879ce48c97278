"""The one way free text reaches each kind of file the template writes.

`python_str` for .py (a repr()'d literal, in the quotes ruff's and black's formatters
keep), `toml_str` for .toml (a TOML basic string), `yaml_str` for .yml/.yaml (a scalar
written by PyYAML's dumper), `markdown_text` for .md (markup characters
backslash-escaped). No text can break out of any of them; `package_name` is a checked
identifier and needs none.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import yaml

_ESCAPE_OR_QUOTE = re.compile(r"\\.|\"", re.DOTALL)  # \x, or "
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


def python_str(value: Any) -> str:
    """A Python string literal: `repr()`, which no text can break out of, in double
    quotes unless the text holds more `"` than `'` (the formatters' rule, so that
    `ruff format --check` passes on the generated project)."""
    text = str(value)
    literal = repr(text)
    if literal.startswith('"') or text.count('"') > text.count("'"):
        return literal
    # repr's single quotes: unescape its \' and escape each " (escapes read pairwise)
    body = _ESCAPE_OR_QUOTE.sub(_requote, literal[1:-1])
    return f'"{body}"'


def _requote(match: re.Match[str]) -> str:
    """One escape sequence or `"` of a single-quoted literal, for double quotes."""
    if match[0] == '"':
        return '\\"'
    return "'" if match[0] == "\\'" else match[0]


def yaml_str(value: Any) -> str:
    """A YAML double-quoted scalar, written by PyYAML's dumper, on one line."""
    text = yaml.safe_dump(str(value), default_style='"', width=float("inf"))
    return text.removesuffix("\n").removesuffix("\n...")


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
