"""Many specs in one call: `rnnspec render SPEC... -o DIR/` and its `--check`.

Each spec's module is DIR/<the spec file's stem>.py, and two specs with one stem are
refused. Every spec is loaded and rendered before any file is written, so one bad spec
leaves every module as it was; then only the modules that changed are written, each by
rnnspec/render/write.py's rules, all checked before the first is written.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from functools import partial
from itertools import chain
from pathlib import Path

from .cache import prune as prune_cache
from .from_file import kept_module, render_spec
from ..spec.problems import Problem, SpecError
from .write import NotRegular, WriteError, check_writable, read_existing, write_file

PARALLEL_FROM = 32  # specs: fewer render in this process, as forking costs ~20 ms


class Clash(Exception):
    """Two specs would write one module; one line per clash."""


def module_paths(folder: Path, specs: list[Path]) -> list[Path]:
    """DIR/STEM.py for each spec; Clash if two specs share a stem."""
    first: dict[str, Path] = {}
    clashes = [
        f"{first[spec.stem]} and {spec} would both write {folder / spec.stem}.py"
        for spec in specs
        if first.setdefault(spec.stem, spec) is not spec
    ]
    if clashes:
        raise Clash("\n".join(clashes))
    return [folder / f"{spec.stem}.py" for spec in specs]


def render_all(
    specs: list[Path],
    target: str,
    cache: bool = True,
    progress: Callable[[int, int, int], None] | None = None,
) -> list[str]:
    """Each spec's module, in order; one SpecError with every bad spec's problems.

    Modules kept in the cache are read here first; from PARALLEL_FROM others on, forked
    workers render those, one per core (Linux), and the cache's bounds are applied
    again once they are done (each worker counted only its own entries)."""
    done: list[str | list[Problem] | None] = [
        kept_module(spec, target) if cache else None for spec in specs
    ]
    hits = [index for index, module in enumerate(done) if module is not None]
    todo = [index for index, module in enumerate(done) if module is None]
    render = partial(_render, target=target, cache=cache)
    workers = _cores() if len(todo) >= PARALLEL_FROM else 1
    with contextlib.ExitStack() as stack:
        if workers > 1:
            from multiprocessing import get_context

            pool = stack.enter_context(get_context("fork").Pool(workers))
            rendered = pool.imap(render, [specs[index] for index in todo], chunksize=4)
        else:
            rendered = map(render, [specs[index] for index in todo])
        outcomes = chain((done[index] for index in hits), rendered)
        for count, (index, outcome) in enumerate(zip(hits + todo, outcomes)):
            done[index] = outcome
            if progress:
                progress(count + 1, len(specs), index)
    if workers > 1 and cache:  # each worker kept the bound only by its own count
        prune_cache()
    problems = [
        problem for outcome in done if isinstance(outcome, list) for problem in outcome
    ]
    if problems:
        raise SpecError(problems)
    return done  # type: ignore[return-value] - every one a module now


def _render(spec: Path, target: str, cache: bool) -> str | list[Problem]:
    try:
        return render_spec(spec, target, cache)
    except SpecError as exc:
        return exc.problems


def _cores() -> int:
    """The cores this process may use; 1 where forking is not safe (not Linux)."""
    return len(os.sched_getaffinity(0)) if sys.platform == "linux" else 1


def stale(module: Path, source: str, in_folder: bool = False) -> str | None:
    """ "create" or "rewrite" if `module` is missing or differs from `source`, else
    None; NotRegular (rnnspec/render/write.py) if something else is there (`in_folder`: a
    module in an output folder, where a symbolic link is refused too)."""
    old = read_existing(module, in_folder)
    if old == source.encode("utf-8"):
        return None
    return "create" if old is None else "rewrite"


def write_changed(folder: Path, modules: list[Path], sources: list[str]) -> int:
    """Write the modules that are missing or differ, making `folder` if need be; how
    many. Raises WriteError before writing any if one of them cannot be written."""
    changed = []
    for module, source in zip(modules, sources):
        try:
            if stale(module, source, in_folder=True):
                changed.append((module, source))
        except NotRegular:  # check_writable says why it cannot be written
            changed.append((module, source))
    for module, _ in changed if folder.is_dir() else ():
        check_writable(module, "the module", in_folder=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise WriteError(f"{folder}: cannot write the modules: {reason}") from None
    for module, source in changed:
        write_file(module, source, "the module", in_folder=True)
    return len(changed)
