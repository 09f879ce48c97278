"""rnnspec: Keras recurrent models from a declarative spec.

The pipeline, a folder per stage, each importing only the stages below it:
read (spec file -> checked Spec, rnnspec/read/), spec (the user's words, and
`normalise`: either form -> one ModelSpec, rnnspec/spec/), check (the rules across keys
and blocks, and the shapes they compute, rnnspec/check/), plan (-> ModelPlan,
rnnspec/plan/), render (-> source with a target's templates, black-formatted, cached:
rnnspec/render/), run (smoke-test it, rnnspec/run/); docs/ and project/ (copier) use
them, cli/ is on top; cells.py is the cell registry. TensorFlow is imported only by
run's worker and by the generated modules. Each step is imported when first used, and
`render_spec` (rnnspec/render/from_file.py) takes an unchanged spec file's module from
the cache without loading any.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .render.format import format_source
    from .render.from_file import render_spec
    from .read.load import load_spec
    from .spec.normalise import ModelSpec, normalise
    from .plan.model import ModelPlan, make_plan
    from .spec.problems import SpecError
    from .render.module import plan_spec, render_module
    from .render.source import render_source
    from .check.checked import GraphSpec, Spec

# The one place the version is written (pyproject.toml reads it; `make release` bumps
# it): MAJOR.MINOR.PATCH, semantic versioning (README.md, "Releases").
__version__ = "0.1.0"

__all__ = [
    "__version__",
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
    "GraphSpec": "check.checked",
    "ModelPlan": "plan.model",
    "ModelSpec": "spec.normalise",
    "Spec": "check.checked",
    "SpecError": "spec.problems",
    "format_source": "render.format",
    "load_spec": "read.load",
    "make_plan": "plan.model",
    "normalise": "spec.normalise",
    "plan_spec": "render.module",
    "render_module": "render.module",
    "render_source": "render.source",
    "render_spec": "render.from_file",
}


def __getattr__(name: str) -> Any:
    """The steps' names, each imported on first use: `rnnspec render` of a cached spec
    imports none of pydantic, jinja2 and black."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'rnnspec' has no attribute {name!r}")
    return getattr(import_module(f".{_MODULE_OF[name]}", __name__), name)
