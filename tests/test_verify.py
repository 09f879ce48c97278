"""Tests for generator.verify: real worker processes, no mocks."""

import os
from pathlib import Path

import pytest

from generator.verify import SmokeResult, format_report, smoke_modules

TIMEOUT = 20.0

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
    print(f"pid {os.getpid()}")


if __name__ == "__main__":
    main()
"""

MODULES = {
    "pass.py": LSTM,
    "assert.py": (
        "import os\nprint(f'pid {os.getpid()}')\nprint('output: (1, 5, 16)')\n"
        "assert False, 'output: expected (1, 5, 32), got (1, 5, 16)'\n"
    ),
    "value.py": "raise ValueError('bad units')\n",
    "exit.py": "import sys\nsys.exit(3)\n",
    "syntax.py": "def broken(:\n",
    "hang.py": "import time\ntime.sleep(1000)\n",
    "abort.py": (
        "import os, resource\n"
        "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\nos.abort()\n"
    ),
    "after.py": LSTM,
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SmokeResult]:
    """All MODULES smoke-tested in one call, keyed by file name."""
    directory = tmp_path_factory.mktemp("modules")
    paths = [directory / name for name in MODULES]
    for path in paths:
        path.write_text(MODULES[path.name])
    found = smoke_modules(paths, timeout=TIMEOUT)
    assert [result.path for result in found] == paths
    return {result.path.name: result for result in found}


def _pid(result: SmokeResult) -> str:
    return next(line for line in result.output.splitlines() if line.startswith("pid"))


def test_outcomes_in_input_order(results: dict[str, SmokeResult]) -> None:
    assert {name: result.ok for name, result in results.items()} == {
        "pass.py": True,
        "assert.py": False,
        "value.py": False,
        "exit.py": False,
        "syntax.py": False,
        "hang.py": False,
        "abort.py": False,
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
    assert "Traceback" in results["assert.py"].output
    assert results["value.py"].error == "ValueError: bad units"
    assert results["exit.py"].error == "SystemExit: 3"
    assert results["syntax.py"].error.startswith("SyntaxError: ")
    assert results["hang.py"].error == "timed out after 20 s"
    assert results["abort.py"].error == "worker crashed (signal 6)"


def test_a_hang_is_cut_at_the_timeout(results: dict[str, SmokeResult]) -> None:
    assert TIMEOUT <= results["hang.py"].seconds < TIMEOUT + 10
    assert results["pass.py"].seconds < TIMEOUT


def test_modules_share_one_worker_until_it_is_replaced(
    results: dict[str, SmokeResult],
) -> None:
    first, second = _pid(results["pass.py"]), _pid(results["assert.py"])
    assert first == second != f"pid {os.getpid()}"
    assert _pid(results["after.py"]) != first


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
            1.0,
        ),
    ]
    assert format_report(results) == (
        "module           result  tensor    shape\n"
        "stacked_lstm.py  ok      output    (1, 5, 32)\n"
        "                         lstm_1_h  (1, 64)\n"
        "bad.py           FAIL    AssertionError: output: expected (1, 5, 32),"
        " got (1, 5, 16)\n"
        "2 modules: 1 passed, 1 failed"
    )
    assert format_report(results, ["stacked.yaml", "bad.yaml"]).splitlines()[1] == (
        "stacked.yaml  ok      output    (1, 5, 32)"
    )
