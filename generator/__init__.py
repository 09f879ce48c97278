"""rnnspec: Keras recurrent models from a declarative spec.

The pipeline, one step a module: load (spec file -> Spec), plan (Spec -> Plan),
render (Plan -> source), format (source -> black-formatted module), verify (run it).
TensorFlow is imported only by `verify`'s worker and by the generated modules.
"""

from .format import format_source
from .graph import GraphPlan, make_graph_plan
from .load import SpecError, load_spec
from .plan import Plan, make_plan
from .render import render_source
from .spec import GraphSpec, Spec

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


def plan_spec(spec: Spec | GraphSpec) -> Plan | GraphPlan:
    """The plan of either form of spec."""
    return make_graph_plan(spec) if isinstance(spec, GraphSpec) else make_plan(spec)


def render_module(spec: Spec | GraphSpec) -> str:
    """The generated module for a checked spec: planned, rendered and formatted."""
    return format_source(render_source(plan_spec(spec)))


def render_spec(path: str) -> str:
    """The generated module for a spec file; raises SpecError on a bad spec."""
    return render_module(load_spec(path))
