"""A JSON reader (RFC 8259) that records where each key and value starts.

The standard library's `json` gives no positions, so this walks the text itself,
reusing `json.decoder.scanstring` for strings. Duplicate keys, NaN and Infinity,
integers past `MAX_INT_DIGITS` digits and nesting past `MAX_DEPTH` are refused.
"""

from __future__ import annotations

import re
from json.decoder import JSONDecodeError, scanstring
from typing import Any

from .marks import (
    EMPTY,
    MAX_INT_DIGITS,
    Budget,
    Lines,
    Marks,
    TextProblem,
    check_depth,
    check_float,
    check_string,
    too_large,
)
from ..spec.limits import Path

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_WORDS = {"true": True, "false": False, "null": None}


def read_json(text: str) -> tuple[Any, Marks]:
    """Plain data and marks for a JSON text; `TextProblem` for anything refused."""
    reader = _Reader(text)
    try:
        start = reader.skip(0)
        if start == len(text):
            raise TextProblem((1, 1), EMPTY)
        data, end = reader.value(start, (), 0)
        if reader.skip(end) != len(text):
            raise reader.invalid(reader.skip(end), "Extra data")
    except JSONDecodeError as exc:  # from scanstring
        raise TextProblem(
            (exc.lineno, exc.colno), f"not valid JSON: {exc.msg}", syntax=True
        )
    return data, reader.marks


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = Lines(text)
        self.marks = Marks({}, {})
        self.budget = Budget()

    def skip(self, index: int) -> int:
        return _SPACE.match(self.text, index).end()  # type: ignore[union-attr]

    def invalid(self, index: int, message: str) -> TextProblem:
        return TextProblem(
            self.lines.mark(index), f"not valid JSON: {message}", syntax=True
        )

    def value(self, index: int, path: Path, depth: int) -> tuple[Any, int]:
        """The value starting at `index` and the index just after it."""
        text, mark = self.text, self.lines.mark(index)
        self.marks.values[path] = mark
        self.budget.add(1, mark, path)
        char = text[index : index + 1]
        if char in ("{", "["):
            check_depth(depth + 1, mark)
            return (self.object if char == "{" else self.array)(index, path, depth + 1)
        if char == '"':
            string, end = scanstring(text, index + 1, True)
            check_string(string, mark, path)
            return string, end
        if number := _NUMBER.match(text, index):
            return self.number(number, mark, path), number.end()
        for word, value in _WORDS.items():
            if text.startswith(word, index):
                return value, index + len(word)
        if text.startswith(("NaN", "Infinity", "-Infinity"), index):
            raise self.invalid(index, "NaN and Infinity are not JSON numbers")
        raise self.invalid(index, "Expecting value")

    def number(self, found: re.Match[str], mark: tuple[int, int], path: Path) -> Any:
        text = found.group()
        if found[1] is None and found[2] is None:
            if len(text.lstrip("-")) > MAX_INT_DIGITS:  # before int(): no huge numbers
                raise TextProblem(mark, too_large(text), path)
            return int(text)
        value = float(text)
        check_float(value, text, mark, path)
        return value

    def object(self, index: int, path: Path, depth: int) -> tuple[Any, int]:
        text = self.text
        result: dict[str, Any] = {}
        index = self.skip(index + 1)
        if text[index : index + 1] == "}":
            return result, index + 1
        while True:
            if text[index : index + 1] != '"':
                raise self.invalid(
                    index, "Expecting property name enclosed in double quotes"
                )
            mark = self.lines.mark(index)
            key, index = scanstring(text, index + 1, True)
            check_string(key, mark, path)
            if key in result:
                raise TextProblem(mark, "duplicate key", path + (key,))
            self.marks.keys[path + (key,)] = mark
            self.budget.add(1, mark, path + (key,))
            index = self.skip(index)
            if text[index : index + 1] != ":":
                raise self.invalid(index, "Expecting ':' delimiter")
            result[key], index = self.value(self.skip(index + 1), path + (key,), depth)
            index = self.skip(index)
            if text[index : index + 1] == "}":
                return result, index + 1
            if text[index : index + 1] != ",":
                raise self.invalid(index, "Expecting ',' delimiter")
            index = self.skip(index + 1)

    def array(self, index: int, path: Path, depth: int) -> tuple[Any, int]:
        text = self.text
        result: list[Any] = []
        index = self.skip(index + 1)
        if text[index : index + 1] == "]":
            return result, index + 1
        while True:
            item, index = self.value(index, path + (len(result),), depth)
            result.append(item)
            index = self.skip(index)
            if text[index : index + 1] == "]":
                return result, index + 1
            if text[index : index + 1] != ",":
                raise self.invalid(index, "Expecting ',' delimiter")
            index = self.skip(index + 1)
