"""The command line as a user runs it: real processes, real files."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import jsonschema
import yaml

from .conftest import ALL_EXAMPLES, EXAMPLES, GOLDEN, ROOT, run_cli

STACKED = ROOT / "examples" / "stacked_lstm.yaml"


def test_render_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    golden = (GOLDEN / "stacked_lstm.py").read_text()
    shown = run_cli("render", STACKED)
    assert (shown.returncode, shown.stdout, shown.stderr) == (0, golden, "")
    out = tmp_path / "model.py"
    written = run_cli("render", STACKED, "-o", out)
    assert written.returncode == 0 and out.read_text() == golden
    assert [p.name for p in tmp_path.iterdir()] == [
        "model.py"
    ]  # no temporary file left


def test_bad_spec_exits_2_without_traceback_and_keeps_the_old_output(
    write, tmp_path: Path
) -> None:
    spec = write(
        "bad.yaml",
        "name: bad\ninput: {features: 3}\ncells:\n  - {type: gru, units: 64x}\n",
    )
    out = write("model.py", "# the user's previous module\n")
    result = run_cli("render", spec, "-o", out)
    assert result.returncode == 2
    assert (
        result.stderr
        == f'{spec}:4:24: cells[0].units: must be an integer >= 1, got "64x"\n'
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert out.read_text() == "# the user's previous module\n"


def test_missing_spec_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("render", tmp_path / "nope.yaml")
    assert (
        result.returncode == 2
        and "nope.yaml" in result.stderr
        and "does not exist" in result.stderr
    )


def test_spec_text_never_becomes_code(write, tmp_path: Path) -> None:
    """A hostile description lands in the module as one string constant, nothing else."""
    evil = '"""\nimport os; os.system("touch PWNED")  # \\\n\'\'\'{{ 7*7 }}{% raw %}'
    spec = write(
        "evil.yaml",
        yaml.safe_dump(
            {
                "name": "evil",
                "description": evil,
                "input": {"features": 2},
                "cells": [{"type": "gru", "units": 2}],
            }
        ),
    )
    result = run_cli("render", spec)
    assert result.returncode == 0, result.stderr
    module = ast.parse(result.stdout)
    assert ast.get_docstring(module, clean=False) == evil
    strings = [
        node.value
        for node in ast.walk(module)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert strings.count(evil) == 1
    assert not any(
        isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "system"
        for node in ast.walk(module)
    )


def test_check_prints_the_state_tree() -> None:
    result = run_cli("check", ROOT / "examples" / "bidirectional_lstm.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "bidirectional_lstm: 1 layer(s)",
        "  lstm: Bidirectional(LSTM(64), merge_mode=concat)",
        "STATE_SIZE = (64, 64)",
        "initial_state (input): [forward_lstm_h, forward_lstm_c, backward_lstm_h, backward_lstm_c]",
    ]
    assert "  0  output           (None, 12, 128)" in result.stdout
    assert "  4  backward_lstm_c  (None, 64)" in result.stdout


def test_schema_is_valid_and_accepts_every_example() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    for example in ALL_EXAMPLES:
        jsonschema.validate(yaml.safe_load(example.read_text()), schema)
    bad = {
        "name": "x",
        "input": {"features": 1},
        "cells": [{"type": "lstm", "units": 0}],
    }
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))


def test_smoke_runs_specs_and_modules_and_reports_failures(write) -> None:
    broken = (
        (GOLDEN / "gru.py")
        .read_text()
        .replace("(batch_size, 32))\n", "(batch_size, 33))\n", 1)
    )
    module = write("broken_gru.py", broken)
    result = run_cli("smoke", *EXAMPLES, module)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{len(EXAMPLES) + 1} modules: {len(EXAMPLES)} passed, 1 failed"
    assert any(
        "stacked_lstm.yaml" in line and "ok" in line and "(1, 5, 32)" in line
        for line in lines
    )
    failure = next(line for line in lines if "broken_gru.py" in line)
    assert (
        "FAIL" in failure
        and "output: expected shape (None, 33), got (None, 32)" in failure
    )


def test_smoke_of_a_bad_spec_exits_2(write) -> None:
    spec = write("bad.yaml", "name: bad\n")
    result = run_cli("smoke", spec)
    assert result.returncode == 2 and "input: required key is missing" in result.stderr
