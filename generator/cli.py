"""The command line: a thin layer over the pipeline.

Exit codes: 0 success, 1 a smoke test failed, 2 the spec or the command line is wrong.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Union

import click
from pydantic import TypeAdapter

from . import load_spec, plan_spec, render_module
from .load import SpecError
from .report import describe_plan
from .spec import GraphSpec, Spec

SpecPath = click.Path(exists=True, dir_okay=False, path_type=Path)


class SpecFailure(click.ClickException):
    """A bad spec: its problems on stderr, exit 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(self.message, err=True)


def _load(path: Path) -> Spec | GraphSpec:
    try:
        return load_spec(path)
    except SpecError as exc:
        raise SpecFailure(str(exc)) from None


@click.group()
@click.version_option(package_name="rnnspec")
def main() -> None:
    """Keras recurrent models from a spec: initial state built to match, shapes proven."""


@main.command()
@click.argument("spec", type=SpecPath)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of stdout.",
)
def render(spec: Path, output: Path | None) -> None:
    """Write the Keras module for SPEC (never imports TensorFlow)."""
    source = render_module(_load(spec))
    if output is None:
        click.echo(source, nl=False)
    else:
        write_atomically(output, source)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one step, so a failure never leaves half a file."""
    try:
        with tempfile.NamedTemporaryFile(
            "w",
            dir=path.parent or ".",
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
            encoding="utf-8",
        ) as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError as exc:
        raise SpecFailure(
            f"{path}: cannot write the module: {exc.strerror or exc}"
        ) from None


@main.command()
@click.argument("spec", type=SpecPath)
def check(spec: Path) -> None:
    """Validate SPEC and print its state structure with shapes (no TensorFlow)."""
    click.echo(describe_plan(plan_spec(_load(spec))))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=SpecPath)
@click.option(
    "--timeout", default=300.0, show_default=True, help="Seconds one module may run."
)
def smoke(paths: tuple[Path, ...], timeout: float) -> None:
    """Run generated modules (rendering the specs among PATHS first) and report each."""
    from .verify import format_report, smoke_modules

    specs = {path: _load(path) for path in paths if path.suffix != ".py"}
    with tempfile.TemporaryDirectory(prefix="rnnspec-") as folder:
        modules = []
        for path in paths:
            if path in specs:
                module = Path(folder) / f"{specs[path].name}.py"
                module.write_text(render_module(specs[path]), encoding="utf-8")
                path = module
            modules.append(path)
        results = smoke_modules(modules, timeout=timeout)
    click.echo(format_report(results, [str(path) for path in paths]))
    if not all(result.ok for result in results):
        sys.exit(1)


@main.command()
def schema() -> None:
    """Print the spec's JSON Schema, for editors."""
    click.echo(json.dumps(spec_schema(), indent=2))


def spec_schema() -> dict:
    """Either form: the short (one block) or the long (inputs and blocks)."""
    schema = TypeAdapter(Union[Spec, GraphSpec]).json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rnnspec spec",
        **schema,
    }


@main.command()
@click.argument("paths", nargs=-1, required=True, type=SpecPath)
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The docs folder.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Rebuild in memory; exit 1 naming each file that is stale or missing.",
)
@click.option(
    "--timeout", default=300.0, show_default=True, help="Seconds one module may run."
)
def docs(paths: tuple[Path, ...], folder: Path, check: bool, timeout: float) -> None:
    """A Markdown page and an SVG diagram per spec, with the output of really running it."""
    from .docs import DocsConflict, RunFailure, build_docs, stale_files, write_docs

    specs = [(path, _load(path)) for path in paths]
    try:
        files = build_docs(specs, timeout=timeout)
    except DocsConflict as exc:
        raise SpecFailure(str(exc)) from None
    except RunFailure as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if check:
        stale = stale_files(files, folder)
        for name, why in stale:
            click.echo(f"{folder / name}: {why}", err=True)
        if stale:
            click.echo(
                f"{len(stale)} of {len(files)} files stale or missing; rebuild with: rnnspec docs SPEC... -o {folder}",
                err=True,
            )
            sys.exit(1)
        click.echo(f"{len(files)} files up to date in {folder}")
        return
    try:
        changed = write_docs(files, folder)
    except OSError as exc:
        raise SpecFailure(
            f"{folder}: cannot write the docs: {exc.strerror or exc}"
        ) from None
    click.echo(f"{len(files)} files in {folder}, {len(changed)} written")


if __name__ == "__main__":
    main()
