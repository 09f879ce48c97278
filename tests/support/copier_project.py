"""A copier project made from the template (`copier.yml`, `template/`) for the
tests/end_to_end/test_copier_*.py modules: git as a test identity, copying, checking
the project's files against `rnnspec render`, running the project's own tests (with
and without TensorFlow), copier's CLI, and the hostile names that must stay text.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import copier
import yaml
from markdown_it import MarkdownIt

from rnnspec import load_spec, render_spec

from .shared_smoke import run_alone

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# Project names that are code, escapes or markup in some file's language: each must stay
# text in every file. INJECTION ran `touch PWNED` on import through a raw docstring.
SENTINEL = "PWNED"
INJECTION = f'"""; import os; os.system(\'touch {SENTINEL}\'); """'
HOSTILE_NAMES = [
    INJECTION,
    "\\N{bogus} \\x41 \\u00e9 \\ ' \" ''' \"\"\" ends in a backslash \\",
    "$(touch PWNED) `touch PWNED` {{ 7 * 7 }} {% if true %}x{% endif %} {# c #} "
    "{{ project_name }} {% raw %}",
    "<b>&amp;</b> <script>x</script> [a](https://example.invalid) ![i](x) *b* _c_ "
    "~~d~~ | $e$ #",
    "😀 Ünïcode 中文 👨\u200d👩\u200d👧 \u00a0 ﷽",
    "!!python/object/apply:os.system [touch PWNED] &a *a {x: y} - null: ~ # yaml",
]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "rnnspec tests",
    "GIT_AUTHOR_EMAIL": "tests@rnnspec.invalid",
    "GIT_COMMITTER_NAME": "rnnspec tests",
    "GIT_COMMITTER_EMAIL": "tests@rnnspec.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,  # no user or system settings (signing, hooks, ...)
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def copy(src: Path, dest: Path, **data) -> Path:
    copier.run_copy(str(src), dest, data=data, defaults=True, unsafe=True, quiet=True)
    return dest


def check_project(dest: Path, spec_name: str = "rnnspec.yaml") -> tuple[dict, str]:
    """The generated project's files, its spec (`spec_name`, the one spec file) valid
    and its model byte-identical to `rnnspec render SPEC_NAME`."""
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    package = answers["package_name"]
    assert [path.name for path in dest.glob("rnnspec.*")] == [spec_name]
    assert "spec_name" not in answers  # computed, never recorded
    for path in (
        "pyproject.toml",
        "README.md",
        "tests/test_model.py",
        f"src/{package}/__init__.py",
    ):
        assert (dest / path).is_file(), path
    spec = load_spec(dest / spec_name)  # raises SpecError on an invalid spec
    model = (dest / "src" / package / "model.py").read_text(encoding="utf-8")
    assert model == render_spec(dest / spec_name, answers.get("target", "keras3"))
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert f"rnnspec render {spec_name} -o src/{package}/model.py" in readme
    for file in (readme, (dest / "tests" / "test_model.py").read_text("utf-8")):
        assert spec_name in file and (spec_name == "rnnspec.yaml") == (
            "rnnspec.yaml" in file
        )
    return answers, spec


# `python -m pytest -q -p no:cacheprovider` in the project's folder, as a script.
RUN_PROJECT_TESTS = """
import os, sys
import pytest
os.chdir(DEST)
sys.path.insert(0, DEST)  # what -m puts first
sys.exit(int(pytest.main(["-q", "-p", "no:cacheprovider"])))
"""


def run_project_tests(dest: Path) -> None:
    """The generated project's own test suite, with this interpreter (it has keras), in
    a process forked from the session's smoke worker (keras imported once)."""
    runner = dest.parent / "run_project_tests.py"
    runner.write_text(f"DEST = {str(dest)!r}\n{RUN_PROJECT_TESTS}", encoding="utf-8")
    done = run_alone(runner, timeout=300)
    assert done.ok, f"{done.error}\n{done.output}"
    assert "4 passed" in done.output  # the backend's, the smoke test's, two on states


def requirements(dest: Path) -> list[str]:
    """pyproject.toml's dependencies, as TOML reads them."""
    meta = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))
    return meta["project"]["dependencies"]


def conftest_backend(dest: Path) -> str:
    """The KERAS_BACKEND that the project's tests/conftest.py sets (its BACKEND)."""
    tree = ast.parse((dest / "tests" / "conftest.py").read_text(encoding="utf-8"))
    (value,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "BACKEND"
    ]
    return ast.literal_eval(value)


# The project's tests in a fresh interpreter where TensorFlow (and tf_keras) cannot be
# imported, as if not installed, with KERAS_BACKEND=tensorflow in the environment: the
# project's conftest must choose its backend, and nothing may reach for TensorFlow.
RUN_WITHOUT_TENSORFLOW = """
import os, sys

class NoTensorFlow:
    # wraps a finder: it finds nothing of TensorFlow, as if it were not installed
    def __init__(self, finder):
        self.finder = finder
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("tensorflow", "tf_keras"):
            return None
        return self.finder.find_spec(name, path, target)
    def __getattr__(self, attribute):
        return getattr(self.finder, attribute)

sys.meta_path[:] = [NoTensorFlow(finder) for finder in sys.meta_path]
try:
    import tensorflow
    sys.exit("tensorflow imported")
except ModuleNotFoundError:
    pass
import pytest
os.chdir(DEST)
sys.path.insert(0, DEST)
code = int(pytest.main(["-q", "-p", "no:cacheprovider"]))
import keras
print("backend:", keras.backend.backend())
print("tensorflow imported:", any(m.partition(".")[0] == "tensorflow" for m in sys.modules))
sys.exit(code)
"""


def run_without_tensorflow(dest: Path) -> str:
    runner = dest.parent / "run_without_tensorflow.py"
    runner.write_text(f"DEST = {str(dest)!r}\n{RUN_WITHOUT_TENSORFLOW}", "utf-8")
    env = {
        **os.environ,
        "KERAS_BACKEND": "tensorflow",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    done = subprocess.run(
        [sys.executable, str(runner)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    return output


def copier_cli(template: Path, dest: Path, *data: str) -> subprocess.CompletedProcess:
    """`copier copy --trust --defaults --data ... TEMPLATE DEST`, the real command."""
    options = [arg for item in data for arg in ("--data", item)]
    return subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", *options]
        + [str(template), str(dest)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )


def no_sentinel(*folders: Path) -> None:
    for folder in folders:
        assert not list(folder.rglob(SENTINEL)), f"{SENTINEL} created under {folder}"


def heading_text(readme: str) -> str:
    """The README's first heading as CommonMark (+ GitHub's tables and strikethrough)
    reads it: its text, which must be nothing but text."""
    markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = markdown.parse(readme.splitlines()[0] + "\n")
    assert [token.type for token in tokens] == [
        "heading_open",
        "inline",
        "heading_close",
    ]
    children = tokens[1].children or []
    assert {child.type for child in children} <= {"text"}, children
    return "".join(child.content for child in children)


def check_hostile_project(dest: Path, name: str) -> str:
    """Every file parses in its own language and holds `name` as the text it is."""
    answers, spec = check_project(dest)  # rnnspec.yaml and .copier-answers.yml: YAML
    package = answers["package_name"]
    assert answers["project_name"] == name
    assert spec.description.startswith(f"{name}: ")
    for file in dest.rglob("*.py"):
        ast.parse(file.read_text(encoding="utf-8"), str(file))
    init = ast.parse((dest / "src" / package / "__init__.py").read_text("utf-8"))
    assert len(init.body) == 1, "the package runs more than its docstring"
    assert ast.get_docstring(init, clean=False) == (
        f"{name}: the recurrent model is in `model.py`, rendered by rnnspec from "
        "rnnspec.yaml."
    )
    model = ast.parse((dest / "src" / package / "model.py").read_text("utf-8"))
    assert ast.get_docstring(model, clean=False) == spec.description
    meta = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == package.replace("_", "-")
    assert meta["project"]["description"] == (
        f"{name}: a Keras recurrent model rendered by rnnspec from rnnspec.yaml"
    )
    assert heading_text((dest / "README.md").read_text(encoding="utf-8")) == name
    no_sentinel(dest)
    return package
