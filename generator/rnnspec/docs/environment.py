"""The docs' one jinja2 environment: the page templates and the filters they write with.

Templates lay out the words; values reach the page only through `{{ }}` and these
filters: `md` (free text for one Markdown line, escaped), `code` (a name as inline code),
`fenced` (a code block that its text cannot close early), `py` (a Python literal,
rnnspec/render/templating.py's).
"""

from __future__ import annotations

from functools import cache

import jinja2

from ..render.templating import strict_environment
from .markdown import code, fenced, inline


def _fenced(text: str, info: str) -> str:
    return "\n".join(fenced(text, info))


@cache
def environment() -> jinja2.Environment:
    """The templates in rnnspec/docs/templates/, strict about undefined values."""
    env = strict_environment(jinja2.PackageLoader("rnnspec", "docs/templates"))
    env.filters["md"] = inline
    env.filters["code"] = code
    env.filters["fenced"] = _fenced
    return env
