"""The one way free text reaches each kind of file the template writes.

`python_str` for .py (a repr()'d literal), `toml_str` for .toml (a TOML basic
string), `markdown_text` for .md (markup characters backslash-escaped). No text can
break out of any of them; `package_name` is a checked identifier and needs none.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

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
