"""Smoke modules spread over workers: real worker processes and real runs, no mocks.

Order over several workers, a module that holds its worker, a worker that dies, a
caller's script without a `__main__` guard, what the worker imports, progress only on a
terminal, and `docs --check` reusing the outputs of earlier runs.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from rnnspec.run.smoke_report import progress_line, shows_progress
from rnnspec.run.verify import (
    MODULES_PER_WORKER,
    SmokeResult,
    smoke_modules,
    worker_count,
)

from ..conftest import ROOT, run_cli
from ..support.shared_smoke import session_worker_pid

TIMEOUT = 60.0  # generous: no module here is meant to reach it
PID = "import os\nprint(f'pid {os.getpid()} {os.getppid()}')\n"
# Waits for every quick module's mark: it ends only if they ran beside it.
BLOCKER = """\
import os, time
while not all(os.path.exists(f"{i}.mark") for i in range(4)):
    time.sleep(0.01)
"""
QUICK = PID + "open('I.mark', 'w').close()\nprint('quick: (I,)')\n"
IMPORTED = """\
import sys
ours = {"rnnspec", "pydantic", "click", "yaml", "jinja2", "black", "platformdirs"}
print("imported", sorted({name.split(".")[0] for name in sys.modules} & ours))
"""
FAKE_KERAS = "raise ImportError('fake keras: a module ran')\n"


def _pids(result: SmokeResult) -> tuple[str, str]:
    """The (pid, parent pid) a module printed: its own process, and its worker."""
    line = next(line for line in result.output.splitlines() if line.startswith("pid"))
    return line.split()[1], line.split()[2]


def _children() -> list[int]:
    """This process's child processes, zombies included, but for the session's
    smoke worker (tests/support/shared_smoke.py)."""
    found, session = [], str(session_worker_pid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and stat.parent.name != session:
            found.append(int(stat.parent.name))
    return found


def test_results_keep_input_order_while_a_module_holds_its_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths = [tmp_path / "blocker.py", tmp_path / "imported.py"]
    paths[0].write_text(BLOCKER)
    paths[1].write_text(IMPORTED)
    for i in range(4):
        paths.append(tmp_path / f"quick_{i}.py")
        paths[-1].write_text(QUICK.replace("I", str(i)))
    results = smoke_modules(paths, timeout=TIMEOUT, workers=2)
    assert [result.path for result in results] == paths
    assert [result.error for result in results] == [None] * len(paths)
    assert [result.tensors for result in results[2:]] == [
        (("quick", f"({i},)"),) for i in range(4)
    ]
    workers = {_pids(result)[1] for result in results[2:]}
    assert len(workers) == 1  # the blocker's worker was busy all along
    assert results[1].output == "imported []\n"  # no rnnspec, pydantic, ... in it
    assert _children() == []  # every worker reaped


def test_a_dead_workers_remaining_modules_run_in_a_fresh_one(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("first.py", "killer.py", "after.py")]
    paths[0].write_text(PID)
    paths[1].write_text("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")
    paths[2].write_text(PID)
    first, killer, after = smoke_modules(paths, timeout=TIMEOUT, workers=1)
    assert first.ok and after.ok
    assert killer.error == "worker killed by signal 9 (SIGKILL)"
    assert _pids(first)[1] != _pids(after)[1]
    assert _children() == []


def test_worker_count_pays_for_each_worker() -> None:
    cores = len(os.sched_getaffinity(0))
    assert worker_count(0) == worker_count(1) == 1
    assert worker_count(2 * MODULES_PER_WORKER - 1) == 1
    assert worker_count(2 * MODULES_PER_WORKER) == min(2, cores)
    assert worker_count(10**6) == cores


def test_smoke_modules_from_a_script_without_a_main_guard(tmp_path: Path) -> None:
    """The worker never runs the caller's script again (as "spawn" did)."""
    (tmp_path / "hello.py").write_text("print('hello')\n")
    (tmp_path / "script.py").write_text(
        "from pathlib import Path\n"
        "from rnnspec.run.verify import smoke_modules\n\n"
        "results = smoke_modules([Path('hello.py')], timeout=60)\n"
        "print('ran', [(result.ok, result.output) for result in results])\n"
    )
    done = subprocess.run(
        [sys.executable, "script.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ran [(True, 'hello\\n')]\n"


def test_progress_stays_quiet_off_a_terminal(write) -> None:
    module = write("quiet.py", "print('out: (1,)')\n")
    result = run_cli("smoke", module)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines()[-1] == "1 modules: 1 passed, 0 failed"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_unless_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = _Terminal()
    with progress_line(["a.yaml", "b.yaml"], stream) as show:
        show(1, 2, 1)
        show(2, 2, 0)
    assert stream.getvalue() == "\r[1/2] b.yaml\x1b[K\r[2/2] a.yaml\x1b[K\r\x1b[K"
    long = _Terminal()  # no size known: 79 columns, the name's end kept
    with progress_line(["x" * 100 + "/end.yaml"], long) as show:
        show(1, 1, 0)
    line = "[1/1] ..." + "x" * 61 + "/end.yaml"
    assert long.getvalue() == f"\r{line}\x1b[K\r\x1b[K" and len(line) == 79
    assert not shows_progress(io.StringIO())  # not a terminal
    monkeypatch.setenv("CI", "true")
    assert not shows_progress(stream)
    with progress_line(["a.yaml"], stream) as show:
        assert show is None


def test_smoke_shows_progress_on_a_real_terminal(write) -> None:
    """stderr a terminal, CI unset: a line per module, cleared before the report."""
    modules = [write(f"m{i}.py", f"print('out: ({i},)')\n") for i in range(2)]
    main, other = pty.openpty()
    fcntl.ioctl(other, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 300, 0, 0))
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rnnspec.cli", "smoke", *map(str, modules)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=other,
    )
    os.close(other)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        shown += chunk
    stdout = process.communicate(timeout=600)[0].decode()
    os.close(main)
    assert process.returncode == 0
    text = shown.decode()
    assert text.startswith(f"\r[1/2] {modules[0]}\x1b[K") or text.startswith(
        f"\r[1/2] {modules[1]}\x1b[K"
    )
    assert "\r[2/2] " in text and text.endswith("\x1b[K\r\x1b[K")
    assert stdout.splitlines()[-1] == "2 modules: 2 passed, 0 failed"


def test_docs_check_runs_no_module_whose_page_inputs_are_unchanged(
    tmp_path: Path,
) -> None:
    """A keras that fails to import shows whether anything ran."""
    spec = tmp_path / "gru.yaml"
    shutil.copy(ROOT / "examples" / "gru.yaml", spec)
    out, cache = tmp_path / "docs", tmp_path / "cache"
    (tmp_path / "fake" / "keras.py").parent.mkdir()
    (tmp_path / "fake" / "keras.py").write_text(FAKE_KERAS)
    kept = {"RNNSPEC_CACHE_DIR": str(cache), "RNNSPEC_NO_CACHE": ""}
    fake = {**kept, "PYTHONPATH": str(tmp_path / "fake")}

    built = run_cli("docs", spec, "-o", out, env=kept)
    assert built.returncode == 0, built.stderr
    assert len(list((cache / "docs").iterdir())) == 1  # the run's output, kept

    again = run_cli("docs", "--check", spec, "-o", out, env=fake)
    assert again.returncode == 0, again.stderr  # nothing ran
    assert again.stdout == f"3 files up to date in {out}\n"

    (tmp_path / "file").write_text("")  # a cache folder that cannot be: run it all
    unusable = {**fake, "RNNSPEC_CACHE_DIR": str(tmp_path / "file" / "cache")}
    ran = run_cli("docs", "--check", spec, "-o", out, env=unusable)
    assert ran.returncode == 1
    assert "worker failed to start: ImportError: fake keras: a module ran" in ran.stderr

    spec.write_text(spec.read_text() + "# edited\n")  # new page inputs: run again
    edited = run_cli("docs", "--check", spec, "-o", out, env=fake)
    assert edited.returncode == 1
    assert "fake keras: a module ran" in edited.stderr
