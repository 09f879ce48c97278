"""The command line as a user runs it: real files; a real process where the process is
the point (the plain render, a refusal without a traceback), in-process (click's
CliRunner) where only the exit code and the output are checked."""

from __future__ import annotations

import ast
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from ..conftest import ALL_EXAMPLES, EXAMPLES, GOLDEN, ROOT, invoke, run_cli

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
    result = invoke("render", tmp_path / "nope.yaml")
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
    result = invoke("render", spec)
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
    result = invoke("check", ROOT / "examples" / "bidirectional_lstm.yaml")
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
    result = invoke("schema")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "schema" / "rnnspec.schema.json").read_text()
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)  # checked once, not per example
    for example in ALL_EXAMPLES:
        validator.validate(yaml.safe_load(example.read_text()))
    bad = {
        "name": "x",
        "input": {"features": 1},
        "cells": [{"type": "lstm", "units": 0}],
    }
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))


@pytest.mark.usefixtures("shared_smoke")
def test_smoke_runs_specs_and_modules_and_reports_failures(write) -> None:
    broken = (
        (GOLDEN / "gru.py")
        .read_text()
        .replace("(batch_size, 32))\n", "(batch_size, 33))\n", 1)
    )
    module = write("broken_gru.py", broken)
    result = invoke("smoke", *EXAMPLES, module)
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
    result = invoke("smoke", spec)
    assert result.returncode == 2 and "input: required key is missing" in result.stderr


# --- many specs in one call: render SPEC... -o DIR/, and --check --------------------------


def cached(tmp_path: Path) -> dict[str, str]:
    """This test's own cache folder: the user's is never touched."""
    return {"RNNSPEC_CACHE_DIR": str(tmp_path / "cache")}


def test_render_many_specs_into_a_folder_and_check_them(tmp_path: Path) -> None:
    out, env = tmp_path / "models", cached(tmp_path)
    first = run_cli("render", *ALL_EXAMPLES, "-o", out, env=env)  # made if missing
    n = len(ALL_EXAMPLES)
    assert (first.returncode, first.stdout, first.stderr) == (
        0,
        f"{n} modules in {out}, {n} written\n",
        "",
    )
    for spec in ALL_EXAMPLES:
        assert (out / f"{spec.stem}.py").read_text() == (
            GOLDEN / f"{spec.stem}.py"
        ).read_text()
    stamps = {path: path.stat().st_mtime_ns for path in out.iterdir()}
    again = run_cli("render", *ALL_EXAMPLES, "-o", out, env=env)
    assert again.stdout == f"{n} modules in {out}, 0 written\n"
    assert {path: path.stat().st_mtime_ns for path in out.iterdir()} == stamps
    check = run_cli("render", "--check", *ALL_EXAMPLES, "-o", out, env=env)
    assert (check.returncode, check.stdout) == (0, f"{n} modules up to date\n")
    (out / "gru.py").write_text("# edited by hand\n")
    (out / "lstm.py").unlink()
    check = run_cli("render", "--check", *ALL_EXAMPLES, "-o", out, env=env)
    assert (check.returncode, check.stdout) == (1, "")
    assert check.stderr == (
        f"would rewrite {out / 'gru.py'}\nwould create {out / 'lstm.py'}\n"
        f"2 of {n} modules would change\n"
    )
    assert (
        out / "gru.py"
    ).read_text() == "# edited by hand\n"  # --check writes nothing
    assert not (out / "lstm.py").exists()


def test_one_spec_into_a_folder_and_checked_as_a_file(tmp_path: Path) -> None:
    out, env = tmp_path / "models", cached(tmp_path)
    assert run_cli("render", STACKED, "-o", f"{out}/", env=env).returncode == 0
    module = out / "stacked_lstm.py"
    assert module.read_text() == (GOLDEN / "stacked_lstm.py").read_text()
    check = run_cli("render", "--check", STACKED, "-o", module, env=env)
    assert (check.returncode, check.stdout) == (0, "1 module up to date\n")
    check = run_cli("render", "--check", STACKED, "-o", tmp_path / "none.py", env=env)
    assert (check.returncode, check.stderr.splitlines()[0]) == (
        1,
        f"would create {tmp_path / 'none.py'}",
    )


def test_a_bad_spec_among_many_writes_nothing(write, tmp_path: Path) -> None:
    bad = write("bad.yaml", "name: bad\ninput: {features: 3}\ncells: [{type: gru}]\n")
    worse = write("worse.yaml", "name: worse\n")
    out = tmp_path / "models"
    result = run_cli("render", STACKED, bad, worse, "-o", out, env=cached(tmp_path))
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"{bad}:3:9: cells[0].units: required key is missing\n"
        f"{worse}:1:1: cells: required key is missing\n"
        f"{worse}:1:1: input: required key is missing\n",
    )
    assert not out.exists()
    result = run_cli("render", "--check", bad, "-o", out, env=cached(tmp_path))
    assert (result.returncode, result.stdout) == (2, "") and not out.exists()


def test_two_specs_with_one_name_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "gru.yaml"
    other.parent.mkdir()
    other.write_text((ROOT / "examples" / "gru.yaml").read_text())
    out = tmp_path / "models"
    out.mkdir()
    result = run_cli(
        "render", ROOT / "examples" / "gru.yaml", STACKED, other, "-o", out
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"{ROOT / 'examples' / 'gru.yaml'} and {other} would both write {out / 'gru.py'}\n",
    )
    assert list(out.iterdir()) == []


def test_many_specs_or_check_need_an_output() -> None:
    for args in ([STACKED, STACKED.parent / "gru.yaml"], ["--check", STACKED]):
        result = run_cli("render", *args)
        assert result.returncode == 2 and "need -o" in result.stderr


def test_many_specs_render_in_workers_as_one_by_one(tmp_path: Path) -> None:
    """From batch.PARALLEL_FROM specs on, forked workers render them: same bytes."""
    specs = []
    for copy in range(3):
        for example in ALL_EXAMPLES:
            spec = tmp_path / "specs" / f"{example.stem}_{copy}{example.suffix}"
            spec.parent.mkdir(exist_ok=True)
            spec.write_text(example.read_text())
            specs.append((spec, GOLDEN / f"{example.stem}.py"))
    out = tmp_path / "models"
    result = run_cli("render", *(s for s, _ in specs), "-o", out, env=cached(tmp_path))
    assert (result.returncode, result.stderr) == (0, "")
    for spec, golden in specs:
        assert (out / f"{spec.stem}.py").read_text() == golden.read_text()
    bad = tmp_path / "specs" / "zz_bad.yaml"
    bad.write_text("name: bad\n")
    result = run_cli("render", *(s for s, _ in specs), bad, "-o", out)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"{bad}:1:1: cells: required key is missing"


def test_progress_shows_on_a_terminal_only(tmp_path: Path) -> None:
    specs = [STACKED, STACKED.parent / "gru.yaml"]
    for env, shown in (({"CI": ""}, True), ({"CI": "true"}, False)):
        leader, follower = pty.openpty()
        result = subprocess.run(
            [sys.executable, "-m", "rnnspec.cli", "render", *specs, "-o", tmp_path],
            stdout=subprocess.PIPE,
            stderr=follower,
            cwd=ROOT,
            env={**os.environ, **env, **cached(tmp_path)},
            timeout=120,
        )
        os.close(follower)
        try:  # nothing written: EIO on Linux once the child is gone
            seen = os.read(leader, 65536).decode()
        except OSError:
            seen = ""
        os.close(leader)
        assert result.returncode == 0
        assert ("[2/2] " in seen) is shown and seen.endswith("\r\x1b[K") is shown
