"""Building the docs in memory: run every spec's module once, then page, diagram, index.

Each page holds the spec verbatim, the generated module verbatim, and what running that
module printed, captured through `verify.smoke_modules` (TensorFlow imported once per
worker) or, for `docs --check`, kept in the user's cache folder from an earlier run of
the same page inputs. Shapes in the page's own text come only from that output; the diagram draws
the plan's shapes, and the build stops if the plan and the run disagree.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import tempfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from ..render import cache as user_cache
from .. import __version__, plan_spec, render_module
from ..check.checked import GraphSpec, Spec
from ..targets import DEFAULT, get_target
from .output import output_problems, unprinted_shapes, without_runtime_logs
from .pages import render_page, render_index
from .svg import draw

if TYPE_CHECKING:
    from ..run.verify import Progress, SmokeResult

INDEX = "index.md"
BACKEND = "tensorflow"  # the Keras 3 backend of the pages' output by default
# How index.md names each backend (rnnspec.run.verify.BACKENDS).
BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


class DocsConflict(Exception):
    """The specs cannot make one set of pages (a duplicate or reserved name): exit 2."""


class RunFailure(Exception):
    """A spec's module failed, or printed what its plan does not say: exit 1."""


def build_docs(
    specs: Sequence[tuple[Path, Spec | GraphSpec]],
    *,
    timeout: float = 300.0,
    cache: Path | None = None,
    reuse: bool = False,
    progress: Progress | None = None,
    backend: str = BACKEND,
    links: str | None = None,
) -> dict[str, str]:
    """Every file of the docs folder by name, built in memory: pages, SVGs, the index.

    The modules run on Keras 3's ``backend``. Links into rnnspec's own docs start with
    ``links``: "../" for our gallery (docs/examples/), a URL ending in "/" for anyone
    else's docs; None (the default) writes their words without a link, so a user's
    pages never point at a file their site lacks.

    Each run's output is kept in the folder ``cache`` (if given); with ``reuse``, an
    output kept there for the same page inputs stands in for running the module.
    ``progress`` hears of each run: (done, runs in all, the spec's index). Raises
    DocsConflict before running anything, and RunFailure (naming every failing spec)
    after running all of them.
    """
    _check_names(specs)
    plans = [plan_spec(spec) for _, spec in specs]
    modules = [render_module(spec) for _, spec in specs]
    spec_texts = [path.read_text(encoding="utf-8") for path, _ in specs]
    runs = list(zip([plan.name for plan in plans], modules, spec_texts))
    results = run_modules(runs, timeout, cache, reuse, progress, backend)

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
    pages = zip(specs, plans, modules, spec_texts, results)
    for (path, _), plan, module, spec_text, result in pages:
        page = render_page(plan, path.name, spec_text, module, result.output, links)
        unprinted = unprinted_shapes(page)
        if unprinted:  # the promise of the page; a description could break it
            raise RunFailure(
                f"{path}: the page states shapes the run did not print: {', '.join(unprinted)}"
            )
        files[f"{plan.name}.md"] = page
        files[f"{plan.name}.svg"] = draw(plan)
    ordered = sorted(plans, key=lambda plan: plan.name)
    files[INDEX] = render_index(ordered, BACKEND_NAMES.get(backend, backend), links)
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


def run_cache() -> Path | None:
    """Where `docs` keeps what each module printed (rnnspec/render/cache.py's folder); None
    when caching is off."""
    root = user_cache.root()
    return root / "docs" if root else None


def run_modules(
    runs: list[tuple[str, str, str]],
    timeout: float,
    folder: Path | None,
    reuse: bool,
    progress: Progress | None,
    backend: str = BACKEND,
) -> list[SmokeResult]:
    """Each (name, module, spec text)'s run on ``backend``: kept in ``folder`` (with
    ``reuse``) or run now in the smoke workers, then kept there. An unusable folder only
    means running everything."""
    from ..run.verify import (
        result_of,
        smoke_modules,
    )  # the worker imports keras, not us

    keys = [_run_key(module, spec_text, backend) for _, module, spec_text in runs]
    results: list[SmokeResult | None] = [None] * len(runs)
    for index, ((name, _, _), key) in enumerate(zip(runs, keys)):
        output = user_cache.read(folder, key) if folder and reuse else None
        if output is not None:
            reply = (True, None, output.decode("utf-8", "replace"))
            results[index] = result_of(Path(f"{name}.py"), reply)
    todo = [index for index, result in enumerate(results) if result is None]

    def told(done: int, total: int, index: int) -> None:
        progress(done, total, todo[index])

    with tempfile.TemporaryDirectory(prefix="rnnspec-docs-") as temp:
        paths = [Path(temp) / f"{runs[index][0]}.py" for index in todo]
        for path, index in zip(paths, todo):
            path.write_text(runs[index][1], encoding="utf-8")
        ran = smoke_modules(
            paths, timeout=timeout, progress=told if progress else None, backend=backend
        )
    for index, result in zip(todo, ran):
        result = dataclasses.replace(result, output=without_runtime_logs(result.output))
        results[index] = result
        if folder and result.ok:
            user_cache.write(folder, keys[index], result.output.encode())
    return results


def _run_key(module: str, spec_text: str, backend: str) -> str:
    """The page inputs a run's output stands for: module, spec, versions, target, backend."""
    digest = hashlib.sha256()
    for part in (*_versions(), DEFAULT, backend, spec_text, module):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


@functools.cache
def _versions() -> tuple[str, ...]:
    """rnnspec's version and those of the modules the target's worker imports."""
    found = [f"rnnspec {__version__}"]  # this tree's, not an installed copy's
    for name in get_target(DEFAULT).preload:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} unknown")
    return tuple(found)
