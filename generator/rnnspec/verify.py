"""Smoke-test generated modules: one worker imports keras once, then forks per module.

Each module runs in a child forked from the worker right after its keras import, in
a process group of its own, so nothing a module does (its working directory,
environment, ``sys.path``, imports, keras state, a patched library, a leftover
process) reaches the next one. The child's stdout and stderr file descriptors point
at a private file, and its exit status decides, as for ``python module.py``: 0 passes,
any other code, an uncaught exception or a signal fails.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import importlib
import math
import multiprocessing
import os
import re
import runpy
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn

from .smoke_report import SmokeResult, format_failures, format_report
from .targets import DEFAULT, get_target

__all__ = ["SmokeResult", "format_failures", "format_report", "smoke_modules"]

STARTUP_TIMEOUT = 300.0  # seconds allowed for the worker's keras import
REPLY_GRACE = 60.0  # seconds beyond a module's timeout for the worker to answer
OUTPUT_LIMIT = 1 << 20  # bytes of a module's output kept, from its end
_POLL = 0.005  # seconds between checks whether a child has exited
_TENSOR_LINE = re.compile(r"^(\S+): (\([\d, ]*\))$", re.MULTILINE)

# What the worker sends back per request: (ok, error, output).
_Reply = tuple[bool, str | None, str]


def smoke_modules(
    paths: Sequence[Path], *, timeout: float = 300.0, target: str = DEFAULT
) -> list[SmokeResult]:
    """Run each module as ``__main__`` in its own forked process; results in input order.

    ``timeout`` (positive, finite) bounds each module's run, not the worker's import of
    the target's modules. Should the worker itself die, a fresh one runs the rest.
    """
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive finite number, got {timeout!r}")
    with _Worker(timeout, get_target(target).preload) as worker:
        return [worker.smoke(Path(path)) for path in paths]


def _syntax_error(path: Path) -> _Reply | None:
    """A failure reply if the file cannot be read or parsed, else None."""
    if path.exists() and not path.is_file():  # a FIFO would block the read
        return False, f"{path}: not a regular file", ""
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
    """The parent's handle on a spawned process that has imported keras.

    The process is replaced should it die or stop answering.
    """

    def __init__(self, timeout: float, preload: tuple[str, ...]) -> None:
        self._timeout = timeout
        self._preload = preload
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._startup_error: str | None = None

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop(grace=5.0)

    def smoke(self, path: Path) -> SmokeResult:
        """Check ``path`` parses, then have the (started) worker run it."""
        start = time.perf_counter()
        reply = _syntax_error(path) or self._start()
        if reply is None:
            start = time.perf_counter()
            with contextlib.suppress(OSError):  # a dead worker shows up as EOF below
                self._conn.send((str(path), self._timeout))
            reply = self._receive(self._timeout + REPLY_GRACE)
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
        self._process = context.Process(
            target=_serve, args=(child_conn, self._preload), daemon=True
        )
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
        if not _poll(self._conn, timeout):
            self._stop(grace=0.0)
            return False, f"worker gave no answer within {timeout:g} s", ""
        try:
            return self._conn.recv()
        except EOFError:
            code = self._stop(grace=5.0)
        return False, f"worker {_status_text(code)}", ""

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


def _poll(conn: Connection, timeout: float) -> bool:
    """Whether ``conn`` has data within ``timeout`` seconds (any finite length)."""
    deadline = time.monotonic() + timeout
    while not conn.poll(min(max(deadline - time.monotonic(), 0.0), 3600.0)):
        if time.monotonic() >= deadline:
            return False
    return True


def _status_text(code: int | None) -> str:
    """How a process ended, from its exit code (negative: the signal)."""
    if code is None or code >= 0:
        return f"exited with code {code}"
    try:
        name = f" ({signal.Signals(-code).name})"
    except ValueError:
        name = ""
    return f"killed by signal {-code}{name}"


def _serve(conn: Connection, preload: tuple[str, ...]) -> None:
    """Worker loop: import the target's modules, report ready, then run each module
    in a child, which inherits them imported."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    try:
        with _fd_silenced(1), _fd_silenced(2):  # TensorFlow's import chatter
            for name in preload:
                importlib.import_module(name)
    except BaseException as exc:
        conn.send((False, _one_line(exc), traceback.format_exc()))
        return
    conn.send((True, None, ""))
    while True:
        try:
            path, timeout = conn.recv()
            conn.send(_run_forked(path, timeout, conn.fileno()))
        except (EOFError, BrokenPipeError, KeyboardInterrupt):  # parent gone, Ctrl-C
            return


def _run_forked(path: str, timeout: float, worker_fd: int) -> _Reply:
    """Run ``path`` in a forked child; after it ends, kill what is left of its group."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as reason:
        for stream in (sys.stdout, sys.stderr):  # nothing of ours printed twice
            if stream is not None:
                stream.flush()
        with warnings.catch_warnings():  # Python 3.12+ warns of fork with threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _child(path, output.fileno(), reason.fileno(), worker_fd)
        with contextlib.suppress(OSError):  # the child does the same; first one wins
            os.setpgid(pid, pid)
        status = None
        try:
            status = _wait(pid, timeout)
        finally:  # also on KeyboardInterrupt: the module's processes go with us
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            if status is None:
                os.waitpid(pid, 0)
        text = _tail(output)
        if status is None:
            return False, f"timed out after {timeout:g} s", text
        code = os.waitstatus_to_exitcode(status)
        if code == 0:
            return True, None, text
        reason.seek(0)
        why = reason.read().decode("utf-8", "replace").strip()
        return False, why or _status_text(code), text


def _wait(pid: int, timeout: float) -> int | None:
    """The child's wait status once it exits, or None if ``timeout`` passes first.

    Exit is seen by waitpid, not by the end of its output, which a process the
    module started may hold open.
    """
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        time.sleep(min(left, _POLL))


def _tail(file: IO[bytes]) -> str:
    """The last OUTPUT_LIMIT bytes of ``file``, decoded."""
    size = file.seek(0, os.SEEK_END)
    file.seek(max(size - OUTPUT_LIMIT, 0))
    text = file.read().decode("utf-8", "replace")
    return (
        text if size <= OUTPUT_LIMIT else f"[{size - OUTPUT_LIMIT} bytes cut]\n{text}"
    )


def _child(path: str, output_fd: int, reason_fd: int, worker_fd: int) -> NoReturn:
    """In the forked child: run ``path`` as ``python path`` would, exit with its code."""
    code = 1
    try:
        os.setpgid(0, 0)
        os.close(worker_fd)  # the line to the parent is the worker's, not the module's
        _redirect_std_fds(output_fd)
        code, reason = _run_main(path)
        if reason:
            with open(reason_fd, "w", encoding="utf-8", closefd=False) as file:
                file.write(reason)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _redirect_std_fds(output_fd: int) -> None:
    """stdin from /dev/null; stdout and stderr, line-buffered, to ``output_fd``."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = open(  # noqa: SIM115 - lives as long as the process
            fd,
            "w",
            buffering=1,
            encoding="utf-8",
            errors="backslashreplace",
            closefd=False,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _run_main(path: str) -> tuple[int, str | None]:
    """Run ``path`` as ``__main__``: the exit code ``python path`` would give, and why."""
    sys.argv = [path]
    sys.path[:1] = [os.path.dirname(os.path.abspath(path))]
    if "numpy" in sys.modules:  # fresh entropy, as a fresh process would have
        sys.modules["numpy"].random.seed()
    atexit._clear()  # the worker's exit handlers are not the module's
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:
        code, reason = _exit_code(exc)
    except BaseException as exc:
        exc.__traceback__ = _module_frames(exc, path)  # from the module down
        sys.excepthook(type(exc), exc, exc.__traceback__)
        code, reason = 1, _one_line(exc)
    else:
        code, reason = 0, None
    atexit._run_exitfuncs()
    return code, reason


def _exit_code(exc: SystemExit) -> tuple[int, str | None]:
    """As ``python`` takes an uncaught SystemExit: None is 0, an int is the code."""
    if exc.code is None:
        return 0, None
    if isinstance(exc.code, int):
        return exc.code & 0xFF, _one_line(exc)
    print(exc.code, file=sys.stderr)
    return 1, _one_line(exc)


def _module_frames(exc: BaseException, path: str) -> TracebackType | None:
    """The traceback of ``exc`` from the module's first frame (runpy's cut off)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    return tb or exc.__traceback__


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
