"""rnnspec: Keras recurrent models from a declarative spec.

The pipeline, one step a module: load (spec file -> Spec), plan (Spec -> Plan),
render (Plan -> source), format (source -> black-formatted module), verify (run it).
TensorFlow is imported only by `verify`'s worker and by the generated modules.
The later steps are imported when first used: the spec layer stands on its own.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .load import SpecError, load_spec
from .spec import GraphSpec, Spec

if TYPE_CHECKING:
    from .format import format_source
    from .graph import GraphPlan, make_graph_plan
    from .plan import Plan, make_plan
    from .render import render_source

__all__ = [
    "GraphPlan",
    "GraphSpec",
    "Plan",
    "Spec",
    "SpecError",
    "load_spec",
    "make_graph_plan",
    "make_plan",
    "plan_spec",
    "render_module",
    "render_spec",
    "render_source",
    "format_source",
]
_LATER = {
    "format_source": "format",
    "GraphPlan": "graph",
    "make_graph_plan": "graph",
    "Plan": "plan",
    "make_plan": "plan",
    "render_source": "render",
}


def __getattr__(name: str) -> Any:
    """The plan, render and format steps' names, imported on first use."""
    if name not in _LATER:
        raise AttributeError(f"module 'generator' has no attribute {name!r}")
    return getattr(import_module(f".{_LATER[name]}", __name__), name)


def plan_spec(spec: Spec | GraphSpec) -> Plan | GraphPlan:
    """The plan of either form of spec."""
    from .graph import make_graph_plan
    from .plan import make_plan

    return make_graph_plan(spec) if isinstance(spec, GraphSpec) else make_plan(spec)


def render_module(spec: Spec | GraphSpec) -> str:
    """The generated module for a checked spec: planned, rendered and formatted."""
    from .format import format_source
    from .render import render_source

    return format_source(render_source(plan_spec(spec)))


def render_spec(path: str) -> str:
    """The generated module for a spec file; raises SpecError on a bad spec."""
    return render_module(load_spec(path))
