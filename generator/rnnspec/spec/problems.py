"""What a bad spec is reported as: one `Problem` per mistake (file:line:column, key
path, message), raised together as a `SpecError`. Apart from the loader (rnnspec/read/load.py),
so that reporting one needs no spec model. `did_you_mean` is the one place a message
gets its suggestion for a misspelt key, type, value or name."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

EXCERPT_WIDTH = 100  # characters of a long source line shown around the column


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: int
    path: str
    message: str
    source: str | None = None  # the line a syntax error is on, shown with a caret

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return (
            f"{where}: {self.path}: {self.message}"
            if self.path
            else f"{where}: {self.message}"
        )

    def shown(self) -> str:
        """The problem's line, then (for a syntax error) its source line with a caret
        under the column, as ruff and rustc show one."""
        if self.source is None:
            return str(self)
        return f"{self}\n{excerpt(self.source, self.line, self.column)}"


class SpecError(Exception):
    """One or more problems with a spec file; `str()` gives one line per problem,
    `report()` adds the source line and a caret under each syntax error."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems

    def report(self) -> str:
        return "\n".join(problem.shown() for problem in self.problems)


def close_match(word: object, choices: Iterable[str]) -> str | None:
    """The choice `word` most likely misspells (difflib), a difference of case first
    (`LSTM` -> `lstm`); None if none is close or `word` is no string."""
    if not isinstance(word, str):
        return None
    by_lower = {choice.lower(): choice for choice in choices}
    if word.lower() in by_lower:
        return by_lower[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=1)
    return by_lower[found[0]] if found else None


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`did you mean 'lstm'?` where a choice is close to `word`, else ""."""
    match = close_match(word, choices)
    return "" if match is None or match == word else f"did you mean {match!r}?"


def hinted(message: str, word: object, choices: Iterable[str]) -> str:
    """`message`, then `; did you mean ...?` where a choice is close to `word`."""
    hint = did_you_mean(word, choices)
    return f"{message}; {hint}" if hint else message


def excerpt(source: str, line: int, column: int) -> str:
    """Two lines: `  5 | <the line>` and a caret under `column` (1-based, characters),
    with tabs and wide characters lined up, control characters shown as `?` (one
    problem never breaks a terminal's lines) and a long line cut around the column."""
    start = max(0, min(column - 1 - EXCERPT_WIDTH // 2, len(source) - EXCERPT_WIDTH))
    shown = source[start : start + EXCERPT_WIDTH]
    before = shown[: column - 1 - start]
    text = "".join(_shown(char) for char in shown)
    pad = " " * (sum(map(_width, before)) + column - 1 - start - len(before))
    cut_left = "..." if start > 0 else ""
    cut_right = "..." if start + EXCERPT_WIDTH < len(source) else ""
    number = str(line)
    return (
        f"  {number} | {cut_left}{text}{cut_right}".rstrip() + "\n"
        f"  {' ' * len(number)} | {' ' * len(cut_left)}{pad}^"
    )


def _shown(char: str) -> str:
    """A tab as four spaces, a control character as `?`, any other as itself."""
    if char == "\t":
        return "    "
    return char if char.isprintable() else "?"


def _width(char: str) -> int:
    """The columns a terminal gives the character as `_shown` shows it."""
    if char == "\t":
        return 4
    if char.isprintable() and unicodedata.east_asian_width(char) in "WF":
        return 2
    return 1
