"""The command line: a thin layer over the pipeline.

Exit codes: 0 success, 1 a smoke test failed, 2 the spec or the command line is wrong.
Each command imports the stages it uses when it runs (no cycle needs it: cli is on top),
so a warm `render` loads neither pydantic nor jinja2 nor black.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import __version__
from ..spec.problems import SpecError
from ..targets import DEFAULT, get_target
from ..render.write import NotRegular, WriteError, write_file, write_stdout
from .params import (
    TARGET,
    TIMEOUT,
    Backends,
    ModuleOutput,
    OutputPath,
    SpecFailure,
    SpecOrStdin,
    SpecPath,
    chosen_backends,
)

if TYPE_CHECKING:
    from ..check.checked import GraphSpec, Spec


def _load(path: Path, target: str = DEFAULT) -> Spec | GraphSpec:
    from .. import load_spec

    try:
        return load_spec(path, target)
    except SpecError as exc:
        raise SpecFailure(exc.report()) from None


@click.group()
@click.version_option(__version__, prog_name="rnnspec")
def main() -> None:
    """Keras recurrent models from a spec: initial state built to match, shapes proven."""


@main.command()
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True, type=SpecPath)
@click.option(
    "-o",
    "--output",
    type=ModuleOutput(dash=True),
    help="One SPEC: write here instead of stdout (`-`): a regular file, replaced "
    "atomically, its mode kept; a symlink is written through. Several SPECs, or a path "
    "ending in `/`: a folder (made if missing), one module per spec named after the "
    "spec file (gru.yaml -> DIR/gru.py), only changed ones written.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 naming each module that is missing or differs from "
    "what its spec renders.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor write the cache of formatted modules and compiled "
    "templates (also RNNSPEC_NO_CACHE=1).",
)
@TARGET
def render(
    specs: tuple[Path, ...],
    output: tuple[Path, bool] | None,
    check: bool,
    no_cache: bool,
    target: str,
) -> None:
    """Write the Keras module for each SPEC (never imports TensorFlow).

    One SPEC goes to stdout or to the file -o names; several each to DIR/STEM.py.
    Every spec is checked before any file is written."""
    from ..render import batch

    specs = tuple({os.path.realpath(spec): spec for spec in specs}.values())
    path, slash = output or (None, False)
    if path is None and (check or len(specs) > 1):
        raise click.UsageError("several specs or --check need -o FILE or -o DIR/")
    folder = path if slash or len(specs) > 1 else None
    if folder is not None and folder.exists() and not folder.is_dir():
        raise click.UsageError(f"-o {folder}: not a folder")
    try:
        modules = [path] if folder is None else batch.module_paths(folder, list(specs))
        with _progress(specs) as progress:
            sources = batch.render_all(list(specs), target, not no_cache, progress)
    except batch.Clash as exc:
        raise SpecFailure(str(exc)) from None
    except SpecError as exc:
        raise SpecFailure(exc.report()) from None
    if check:
        _check(modules, sources, in_folder=folder is not None)
    elif folder is not None:
        try:
            written = batch.write_changed(folder, modules, sources)
        except WriteError as exc:
            raise SpecFailure(str(exc)) from None
        report = f"{_count(modules)} in {folder}, {written} written\n"
        _written(write_stdout, report, "the report")
    elif path is None:
        _written(write_stdout, sources[0], "the module")
    else:
        write_atomically(path, sources[0])


def _progress(specs: tuple[Path, ...]) -> contextlib.AbstractContextManager:
    """A progress line on a terminal while several specs render (smoke_report.py)."""
    from ..run.smoke_report import progress_line

    return (
        progress_line(list(map(str, specs)))
        if len(specs) > 1
        else contextlib.nullcontext()
    )


def _check(modules: list[Path], sources: list[str], in_folder: bool) -> None:
    """Exit 1 naming each module that is missing or differs (2 if one is no file, or,
    `in_folder`, a symbolic link)."""
    from ..render.batch import stale

    changed, odd = 0, False
    for module, source in zip(modules, sources):
        try:
            if why := stale(module, source, in_folder):
                click.echo(f"would {why} {module}", err=True)
                changed += 1
        except NotRegular as exc:
            click.echo(f"{module}: cannot check the module: {exc}", err=True)
            odd = True
    if odd or changed:
        click.echo(f"{changed} of {_count(modules)} would change", err=True)
        sys.exit(2 if odd else 1)
    _written(write_stdout, f"{_count(modules)} up to date\n", "the report")


def _count(modules: list[Path]) -> str:
    return f"{len(modules)} module{'s' * (len(modules) != 1)}"


def write_atomically(path: Path, text: str) -> None:
    """Replace the regular file at `path` in one step (rnnspec/render/write.py's rules)."""
    _written(write_file, path, text, "the module")


def _written(write, *args) -> None:  # noqa: ANN001
    """Run a rnnspec.write function; its refusal is one line on stderr, exit 2."""
    try:
        write(*args)
    except WriteError as exc:
        raise SpecFailure(str(exc)) from None


@main.command()
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True, type=SpecOrStdin)
@click.option(
    "--stdin-format",
    type=click.Choice(("yaml", "json", "toml")),
    default="yaml",
    show_default=True,
    help="How a SPEC of `-` (read from stdin) is written.",
)
def check(specs: tuple[str, ...], stdin_format: str) -> None:
    """Validate each SPEC (`-`: stdin) and print its layers and state structure with
    shapes (no TensorFlow). Exit 2 if any is wrong, each problem with its place."""
    from ..run.report import check_report

    if specs.count("-") > 1:
        raise click.UsageError("'-' (stdin) can be read once")
    failed = False
    for index, spec in enumerate(specs):
        try:
            report = check_report(spec, stdin_format)
        except SpecError as exc:
            click.echo(exc.report(), err=True)
            failed = True
            continue
        if len(specs) > 1:  # each named, as head(1) names its files
            report = ("\n" if index else "") + f"==> {spec} <==\n{report}"
        _written(write_stdout, report, "the report")
    if failed:
        sys.exit(2)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=SpecPath)
@TIMEOUT
@TARGET
@click.option(
    "--backend",
    "backend",
    type=Backends(),
    multiple=True,
    help="The Keras 3 backend to run on: tensorflow, jax or torch (default: "
    "KERAS_BACKEND, else tensorflow). Repeat it, or list several (jax,torch), to run on "
    "each in turn: one report per backend.",
)
def smoke(
    paths: tuple[Path, ...],
    timeout: float,
    target: str,
    backend: tuple[tuple[str, ...], ...],
) -> None:
    """Run generated modules (rendering the specs among PATHS first) and report each.

    Each runs in a fresh process, as `python MODULE` would; the output of those that
    fail follows the table on stderr. The report starts with the backend's name.
    """
    from .. import render_module
    from ..run.smoke_report import progress_line
    from ..run.verify import format_failures, format_report, smoke_modules

    backends = chosen_backends([n for names in backend for n in names], target)
    specs = {path: _load(path, target) for path in paths if path.suffix != ".py"}
    names = [str(path) for path in paths]
    reports, failures, ok = [], [], True
    with tempfile.TemporaryDirectory(prefix="rnnspec-") as folder:
        modules = []
        for index, path in enumerate(paths):
            if path in specs:  # a folder each: specs may share a name
                module = Path(folder) / str(index) / f"{specs[path].name}.py"
                module.parent.mkdir()
                source = render_module(specs[path], target)
                module.write_text(source, encoding="utf-8")
                path = module
            modules.append(path)
        for name in backends:  # one set of workers per backend, one after the other
            with progress_line(names) as progress:
                results = smoke_modules(
                    modules,
                    timeout=timeout,
                    target=target,
                    progress=progress,
                    backend=name,
                )
            reports.append(f"backend: {name}\n{format_report(results, names)}\n")
            tagged = names if len(backends) == 1 else [f"{n} ({name})" for n in names]
            failures.append(format_failures(results, tagged))
            ok = ok and all(result.ok for result in results)
    _written(write_stdout, "\n".join(reports), "the report")
    if failed := "\n".join(text for text in failures if text):
        click.echo(failed, err=True)
    if not ok:
        sys.exit(1)


@main.command()
def schema() -> None:
    """Print the spec's JSON Schema, for editors (schema/rnnspec.schema.json holds it)."""
    from ..read.schema import schema_text

    _written(write_stdout, schema_text(), "the schema")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=SpecPath)
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=OutputPath(folder=True),
    help="The docs folder.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Rebuild in memory; exit 1 naming each file that is stale or missing.",
)
@TIMEOUT
@click.option(
    "--backend",
    type=click.Choice(get_target(DEFAULT).backends),
    default=None,
    help="The Keras 3 backend the modules run on (default: KERAS_BACKEND, else "
    "tensorflow); the index names it.",
)
@click.option(
    "--docs-url",
    "links",
    metavar="URL",
    help="Link mentions of rnnspec's own docs to URL + page.md (a URL ending in `/`; "
    "`../` in rnnspec's docs/examples/). Without it: words, no links.",
)
def docs(
    paths: tuple[Path, ...],
    folder: Path,
    check: bool,
    timeout: float,
    backend: str | None,
    links: str | None,
) -> None:
    """A Markdown page and an SVG diagram per spec, with the output of really running it.

    Each run's output is kept in the user's cache folder; `--check` reuses it while the
    page's inputs (spec, module, versions, backend) are unchanged."""
    from ..docs import DocsConflict, RunFailure, build_docs, stale_files, write_docs
    from ..docs.build import run_cache
    from ..run.smoke_report import progress_line
    from ..run.verify import BackendMissing

    if links is not None and not links.endswith("/"):
        raise click.BadParameter("must end with '/'", param_hint="--docs-url")
    backend = chosen_backends([backend] if backend else [])[0]
    specs = [(path, _load(path)) for path in paths]
    try:
        with progress_line([str(path) for path in paths]) as progress:
            files = build_docs(
                specs,
                timeout=timeout,
                cache=run_cache(),
                reuse=check,
                progress=progress,
                backend=backend,
                links=links,
            )
    except (DocsConflict, BackendMissing) as exc:
        raise SpecFailure(str(exc)) from None
    except RunFailure as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if check:
        stale = stale_files(files, folder)  # never raises: odd files are reported
        for name, why in stale:
            click.echo(f"{folder / name}: {why}", err=True)
        if stale:
            click.echo(
                f"{len(stale)} of {len(files)} files stale or missing; rebuild with: rnnspec docs SPEC... -o {folder}",
                err=True,
            )
            sys.exit(1)
        _written(write_stdout, f"{len(files)} files up to date in {folder}\n")
        return
    try:
        changed = write_docs(files, folder)
    except WriteError as exc:
        raise SpecFailure(str(exc)) from None
    _written(write_stdout, f"{len(files)} files in {folder}, {len(changed)} written\n")


if __name__ == "__main__":
    main()
