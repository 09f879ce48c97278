"""rnnspec: Keras recurrent models from a declarative spec.

The pipeline, one step a module: load (spec file -> Spec, rnnspec/load.py), normalise
(either form -> one ModelSpec, rnnspec/normalise.py), plan (-> ModelPlan,
rnnspec/plan.py), render (-> source, with a target's templates: rnnspec/targets/),
format (-> black-formatted module, rnnspec/format.py; kept by rnnspec/cache.py),
verify (run it, rnnspec/verify.py). TensorFlow is imported only by `verify`'s worker
and by the generated modules. The later steps are imported when first used: the spec
layer stands on its own.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .load import SpecError, load_spec
from .normalise import ModelSpec, normalise
from .spec import GraphSpec, Spec

if TYPE_CHECKING:
    from .format import format_source
    from .plan import ModelPlan, make_plan
    from .render import render_source

__all__ = [
    "GraphSpec",
    "ModelPlan",
    "ModelSpec",
    "Spec",
    "SpecError",
    "format_source",
    "load_spec",
    "make_plan",
    "normalise",
    "plan_spec",
    "render_module",
    "render_source",
    "render_spec",
]
_LATER = {
    "format_source": "format",
    "ModelPlan": "plan",
    "make_plan": "plan",
    "render_source": "render",
}


def __getattr__(name: str) -> Any:
    """The plan, render and format steps' names, imported on first use."""
    if name not in _LATER:
        raise AttributeError(f"module 'rnnspec' has no attribute {name!r}")
    return getattr(import_module(f".{_LATER[name]}", __name__), name)


def plan_spec(spec: Spec | GraphSpec | ModelSpec) -> ModelPlan:
    """The plan of a checked spec of either form."""
    from .plan import make_plan

    return make_plan(spec)


def render_module(
    spec: Spec | GraphSpec | ModelSpec, target: str = "keras3", cache: bool = True
) -> str:
    """The generated module for a checked spec: planned, rendered and formatted.

    With `cache` (and RNNSPEC_NO_CACHE unset), formatted modules and compiled templates
    are kept in the user's cache folder (rnnspec/cache.py): black runs once per source.
    """
    from .cache import formatted
    from .render import render_source
    from .target_rules import check_target
    from .targets import get_target

    if not isinstance(spec, ModelSpec):
        check_target(spec, target)  # raises RuleError (load_spec: SpecError, placed)
    source = render_source(plan_spec(spec), target, cache)
    return formatted(source, get_target(target).digest(), cache)


def render_spec(path: str, target: str = "keras3", cache: bool = True) -> str:
    """The generated module for a spec file; raises SpecError on a bad spec."""
    return render_module(load_spec(path, target), target, cache)
