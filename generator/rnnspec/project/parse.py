"""How a copier answer reads: every answer may arrive as text, so lists, integers,
booleans and "none" are read here, one way for every question.

An integer is ASCII digits only (not `²`, `٦٤` or `１２`, which `int()` would take).
"""

from __future__ import annotations

import re
from typing import Any

NONE_WORDS = ("", "none", "null", "~")  # YAML's nulls, and no answer
# Digits read at most: a guard for int(), which refuses 4,300 digits and more.
MAX_DIGITS = 18
TRUE_WORDS = ("true", "yes", "y", "1", "on")


def split_list(value: Any) -> list[str]:
    """`lstm,gru`, `lstm gru`, `[lstm, gru]` or a real list -> ['lstm', 'gru']."""
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    text = re.sub(r"[\[\]'\"]", " ", str(value))
    return [item for item in re.split(r"[\s,]+", text) if item]


def ascii_int(text: str) -> int | None:
    """`text` as an int when it is only ASCII digits (not `²` or `٦٤`), else None."""
    return int(text) if re.fullmatch(f"[0-9]{{1,{MAX_DIGITS}}}", text) else None


def truthy(value: Any) -> bool:
    """A yes/no answer: a bool, or text such as `true`, `yes` or `on`."""
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return bool(value)


def is_none(value: Any) -> bool:
    """Whether the answer says "none" (or nothing)."""
    return value is None or str(value).strip().lower() in NONE_WORDS
