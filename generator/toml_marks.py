"""TOML: `tomllib` reads the values, the lines give the marks.

`tomllib` recurses once per nested array or inline table, so nesting is measured on
the text first; its values are then checked like the other formats': no dates or
times, integers of at most `MAX_INT_DIGITS` digits, finite floats, bounded size.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from typing import Any

from .marks import (
    MAX_DEPTH,
    Budget,
    Lines,
    Marks,
    TextProblem,
    check_depth,
    check_float,
    check_int,
    too_large,
)
from .spec import Path


def read_toml(text: str) -> tuple[Any, Marks]:
    """Plain data and marks for a TOML text; `TextProblem` for anything refused."""
    long_number = _scan(text)
    marks = _toml_marks(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        mark = (int(found[1]), int(found[2])) if found else (1, 1)
        raise TextProblem(
            mark, f"not valid TOML: {str(exc).split(' (at')[0]}"
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
        for key, item in items:
            if isinstance(key, str):
                budget.add(1, marks.find(path + (key,), key=True), path + (key,))
            _check(item, path + (key,), depth + 1, marks, budget)
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


_BARE = r"[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*"  # a bare key, maybe dotted
_TOML_TABLE = re.compile(rf"^\s*(\[\[?)\s*({_BARE})\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(rf"^(\s*)({_BARE})\s*=\s*")


def _toml_marks(text: str) -> Marks:
    """Marks for TOML, read off the lines: tables, arrays of tables and `key = value`."""
    marks = Marks({(): (1, 1)}, {})
    table: Path = ()
    counts: dict[Path, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _TOML_TABLE.match(line):
            table = _dotted(header[2])
            if header[1] == "[[":
                counts[table] = counts.get(table, -1) + 1
                table = table + (counts[table],)
            marks.values[table] = (number, header.start(2) + 1)
        elif key := _TOML_KEY.match(line):
            path = table + _dotted(key[2])
            for end in range(
                len(table) + 1, len(path)
            ):  # the tables a dotted key makes
                marks.values.setdefault(path[:end], (number, len(key[1]) + 1))
            marks.keys[path] = (number, len(key[1]) + 1)
            marks.values[path] = (number, key.end() + 1)
    return marks


def _dotted(key: str) -> Path:
    return tuple(part.strip() for part in key.split("."))
