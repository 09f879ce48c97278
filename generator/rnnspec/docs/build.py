"""Building the docs in memory: run every spec's module once, then page, diagram, index.

Each page holds the spec verbatim, the generated module verbatim, and what running that
module printed, captured through `verify.smoke_modules` (all specs in one worker, so
TensorFlow is imported once). Shapes in the page's own text come only from that output;
the diagram draws the plan's shapes, and the build stops if the plan and the run disagree.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from .. import plan_spec, render_module
from ..spec import GraphSpec, Spec
from .output import output_problems, unprinted_shapes
from .pages import render_page, render_index
from .svg import draw

INDEX = "index.md"


class DocsConflict(Exception):
    """The specs cannot make one set of pages (a duplicate or reserved name): exit 2."""


class RunFailure(Exception):
    """A spec's module failed, or printed what its plan does not say: exit 1."""


def build_docs(
    specs: Sequence[tuple[Path, Spec | GraphSpec]], *, timeout: float = 300.0
) -> dict[str, str]:
    """Every file of the docs folder by name, built in memory: pages, SVGs, the index.

    Raises DocsConflict before running anything, and RunFailure (naming every failing
    spec) after running all of them.
    """
    _check_names(specs)
    from ..verify import smoke_modules  # the worker, not this process, imports keras

    plans = [plan_spec(spec) for _, spec in specs]
    modules = [render_module(spec) for _, spec in specs]
    with tempfile.TemporaryDirectory(prefix="rnnspec-docs-") as folder:
        paths = []
        for plan, module in zip(plans, modules):
            path = Path(folder) / f"{plan.name}.py"
            path.write_text(module, encoding="utf-8")
            paths.append(path)
        results = smoke_modules(paths, timeout=timeout)

    problems = []
    for (path, _), plan, result in zip(specs, plans, results):
        if not result.ok:
            tail = "\n".join(
                f"    {line}" for line in result.output.strip().splitlines()[-8:]
            )
            problems.append(
                f"{path}: the generated module failed: {result.error}"
                + (f"\n{tail}" if tail else "")
            )
        else:
            problems += [
                f"{path}: {problem}" for problem in output_problems(plan, result.output)
            ]
    if problems:
        raise RunFailure("\n".join(problems))

    files: dict[str, str] = {}
    for (path, _), plan, module, result in zip(specs, plans, modules, results):
        spec_text = path.read_text(encoding="utf-8")
        page = render_page(plan, path.name, spec_text, module, result.output)
        unprinted = unprinted_shapes(page)
        if unprinted:  # the promise of the page; a description could break it
            raise RunFailure(
                f"{path}: the page states shapes the run did not print: {', '.join(unprinted)}"
            )
        files[f"{plan.name}.md"] = page
        files[f"{plan.name}.svg"] = draw(plan)
    files[INDEX] = render_index(sorted(plans, key=lambda plan: plan.name))
    return dict(sorted(files.items()))


def _check_names(specs: Sequence[tuple[Path, Spec | GraphSpec]]) -> None:
    seen: dict[str, Path] = {}
    for path, spec in specs:
        if f"{spec.name}.md" == INDEX:
            raise DocsConflict(
                f"{path}: name: {spec.name!r} is the index page's name; rename the spec"
            )
        if spec.name in seen:
            raise DocsConflict(
                f"{path}: name: {spec.name!r} is also the name of {seen[spec.name]}; one page each"
            )
        seen[spec.name] = path
