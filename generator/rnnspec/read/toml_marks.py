"""TOML: `tomllib` reads the values, a scanner of the text gives the marks.

`tomllib` recurses once per nested array or inline table, so nesting is measured on
the text first; its values are then checked like the other formats': no dates or
times, integers of at most `MAX_INT_DIGITS` digits, finite floats, bounded size.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from .marks import (
    MAX_DEPTH,
    MAX_NODES,
    Budget,
    Lines,
    Mark,
    Marks,
    TextProblem,
    check_depth,
    check_float,
    check_int,
    too_large,
)
from ..spec.limits import Path
from .toml_lexer import Part, key, line_end, scalar_end, skip_blank, skip_space


def read_toml(text: str) -> tuple[Any, Marks]:
    """Plain data and marks for a TOML text; `TextProblem` for anything refused."""
    long_number = _scan(text)
    walker = _Walker(text)
    marks = walker.walk()
    if walker.too_deep:  # before tomllib, which takes quadratic time on such keys
        check_depth(MAX_DEPTH + 1, walker.too_deep)
    if walker.too_large:  # what `_check` would find, found before tomllib's work
        Budget().add(MAX_NODES + 1, *walker.too_large)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        mark = (int(found[1]), int(found[2])) if found else (1, 1)
        raise TextProblem(
            mark, f"not valid TOML: {str(exc).split(' (at')[0]}", syntax=True
        ) from None
    except ValueError:  # int() refuses thousands of digits
        index, digits = long_number or (0, "a huge number")
        mark = Lines(text).mark(index)
        path = next((path for path, at in marks.values.items() if at == mark), ())
        raise TextProblem(mark, too_large(digits), path) from None
    except RecursionError:  # _scan missed some nesting: still no traceback
        raise TextProblem((1, 1), f"nested deeper than {MAX_DEPTH} levels") from None
    _check(data, (), 0, marks, Budget())
    return data, marks


_TOKENS = re.compile(  # an unclosed string runs to the end of its line or text
    r"""
    (?P<skip>\#[^\n]*                                        # a comment
      | \"\"\"(?:[^"\\]|\\.?|"(?!""))*+(?:"{3,5}|\Z)          # strings
      | '''.*?(?:'{3,5}|\Z)
      | "(?:[^"\\\n]|\\.?)*+(?:"|(?=\n)|\Z)
      | '[^'\n]*+(?:'|(?=\n)|\Z))
    | (?P<open>[\[{]) | (?P<close>[\]}])
    | (?P<digits>[0-9][0-9_]*)
    """,
    re.VERBOSE | re.DOTALL,
)


def _scan(text: str) -> tuple[int, str] | None:
    """Refuse nesting past `MAX_DEPTH`; where the first integer too long for int() is."""
    depth, long_number = 1, None  # the top-level table is level 1
    lines = Lines(text)
    for token in _TOKENS.finditer(text):
        if token["open"]:
            depth += 1
            check_depth(depth, lines.mark(token.start()))
        elif token["close"]:
            depth = max(depth - 1, 1)
        elif token["digits"] and long_number is None:
            if len(token["digits"].replace("_", "")) > 4000:
                long_number = (token.start(), token["digits"])
    return long_number


def _check(value: Any, path: Path, depth: int, marks: Marks, budget: Budget) -> None:
    """What tomllib gives that the other formats cannot: dates, huge numbers, nesting."""
    mark = marks.find(path)
    budget.add(1, mark, path)
    if isinstance(value, (dict, list)):
        check_depth(depth + 1, mark)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for name, item in items:
            if isinstance(name, str):
                budget.add(1, marks.find(path + (name,), key=True), path + (name,))
            _check(item, path + (name,), depth + 1, marks, budget)
    elif isinstance(value, (datetime.date, datetime.time)):
        raise TextProblem(
            mark,
            "must be a string, a number, true, false or null, got a date or time "
            f"({value.isoformat()}); quote it to make it a string",
            path,
        )
    elif isinstance(value, int) and not isinstance(value, bool):
        shown = str(value) if value.bit_length() < 14_000 else "a huge number"
        check_int(value, shown, mark, path)
    elif isinstance(value, float):
        check_float(value, str(value), mark, path)


class _Walker:
    """Marks for TOML: every key where it is written, every value where it starts.

    Reads statements (headers and `key = value` lines) and follows TOML's tables. A
    table's value mark is where its header's key starts (or its dotted key's); the
    tables a header or dotted key only implies keep the mark of their first mention.
    Keys that name a path deeper than `MAX_DEPTH` allows are cut short and the first
    one's start kept in `too_deep`; past `MAX_NODES` keys and values it stops.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = Lines(text)
        self.marks = Marks({(): (1, 1)}, {})
        self.table: Path = ()
        self.arrays: dict[Path, int] = {}  # arrays of tables: how many elements so far
        self.too_deep: Mark | None = None
        self.too_large: tuple[Mark, Path] | None = None  # the node past MAX_NODES

    def walk(self) -> Marks:
        text, index = self.text, 0
        while not self.too_large and (index := skip_blank(text, index)) < len(text):
            if text[index] == "[":
                index = self.header(index)
            else:
                parts, after = key(text, index)
                after = skip_space(text, after)
                if parts and text[after : after + 1] == "=":
                    path = self.keys(self.table, parts)
                    index = self.value(skip_space(text, after + 1), path)
            index = line_end(text, index)
        return self.marks

    def note(
        self, marks: dict[Path, Mark], path: Path, mark: Mark, *, first: bool = False
    ) -> None:
        """Mark a key or value (`first`: unless it has a mark); count the new ones."""
        if path not in marks:
            if len(self.marks.values) + len(self.marks.keys) >= MAX_NODES:
                self.too_large = self.too_large or (mark, path)
        elif first:
            return
        marks[path] = mark

    def header(self, index: int) -> int:
        """`[a.b]` or `[[a.b]]`: where the lines below it belong."""
        text = self.text
        is_array = text.startswith("[[", index)
        parts, index = key(text, index + (2 if is_array else 1))
        if not parts:
            return index
        start = self.lines.mark(parts[0][1])
        path: Path = ()
        for number, (name, at) in enumerate(parts, start=1):
            if len(path) > MAX_DEPTH:  # deeper is refused anyway: stay linear
                break
            path += (name,)
            self.note(self.marks.keys, path, self.lines.mark(at), first=True)
            if number < len(parts) or is_array:
                self.note(self.marks.values, path, start, first=True)
            if number < len(parts) and path in self.arrays:  # its last element
                path += (self.arrays[path] - 1,)
        if is_array:
            self.arrays[path] = self.arrays.get(path, 0) + 1
            path += (self.arrays[path] - 1,)
        self.note(self.marks.values, path, start)
        self.table = path
        if len(path) >= MAX_DEPTH and self.too_deep is None:  # a table: a level more
            self.too_deep = start
        close = "]]" if is_array else "]"
        return index + len(close) if text.startswith(close, index) else index

    def keys(self, table: Path, parts: list[Part]) -> Path:
        """Marks for the parts of a (dotted) key under `table`; the path it names."""
        start = self.lines.mark(parts[0][1])
        path = table
        for number, (name, at) in enumerate(parts, start=1):
            if len(path) > MAX_DEPTH:  # deeper is refused anyway: stay linear
                break
            path += (name,)
            if number < len(parts):
                self.note(self.marks.keys, path, self.lines.mark(at), first=True)
                self.note(self.marks.values, path, start, first=True)
            else:
                self.note(self.marks.keys, path, self.lines.mark(at))
        if len(path) > MAX_DEPTH and self.too_deep is None:
            self.too_deep = start
        return path

    def value(self, index: int, path: Path) -> int:
        """Marks for the value at `index` and all inside it; the index past it.

        Arrays and inline tables nest on a list, not on Python's stack."""
        text = self.text
        stack: list[_Open] = []
        want: Path | None = path  # the path of the value that comes next
        while True:
            if want is not None:
                self.note(self.marks.values, want, self.lines.mark(index))
                if self.too_large:
                    return index
                char = text[index : index + 1]
                if char in ("[", "{"):
                    if len(stack) >= MAX_DEPTH:  # `_scan` refuses this nesting
                        return index
                    stack.append(_Open(want, char == "["))
                    index += 1
                elif (end := scalar_end(text, index)) > index:
                    index = end
                else:  # not a value: not TOML
                    return index
                want = None
            if not stack:
                return index
            top = stack[-1]
            skip = skip_blank if top.is_array else skip_space
            index = skip(text, index)
            if top.items and text[index : index + 1] == ",":
                index = skip(text, index + 1)
            elif top.items and not text.startswith(top.close, index):
                return index  # no comma between two items: not TOML
            if text.startswith(top.close, index):
                stack.pop()
                index += 1
            elif top.is_array:
                want = top.path + (top.items,)
                top.items += 1
            else:
                parts, index = key(text, index)
                if not parts or text[index : index + 1] != "=":
                    return index
                want = self.keys(top.path, parts)
                top.items += 1
                index = skip_space(text, index + 1)


@dataclass
class _Open:
    """An array or inline table whose items are being read."""

    path: Path
    is_array: bool
    items: int = 0

    @property
    def close(self) -> str:
        return "]" if self.is_array else "}"
