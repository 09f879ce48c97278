"""The smoke worker: a fresh interpreter that imports keras once, then forks per module.

Started by `verify.py` as ``python -P .../rnnspec/worker.py FD MODULE...``: by path, so
neither the caller's ``__main__`` nor the rnnspec package is imported again (this file
needs the standard library only), and with ``-P``, so its own folder is no place to
import from. It imports the target's MODULEs, says whether that worked, then answers
``(path, timeout)`` requests on the connection at file descriptor FD, one at a time,
with ``(ok, error, output)``. End of input is the stop message: it leaves with
``os._exit``, so nobody waits for TensorFlow's teardown.

Each module runs in a child forked right after the import, in a process group of its
own, so nothing a module does (its working directory, environment, ``sys.path``,
imports, keras state, a patched library, a leftover process) reaches the next one. The
child's stdout and stderr file descriptors point at a private file, and its exit status
decides, as for ``python module.py``: 0 passes, any other code, an uncaught exception
or a signal fails.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import runpy
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import IO, NoReturn

OUTPUT_LIMIT = 1 << 20  # bytes of a module's output kept, from its end
_POLL = 0.005  # seconds between checks whether a child has exited

# What the worker sends back per request: (ok, error, output).
Reply = tuple[bool, str | None, str]


def command(fd: int, preload: Sequence[str]) -> list[str]:
    """The command line that starts a worker answering on file descriptor ``fd``."""
    return [sys.executable, "-P", os.path.abspath(__file__), str(fd), *preload]


def one_line(exc: BaseException) -> str:
    """``Type: message`` with the message's lines joined."""
    message = " ".join(line.strip() for line in str(exc).splitlines())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def status_text(code: int | None) -> str:
    """How a process ended, from its exit code (negative: the signal)."""
    if code is None or code >= 0:
        return f"exited with code {code}"
    try:
        name = f" ({signal.Signals(-code).name})"
    except ValueError:
        name = ""
    return f"killed by signal {-code}{name}"


def main(argv: Sequence[str]) -> NoReturn:
    """Serve on the connection at ``argv[1]``, having imported ``argv[2:]``."""
    serve(Connection(int(argv[1])), tuple(argv[2:]))
    os._exit(0)  # no teardown of what the modules imported


def serve(conn: Connection, preload: tuple[str, ...]) -> None:
    """Import the target's modules, report ready, then run each module in a child,
    which inherits them imported; return at end of input or on Ctrl-C."""
    # TensorFlow's C++ log lines, errors included ("oneDNN supports DT_BOOL only on
    # ..."), are not a module's output; a real failure raises in Python.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        with _fd_silenced(1), _fd_silenced(2):  # TensorFlow's import chatter
            for name in preload:
                importlib.import_module(name)
    except BaseException as exc:
        conn.send((False, one_line(exc), traceback.format_exc()))
        return
    conn.send((True, None, ""))
    while True:
        try:
            path, timeout = conn.recv()
            conn.send(_run_forked(path, timeout, conn.fileno()))
        except (EOFError, OSError, KeyboardInterrupt):  # parent done or gone, Ctrl-C
            return


def _run_forked(path: str, timeout: float, worker_fd: int) -> Reply:
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
        return False, why or status_text(code), text


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
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))  # -P left no folder
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
        code, reason = 1, one_line(exc)
    else:
        code, reason = 0, None
    atexit._run_exitfuncs()
    return code, reason


def _exit_code(exc: SystemExit) -> tuple[int, str | None]:
    """As ``python`` takes an uncaught SystemExit: None is 0, an int is the code."""
    if exc.code is None:
        return 0, None
    if isinstance(exc.code, int):
        return exc.code & 0xFF, one_line(exc)
    print(exc.code, file=sys.stderr)
    return 1, one_line(exc)


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


if __name__ == "__main__":
    main(sys.argv)
