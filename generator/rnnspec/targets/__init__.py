"""Targets: what a model plan is rendered for, and what runs its modules.

A target is a folder here: `templates/` with `module.py.jinja` (the one module
template) and its partials, and an `__init__.py` whose `TARGET` names the modules the
smoke worker imports before it runs generated modules. The API, the CLI, the copier
glue and the docs reach a target only through `get_target` and `Target.render`, so a
second target is a new folder here, its golden files and its tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

    from ..plan import ModelPlan

DEFAULT = "keras3"
NAMES = ("keras3",)


@dataclass(frozen=True)
class Target:
    name: str
    templates: str  # the package whose templates/ folder holds its templates
    preload: tuple[str, ...]  # what the smoke worker imports once, before forking

    def render(self, plan: ModelPlan) -> str:
        """The module's source, not yet formatted."""
        template = _environment(self.templates).get_template("module.py.jinja")
        return template.render(plan=plan)


def get_target(name: str = DEFAULT) -> Target:
    """The target called `name`: one of NAMES."""
    if name not in NAMES:
        raise ValueError(f"unknown target {name!r}: expected one of {', '.join(NAMES)}")
    return import_module(f".{name}", __name__).TARGET


@cache
def _environment(package: str) -> jinja2.Environment:
    """A target's jinja2 environment; `py` (repr) is the only way a value becomes code."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = repr
    return env
