"""rnnspec: Keras recurrent models from a declarative spec.

The pipeline, one step a module: load (spec file -> Spec, rnnspec/load.py), normalise
(either form -> one ModelSpec, rnnspec/normalise.py), plan (-> ModelPlan,
rnnspec/plan.py), render (-> source, with a target's templates: rnnspec/targets/),
format (-> black-formatted module, rnnspec/format.py; kept by rnnspec/cache.py),
verify (run it, rnnspec/verify.py). TensorFlow is imported only by `verify`'s worker
and by the generated modules. Each step is imported when first used, and
`render_spec` (rnnspec/from_file.py) takes an unchanged spec file's module from the
cache without loading any.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .format import format_source
    from .from_file import render_spec
    from .load import load_spec
    from .normalise import ModelSpec, normalise
    from .plan import ModelPlan, make_plan
    from .problems import SpecError
    from .render import render_source
    from .checked import GraphSpec, Spec

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
_MODULE_OF = {
    "GraphSpec": "checked",
    "ModelPlan": "plan",
    "ModelSpec": "normalise",
    "Spec": "checked",
    "SpecError": "problems",
    "format_source": "format",
    "load_spec": "load",
    "make_plan": "plan",
    "normalise": "normalise",
    "render_source": "render",
    "render_spec": "from_file",
}


def __getattr__(name: str) -> Any:
    """The steps' names, each imported on first use: `rnnspec render` of a cached spec
    imports none of pydantic, jinja2 and black."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'rnnspec' has no attribute {name!r}")
    return getattr(import_module(f".{_MODULE_OF[name]}", __name__), name)


def plan_spec(spec: Spec | GraphSpec | ModelSpec) -> ModelPlan:
    """The plan of a checked spec of either form."""
    from .plan import make_plan

    return make_plan(spec)


def render_module(
    spec: Spec | GraphSpec | ModelSpec, target: str = "keras3", cache: bool = True
) -> str:
    """The generated module for a checked spec: planned, rendered and formatted.

    With `cache` (and RNNSPEC_NO_CACHE unset), black's output per top-level part and the
    compiled templates are kept in the user's cache folder (rnnspec/cache.py).
    """
    from .cache import formatted
    from .normalise import ModelSpec
    from .render import render_source
    from .target_rules import check_target

    if not isinstance(spec, ModelSpec):
        check_target(spec, target)  # raises RuleError (load_spec: SpecError, placed)
    source = render_source(plan_spec(spec), target, cache)
    return formatted(source, cache)
