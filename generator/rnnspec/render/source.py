"""Render a model plan into Python source with a target's templates
(rnnspec/targets/NAME/templates/, then its base's)."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import jinja2

from .. import __version__
from . import cache as kept
from ..plan.model import ModelPlan
from ..targets import DEFAULT, get_target
from .templating import strict_environment


def render_source(plan: ModelPlan, target: str = DEFAULT, cache: bool = True) -> str:
    """The module's source for `target`, not yet formatted (`cache`: of compiled
    templates, rnnspec/render/cache.py); its header names rnnspec's version."""
    found = get_target(target)
    packages = (found.templates, *([found.base] if found.base else []))
    template = _environment(packages, cache).get_template("module.py.jinja")
    return template.render(plan=plan, own=plan.own, version=__version__)


@cache
def _environment(packages: tuple[str, ...], cached: bool) -> jinja2.Environment:
    """A target's jinja2 environment (rnnspec/render/templating.py's settings): a template
    is looked up in each package's templates/ in turn, the target's own first."""
    loader = jinja2.ChoiceLoader(
        [jinja2.PackageLoader(package, "templates") for package in packages]
    )
    return strict_environment(loader, _Compiled() if cached else None)


def _folder() -> Path | None:
    """Where compiled templates are kept; looked up on each use: the environment may
    change."""
    tag = f"jinja-{jinja2.__version__}-{sys.implementation.cache_tag}"
    return base / tag if (base := kept.root()) else None


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates kept in the cache folder (rnnspec/render/cache.py), so they
    compile once, not on every run (about a third of a render whose module is not
    kept); a bad entry is compiled again. jinja2 loads them with pickle and marshal,
    that is runs them: they are read only through cache.read, which trusts no folder
    or entry that anyone but this user could have written."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (where := _folder()) and (data := kept.read(where, bucket.key)):
            try:
                bucket.bytecode_from_string(data)
            except Exception:  # noqa: BLE001 - whatever is wrong: compile again
                bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if where := _folder():
            kept.write(where, bucket.key, bucket.bytecode_to_string())
