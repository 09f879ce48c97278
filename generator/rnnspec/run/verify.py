"""Smoke-test generated modules: workers import keras once each, then fork per module.

A worker (rnnspec/run/worker.py, a fresh interpreter started by path: the caller's
``__main__`` is never run again) imports the target's modules, then runs each module
it is given in a child of its own, as ``python module.py`` would. The modules are
spread over up to one worker per usable core; a worker costs an import of TensorFlow,
so one is started only for every MODULES_PER_WORKER modules. Each takes the next module
as it finishes one, so a module that hangs delays only its worker; a worker that dies
or stops answering fails its module and is replaced while modules wait. Results come
back in input order; when done, workers leave without TensorFlow's teardown.

Keras 3 picks its backend once, at ``import keras``, from ``KERAS_BACKEND``: a call's
workers all run one backend (``backend``, else the caller's ``KERAS_BACKEND``, else
TensorFlow), set in their environment before they import keras. A module that sets it
(or another ``KERAS_*`` variable) before its own ``import keras`` runs again in a fresh
interpreter, as ``python module.py`` would run it on its backend. A worker ends, with
every process its modules left, as soon as its parent (the caller's process) does.
"""

from __future__ import annotations

import ast
import importlib.util
import math
import os
import re
import shlex
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing import Pipe
from multiprocessing.connection import wait
from pathlib import Path

from . import worker
from .smoke_report import SmokeResult, format_failures, format_report
from ..targets import DEFAULT, Target, get_target
from .worker import Reply, one_line, status_text

__all__ = [
    "BACKENDS",
    "BackendMissing",
    "require_backend",
    "SmokeResult",
    "default_backend",
    "smoke_backends",
    "format_failures",
    "format_report",
    "result_of",
    "smoke_modules",
    "worker_count",
]

STARTUP_TIMEOUT = 300.0  # seconds allowed for the worker's keras import
REPLY_GRACE = 60.0  # seconds beyond a module's timeout for the worker to answer
STOP_GRACE = 5.0  # seconds a worker gets to leave before it is killed
MODULES_PER_WORKER = 3  # modules a worker must have (2 idle cores: 2 pay from ~4)
_LONGEST_WAIT = 3600.0  # seconds one wait may last (any finite timeout works)
BACKENDS = get_target(DEFAULT).backends  # Keras 3's: those rnnspec is tested on
_TENSOR_LINE = re.compile(r"^(\S+): (\([\d, ]*\))$", re.MULTILINE)

# Told as each module ends: (modules done, modules in all, the module's index).
Progress = Callable[[int, int, int], None]


def smoke_modules(
    paths: Sequence[Path],
    *,
    timeout: float = 300.0,
    target: str = DEFAULT,
    workers: int | None = None,
    progress: Progress | None = None,
    backend: str | None = None,
) -> list[SmokeResult]:
    """Run each module as ``__main__`` in its own forked process; results in input order.

    ``timeout`` (positive, finite) bounds each module's run, not a worker's import of
    the target's modules. ``workers`` caps how many run at once (default: by modules
    and usable cores). Should a worker die, a fresh one runs the modules left.
    ``backend``: one of BACKENDS (default: default_backend()); BackendMissing if
    it (or keras) is not installed.
    """
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive finite number, got {timeout!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers!r}")
    backend = default_backend() if backend is None else backend
    if backend not in BACKENDS:
        raise ValueError(
            f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}"
        )
    chosen = get_target(target)
    paths = [Path(path) for path in paths]
    results: list[SmokeResult | None] = [None] * len(paths)
    done = 0

    def record(index: int, reply: Reply, seconds: float) -> None:
        nonlocal done
        results[index] = result_of(paths[index], reply, seconds)
        done += 1
        if progress is not None:
            progress(done, len(paths), index)

    queue: deque[int] = deque()
    for index, path in enumerate(paths):
        start = time.perf_counter()
        reply = _syntax_error(path)
        if reply is None:
            queue.append(index)
        else:
            record(index, reply, time.perf_counter() - start)
    if queue:  # BackendMissing before any worker starts
        require_backend([backend], target)
        size = min(workers or worker_count(len(queue)), len(queue))
        _Pool(paths, timeout, chosen, backend, size, record).run(queue)
    return results


def default_backend() -> str:
    """The backend a smoke run gets unless told: ``KERAS_BACKEND`` if set, else
    tensorflow (as Keras itself, ignoring ~/.keras/keras.json). Not checked here."""
    return os.environ.get("KERAS_BACKEND") or "tensorflow"


def smoke_backends(given: Sequence[str], target: str = DEFAULT) -> list[str]:
    """The backends to run on, in order, each once: ``given``, else default_backend().
    A target that reads no KERAS_BACKEND (tf_keras) runs on its one backend only;
    ValueError says what is wrong, BackendMissing what is not installed.
    """
    backends = list(dict.fromkeys(given)) or [default_backend()]
    own = get_target(target).backends
    if not get_target(target).reads_keras_backend and backends != list(own):
        if given:
            raise ValueError(f"--target {target} runs on {own[0]} only")
        backends = list(own)  # KERAS_BACKEND is Keras 3's choice, not this target's
    elif backends[0] not in BACKENDS:  # given ones are checked by the command line
        raise ValueError(
            f"KERAS_BACKEND={backends[0]}: smoke runs on {', '.join(BACKENDS)}; "
            "set one of them or pass --backend"
        )
    require_backend(backends, target)
    return backends


class BackendMissing(Exception):
    """What running on a backend imports is not installed; one line says what to
    install, and which --backend could run instead."""


def require_backend(backends: Sequence[str], target: str = DEFAULT) -> None:
    """BackendMissing unless every package the target's worker imports on each of
    `backends` is installed (found, not imported: that is the worker's part)."""
    for backend in backends:
        _require(backend, get_target(target))


def _require(backend: str, chosen: Target) -> None:
    missing = [name for name in _needs(chosen, backend) if not _installed(name)]
    if missing:
        which = "which is" if len(missing) == 1 else "which are"
        raise BackendMissing(
            f"the {backend} backend needs {' and '.join(missing)}, {which} not "
            f"installed: pip install {_install(backend, chosen)}{_instead(backend, chosen)}"
        )


def _install(backend: str, chosen: Target) -> str:
    """What pip installs for `backend`: rnnspec's extra, else the target's packages."""
    if backend in chosen.extras:
        return shlex.quote(f"rnnspec[{backend}]")
    return " ".join(map(shlex.quote, chosen.dependencies[backend]))


def _instead(backend: str, chosen: Target) -> str:
    """The --backend that could run instead: an installed one, else the others."""
    others = [name for name in chosen.backends if name != backend]
    ready = [name for name in others if all(map(_installed, _needs(chosen, name)))]
    if ready:
        return f", or run on an installed one: --backend {ready[0]}"
    if not others:
        return ""
    extras = ", ".join(_install(name, chosen) for name in others)
    return f", or --backend {'|'.join(others)} with its extra ({extras})"


def _needs(target: Target, backend: str) -> tuple[str, ...]:
    """The top-level packages a worker imports to run `target`'s modules on `backend`
    (Keras 3's backends are packages of the same name)."""
    return tuple(dict.fromkeys((*target.preload, backend)))


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # a finder that refuses it, as one does for a missing package
        return False
    except ValueError:  # imported already, with no __spec__
        return True


def result_of(path: Path, reply: Reply, seconds: float = 0.0) -> SmokeResult:
    """The result for a module's (ok, error, output), the tensors read from its output."""
    ok, error, output = reply
    tensors = tuple(_TENSOR_LINE.findall(output))
    return SmokeResult(path, ok, tensors, error, output, seconds)


def worker_count(modules: int) -> int:
    """How many workers pay for ``modules`` modules: one per core the process may
    use, one per MODULES_PER_WORKER modules, at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, modules // MODULES_PER_WORKER))


def _syntax_error(path: Path) -> Reply | None:
    """A failure reply if the file cannot be read or parsed, else None."""
    if path.exists() and not path.is_file():  # a FIFO would block the read
        return False, f"{path}: not a regular file", ""
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        return False, one_line(exc), ""
    return None


class _Worker:
    """The parent's handle on one worker process: starting, idle, or running a module."""

    def __init__(self, target: Target, backend: str) -> None:
        self.conn, theirs = Pipe()
        try:
            self.process = subprocess.Popen(
                worker.command(theirs.fileno(), target.preload, target.eager),
                env={**os.environ, "KERAS_BACKEND": backend},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # the caller's stdout is the report's
                pass_fds=(theirs.fileno(),),
            )
        except BaseException:
            self.conn.close()
            raise
        finally:
            theirs.close()
        self.ready = False
        self.index: int | None = None  # the module it runs
        self.sent = 0.0  # when it was sent (perf_counter)
        self.deadline = time.monotonic() + STARTUP_TIMEOUT

    def send(self, index: int, path: Path, timeout: float) -> None:
        """Have the worker run ``path``; a dead worker shows up as EOF."""
        self.index, self.sent = index, time.perf_counter()
        self.deadline = time.monotonic() + timeout + REPLY_GRACE
        try:
            self.conn.send((str(path), timeout))
        except OSError:
            pass

    def receive(self) -> Reply | None:
        """Its reply, or None if it is gone."""
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return None

    def stop(self, grace: float) -> int | None:
        """End the process: end of input (Ctrl-C if busy, so that its module's
        processes go too), then a kill after ``grace`` seconds; reaped. Its exit code.
        """
        self.conn.close()
        if self.index is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


class _Pool:
    """The workers of one smoke_modules call, handing out the modules in order."""

    def __init__(
        self,
        paths: list[Path],
        timeout: float,
        target: Target,
        backend: str,
        size: int,
        record: Callable[[int, Reply, float], None],
    ) -> None:
        self._paths, self._timeout, self._target = paths, timeout, target
        self._backend = backend
        self._size, self._record = size, record
        self._workers: list[_Worker] = []
        self._startup_error: Reply | None = None  # once one fails, none is started

    def run(self, queue: deque[int]) -> None:
        """Run every module in ``queue``; each result goes to ``record``."""
        try:
            while queue or any(w.index is not None for w in self._workers):
                self._staff(queue)
                if not self._workers:  # none could start: every module left fails
                    self._fail_all(queue)
                    return
                for each in list(self._workers):
                    if each.ready and each.index is None and queue:
                        index = queue.popleft()
                        each.send(index, self._paths[index], self._timeout)
                    elif each.ready and each.index is None:  # nothing left for it
                        self._workers.remove(each)
                        each.stop(STOP_GRACE)
                self._answer(queue)
        finally:
            for each in self._workers:  # all told first: they leave side by side
                each.conn.close()
            for each in self._workers:
                each.stop(STOP_GRACE)

    def _staff(self, queue: deque[int]) -> None:
        """Start workers up to the pool's size while as many modules wait."""
        while self._startup_error is None and len(self._workers) < min(
            self._size, len(queue)
        ):
            try:
                self._workers.append(_Worker(self._target, self._backend))
            except OSError as exc:
                self._startup_error = (
                    False,
                    f"worker failed to start: {one_line(exc)}",
                    "",
                )

    def _answer(self, queue: deque[int]) -> None:
        """Wait for the next replies or deadline; take each."""
        soonest = min(each.deadline for each in self._workers)
        left = min(max(soonest - time.monotonic(), 0.0), _LONGEST_WAIT)
        readable = wait([each.conn for each in self._workers], left)
        for each in list(self._workers):
            if each.conn in readable:
                self._take(each, each.receive())
            elif each.deadline <= time.monotonic():
                limit = self._timeout + REPLY_GRACE if each.ready else STARTUP_TIMEOUT
                self._drop(each, 0.0, f"worker gave no answer within {limit:g} s")

    def _take(self, each: _Worker, reply: Reply | None) -> None:
        """A worker's reply: ready, a module's result, or (None) its death."""
        if reply is None:
            self._drop(each, STOP_GRACE, None)
        elif not each.ready:
            if reply[0]:
                each.ready, each.deadline = True, math.inf
            else:
                self._startup_failed(each, reply)
        else:
            self._record(each.index, reply, time.perf_counter() - each.sent)
            each.index, each.deadline = None, math.inf

    def _drop(self, each: _Worker, grace: float, why: str | None) -> None:
        """Stop a worker that died (``why`` None) or gave no answer in time."""
        self._workers.remove(each)
        code = each.stop(grace)
        error = why or f"worker {status_text(code)}"
        if not each.ready:
            self._startup_failed(None, (False, error, ""))
        elif each.index is not None:
            seconds = time.perf_counter() - each.sent
            self._record(each.index, (False, error, ""), seconds)

    def _startup_failed(self, each: _Worker | None, reply: Reply) -> None:
        """No worker is started again; the first failure is what modules left get."""
        if each is not None:
            self._workers.remove(each)
            each.stop(STOP_GRACE)
        if self._startup_error is None:
            _, error, output = reply
            self._startup_error = (False, f"worker failed to start: {error}", output)

    def _fail_all(self, queue: deque[int]) -> None:
        """Every module left fails with the startup error (its output shown once)."""
        reply = self._startup_error
        while queue:
            self._record(queue.popleft(), reply, 0.0)
            reply = (*reply[:2], "")
