"""Where the command line meets the user's tools, in real processes: `python -m rnnspec`,
shell completion, `check` over several specs and stdin, and a backend (or Keras) that is
not installed, which ends in one line naming the extra and `--backend` (exit 2).

A package that is not installed is made so for one process: a meta path finder, put
first by a sitecustomize module on its PYTHONPATH, answers `import NAME` (and
importlib's find_spec) for each blocked NAME as Python does for a missing package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import GOLDEN, ROOT, run_cli

GRU = ROOT / "examples" / "gru.yaml"
BLOCKER = """\
import os, sys

BLOCKED = set(os.environ["RNNSPEC_TEST_BLOCKED"].split(","))


class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
"""


def rnnspec(
    *args: str | Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m rnnspec ARGS...`, as a user runs it, `stdin` on its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "rnnspec", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@pytest.fixture
def without(tmp_path: Path):
    """The environment of a process where the named packages are not installed."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))

    def env(*names: str) -> dict[str, str]:
        return {"PYTHONPATH": path, "RNNSPEC_TEST_BLOCKED": ",".join(names)}

    return env


def test_python_m_rnnspec_is_the_command_line() -> None:
    version = rnnspec("--version")
    assert (version.returncode, version.stdout) == (0, "rnnspec, version 0.1.0\n")
    rendered = rnnspec("render", GRU)
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout == (GOLDEN / "gru.py").read_text()
    assert rnnspec("check", "--help").stdout.startswith("Usage: rnnspec check ")


def test_shell_completion_is_clicks_for_the_rnnspec_script() -> None:
    """What the README tells a user to put in their shell's startup file."""
    script = rnnspec(env={"_RNNSPEC_COMPLETE": "bash_source"})
    assert (
        script.returncode == 0
        and "complete -o nosort -F _rnnspec_completion rnnspec" in script.stdout
    )
    words = {"COMP_WORDS": "rnnspec ch", "COMP_CWORD": "1"}
    done = rnnspec(env={"_RNNSPEC_COMPLETE": "bash_complete", **words})
    assert done.stdout.split() == ["plain,check"]
    readme = (ROOT / "README.md").read_text()
    assert "_RNNSPEC_COMPLETE=bash_source rnnspec" in readme


def test_check_takes_several_specs_and_stdin(write) -> None:
    lstm = ROOT / "examples" / "lstm.yaml"
    both = rnnspec("check", GRU, "-", lstm, stdin=GRU.read_text())
    assert both.returncode == 0, both.stderr
    alone = [rnnspec("check", spec).stdout for spec in (GRU, GRU, lstm)]
    heads = [f"==> {GRU} <==\n", "\n==> - <==\n", f"\n==> {lstm} <==\n"]
    assert both.stdout == "".join(h + text for h, text in zip(heads, alone))
    toml = 'name = "t"\ninput = {features = 3}\ncells = [{type = "gru", units = 4}]\n'
    read = rnnspec("check", "--stdin-format", "toml", "-", stdin=toml)
    assert read.returncode == 0 and read.stdout.startswith("t: 1 layer(s)\n")
    assert rnnspec("check", "-", "-").returncode == 2  # stdin is read once


def test_check_reports_every_bad_spec_at_its_place_and_exits_2(write) -> None:
    typo = write("typo.yaml", GRU.read_text().replace("type: gru", "type: GRU"))
    lines = enumerate(GRU.read_text().splitlines(), 1)
    line = next(number for number, text in lines if "type: gru" in text)
    broken = "name: t\ninput:\n  features: 3\n    units: 4\n"
    result = rnnspec("check", typo, GRU, "-", stdin=broken)
    assert result.returncode == 2
    assert result.stderr == (
        f"{typo}:{line}:12: cells[0].type: unknown cell type \"GRU\"; did you mean 'gru'?\n"
        "<stdin>:4:10: not valid YAML: mapping values are not allowed here (is this "
        "line indented deeper than the key above it, or does an unquoted value hold "
        "': '?)\n"
        "  4 |     units: 4\n"
        "    |          ^\n"
    )
    assert result.stdout.startswith(f"\n==> {GRU} <==\ngru: 1 layer(s)\n")


def test_render_shows_a_syntax_error_with_its_line(write) -> None:
    spec = write("bad.json", '{"name": "t",\n  "cells": [}\n')
    result = run_cli("render", spec)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines()[1:] == [
        '  2 |   "cells": [}',
        "    |             ^",
    ]


def test_the_blocker_makes_a_package_missing_as_python_would(without) -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.util as u; print(u.find_spec('jax'))\nimport tensorflow",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **without("tensorflow")},
    )
    assert probe.stdout.startswith("ModuleSpec(name='jax'")
    assert (
        probe.stderr.splitlines()[-1]
        == "ModuleNotFoundError: No module named 'tensorflow'"
    )


# Each: blocked packages, smoke's arguments before the spec, then its one line.
MISSING = {
    "only jax": (
        ("tensorflow", "torch"),
        (),
        "the tensorflow backend needs tensorflow, which is not installed: "
        "pip install 'rnnspec[tensorflow]', or run on an installed one: --backend jax",
    ),
    "jax asked, not there": (
        ("jax",),
        ("--backend", "jax"),
        "the jax backend needs jax, which is not installed: pip install 'rnnspec[jax]', "
        "or run on an installed one: --backend tensorflow",
    ),
    "the second of two": (
        ("torch",),
        ("--backend", "tensorflow,torch"),
        "the torch backend needs torch, which is not installed: "
        "pip install 'rnnspec[torch]', or run on an installed one: --backend tensorflow",
    ),
    "no keras": (
        ("keras",),
        (),
        "the tensorflow backend needs keras, which is not installed: "
        "pip install 'rnnspec[tensorflow]', or --backend jax|torch with its extra "
        "('rnnspec[jax]', 'rnnspec[torch]')",
    ),
    "tf_keras": (
        ("tf_keras",),
        ("--target", "tf_keras"),
        "the tensorflow backend needs tf_keras, which is not installed: "
        "pip install 'tf_keras>=2.16' 'tensorflow>=2.16'",
    ),
}


@pytest.mark.parametrize("case", MISSING)
def test_a_backend_not_installed_is_one_line_and_exit_2(without, case: str) -> None:
    blocked, args, line = MISSING[case]
    result = rnnspec("smoke", *args, GRU, env=without(*blocked))
    assert (result.returncode, result.stdout, result.stderr) == (2, "", line + "\n")


def test_docs_without_tensorflow_is_one_line_and_exit_2(
    without, tmp_path: Path
) -> None:
    result = rnnspec("docs", GRU, "-o", tmp_path / "docs", env=without("tensorflow"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "pip install 'rnnspec[tensorflow]'" in result.stderr
    assert not (tmp_path / "docs").exists()


def test_render_and_check_need_no_keras(without) -> None:
    blocked = without("keras", "tensorflow", "jax", "torch")
    assert rnnspec("render", GRU, env=blocked).returncode == 0
    assert rnnspec("check", GRU, env=blocked).returncode == 0


def test_the_readme_shows_what_the_command_line_prints(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    backends = (ROOT / "docs" / "backends.md").read_text()
    line = MISSING["only jax"][2]
    assert f"\n{line}\n" in readme and f"\n{line}\n" in backends
    (tmp_path / "bad.yaml").write_text(
        "name: t\ninput:\n  batch_size: 1\n  timesteps: 5\n    features: 10\n"
    )
    shown = subprocess.run(
        [sys.executable, "-m", "rnnspec", "check", "bad.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert f"\n$ rnnspec check bad.yaml\n{shown.stderr}```\n" in readme
