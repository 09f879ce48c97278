"""Render a plan into Python source with jinja2 templates that only lay it out."""

from __future__ import annotations

from functools import cache

import jinja2

from .plan import Plan


@cache
def environment() -> jinja2.Environment:
    """The one jinja2 environment; `py` is the only way a value becomes code."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = repr
    return env


def render_source(plan: Plan) -> str:
    """The module's source, not yet formatted."""
    return environment().get_template("module.py.jinja").render(plan=plan)
