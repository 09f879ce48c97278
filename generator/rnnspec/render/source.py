"""Render a model plan into Python source with a target's templates."""

from __future__ import annotations

from ..plan.model import ModelPlan
from .targets import DEFAULT, get_target


def render_source(plan: ModelPlan, target: str = DEFAULT, cache: bool = True) -> str:
    """The module's source for `target`, not yet formatted (`cache`: of compiled
    templates, rnnspec/render/cache.py)."""
    return get_target(target).render(plan, cache)
