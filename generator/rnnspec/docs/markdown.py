"""How values become Markdown: one line of free text, a fenced block, a state structure.

The pages' templates reach the first three through the docs environment's filters
(rnnspec/docs/environment.py); block_rows.py writes a block's state structure with
`nested`.
"""

from __future__ import annotations

import html
import re


def inline(text: str) -> str:
    """Free text for one Markdown line: whitespace collapsed, HTML escaped."""
    return html.escape(" ".join(text.split()), quote=False)


def code(text: object) -> str:
    """A name as inline code."""
    return f"`{text}`"


def fenced(text: str, info: str) -> list[str]:
    """A code block that `text` cannot close early, however many backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", *text.rstrip("\n").split("\n"), fence]


def nested(tree: object) -> str:
    """A state structure as `initial_state=` nests it: "[h, c]", "[[a, b], [c, d]]"."""
    if isinstance(tree, list):
        return "[" + ", ".join(map(nested, tree)) + "]"
    return tree.name  # type: ignore[attr-defined]
