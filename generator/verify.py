"""Smoke-test generated modules in one long-lived worker that imports keras once."""

from __future__ import annotations

import ast
import contextlib
import io
import multiprocessing
import os
import re
import runpy
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

STARTUP_TIMEOUT = 300.0  # seconds allowed for the worker's keras import
_TENSOR_LINE = re.compile(r"^(\S+): (\([\d, ]*\))$", re.MULTILINE)

# What the worker sends back per request: (ok, error, output).
_Reply = tuple[bool, str | None, str]


@dataclass(frozen=True)
class SmokeResult:
    """The outcome of running one module as ``__main__``."""

    path: Path
    ok: bool
    tensors: tuple[tuple[str, str], ...]
    error: str | None
    output: str
    seconds: float


def smoke_modules(
    paths: Sequence[Path], *, timeout: float = 300.0
) -> list[SmokeResult]:
    """Run each module as ``__main__`` in a shared worker; results in input order.

    ``timeout`` bounds each module's run, not the worker's keras import. A module
    that hangs or kills the worker fails, and a fresh worker runs the rest.
    """
    with _Worker(timeout) as worker:
        return [worker.smoke(Path(path)) for path in paths]


def format_report(
    results: Sequence[SmokeResult], names: Sequence[str] | None = None
) -> str:
    """A plain-text table of results, ending with ``N modules: P passed, F failed``."""
    names = [result.path.name for result in results] if names is None else names
    rows = [("module", "result", "tensor", "shape")]
    for name, result in zip(names, results, strict=True):
        if not result.ok:
            rows.append((name, "FAIL", result.error or "", ""))
            continue
        for i, (tensor, shape) in enumerate(result.tensors or [("", "")]):
            rows.append(
                (name, "ok", tensor, shape) if i == 0 else ("", "", tensor, shape)
            )
    module_width = max(len(row[0]) for row in rows)
    tensor_width = max(len(row[2]) for row in rows if row[1] != "FAIL")
    lines = [  # an error sits in the tensor column and overflows it
        f"{module:<{module_width}}  {outcome:<6}  {tensor:<{tensor_width}}  {shape}"
        for module, outcome, tensor, shape in rows
    ]
    passed = sum(result.ok for result in results)
    failed = len(results) - passed
    lines.append(f"{len(results)} modules: {passed} passed, {failed} failed")
    return "\n".join(line.rstrip() for line in lines)


def _syntax_error(path: Path) -> _Reply | None:
    """A failure reply if the file cannot be read or parsed, else None."""
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        return False, _one_line(exc), ""
    return None


def _one_line(exc: BaseException) -> str:
    """``Type: message`` with the message's lines joined."""
    message = " ".join(line.strip() for line in str(exc).splitlines())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class _Worker:
    """Runs modules in a spawned process that has imported keras.

    The process is replaced after a module hangs or kills it.
    """

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._startup_error: str | None = None

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop(grace=5.0)

    def smoke(self, path: Path) -> SmokeResult:
        """Check ``path`` parses, then run it in the (started) process."""
        start = time.perf_counter()
        reply = _syntax_error(path) or self._start()
        if reply is None:
            start = time.perf_counter()
            with contextlib.suppress(OSError):  # a dead worker shows up as EOF below
                self._conn.send(str(path))
            reply = self._receive(self._timeout)
        ok, error, output = reply
        tensors = tuple(_TENSOR_LINE.findall(output))
        return SmokeResult(
            path, ok, tensors, error, output, time.perf_counter() - start
        )

    def _start(self) -> _Reply | None:
        """Make sure a ready process runs; a failure reply if none can start."""
        if self._startup_error:
            return False, self._startup_error, ""
        if self._process is not None:
            return None
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_conn,), daemon=True)
        self._process.start()
        child_conn.close()
        ok, error, output = self._receive(STARTUP_TIMEOUT)
        if ok:
            return None
        self._startup_error = f"worker failed to start: {error}"
        self._stop(grace=5.0)
        return False, self._startup_error, output

    def _receive(self, timeout: float) -> _Reply:
        """The process's next reply, or a failure if it hangs or dies first."""
        if not self._conn.poll(timeout):
            self._stop(grace=0.0)
            return False, f"timed out after {timeout:g} s", ""
        try:
            return self._conn.recv()
        except EOFError:
            code = self._stop(grace=5.0)
        if code is not None and code < 0:
            return False, f"worker crashed (signal {-code})", ""
        return False, f"worker exited with code {code}", ""

    def _stop(self, grace: float) -> int | None:
        """End the process (killing it after ``grace`` seconds); its exit code."""
        if self._process is None:
            return None
        self._conn.close()
        self._process.join(grace)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        code = self._process.exitcode
        self._process = self._conn = None
        return code


def _serve(conn: Connection) -> None:
    """Worker loop: import keras, report ready, then run each path received."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    try:
        with _fd_silenced(2):  # TensorFlow's import chatter bypasses the log level
            import keras
    except BaseException as exc:
        conn.send((False, _one_line(exc), traceback.format_exc()))
        return
    conn.send((True, None, ""))
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        keras.backend.clear_session()
        conn.send(_run(path))


def _run(path: str) -> _Reply:
    """Run ``path`` as ``__main__``, capturing what it prints via Python."""
    buffer = io.StringIO()
    ok, error = True, None
    sys.argv = [path]  # as `python path` would have it, not the parent's arguments
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (0, None):
                ok, error = False, _one_line(exc)
        except BaseException as exc:
            ok, error = False, _one_line(exc)
            traceback.print_exc()
    return ok, error, buffer.getvalue()


@contextlib.contextmanager
def _fd_silenced(fd: int) -> Iterator[None]:
    """Point file descriptor ``fd`` at /dev/null for the duration."""
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
