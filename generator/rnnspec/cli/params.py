"""The command line's parameter types and shared options (click), and how a command
turns a backend that is not there into one line."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import click

from ..targets import DEFAULT, NAMES

SpecPath = click.Path(exists=True, dir_okay=False, path_type=Path)
# a str, not a Path: Path("./-") would be "-", stdin, where the user named a file
SpecOrStdin = click.Path(exists=True, dir_okay=False, allow_dash=True)


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
    """A bad spec (or a missing backend): its problems on stderr, exit 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(self.message, err=True)


TIMEOUT = click.option(
    "--timeout",
    type=Seconds(),
    default=300.0,
    show_default=True,
    help="Seconds one module may run.",
)
TARGET = click.option(
    "--target",
    type=click.Choice(NAMES),
    default=DEFAULT,
    show_default=True,
    help="What the module is written for.",
)


class OutputPath(click.ParamType):
    """A path to write (see rnnspec/render/write.py); an empty one is a usage error.

    With `dash`, `-` means stdout and converts to None; without, it is refused (a usage
    error, not a file or folder named -); with `folder`, an existing path must be a
    folder."""

    name = "path"

    def __init__(self, dash: bool = False, folder: bool = False) -> None:
        self.dash, self.folder = dash, folder

    def convert(self, value, param, ctx) -> Path | None:  # noqa: ANN001 - click's
        if isinstance(value, Path):
            return value
        if value == "":
            self.fail("an empty path names no file", param, ctx)
        if value == "-":
            if self.dash:
                return None
            self.fail(
                "'-' (stdout) names no folder: this command writes several files; "
                "name a folder (./- for one called -)",
                param,
                ctx,
            )
        if self.folder and os.path.lexists(value) and not os.path.isdir(value):
            self.fail(f"{value!r} is not a folder", param, ctx)
        return Path(value)


class ModuleOutput(OutputPath):
    """render's -o: OutputPath's rules, as (path, named with a trailing slash)."""

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 - click's
        if isinstance(value, tuple):
            return value
        path = super().convert(value, param, ctx)
        slash = isinstance(value, str) and value.endswith(("/", os.sep))
        return None if path is None else (path, slash)


class Backends(click.ParamType):
    """One Keras 3 backend or a comma-separated list (rnnspec.verify.BACKENDS)."""

    name = "backend"

    def convert(self, value, param, ctx) -> tuple[str, ...]:  # noqa: ANN001 - click's
        if isinstance(value, tuple):
            return value
        from ..run.verify import BACKENDS  # when given: a warm render imports no run/

        names = tuple(name.strip() for name in str(value).split(","))
        if bad := [name for name in names if name not in BACKENDS]:
            self.fail(f"{bad[0]!r} is not one of {', '.join(BACKENDS)}", param, ctx)
        return names


def chosen_backends(given: Sequence[str], target: str = DEFAULT) -> list[str]:
    """The backends to run on (rnnspec/run/verify.py's smoke_backends): a backend not
    installed is one line before anything runs, exit 2; a wrong choice, a usage error.
    """
    from ..run.verify import BackendMissing, smoke_backends

    try:
        return smoke_backends(given, target)
    except BackendMissing as exc:
        raise SpecFailure(str(exc)) from None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
