"""Format generated source with black, in-process, with fixed settings.

Black formats a module's top-level parts independently: each `def` or `class` (with its
decorators and the comments right above it) and each run of statements between them,
joined by two blank lines. So a module is formatted part by part, each part at most once
per process, and not at all when a `PartStore` (rnnspec/render/cache.py) has it: most parts
come from templates that do not depend on the spec. tests/unit/test_format.py checks that
the joined parts are black's output for the whole module, byte for byte.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import black

MEMO_LIMIT = 4096  # parts kept per process; past it the memo starts again
# Python reads an encoding from a comment like this on a file's first two lines: a
# part must not start with one that the whole module has further down ("# decoding: x").
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=]")

_formatted: dict[str, str] = {}


class PartStore(Protocol):
    def recall(self, part: str) -> str | None: ...
    def keep(self, part: str, formatted: str) -> None: ...


def format_source(source: str, store: PartStore | None = None) -> str:
    """Black-formatted source; the same input always gives the same bytes."""
    try:
        parts = top_level_parts(source)
    except SyntaxError:  # black says what is wrong, in its words
        return format_whole(source)
    return "\n\n".join(_format_part(part, store) for part in parts)


def format_whole(source: str) -> str:
    """black's output for the whole module in one call: what format_source equals."""
    import black

    return black.format_str(source, mode=mode())


@cache
def mode() -> black.Mode:
    import black

    return black.Mode(target_versions={black.TargetVersion.PY311}, line_length=88)


def top_level_parts(source: str) -> list[str]:
    """`source` cut before each top-level def or class and after each one."""
    lines = source.splitlines(keepends=True)
    cuts, after_def = [0], False
    for node in ast.parse(source).body:
        is_def = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if (is_def or after_def) and not _is_string(node):  # black: a docstring
            decorators = getattr(node, "decorator_list", [])
            start = min([node.lineno, *(item.lineno for item in decorators)]) - 1
            while start > 0 and lines[start - 1].startswith("#"):
                start -= 1  # the comments right above belong to it
            if not any(map(_COOKIE.match, lines[start : start + 2])):
                cuts.append(start)
        after_def = is_def
    cuts.append(len(lines))
    parts = ("".join(lines[start:end]) for start, end in zip(cuts, cuts[1:]))
    return [part for part in parts if part.strip()]


def _is_string(node: ast.stmt) -> bool:
    """A bare string, which black would take for a docstring at a part's start."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _format_part(part: str, store: PartStore | None) -> str:
    if (done := _formatted.get(part)) is None:
        if store is None or (done := store.recall(part)) is None:
            done = format_whole(part)
            if store is not None:
                store.keep(part, done)
        if len(_formatted) >= MEMO_LIMIT:
            _formatted.clear()
        _formatted[part] = done
    return done
