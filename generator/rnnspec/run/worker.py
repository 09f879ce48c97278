"""The smoke worker: a fresh interpreter that imports keras once, then forks per module.

Started by `verify.py` as ``python -P .../rnnspec/run/worker.py FD OWNER MODULE...``: by
path, so neither the caller's ``__main__`` nor the rnnspec package is imported again
(this file needs the standard library only), and with ``-P``, so its own folder is no
place to import from. It imports the target's MODULEs, says whether that worked, then
answers ``(path, timeout)`` requests on the connection at file descriptor FD, one at a
time, with ``(ok, error, output)``. End of input is the stop message: it leaves with
``os._exit``, so nobody waits for TensorFlow's teardown. OWNER is the pid of the
process that started it, its parent: once that is gone (killed, even by SIGKILL), the
worker ends at once, with every process below it.

Each module runs in a child forked right after the import, in a process group of its
own, so nothing a module does (its working directory, environment, ``sys.path``,
imports, keras state, a patched library) reaches the next one. The child's stdout and
stderr file descriptors point at a private file, and its exit status decides, as for
``python module.py``: 0 passes, any other code, an uncaught exception or a signal
fails. As python does, the child waits for the module's non-daemon threads before
its exit handlers, so a thread's ``os._exit(3)`` is the module's exit code. A module
that changes what keras reads at import (``KERAS_BACKEND``, ``KERAS_HOME``, ...)
before it imports keras starts again in a fresh interpreter, as ``python module.py``
would run it. On Linux the worker is a child subreaper: whatever a module leaves
running (in another process group or session too) becomes the worker's child when its
parent ends, and is killed before the module's result is sent.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import select
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from functools import cache
from multiprocessing.connection import Connection
from types import ModuleType, TracebackType
from typing import IO, NoReturn

OUTPUT_LIMIT = 1 << 20  # bytes of a module's output kept, from its end
_POLL = 0.005  # seconds between checks whether a child has exited
_OWNER_POLL = 0.1  # seconds between checks for the owner where no pidfd is to be had
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends
_PR_SET_CHILD_SUBREAPER = 36  # prctl(2): orphans below a process become its children

# What the worker sends back per request: (ok, error, output).
Reply = tuple[bool, str | None, str]

_sweeping = threading.Lock()  # one thread at a time kills what is left; held to exit
_start_env: dict[str, str] = {}  # the worker's environment before its imports
_keras_env: dict[str, str] = {}  # what keras read of it at import (KERAS_*)
_output_copy: list[int] = []  # in a module's child: its output file, kept from fd 1
EAGER = "--eager"  # in the command line: what follows are functions to call with True


def command(fd: int, preload: Sequence[str], eager: Sequence[str] = ()) -> list[str]:
    """The command line that starts a worker answering on file descriptor ``fd``; the
    caller is its owner, and must be its parent. ``eager``: functions (dotted names)
    the worker calls with True after its imports, where their package is imported,
    so that a module's compiled functions (its training step) run eagerly."""
    worker = os.path.abspath(__file__)
    owner = str(os.getpid())
    return [sys.executable, "-P", worker, str(fd), owner, *preload, EAGER, *eager]


def call_with_true(dotted: str) -> None:
    """``package.module.function(True)``, where the package is imported already."""
    module, _, function = dotted.rpartition(".")
    if module.split(".")[0] in sys.modules:
        getattr(importlib.import_module(module), function)(True)


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
    """Serve on the connection at ``argv[1]`` for the owner ``argv[2]``, having
    imported ``argv[3:]`` (up to EAGER; what follows it is called with True)."""
    owner = int(argv[2])
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # while importing: nothing to clean up
    if os.getppid() != owner:  # it ended before the line above took effect
        os._exit(1)
    # Named: an unnamed one would take "Thread-1" from the modules' threads.
    threading.Thread(
        target=_leave_with, args=(owner,), name="rnnspec-owner", daemon=True
    ).start()
    names = list(argv[3:])
    split = names.index(EAGER) if EAGER in names else len(names)
    serve(Connection(int(argv[1])), tuple(names[:split]), tuple(names[split + 1 :]))
    _leave(0)


def serve(
    conn: Connection, preload: tuple[str, ...], eager: tuple[str, ...] = ()
) -> None:
    """Import the target's modules and switch its compiled functions to eager, report
    ready, then run each module in a child, which inherits them imported; return at
    end of input or on Ctrl-C."""
    # TensorFlow's C++ log lines, errors included ("oneDNN supports DT_BOOL only on
    # ..."), are not a module's output; a real failure raises in Python.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    _start_env.update(os.environ)
    _keras_env.update(_keras_settings())
    try:
        with _fd_silenced(1), _fd_silenced(2):  # TensorFlow's import chatter
            for name in preload:
                importlib.import_module(name)
            for name in eager:
                call_with_true(name)
    except BaseException as exc:
        conn.send((False, one_line(exc), traceback.format_exc()))
        return
    _prctl(_PR_SET_PDEATHSIG, 0)  # from here on, _leave_with ends what modules leave
    conn.send((True, None, ""))
    while True:
        try:
            path, timeout = conn.recv()
            conn.send(_run_forked(path, timeout, conn.fileno()))
        except (EOFError, OSError, KeyboardInterrupt):  # parent done or gone, Ctrl-C
            return


def _run_forked(path: str, timeout: float, worker_fd: int) -> Reply:
    """Run ``path`` in a forked child; after it ends, kill what is left of its group
    and every other process it left."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as reason:
        for stream in (sys.stdout, sys.stderr):  # nothing of ours printed twice
            if stream is not None:
                stream.flush()
        worker = os.getpid()
        with warnings.catch_warnings():  # Python 3.12+ warns of fork with threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _child(path, output.fileno(), reason.fileno(), worker_fd, worker)
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
            with _sweeping:
                _end_descendants()
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


def _child(
    path: str, output_fd: int, reason_fd: int, worker_fd: int, worker: int
) -> NoReturn:
    """In the forked child: run ``path`` as ``python path`` would, exit with its code."""
    code = 1
    try:
        os.setpgid(0, 0)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # no module outlives its worker
        if os.getppid() != worker:  # it ended before the line above took effect
            os._exit(1)
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
    _output_copy.append(output_fd)  # not inherited: a module's own processes lack it
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
    if "keras" in sys.modules:  # the module's own import of keras is checked
        sys.meta_path.insert(0, _HeldKeras(path, os.getcwd()))
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
    # As python's exit: wait for the non-daemon threads (one may end the process
    # with its own code), then run the exit handlers.
    threading._shutdown()  # type: ignore[attr-defined]
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


def _keras_settings() -> dict[str, str]:
    """The environment variables keras 3 reads when it is imported."""
    return {key: value for key, value in os.environ.items() if key.startswith("KERAS_")}


class _HeldKeras(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Keeps the preloaded keras out of ``sys.modules`` until the module imports it.

    Then it is handed back as it was, unless the module changed what keras reads at
    import (KERAS_BACKEND, ...) since the worker imported it: the module then starts
    again in a fresh interpreter (its output so far dropped), where its keras
    reads them, as under ``python module.py``.
    """

    def __init__(self, path: str, cwd: str) -> None:
        self._path, self._cwd = path, cwd
        names = [name for name in sys.modules if name.split(".")[0] == "keras"]
        self._held = {name: sys.modules.pop(name) for name in names}
        self._spec = self._held["keras"].__spec__

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "keras":  # its submodules are imported after it
            return None
        if _keras_settings() != _keras_env:
            _run_fresh(self._path, self._cwd)
        return importlib.machinery.ModuleSpec("keras", self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        sys.meta_path.remove(self)
        keras = self._held.pop("keras")
        sys.modules.update(self._held)
        return keras

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self._spec  # the import set ours


def _run_fresh(path: str, cwd: str) -> NoReturn:
    """Become ``python path`` in the worker's starting environment and ``cwd``,
    the output written so far dropped."""
    if _output_copy:  # the module may have pointed fd 1 and 2 elsewhere (a capture)
        os.dup2(_output_copy[0], 1)
        os.dup2(_output_copy[0], 2)
    with contextlib.suppress(OSError):  # fd 1 and 2 share one file and offset
        os.ftruncate(1, 0)
        os.lseek(1, 0, os.SEEK_SET)
    os.chdir(cwd)
    os.execve(sys.executable, [sys.executable, path], _start_env)


def _leave_with(owner: int) -> None:
    """Wait for the owner (the worker's parent) to end, then end the worker and
    every process below it, whatever the main thread is doing."""
    try:
        pidfd = os.pidfd_open(owner)
    except (AttributeError, OSError):  # not Linux or too old; or gone already
        pidfd = None
    if pidfd is not None and os.getppid() == owner:  # so the pidfd is the parent's
        select.select([pidfd], [], [])  # readable once it has ended
    while pidfd is None and os.getppid() == owner:
        time.sleep(_OWNER_POLL)
    _leave(1)


def _leave(code: int) -> NoReturn:
    """Exit at once, after killing whatever the modules left."""
    _sweeping.acquire()  # never given back: the other thread's sweep ends first
    _end_descendants()
    os._exit(code)


def _end_descendants() -> None:
    """Kill and reap every process below this one. As a subreaper, it adopts the
    processes whose parent ends, so its own children are all there is to find:
    killed, reaped, then looked for again, until it has none."""
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:  # those that ended
                pass
        except ChildProcessError:  # no child at all: nothing below it either
            return
        children = _children()
        if not children:  # no /proc to look in
            return
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _children() -> list[int]:
    """This process's children, from /proc (empty where there is none)."""
    me, found = os.getpid(), []
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as file:
                    stat = file.read()
            except OSError:  # it ended meanwhile
                continue
            if int(stat.rsplit(b")", 1)[1].split()[1]) == me:
                found.append(int(name))
    return found


def _prctl(option: int, value: int) -> bool:
    """prctl(2) with one argument; False where refused or not Linux."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    prctl = _libc().prctl
    args = (ctypes.c_ulong(value), *[ctypes.c_ulong(0)] * 3)
    return prctl(ctypes.c_int(option), *args) == 0


@cache
def _libc():  # noqa: ANN202 - a ctypes library
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


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
