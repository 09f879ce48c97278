"""Targets: what a model plan is rendered for, and what runs its modules.

A target is a folder here: `templates/` with `module.py.jinja` (the one module
template) and its partials, and an `__init__.py` whose `TARGET` names the modules the
smoke worker imports before it runs generated modules. The API, the CLI, the copier
glue and the docs reach a target only through `get_target` and `Target.render`, so a
second target is a new folder here, its golden files and its tests. A target may fall
back to another's templates (`Target.base`): its own folder then holds only the
partials that differ (tf_keras overrides keras3's ops.jinja and stateful.jinja).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

    from ...plan.model import ModelPlan

DEFAULT = "keras3"
NAMES = ("keras3", "tf_keras")


@dataclass(frozen=True)
class Target:
    name: str
    templates: str  # the package whose templates/ folder holds its templates
    preload: tuple[str, ...]  # what the smoke worker imports once, before forking
    base: str | None = None  # the package whose templates fill in what this lacks

    def render(self, plan: ModelPlan, cache: bool = True) -> str:
        """The module's source, not yet formatted; `cache`: keep compiled templates."""
        packages = (self.templates, *([self.base] if self.base else []))
        template = _environment(packages, cache).get_template("module.py.jinja")
        return template.render(plan=plan)


def get_target(name: str = DEFAULT) -> Target:
    """The target called `name`: one of NAMES."""
    if name not in NAMES:
        raise ValueError(f"unknown target {name!r}: expected one of {', '.join(NAMES)}")
    return import_module(f".{name}", __name__).TARGET


@cache
def _environment(packages: tuple[str, ...], cached: bool) -> jinja2.Environment:
    """A target's jinja2 environment (rnnspec/render/templating.py's settings): a template
    is looked up in each package's templates/ in turn, the target's own first."""
    import jinja2

    from ..templating import strict_environment

    loader = jinja2.ChoiceLoader(
        [jinja2.PackageLoader(package, "templates") for package in packages]
    )
    return strict_environment(loader, _compiled() if cached else None)


def _compiled() -> jinja2.BytecodeCache:
    """Compiled templates kept in the cache folder (rnnspec/render/cache.py), so they compile
    once, not on every run (about a third of a render whose module is not kept); a bad
    entry is compiled again. jinja2 loads them with pickle and marshal, that is runs
    them: they are read only through cache.read, which trusts no folder or entry that
    anyone but this user could have written."""
    import jinja2

    from .. import cache

    def folder() -> Path | None:  # looked up on each use: the environment may change
        tag = f"jinja-{jinja2.__version__}-{sys.implementation.cache_tag}"
        return base / tag if (base := cache.root()) else None

    class Compiled(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if (where := folder()) and (data := cache.read(where, bucket.key)):
                try:
                    bucket.bytecode_from_string(data)
                except Exception:  # noqa: BLE001 - whatever is wrong: compile again
                    bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if where := folder():
                cache.write(where, bucket.key, bucket.bytecode_to_string())

    return Compiled()
