"""`rnnspec smoke` says what `python module.py` says, and leaves nothing running.

Real processes only: each module here also runs as `python module.py`, and smoke's
verdict, exit code and output are held against that run. Threads that end the
process, a module that picks its own Keras backend, processes that escape their
process group with setsid, and a smoke run (or the suite's own worker) killed while a
module runs.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnnspec.run.verify import SmokeResult, default_backend, smoke_modules

from ..conftest import ROOT

TIMEOUT = 60.0  # generous: no module here is meant to reach it
STARTUP = 300.0  # seconds a worker may take to import keras on a busy machine
GONE_WITHIN = 5.0  # seconds a killed worker and its processes may take to go
# Processes are looked for in /proc; the worker's subreaper and its watch on its parent
# are Linux's (elsewhere it kills the module's process group only).
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

# Non-daemon threads: python waits for them at exit, and one may end the process with
# its own code; an exception or SystemExit in a thread does not change the code.
THREADS = {
    "late_os_exit": (
        "import os, threading, time\n"
        "def late():\n    time.sleep(0.3)\n    os._exit(3)\n"
        "threading.Thread(target=late).start()\nprint('main done')\n"
    ),
    "early_os_exit": (
        "import os, threading, time\n"
        "threading.Thread(target=lambda: os._exit(3)).start()\ntime.sleep(5)\n"
    ),
    "sys_exit_in_thread": (
        "import sys, threading, time\n"
        "def late():\n    time.sleep(0.3)\n    sys.exit(3)\n"
        "threading.Thread(target=late).start()\n"
    ),
    "raise_in_thread": (
        "import threading, time\n"
        "def late():\n    time.sleep(0.3)\n    raise ValueError('in a thread')\n"
        "threading.Thread(target=late).start()\n"
    ),
    "main_exits_5_thread_exits_3": (
        "import os, sys, threading, time\n"
        "def late():\n    time.sleep(0.3)\n    os._exit(3)\n"
        "threading.Thread(target=late).start()\nsys.exit(5)\n"
    ),
    "main_raises_thread_finishes": (
        "import atexit, threading, time\n"
        "atexit.register(lambda: print('atexit', threading.active_count()))\n"
        "def late():\n    time.sleep(0.3)\n    print('thread done')\n"
        "threading.Thread(target=late).start()\nraise ValueError('main')\n"
    ),
    "daemon_thread": (
        "import os, threading, time\n"
        "def late():\n    time.sleep(0.3)\n    os._exit(3)\n"
        "threading.Thread(target=late, daemon=True).start()\n"
    ),
}

# What the module prints first tells whether it ran in a worker (TensorFlow is there
# before it imports anything) or in a fresh interpreter. Each case: what it does before
# it imports keras, the import (binding `backend`), what it does after.
BACKENDS = {
    "jax_then_import": (
        'os.environ["KERAS_BACKEND"] = "jax"',
        "import keras\nbackend = keras.backend.backend",
        "",
    ),
    "jax_then_submodule": (
        'os.environ["KERAS_BACKEND"] = "jax"',
        "from keras.src.backend import backend",
        "",
    ),
    "own_backend_again": (
        'os.environ["KERAS_BACKEND"] = "tensorflow"',
        "import keras\nbackend = keras.backend.backend",
        "",
    ),
    "jax_after_import": (
        "",
        "import keras\nbackend = keras.backend.backend",
        'os.environ["KERAS_BACKEND"] = "jax"',
    ),
    "jax_while_stdout_is_captured": (  # as pytest captures a test's output
        "import tempfile\nsaved = os.dup(1)\nsink = tempfile.TemporaryFile()\n"
        'os.dup2(sink.fileno(), 1)\nos.environ["KERAS_BACKEND"] = "jax"',
        "import keras\nbackend = keras.backend.backend\nos.dup2(saved, 1)",
        "",
    ),
}
NEEDS_JAX = ("jax_then_import", "jax_then_submodule", "jax_while_stdout_is_captured")

SETSID_SLEEPER = (
    "[sys.executable, '-c', 'import os, time; os.setsid(); time.sleep(600)']"
)
# A grandchild in a session of its own, and a daemon that double-forked away from it.
ESCAPES = f"""\
import os, subprocess, sys, time
sleeper = subprocess.Popen({SETSID_SLEEPER})
read, write = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(write, str(os.getpid()).encode())
        time.sleep(600)
    os._exit(0)
os.close(write)
daemon = os.read(read, 32).decode()
print("escaped", sleeper.pid, daemon)
"""
HANGS = ESCAPES + "time.sleep(600)\n"
# Writes (its worker, itself, its setsid grandchild) to PIDS, then sleeps.
SLEEPS = f"""\
import os, subprocess, sys, time
sleeper = subprocess.Popen({SETSID_SLEEPER})
with open(PIDS + ".partial", "w") as file:
    file.write(f"{{os.getppid()}} {{os.getpid()}} {{sleeper.pid}}")
os.replace(PIDS + ".partial", PIDS)
time.sleep(600)
"""


def _python(path: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`python path`'s exit code and output (stdout and stderr together)."""
    done = subprocess.run(
        [sys.executable, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    return done.returncode, done.stdout


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _all_gone(pids: list[int], within: float = GONE_WITHIN) -> bool:
    deadline = time.monotonic() + within
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(map(_alive, pids))


def _kill(pids: list[int]) -> None:
    """Clean up after a failed test: what it found alive."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture(scope="module")
def thread_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Each THREADS module: (python's exit code and output, smoke's result)."""
    folder = tmp_path_factory.mktemp("threads")
    paths = []
    for name, text in THREADS.items():
        paths.append(folder / f"{name}.py")
        paths[-1].write_text(text)
    results = smoke_modules(paths, timeout=TIMEOUT, workers=1)
    return {path.stem: (_python(path), result) for path, result in zip(paths, results)}


@pytest.mark.parametrize("name", THREADS)
def test_thread_exit_codes_and_output_are_pythons(
    thread_runs: dict[str, tuple[tuple[int, str], SmokeResult]], name: str
) -> None:
    (code, output), result = thread_runs[name]
    assert result.ok == (code == 0)
    if code not in (0, 1):  # no exception in the main thread: the code alone
        assert result.error == f"exited with code {code}"
    # The same lines (python buffers stdout into a pipe, so the order may differ).
    assert sorted(result.output.splitlines()) == sorted(output.splitlines())


def test_thread_cases_are_what_they_claim(
    thread_runs: dict[str, tuple[tuple[int, str], SmokeResult]],
) -> None:
    """python's own answers, so that the cases above mean what their names say."""
    codes = {name: run[0][0] for name, run in thread_runs.items()}
    assert codes == {
        "late_os_exit": 3,
        "early_os_exit": 3,
        "sys_exit_in_thread": 0,
        "raise_in_thread": 0,
        "main_exits_5_thread_exits_3": 3,
        "main_raises_thread_finishes": 1,
        "daemon_thread": 0,
    }
    python_output = thread_runs["main_raises_thread_finishes"][0][1]
    assert "thread done" in python_output and "atexit 1" in python_output


@pytest.fixture(scope="module")
def backend_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Each BACKENDS module: (python's exit code and output, smoke's result), on the
    default backend: TensorFlow."""
    if default_backend() != "tensorflow":
        pytest.skip("the cases assume a TensorFlow worker")
    folder = tmp_path_factory.mktemp("backends")
    names = [
        name
        for name in BACKENDS
        if name not in NEEDS_JAX or importlib.util.find_spec("jax") is not None
    ]
    paths = []
    for name in names:
        paths.append(folder / f"{name}.py")
        paths[-1].write_text(
            "import os, sys\n"
            'print("start, tensorflow imported:", "tensorflow" in sys.modules)\n'
            + "\n".join(BACKENDS[name])
            + '\nprint("backend", backend())\n'
        )
    env = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    results = smoke_modules(paths, timeout=TIMEOUT, workers=1)
    return {p.stem: (_python(p, env), r) for p, r in zip(paths, results)}


@pytest.mark.parametrize("name", BACKENDS)
def test_a_module_that_picks_its_backend_runs_on_it(
    backend_runs: dict[str, tuple[tuple[int, str], SmokeResult]], name: str
) -> None:
    if name not in backend_runs:
        pytest.skip("jax is not installed")
    (code, output), result = backend_runs[name]
    wanted = "jax" if name in NEEDS_JAX else "tensorflow"
    assert code == 0 and f"backend {wanted}" in output.splitlines()  # python's
    assert result.ok, result.output
    lines = result.output.splitlines()
    assert lines[-1] == f"backend {wanted}"
    # Printed once: a module that starts again in a fresh interpreter has its first
    # run's output dropped; one on the worker's own backend stays on the worker.
    assert [line for line in lines if line.startswith("start")] == [
        f"start, tensorflow imported: {name not in NEEDS_JAX}"
    ]


@LINUX
def test_nothing_a_module_starts_outlives_smoke(tmp_path: Path) -> None:
    """setsid and a double fork leave the module's process group; a subreaper worker
    still finds them, whether the module passes or is cut at its timeout."""
    (tmp_path / "escapes.py").write_text(ESCAPES)
    (tmp_path / "hangs.py").write_text(HANGS)
    found: list[int] = []
    try:
        escapes, hangs = smoke_modules(
            [tmp_path / "escapes.py", tmp_path / "hangs.py"], timeout=5.0, workers=1
        )
        assert escapes.ok and hangs.error == "timed out after 5 s"
        for result in (escapes, hangs):
            line = next(x for x in result.output.splitlines() if x.startswith("esc"))
            found += [int(pid) for pid in line.split()[1:]]
        assert len(found) == 4
        assert [pid for pid in found if _alive(pid)] == []  # before smoke returned
    finally:
        _kill(found)


def _pids_when_written(path: Path, process: subprocess.Popen) -> list[int]:
    """The pids the SLEEPS module wrote, once it has (the worker imports keras first)."""
    deadline = time.monotonic() + STARTUP
    while not path.exists():
        assert process.poll() is None, (path.parent / "stderr").read_text()
        assert time.monotonic() < deadline, "the module never ran"
        time.sleep(0.1)
    return [int(pid) for pid in path.read_text().split()]


@LINUX
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_smoke_ends_its_worker_and_the_modules_processes(
    tmp_path: Path, how: signal.Signals
) -> None:
    pids_file = tmp_path / "pids"
    module = tmp_path / "sleeps.py"
    module.write_text(f"PIDS = {str(pids_file)!r}\n" + SLEEPS)
    with (tmp_path / "stderr").open("w") as stderr:  # no pipe a survivor holds
        smoke = subprocess.Popen(
            [sys.executable, "-m", "rnnspec.cli", "smoke", str(module)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    pids: list[int] = []
    try:
        pids = _pids_when_written(pids_file, smoke)
        worker, _, _ = pids
        assert smoke.pid not in pids and _alive(worker)
        smoke.send_signal(how)
        smoke.wait(30)
        assert _all_gone(pids), [pid for pid in pids if _alive(pid)]
    finally:
        smoke.kill()
        smoke.wait()
        _kill(pids)


# The test process of `make test`, killed while its session worker (idle) has its
# pipe held open by a process it forked, and while another runs a module.
SESSION = """\
import os, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.support.shared_smoke import SessionWorker

idle, busy = SessionWorker(), SessionWorker()
holder = os.fork()
if holder == 0:  # a copy of every pipe end: no end of input for the workers
    os.close(1)
    os.close(2)
    time.sleep(600)
    os._exit(0)
print(idle.process.pid, busy.process.pid, holder, flush=True)
busy.run(Path({module!r}), 600)
"""


@LINUX
def test_the_suites_session_workers_end_with_their_test_process(
    tmp_path: Path,
) -> None:
    pids_file = tmp_path / "pids"
    module = tmp_path / "sleeps.py"
    module.write_text(f"PIDS = {str(pids_file)!r}\n" + SLEEPS)
    script = tmp_path / "session.py"
    script.write_text(SESSION.format(root=str(ROOT), module=str(module)))
    with (tmp_path / "stderr").open("w") as stderr:  # no pipe a survivor holds
        tests = subprocess.Popen(
            [sys.executable, str(script)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    pids: list[int] = []
    holder = 0
    try:
        pids = _pids_when_written(pids_file, tests)
        idle, busy, holder = map(int, tests.stdout.readline().split())
        assert pids[0] == busy and _alive(idle) and _alive(holder)
        pids.append(idle)
        tests.kill()
        tests.wait(30)
        assert _all_gone(pids), [pid for pid in pids if _alive(pid)]
    finally:
        tests.kill()
        tests.communicate()
        _kill([*pids, holder] if holder else pids)
