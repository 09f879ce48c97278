"""A checked spec's module: planned, rendered with a target's templates and formatted
(what comes after loading; rnnspec/render/from_file.py starts from a spec file)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..check.target_rules import check_target
from ..plan.model import ModelPlan, make_plan
from ..spec.normalise import ModelSpec
from .cache import formatted
from .source import render_source

if TYPE_CHECKING:
    from ..check.checked import GraphSpec, Spec


def plan_spec(spec: Spec | GraphSpec | ModelSpec) -> ModelPlan:
    """The plan of a checked spec of either form."""
    return make_plan(spec)


def render_module(
    spec: Spec | GraphSpec | ModelSpec, target: str = "keras3", cache: bool = True
) -> str:
    """The generated module for a checked spec: planned, rendered and formatted.

    With `cache` (and RNNSPEC_NO_CACHE unset), black's output per top-level part and the
    compiled templates are kept in the user's cache folder (rnnspec/render/cache.py).
    """
    if not isinstance(spec, ModelSpec):
        check_target(spec, target)  # raises RuleError (load_spec: SpecError, placed)
    return render_checked(spec, target, cache)


def render_checked(
    spec: Spec | GraphSpec | ModelSpec, target: str, cache: bool = True
) -> str:
    """The module for a spec checked for `target` already (`load_spec(file, target)`):
    planned, rendered and formatted, no rule checked again."""
    return formatted(render_source(plan_spec(spec), target, cache), cache)
