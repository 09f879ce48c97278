"""`rnnspec smoke`'s result per module, and its text: a table, then what failed printed;
while modules run, a progress line on a terminal (never in CI logs or a file)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class SmokeResult:
    """The outcome of running one module as ``__main__``.

    ``output`` is all it wrote to file descriptors 1 and 2 (its last OUTPUT_LIMIT
    bytes); ``seconds`` its wall time, as the caller waited for it.
    """

    path: Path
    ok: bool
    tensors: tuple[tuple[str, str], ...]
    error: str | None
    output: str
    seconds: float


def format_report(
    results: Sequence[SmokeResult], names: Sequence[str] | None = None
) -> str:
    """A plain-text table of results, ending with ``N modules: P passed, F failed``."""
    names = [result.path.name for result in results] if names is None else names
    rows = [("module", "result", "time", "tensor", "shape")]
    for name, result in zip(names, results, strict=True):
        seconds = f"{result.seconds:.2f} s"
        if not result.ok:
            rows.append((name, "FAIL", seconds, result.error or "", ""))
            continue
        for i, (tensor, shape) in enumerate(result.tensors or [("", "")]):
            first = (name, "ok", seconds) if i == 0 else ("", "", "")
            rows.append((*first, tensor, shape))
    module_width = max(len(row[0]) for row in rows)
    time_width = max(len(row[2]) for row in rows)
    tensor_width = max(len(row[3]) for row in rows if row[1] != "FAIL")
    lines = [  # an error sits in the tensor column and overflows it
        f"{module:<{module_width}}  {outcome:<6}  {seconds:>{time_width}}"
        f"  {tensor:<{tensor_width}}  {shape}"
        for module, outcome, seconds, tensor, shape in rows
    ]
    passed = sum(result.ok for result in results)
    failed = len(results) - passed
    lines.append(f"{len(results)} modules: {passed} passed, {failed} failed")
    return "\n".join(line.rstrip() for line in lines)


def format_failures(
    results: Sequence[SmokeResult], names: Sequence[str], *, lines: int = 20
) -> str:
    """The last ``lines`` lines each failed module wrote, under its name; "" if none."""
    sections = []
    for name, result in zip(names, results, strict=True):
        output = result.output.rstrip().splitlines()
        if result.ok or not output:
            continue
        shown = output[-lines:]
        heading = f"{name}: output" + (
            f" (last {len(shown)} of {len(output)} lines)"
            if len(shown) < len(output)
            else ""
        )
        sections.append("\n".join([f"{heading}:", *(f"    {line}" for line in shown)]))
    return "\n".join(sections)


@contextlib.contextmanager
def progress_line(
    names: Sequence[str], stream: TextIO | None = None
) -> Iterator[Callable[[int, int, int], None] | None]:
    """A `smoke_modules` progress callback that keeps ``[done/total] name`` on one line
    of ``stream`` (stderr), cleared at the end; None unless it shows on a terminal."""
    stream = sys.stderr if stream is None else stream
    if not shows_progress(stream):
        yield None
        return
    try:  # a line that wraps would not be overwritten
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    width = columns - 1 if columns > 20 else 79  # 0: the size is unknown

    def show(done: int, total: int, index: int) -> None:
        count, name = f"[{done}/{total}] ", names[index]
        if len(count) + len(name) > width:  # the name's end says most
            name = "..." + name[len(count) + len(name) + 3 - width :]
        stream.write(f"\r{count}{name}\x1b[K")
        stream.flush()

    try:
        yield show
    finally:
        stream.write("\r\x1b[K")
        stream.flush()


def shows_progress(stream: TextIO | None) -> bool:
    """Whether progress goes to ``stream``: a terminal, and the CI variable unset
    (or empty)."""
    if stream is None or os.environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or closed
        return False
