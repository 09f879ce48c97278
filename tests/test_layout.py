"""The package's shape: one pipeline in one direction, a target seam, `import rnnspec`.

Read from the source (imports parsed with `ast`), so a layer that starts calling the
wrong way, a second module template or a file that grows past its size fails here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import rnnspec
from rnnspec.targets import NAMES, get_target

from .conftest import ROOT, run_cli

PACKAGE = ROOT / "generator" / "rnnspec"
# The spec layer: the user's words, checked. It asks the cell registry and Keras'
# state rules (stack.py), never the plan or anything after it.
SPEC_LAYER = (
    "around", "attention", "budget", "cells", "decoding", "handover", "json_marks",
    "limits", "load", "marks", "names", "normalise", "params", "rules", "shapes", "spec",
    "spec_file", "stack", "toml_lexer", "toml_marks", "training", "values", "wiring",
    "yaml_marks",
)  # fmt: skip
LATER = {
    "plan", "render", "format", "verify", "report", "targets", "docs", "project",
    "worker", "cache", "batch", "smoke_report", "summary",
}  # fmt: skip
MAX_LINES = 450


def _imported(path: Path) -> set[str]:
    """The package modules a module imports (relative imports, first part)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names |= {alias.name for alias in node.names}
    return names


@pytest.mark.parametrize("name", SPEC_LAYER)
def test_the_spec_layer_imports_nothing_after_it(name: str) -> None:
    assert _imported(PACKAGE / f"{name}.py") & LATER == set()


def test_the_plan_imports_no_target_and_no_front_end() -> None:
    own = {"plan", "summary"}  # summary.py writes the plan's header lines
    assert _imported(PACKAGE / "plan.py") & (LATER - own) == set()


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
