"""Helpers of the output-file tests (tests/end_to_end/test_write*.py): `rnnspec render
-o` in a fresh interpreter or in-process, a folder's listing, a call that must not
block, and a refusal's exact message."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..conftest import GOLDEN, ROOT, invoke

SPEC = ROOT / "examples" / "stacked_lstm.yaml"
MODULE = (GOLDEN / "stacked_lstm.py").read_text(encoding="utf-8")
GRU = ROOT / "examples" / "gru.yaml"
T = TypeVar("T")


def render(
    out: str | Path, *, cwd: Path | None = None, umask: int | None = None, stdout=None
) -> subprocess.CompletedProcess[str]:
    """`rnnspec render SPEC -o OUT` in a fresh interpreter, killed if it blocks."""
    return subprocess.run(
        [sys.executable, "-m", "rnnspec.cli", "render", str(SPEC), "-o", str(out)],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd or ROOT,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
        timeout=60,
    )


def render_here(out: Path) -> subprocess.CompletedProcess[str]:
    """`rnnspec render SPEC -o OUT` in this process: what the file system is left with
    is the same; `render` above is for what needs a process of its own."""
    return invoke("render", SPEC, "-o", out)


def listing(folder: Path) -> list[str]:
    """The folder's names; a leftover temporary file would show here."""
    return sorted(path.name for path in folder.iterdir())


def without_blocking(call: Callable[[], T]) -> T:
    """`call()` in a thread: a failure, not a hang, if it blocks (as opening a FIFO does)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "blocked: it opened a FIFO"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert (result.returncode, result.stderr, result.stdout) == (2, message + "\n", "")
