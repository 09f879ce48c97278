"""The pieces of TOML 1.0 syntax a position scanner needs, read at an index.

Each function takes the text and an index and gives the index just past what it
read; none raises, and each one consumes at least one character when it reads
anything, so a scanner built on them ends on any text. Values other than strings
(numbers, booleans, dates and times) are opaque: only where they end matters.
"""

from __future__ import annotations

import re

Part = tuple[str, int]  # one part of a (dotted) key and the index where it starts

_SPACE = re.compile(r"[ \t\r]*")
_BLANK = re.compile(r"(?:[ \t\r\n]|\#[^\n]*)*+")  # spaces, newlines and comments
_LINE_END = re.compile(r"[ \t\r]*(?:\#[^\n]*)?(?:\n|\Z)")
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_STRINGS = {  # an unclosed string ends at the end of its line (or of the text)
    '"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*+(?:"{3,5})?', re.DOTALL),
    "'''": re.compile(r"'''(?:[^']|'(?!''))*+(?:'{3,5})?"),
    '"': re.compile(r'"((?:[^"\\\n]|\\[^\n])*+)"?'),
    "'": re.compile(r"'([^'\n]*+)'?"),
}
_SCALAR = re.compile(  # numbers, booleans, dates and times; `date time` too
    r"[0-9A-Za-z_+.:-]+(?:(?<=[0-9]{4}-[0-9]{2}-[0-9]{2})[ ][0-9][0-9A-Za-z_+.:-]*)?"
)
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def skip_space(text: str, index: int) -> int:
    """Past spaces and tabs on the same line."""
    return _SPACE.match(text, index).end()  # type: ignore[union-attr]


def skip_blank(text: str, index: int) -> int:
    """Past spaces, newlines and comments (between the items of an array)."""
    return _BLANK.match(text, index).end()  # type: ignore[union-attr]


def line_end(text: str, index: int) -> int:
    """Past the rest of a statement's line: spaces, a comment, the newline.

    Anything else there is not TOML; it is skipped up to the next newline."""
    if end := _LINE_END.match(text, index):
        return end.end()
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def key(text: str, index: int) -> tuple[list[Part], int]:
    """The parts of a bare, quoted or dotted key (`a . "b c".d`) and the index past it.

    No parts if there is no key at `index`."""
    parts: list[Part] = []
    while True:
        index = skip_space(text, index)
        char = text[index : index + 1]
        if char in ('"', "'") and not text.startswith(char * 3, index):
            found = _STRINGS[char].match(text, index)
            assert found is not None  # the quote itself always matches
            name = _unescape(found[1]) if char == '"' else found[1]
        else:
            found = _BARE.match(text, index)
            if found is None:
                return parts, index
            name = found.group()
        parts.append((name, index))
        index = skip_space(text, found.end())
        if text[index : index + 1] != ".":
            return parts, index
        index += 1


def scalar_end(text: str, index: int) -> int:
    """Past a string, number, boolean, date or time; `index` itself if none is there."""
    for quotes in ('"""', "'''", '"', "'"):
        if text.startswith(quotes, index):
            return _STRINGS[quotes].match(text, index).end()  # type: ignore[union-attr]
    found = _SCALAR.match(text, index)
    return found.end() if found else index


def _unescape(body: str) -> str:
    """A basic string's escapes; one that is not TOML stays as written."""

    def one(escape: re.Match[str]) -> str:
        code = escape[1]
        if len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except (ValueError, OverflowError):
                return escape.group()
        return _ESCAPES.get(code, escape.group())

    return _ESCAPE.sub(one, body)
