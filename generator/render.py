"""Render a plan into Python source with jinja2 templates that only lay it out."""

from __future__ import annotations

from functools import cache

import jinja2

from .graph import GraphPlan
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


def render_source(plan: Plan | GraphPlan) -> str:
    """The module's source, not yet formatted: one template per form of spec."""
    template = "graph.py.jinja" if isinstance(plan, GraphPlan) else "module.py.jinja"
    return environment().get_template(template).render(plan=plan)
