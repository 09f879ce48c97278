"""One smoke worker per test process, and one run of each module per test session, for
tests that only need results.

`shared(smoke_modules)` answers like `smoke_modules`. Modules it has not seen run on
this process's session worker: rnnspec/run/worker.py, started on first use, so TensorFlow
is imported once per test process; each module still runs in a child forked for it, as
`smoke_modules` runs it. Passing results are kept in a JSON file in the session's
scratch folder (conftest.py), shared by the xdist workers under a lock, keyed by the
module's bytes and the target, and given to any call with at least the timeout they
ran under. A golden module's result (what the docs and the command line render) comes
from the session's probe run on TensorFlow (tests/support/probes.py), so it is built
and run once whichever test asks. A file that cannot be parsed, another target, or a worker that fails
goes to the real `smoke_modules`. Isolation, timeouts and pools are tested for real
in test_verify.py and test_smoke_workers.py.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

from rnnspec.run import worker
from rnnspec.run.smoke_report import SmokeResult
from rnnspec.targets import DEFAULT, get_target
from rnnspec.run.verify import default_backend, result_of
from rnnspec.run.verify import smoke_modules as real_smoke_modules

from .probes import REFERENCE, SCRATCH, probed, smoke_of

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
PROBED_FROM = 60.0  # seconds: a call with a shorter timeout runs its golden modules
STARTUP_TIMEOUT = 300.0  # seconds for the session worker's import of keras
REPLY_GRACE = 60.0  # seconds beyond a module's timeout for the worker to answer
STOP_GRACE = 5.0  # seconds the worker gets to leave before it is killed

Smoke = Callable[..., list[SmokeResult]]


class SessionWorker:
    """rnnspec/run/worker.py, kept for the test process: keras imported once, then a
    forked child per module. It is this process's child and leaves when its end of
    the pipe closes, or at once, with whatever its module left running, when this
    process ends however it ends (killed too): the worker watches its parent."""

    def __init__(self) -> None:
        self._conn, theirs = Pipe()
        target = get_target(DEFAULT)
        command = worker.command(theirs.fileno(), target.preload, target.eager)
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # its stderr is ours
                pass_fds=(theirs.fileno(),),
            )
        finally:
            theirs.close()
        ok, error, output = self._receive(STARTUP_TIMEOUT)
        if not ok:
            self.stop()
            raise RuntimeError(f"the session's smoke worker failed: {error}\n{output}")

    def run(self, path: Path, timeout: float) -> SmokeResult:
        """Run ``path`` as ``__main__`` in a child of the worker."""
        start = time.perf_counter()
        self._conn.send((str(path), timeout))
        reply = self._receive(timeout + REPLY_GRACE)
        return result_of(path, reply, time.perf_counter() - start)

    def _receive(self, seconds: float) -> tuple[bool, str | None, str]:
        if not self._conn.poll(seconds):
            self.stop(kill=True)
            raise TimeoutError(
                f"the session's smoke worker gave no answer in {seconds} s"
            )
        return self._conn.recv()

    def stop(self, kill: bool = False) -> None:
        """End of input, so it leaves (``kill``: as one that is stuck, Ctrl-C first,
        so that it kills its module's processes); killed after a grace; reaped."""
        self._conn.close()
        if kill:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_worker: SessionWorker | None = None


def session_worker() -> SessionWorker:
    """This process's session worker, started on first use."""
    global _worker
    if _worker is None:
        _worker = SessionWorker()
    return _worker


def session_worker_pid() -> int | None:
    """The pid of this process's session worker, if one runs (a child of ours)."""
    return None if _worker is None else _worker.process.pid


def stop_session_worker() -> None:
    global _worker
    if _worker is not None:
        _worker, running = None, _worker
        running.stop()


def run_alone(path: Path, timeout: float = 300.0) -> SmokeResult:
    """One module's run on the session worker (or for real), not kept: a run whose
    result is the test's own, such as a generated project's test suite."""
    return _run(real_smoke_modules, [path], timeout, DEFAULT)[0]


def shared(real: Smoke) -> Smoke:
    """`real` (verify.smoke_modules) behind the session's worker and kept results."""

    def smoke_modules(
        paths: Sequence[Path],
        *,
        timeout: float = 300.0,
        target: str = DEFAULT,
        workers: int | None = None,
        progress: Callable[[int, int, int], None] | None = None,
        backend: str | None = None,
    ) -> list[SmokeResult]:
        if backend not in (None, default_backend()):  # not the session worker's
            kwargs = dict(timeout=timeout, target=target, workers=workers)
            kwargs["progress"] = progress
            return real(paths, backend=backend, **kwargs)
        paths = [Path(path) for path in paths]
        keys = [_key(path, target) for path in paths]
        folder = Path(os.environ[SCRATCH])
        with _locked(folder / "smoke.lock"):
            kept = _read(folder / "smoke.json")
            todo = [i for i, key in enumerate(keys) if not _usable(kept, key, timeout)]
            if timeout >= PROBED_FROM:
                kept.update(_probed_golden({keys[i] for i in todo}, target))
                todo = [i for i in todo if not _usable(kept, keys[i], timeout)]
            ran: dict[int, SmokeResult] = {}
            if todo:
                batch = [paths[i] for i in todo]
                results = _run(real, batch, timeout, target)
                for path, result in zip(batch, results, strict=True):
                    key = _key(path, target)
                    if result.ok and key is not None:
                        kept[key] = {**_fields(result), "timeout": timeout}
                ran = dict(zip(todo, results))
                _write(folder / "smoke.json", kept)
        answers = [
            ran[i] if i in ran else _result(path, kept[keys[i]])
            for i, path in enumerate(paths)
        ]
        for index in range(len(paths)) if progress is not None else ():
            progress(index + 1, len(paths), index)
        return answers

    return smoke_modules


def _run(
    real: Smoke, paths: list[Path], timeout: float, target: str
) -> list[SmokeResult]:
    """Each module's real run: on the session worker where it can, else by `real`."""
    if target != DEFAULT or not all(_parses(path) for path in paths):
        return real(paths, timeout=timeout, target=target, workers=1)
    try:
        running = session_worker()
        return [running.run(path, timeout) for path in paths]
    except (OSError, EOFError, TimeoutError, RuntimeError):
        stop_session_worker()  # gone or stuck: the real thing, from a fresh worker
        return real(paths, timeout=timeout, target=target, workers=1)


def _parses(path: Path) -> bool:
    try:
        return path.is_file() and bool(ast.parse(path.read_bytes(), str(path)))
    except (OSError, SyntaxError, ValueError):
        return False


def _key(path: Path, target: str) -> str | None:
    """The module's identity: its bytes and the target (None: not a readable file)."""
    try:
        if not path.is_file():  # a FIFO would block the read
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return f"{target}:{hashlib.sha256(data).hexdigest()}"


def _usable(kept: dict[str, Any], key: str | None, timeout: float) -> bool:
    return key is not None and key in kept and timeout >= kept[key]["timeout"]


def _probed_golden(keys: set[str | None], target: str) -> dict[str, dict[str, Any]]:
    """Kept entries for the golden modules among ``keys``, from the session's probe
    run on TensorFlow (tests/support/probes.py): a golden module is built and run once
    per session, whichever test asks. A module that failed there is left to run."""
    if target != DEFAULT:
        return {}
    golden = {_key(path, target): path for path in sorted(GOLDEN.glob("*.py"))}
    asked = [golden[key] for key in keys if key in golden]
    if not asked:
        return {}
    folder = probed(REFERENCE, asked)
    entries = {}
    for path in asked:
        result = smoke_of(folder, REFERENCE, path)
        if result is not None and result.ok:
            ran_under = max(PROBED_FROM, result.seconds)
            entries[_key(path, target)] = {**_fields(result), "timeout": ran_under}
    return entries


def _fields(result: SmokeResult) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "tensors": [list(pair) for pair in result.tensors],
        "error": result.error,
        "output": result.output,
        "seconds": result.seconds,
    }


def _result(path: Path, entry: dict[str, Any]) -> SmokeResult:
    tensors = tuple((name, shape) for name, shape in entry["tensors"])
    return SmokeResult(
        path, entry["ok"], tensors, entry["error"], entry["output"], entry["seconds"]
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _write(path: Path, kept: dict[str, Any]) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(kept), encoding="utf-8")
    partial.replace(path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held by one process of the session at a time (the xdist workers share it)."""
    with open(path, "a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
