"""The command line: a thin layer over the pipeline.

Exit codes: 0 success, 1 a smoke test failed, 2 the spec or the command line is wrong.
"""

from __future__ import annotations

import json
import math
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
from .targets import DEFAULT, NAMES
from .write import WriteError, write_file, write_stdout

SpecPath = click.Path(exists=True, dir_okay=False, path_type=Path)


class Seconds(click.ParamType):
    """A positive, finite number of seconds; anything else is a usage error."""

    name = "seconds"

    def convert(self, value, param, ctx) -> float:  # noqa: ANN001 - click's
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds > 0):
            self.fail(
                f"must be a positive number of seconds, got {value!r}", param, ctx
            )
        return seconds


class SpecFailure(click.ClickException):
    """A bad spec: its problems on stderr, exit 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(self.message, err=True)


TARGET = click.option(
    "--target",
    type=click.Choice(NAMES),
    default=DEFAULT,
    show_default=True,
    help="What the module is written for.",
)


def _load(path: Path) -> Spec | GraphSpec:
    try:
        return load_spec(path)
    except SpecError as exc:
        raise SpecFailure(str(exc)) from None


@click.group()
@click.version_option(package_name="rnnspec")
def main() -> None:
    """Keras recurrent models from a spec: initial state built to match, shapes proven."""


class OutputPath(click.ParamType):
    """A path to write (see rnnspec/write.py); an empty one is a usage error.

    With `dash`, `-` means stdout and converts to None; with `folder`, an existing path
    must be a folder."""

    name = "path"

    def __init__(self, dash: bool = False, folder: bool = False) -> None:
        self.dash, self.folder = dash, folder

    def convert(self, value, param, ctx) -> Path | None:  # noqa: ANN001 - click's
        if isinstance(value, Path):
            return value
        if value == "":
            self.fail("an empty path names no file", param, ctx)
        if self.dash and value == "-":
            return None
        if self.folder and os.path.lexists(value) and not os.path.isdir(value):
            self.fail(f"{value!r} is not a folder", param, ctx)
        return Path(value)


@main.command()
@click.argument("spec", type=SpecPath)
@click.option(
    "-o",
    "--output",
    type=OutputPath(dash=True),
    help="Write here instead of stdout (`-`): a regular file, replaced atomically, "
    "its mode kept; a symlink is written through.",
)
@TARGET
def render(spec: Path, output: Path | None, target: str) -> None:
    """Write the Keras module for SPEC (never imports TensorFlow)."""
    source = render_module(_load(spec), target)
    if output is None:
        _written(write_stdout, source, "the module")
    else:
        write_atomically(output, source)


def write_atomically(path: Path, text: str) -> None:
    """Replace the regular file at `path` in one step (rnnspec/write.py's rules)."""
    _written(write_file, path, text, "the module")


def _written(write, *args) -> None:  # noqa: ANN001
    """Run a rnnspec.write function; its refusal is one line on stderr, exit 2."""
    try:
        write(*args)
    except WriteError as exc:
        raise SpecFailure(str(exc)) from None


@main.command()
@click.argument("spec", type=SpecPath)
def check(spec: Path) -> None:
    """Validate SPEC and print its state structure with shapes (no TensorFlow)."""
    _written(write_stdout, describe_plan(plan_spec(_load(spec))) + "\n", "the report")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=SpecPath)
@click.option(
    "--timeout",
    type=Seconds(),
    default=300.0,
    show_default=True,
    help="Seconds one module may run.",
)
@TARGET
def smoke(paths: tuple[Path, ...], timeout: float, target: str) -> None:
    """Run generated modules (rendering the specs among PATHS first) and report each.

    Each runs in a fresh process, as `python MODULE` would; the output of those that
    fail follows the table on stderr.
    """
    from .verify import format_failures, format_report, smoke_modules

    specs = {path: _load(path) for path in paths if path.suffix != ".py"}
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
        results = smoke_modules(modules, timeout=timeout, target=target)
    names = [str(path) for path in paths]
    _written(write_stdout, format_report(results, names) + "\n", "the report")
    failures = format_failures(results, names)
    if failures:
        click.echo(failures, err=True)
    if not all(result.ok for result in results):
        sys.exit(1)


@main.command()
def schema() -> None:
    """Print the spec's JSON Schema, for editors."""
    _written(write_stdout, json.dumps(spec_schema(), indent=2) + "\n", "the schema")


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
    type=OutputPath(folder=True),
    help="The docs folder.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Rebuild in memory; exit 1 naming each file that is stale or missing.",
)
@click.option(
    "--timeout",
    type=Seconds(),
    default=300.0,
    show_default=True,
    help="Seconds one module may run.",
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
