"""Tests for rnnspec.run.verify and `rnnspec smoke`: real worker processes, no mocks."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnnspec.cli import main
from rnnspec.run.verify import SmokeResult, format_report, smoke_modules, worker_count

from ..conftest import ROOT, run_cli

TIMEOUT = 60.0  # generous: nothing in the shared call is meant to reach it
HANG_TIMEOUT = 2.0  # for the deliberate hang
TWINS = ROOT / "tests" / "data" / "specs" / "smoke"

LSTM = """\
import os

import keras
import numpy as np


def main():
    inputs = keras.Input((3, 2))
    output, h, c = keras.layers.LSTM(4, return_state=True)(inputs)
    model = keras.Model(inputs, [output, h, c])
    for name, tensor in zip(["output", "lstm_h", "lstm_c"], model(np.zeros((2, 3, 2), "float32"))):
        print(f"{name}: {tuple(tensor.shape)}")
    print(f"pid {os.getpid()} {os.getppid()}")


if __name__ == "__main__":
    main()
"""

# Everything a module can leave behind in its process, done by `meddle.py` and
# looked for by `probe.py` after it (both run from relative paths).
MEDDLE = """\
import os, sys
import keras
import leftover

os.chdir("/")
os.environ["RNNSPEC_MEDDLED"] = "1"
sys.path.insert(0, "/meddled")
keras.layers.LSTM = None
keras.config.set_floatx("float64")
leftover.value = "meddled"
print(f"pid {os.getpid()} {os.getppid()}")
"""
PROBE = """\
import os, sys
import keras

print("cwd", os.getcwd())
print("env", os.environ.get("RNNSPEC_MEDDLED"))
print("path", "/meddled" in sys.path, sys.path[0])
print("argv", sys.argv)
print("imported", "leftover" in sys.modules)
print("floatx", keras.config.floatx())
print("lstm", keras.layers.LSTM is not None)
print(f"pid {os.getpid()} {os.getppid()}")
"""

# Forks a child that sleeps holding stdout and stderr open, then crashes.
FORK_CRASH = """\
import os, time
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
print(f"grandchild {child}")
raise ValueError("crashed after forking")
"""
FORK_HANG = FORK_CRASH.replace(
    'raise ValueError("crashed after forking")', "time.sleep(60)"
)

MODULES = {
    "pass.py": LSTM,
    "assert.py": (
        "import os\nprint('output: (1, 5, 16)')\n"
        "assert False, 'output: expected (1, 5, 32), got (1, 5, 16)'\n"
    ),
    "value.py": "raise ValueError('bad units')\n",
    "exit.py": "import sys\nsys.exit(3)\n",
    "exit0.py": "import sys\nprint('bye')\nsys.exit(0)\n",
    "exit_none.py": "import sys\nsys.exit()\n",
    "exit_msg.py": "import sys\nsys.exit('no good')\n",
    "os_exit0.py": "import os\nprint('done')\nos._exit(0)\n",
    "os_exit3.py": "import os\nos._exit(3)\n",
    "syntax.py": "def broken(:\n",
    "abort.py": (
        "import os, resource\n"
        "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\nos.abort()\n"
    ),
    "leak.py": "import os\nos.write(1, b'LEAK-OUT\\n')\nos.write(2, b'LEAK-ERR\\n')\n",
    "fork_crash.py": FORK_CRASH,
    "meddle.py": MEDDLE,
    "probe.py": PROBE,
    "after.py": LSTM,
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MODULES as files, with a module of the user's that `meddle.py` imports."""
    directory = tmp_path_factory.mktemp("modules").resolve()
    for name, text in MODULES.items():
        (directory / name).write_text(text)
    (directory / "leftover.py").write_text("value = 'fresh'\n")
    return directory


@pytest.fixture(scope="module")
def results(folder: Path) -> dict[str, SmokeResult]:
    """All MODULES smoke-tested in one call, by relative path, keyed by file name."""
    paths = [Path(name) for name in MODULES]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        found = smoke_modules(paths, timeout=TIMEOUT)
    assert [result.path for result in found] == paths
    return {result.path.name: result for result in found}


def _line(result: SmokeResult, prefix: str) -> str:
    return next(line for line in result.output.splitlines() if line.startswith(prefix))


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def test_outcomes_in_input_order(results: dict[str, SmokeResult]) -> None:
    assert {name: result.ok for name, result in results.items()} == {
        "pass.py": True,
        "assert.py": False,
        "value.py": False,
        "exit.py": False,
        "exit0.py": True,
        "exit_none.py": True,
        "exit_msg.py": False,
        "os_exit0.py": True,
        "os_exit3.py": False,
        "syntax.py": False,
        "abort.py": False,
        "leak.py": True,
        "fork_crash.py": False,
        "meddle.py": True,
        "probe.py": True,
        "after.py": True,
    }


def test_passing_modules_report_their_tensors(
    results: dict[str, SmokeResult],
) -> None:
    expected = (("output", "(2, 4)"), ("lstm_h", "(2, 4)"), ("lstm_c", "(2, 4)"))
    for name in ("pass.py", "after.py"):
        assert results[name].tensors == expected
        assert results[name].error is None


def test_error_texts(results: dict[str, SmokeResult]) -> None:
    assert results["assert.py"].error == (
        "AssertionError: output: expected (1, 5, 32), got (1, 5, 16)"
    )
    assert results["assert.py"].tensors == (("output", "(1, 5, 16)"),)
    assert results["value.py"].error == "ValueError: bad units"
    assert results["exit.py"].error == "SystemExit: 3"
    assert results["exit_msg.py"].error == "SystemExit: no good"
    assert results["os_exit3.py"].error == "exited with code 3"
    assert results["syntax.py"].error.startswith("SyntaxError: ")
    assert results["abort.py"].error == "killed by signal 6 (SIGABRT)"


def test_output_is_what_python_would_print(results: dict[str, SmokeResult]) -> None:
    """Tracebacks start at the module, as `python module.py` shows them."""
    traceback = results["assert.py"].output
    assert traceback.startswith(
        "output: (1, 5, 16)\nTraceback (most recent call last):\n"
    )
    assert "runpy" not in traceback and "worker.py" not in traceback
    assert 'File "assert.py", line 3, in <module>' in traceback
    assert results["exit_msg.py"].output == "no good\n"
    assert results["exit0.py"].output == "bye\n"
    assert results["os_exit0.py"].output == "done\n"  # line-buffered, not lost


def test_file_descriptor_output_is_captured(results: dict[str, SmokeResult]) -> None:
    assert results["leak.py"].output == "LEAK-OUT\nLEAK-ERR\n"


def test_a_crash_after_forking_is_reported_promptly(
    results: dict[str, SmokeResult],
) -> None:
    """A forked child that keeps stdout open neither hides the crash nor outlives it."""
    crash = results["fork_crash.py"]
    assert crash.error == "ValueError: crashed after forking"
    assert crash.seconds < 10  # its grandchild sleeps 60 s
    assert _gone(int(_line(crash, "grandchild").split()[1]))


def test_a_module_leaves_nothing_behind_for_the_next(
    results: dict[str, SmokeResult], folder: Path
) -> None:
    assert results["meddle.py"].error is None
    probe = results["probe.py"].output.splitlines()
    assert probe[:7] == [
        f"cwd {folder}",  # the caller's, as for `python probe.py`
        "env None",
        f"path False {folder}",  # sys.path[0] is the module's folder
        "argv ['probe.py']",
        "imported False",
        "floatx float32",
        "lstm True",
    ]
    assert results["after.py"].ok  # keras.layers.LSTM is back


def test_each_module_runs_in_its_own_child_of_a_worker(
    results: dict[str, SmokeResult],
) -> None:
    names = ("pass.py", "meddle.py", "probe.py", "after.py")
    pids = [_line(results[name], "pid").split()[1:] for name in names]
    assert len({pid for pid, _ in pids}) == len(names)  # a fresh process each
    workers = {worker for _, worker in pids}  # forked from a keras import each
    assert len(workers) <= worker_count(len(MODULES))
    assert not workers & ({pid for pid, _ in pids} | {str(os.getpid())})


def test_a_hang_is_cut_at_the_timeout_with_its_children(tmp_path: Path) -> None:
    (tmp_path / "hang.py").write_text(FORK_HANG)
    (tmp_path / "next.py").write_text("print('next: (1,)')\n")
    hang, after = smoke_modules(
        [tmp_path / "hang.py", tmp_path / "next.py"], timeout=HANG_TIMEOUT
    )
    assert hang.error == "timed out after 2 s"
    assert HANG_TIMEOUT <= hang.seconds < HANG_TIMEOUT + 10
    assert _gone(int(_line(hang, "grandchild").split()[1]))
    assert after.ok and after.tensors == (("next", "(1,)"),)


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("inf"), float("nan")])
def test_smoke_modules_refuses_a_timeout_that_is_no_time(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout must be a positive finite number"):
        smoke_modules([], timeout=timeout)


def test_format_report() -> None:
    results = [
        SmokeResult(
            Path("stacked_lstm.py"),
            True,
            (("output", "(1, 5, 32)"), ("lstm_1_h", "(1, 64)")),
            None,
            "",
            1.0,
        ),
        SmokeResult(
            Path("bad.py"),
            False,
            (),
            "AssertionError: output: expected (1, 5, 32), got (1, 5, 16)",
            "",
            12.345,
        ),
    ]
    assert format_report(results) == (
        "module           result     time  tensor    shape\n"
        "stacked_lstm.py  ok       1.00 s  output    (1, 5, 32)\n"
        "                                  lstm_1_h  (1, 64)\n"
        "bad.py           FAIL    12.35 s  AssertionError: output: expected (1, 5, 32),"
        " got (1, 5, 16)\n"
        "2 modules: 1 passed, 1 failed"
    )
    assert format_report(results, ["stacked.yaml", "bad.yaml"]).splitlines()[1] == (
        "stacked.yaml  ok       1.00 s  output    (1, 5, 32)"
    )


def test_smoke_command_reports_each_path_once_with_its_own_run(write) -> None:
    """Specs sharing a name each run; module output shows only for failures, on stderr."""
    quiet = write("quiet.py", "import os\nos.write(1, b'LEAK-PASS\\n')\n")
    loud = write(
        "loud.py", "import os\nos.write(1, b'LEAK-FAIL\\n')\nraise SystemExit(4)\n"
    )
    twins = [TWINS / "twin_8.yaml", TWINS / "twin_12.yaml"]
    result = run_cli("smoke", *twins, quiet, loud)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "LEAK" not in result.stdout and "LEAK-PASS" not in result.stderr
    assert f"{loud}: output:\n    LEAK-FAIL\n" in result.stderr
    rows = {
        line.split()[0]: line
        for line in result.stdout.splitlines()
        if line and not line.startswith(" ")
    }
    assert re.search(r"ok +\d+\.\d\d s +output +\(2, 8\)$", rows[str(twins[0])])
    assert re.search(r"ok +\d+\.\d\d s +output +\(2, 12\)$", rows[str(twins[1])])
    assert re.search(r"ok +\d+\.\d\d s$", rows[str(quiet)])
    assert re.search(r"FAIL +\d+\.\d\d s +SystemExit: 4$", rows[str(loud)])
    assert result.stdout.splitlines()[-1] == "4 modules: 3 passed, 1 failed"


@pytest.mark.parametrize("command", ["smoke", "docs"])
@pytest.mark.parametrize("timeout", ["inf", "nan", "0", "-1", "abc", "1e400"])
def test_a_timeout_that_is_no_time_is_a_usage_error(
    command: str, timeout: str, tmp_path: Path
) -> None:
    spec = ROOT / "examples" / "gru.yaml"
    args = ["-o", str(tmp_path / "docs")] if command == "docs" else []
    result = CliRunner().invoke(main, [command, str(spec), *args, "--timeout", timeout])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert (
        f"Invalid value for '--timeout': must be a positive number of seconds,"
        f" got {timeout!r}" in result.stderr
    )
    assert not (tmp_path / "docs").exists()


def test_a_bad_timeout_ends_the_real_command_without_traceback() -> None:
    result = run_cli("smoke", ROOT / "examples" / "gru.yaml", "--timeout", "inf")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.endswith(
        "Error: Invalid value for '--timeout': must be a positive number of seconds,"
        " got 'inf'\n"
    )


def test_a_module_path_that_is_a_fifo_fails_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "model.py"
    os.mkfifo(fifo)
    result = run_cli("smoke", fifo, "--timeout", "5")
    assert result.returncode == 1, result.stderr
    assert "not a regular file" in result.stdout
    assert "Traceback" not in result.stderr
