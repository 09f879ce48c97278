"""The package's shape: one pipeline in one direction, a target seam, `import rnnspec`.

Read from the source: import-linter's contracts (pyproject.toml) on the import graph, so
a stage that starts importing the wrong way fails here, as does a second module template
or a file that grows past its size.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import rnnspec
from rnnspec.targets import NAMES, get_target

from ..conftest import ROOT, run_cli

PACKAGE = ROOT / "generator" / "rnnspec"
MAX_LINES = 450


def test_stages_import_one_way() -> None:
    """pyproject.toml's import-linter contracts: each stage folder imports only the
    stages below it (cli, then docs and project, run, render, plan and read, check,
    spec, the cell registry), and no target imports another."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_each_target_has_one_module_template() -> None:
    for name in NAMES:
        target = get_target(name)
        folder = PACKAGE / "targets" / name / "templates"
        own = [p.name for p in folder.glob("*.py.jinja")]
        # a target with a base (tf_keras: keras3) takes the base's module template
        assert own == ([] if target.base else ["module.py.jinja"])
        assert target.name == name


def test_no_package_file_is_over_the_size_bound() -> None:
    sizes = {
        str(path.relative_to(PACKAGE)): len(
            path.read_text(encoding="utf-8").splitlines()
        )
        for path in sorted(PACKAGE.rglob("*"))
        if path.suffix in (".py", ".jinja")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_every_package_module_says_what_it_knows() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert docstring, f"{path.relative_to(ROOT)} has no module docstring"


def test_import_rnnspec_from_an_installed_package() -> None:
    """`import rnnspec` in a fresh interpreter, outside the checkout."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import rnnspec; rnnspec.load_spec; print(rnnspec.__file__)",
        ],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == Path(rnnspec.__file__)


def test_render_names_its_target(tmp_path: Path) -> None:
    spec = ROOT / "examples" / "gru.yaml"
    default = run_cli("render", spec)
    named = run_cli("render", spec, "--target", "keras3")
    assert default.returncode == named.returncode == 0
    assert named.stdout == default.stdout == rnnspec.render_spec(str(spec))
    unknown = run_cli("render", spec, "--target", "keras2")
    assert unknown.returncode == 2
    assert "'keras2' is not one of 'keras3', 'tf_keras'" in unknown.stderr
    with pytest.raises(ValueError, match="unknown target 'keras2'"):
        get_target("keras2")
