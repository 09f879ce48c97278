"""What the three spec readers share: marks, limits, and the checks every value gets.

A reader turns text into plain data (dicts, lists, str, int, float, bool, None) and
`Marks`, and raises `TextProblem` for anything it refuses, before the spec model sees it.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..spec.limits import Path

Mark = tuple[int, int]  # 1-based line and column

MAX_DEPTH = 64  # nested mappings and lists
MAX_NODES = 10_000  # keys and values, counting every use of a YAML alias in full
MAX_INT_DIGITS = 18
MAX_INT = 10**MAX_INT_DIGITS - 1
EMPTY = "the spec is empty; expected a mapping with name, input and cells"


@dataclass
class Marks:
    """Where each key and value of a spec file starts."""

    values: dict[Path, Mark]
    keys: dict[Path, Mark]

    def find(self, path: Path, *, key: bool = False) -> Mark:
        """The mark of `path`, or of its nearest ancestor that has one."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return (1, 1)


class TextProblem(Exception):
    """A reader refuses the text at `mark`; the loader adds the file name (and, for a
    `syntax` error, the line it is on)."""

    def __init__(
        self, mark: Mark, message: str, path: Path = (), *, syntax: bool = False
    ) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message
        self.path = path
        self.syntax = syntax


class Budget:
    """Counts the keys and values a reader builds and stops it past `MAX_NODES`."""

    def __init__(self) -> None:
        self.nodes = 0

    def add(
        self, count: int, mark: Mark, path: Path = (), *, alias: bool = False
    ) -> None:
        self.nodes += count
        if self.nodes > MAX_NODES:
            why = (
                f"this alias takes it past {MAX_NODES:,} keys and values "
                "(an alias counts everything it repeats)"
                if alias
                else f"more than {MAX_NODES:,} keys and values"
            )
            raise TextProblem(mark, f"the spec is too large: {why}", path)


def check_depth(depth: int, mark: Mark) -> None:
    """`depth` counts the mappings and lists around a value, itself included."""
    if depth > MAX_DEPTH:
        raise TextProblem(mark, f"nested deeper than {MAX_DEPTH} levels")


def check_int(value: int, text: str, mark: Mark, path: Path) -> None:
    if abs(value) > MAX_INT:
        raise TextProblem(mark, too_large(text), path)


def too_large(text: str) -> str:
    """The message for an integer with too many digits (`text` as written)."""
    shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text):,} characters)"
    return f"must be an integer of at most {MAX_INT_DIGITS} digits, got {shown}"


def check_float(value: float, text: str, mark: Mark, path: Path) -> None:
    if not math.isfinite(value):
        shown = text if len(text) <= 24 else f"{text[:20]}..."
        raise TextProblem(mark, f"must be a finite number, got {shown}", path)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def check_string(value: str, mark: Mark, path: Path) -> None:
    """Escapes such as \\ud800 give strings that no UTF-8 file can hold."""
    if _SURROGATE.search(value):
        raise TextProblem(
            mark, "must be valid Unicode text, got a lone surrogate escape", path
        )


def describe(value: Any) -> str:
    """The value found, as the user would write it (long strings cut short)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value)
    return f'{text[:60]}..."' if isinstance(value, str) and len(text) > 64 else text


class Lines:
    """Line and column of a character index, for readers that only know indexes."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def mark(self, index: int) -> Mark:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1
