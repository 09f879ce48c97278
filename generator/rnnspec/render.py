"""Render a model plan into Python source with a target's templates."""

from __future__ import annotations

from .plan import ModelPlan
from .targets import DEFAULT, get_target


def render_source(plan: ModelPlan, target: str = DEFAULT) -> str:
    """The module's source for `target`, not yet formatted."""
    return get_target(target).render(plan)
