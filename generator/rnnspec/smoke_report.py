"""`rnnspec smoke`'s result per module, and its text: a table, then what failed printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


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
