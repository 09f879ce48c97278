"""The copied project's tools: its pre-commit hooks run for real (real pre-commit in
real git: rnnspec's hook and ruff), its CI workflow is valid (GitHub's workflow schema)
and runs what it should, its LICENSE follows the answer."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
from packaging.requirements import Requirement

from rnnspec.project import tooling

from ..support.copier_project import copier_cli, copy, git, run_project_tests
from ..support.project_tools import (
    hook_results,
    hooks,
    pinned,
    pre_commit,
    pyproject,
    rnnspec_own_hook,
    run,
    run_command,
    runs,
    schema_check,
    uses,
    workflow,
)

# every copy commits as a test identity (conftest.py)
pytestmark = pytest.mark.usefixtures("git_identity")

HOOK_NAMES = ("rnnspec render --check", "ruff check", "ruff format")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    """pre-commit's environments (ruff's), made once for the module."""
    return tmp_path_factory.mktemp("pre-commit-home")


def test_the_project_passes_its_tests_and_its_pre_commit_hooks(
    template_repo, tmp_path, pre_commit_home
):
    """A copy, committed: its tests pass and so do its hooks; a stale model, an unused
    import and unformatted code fail them; re-rendering and fixing pass again."""
    dest = copy(template_repo, tmp_path / "project")
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    run_project_tests(dest)
    done = pre_commit(dest, pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert hook_results(done.stdout) == dict.fromkeys(HOOK_NAMES, "Passed")

    spec, model = dest / "rnnspec.yaml", dest / "src" / "my_rnn_model" / "model.py"
    spec.write_text(spec.read_text().replace("units: 64", "units: 32"))
    (dest / "tests" / "test_more.py").write_text("import os\nx = {  'a':1}\n")
    git(dest, "add", "-A")
    done = pre_commit(dest, pre_commit_home)
    assert done.returncode == 1
    assert hook_results(done.stdout) == dict.fromkeys(HOOK_NAMES, "Failed")
    assert "would rewrite src/my_rnn_model/model.py" in done.stdout
    assert "F401" in done.stdout and "files were modified by this hook" in done.stdout

    rendered = run(dest, "rnnspec", "render", "rnnspec.yaml", "-o", str(model))
    assert rendered.returncode == 0, rendered.stderr
    (dest / "tests" / "test_more.py").write_text('x = {"a": 1}\n')
    git(dest, "add", "-A")
    done = pre_commit(dest, pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "keras.layers.LSTM(32" in model.read_text()


def test_the_hooks_are_rnnspecs_own_and_ruff_pinned_as_the_dev_group(
    template_repo, tmp_path
):
    dest = copy(template_repo, tmp_path / "project", units="8")
    found = hooks(dest)
    assert list(found) == ["rnnspec-check", "ruff-check", "ruff-format"]
    own, check = rnnspec_own_hook(), found["rnnspec-check"]
    assert {key: check[key] for key in ("id", "name", "entry")} == {
        key: own[key] for key in ("id", "name", "entry")
    }
    assert check["language"] == "system" and check["pass_filenames"] is False
    assert check["args"] == ["rnnspec.yaml", "--target", "keras3"] + [
        "-o",
        "src/my_rnn_model/model.py",
    ]
    files = re.compile(check["files"])
    assert files.search("rnnspec.yaml") and files.search("src/my_rnn_model/model.py")
    assert not files.search("rnnspec_yaml") and not files.search("tests/test_model.py")
    for hook in ("ruff-check", "ruff-format"):
        assert found[hook]["additional_dependencies"] == [pinned("ruff")]
        assert "--force-exclude" in found[hook]["entry"]
    dev = pyproject(dest)["dependency-groups"]["dev"]
    assert dev == [tooling.default_requirement(), tooling.PRE_COMMIT, pinned("ruff")]
    assert Requirement(dev[0]).specifier == f"=={tooling.default_requirement()[9:]}"


@pytest.mark.parametrize(
    ("data", "target", "backend"),
    [
        ({}, "keras3", "tensorflow"),
        ({"backend": "jax"}, "keras3", "jax"),
        ({"backend": "torch"}, "keras3", "torch"),
        ({"target": "tf_keras"}, "tf_keras", "tensorflow"),
    ],
    ids=["tensorflow", "jax", "torch", "tf_keras"],
)
def test_the_workflow_installs_checks_and_tests(
    template_repo, tmp_path, data, target, backend
):
    """ci.yml: GitHub's schema takes it; its jobs and steps; its check command is the
    hook's and passes in the project (fails when the model is stale)."""
    dest = copy(template_repo, tmp_path / "project", units="8", **data)
    file = dest / ".github" / "workflows" / "ci.yml"
    checked = schema_check(file)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    flow = workflow(dest)
    assert set(flow["on"]) == {"push", "pull_request", "workflow_dispatch"}
    assert flow["permissions"] == {"contents": "read"}
    assert set(flow["jobs"]) == {"checks", "tests"}
    checks, tests = flow["jobs"]["checks"], flow["jobs"]["tests"]
    assert (
        uses(checks)
        == uses(tests)
        == ["actions/checkout@v4", "actions/setup-python@v5"]
    )
    assert runs(checks) == [
        "python -m pip install --upgrade pip",
        "python -m pip install --group dev",
        "pre-commit run --all-files --show-diff-on-failure",
    ]
    assert tests["strategy"]["matrix"]["python-version"] == list(tooling.PYTHONS)
    assert backend in tests["name"]
    install = "python -m pip install -e '.[test]' --group dev"
    if backend == "torch":
        install += " --extra-index-url https://download.pytorch.org/whl/cpu"
    command = f"rnnspec render --check rnnspec.yaml --target {target}"
    command += " -o src/my_rnn_model/model.py"
    assert runs(tests) == [
        "python -m pip install --upgrade pip",
        install,
        command,
        "python -m pytest",
    ]
    assert command.split()[3:] == hooks(dest)["rnnspec-check"]["args"]

    done = run_command(dest, command)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 module up to date\n"
    model = dest / "src" / "my_rnn_model" / "model.py"
    model.write_text(model.read_text() + "# an edit by hand\n")
    done = run_command(dest, command)
    assert done.returncode == 1
    assert "would rewrite src/my_rnn_model/model.py" in done.stderr


def test_the_schema_check_can_fail(template_repo, tmp_path):
    """A workflow with a misspelt key is refused by the same check."""
    dest = copy(template_repo, tmp_path / "project", units="8")
    file = dest / ".github" / "workflows" / "ci.yml"
    file.write_text(file.read_text().replace("runs-on:", "runs_on:", 1))
    checked = schema_check(file)
    assert checked.returncode == 1 and "jobs.checks" in checked.stdout


def test_the_license_is_mit_by_default_and_none_leaves_none(template_repo, tmp_path):
    dest = copy(template_repo, tmp_path / "mit", project_name="Sequence tagger")
    text = (dest / "LICENSE").read_text(encoding="utf-8")
    year = tooling.this_year()
    assert text.startswith("MIT License\n\n")
    assert f"\nCopyright (c) {year} The Sequence tagger authors\n" in text
    meta = pyproject(dest)["project"]
    assert (meta["license"], meta["license-files"]) == ("MIT", ["LICENSE"])
    wheel = build_wheel(dest, tmp_path / "wheels")
    assert "License-Expression: MIT" in wheel and "License-File: LICENSE" in wheel

    dest = copy(template_repo, tmp_path / "none", license="none")
    assert not (dest / "LICENSE").exists()
    assert {"license", "license-files"}.isdisjoint(pyproject(dest)["project"])
    wheel = build_wheel(dest, tmp_path / "wheels-none")
    assert "License" not in wheel


def build_wheel(dest, folder) -> str:
    """`pip wheel` of the project (setuptools reads its pyproject.toml): its METADATA."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        + ["-q", "-w", str(folder), str(dest)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = folder.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (meta,) = [name for name in archive.namelist() if name.endswith("/METADATA")]
        return archive.read(meta).decode("utf-8")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "license=GPL",
            "Invalid choice for 'license': 'GPL' is not in ['MIT', 'none']",
        ),
        ("copyright_year=20x5", "copyright_year must be a year of four digits"),
        ("rnnspec_requirement=numpy==2", "rnnspec_requirement must name rnnspec"),
        ("rnnspec_requirement=rnnspec==", "must be a requirement pip reads"),
    ],
)
def test_a_bad_tools_answer_is_refused_in_one_line(
    template_repo, tmp_path, answer, message
):
    done = copier_cli(template_repo, tmp_path / "project", answer)
    assert done.returncode == 1
    name = answer.partition("=")[0]
    (line,) = done.stderr.strip().splitlines()[-1:]
    assert line.startswith(
        (f"Validation error for question '{name}': ", f"Invalid choice for '{name}'")
    )
    assert message in line and "Traceback" not in done.stderr
    assert not (tmp_path / "project" / "pyproject.toml").exists()


def test_a_requirement_with_quotes_and_a_url_stays_one_toml_string(
    template_repo, tmp_path
):
    answer = 'rnnspec @ git+https://example.invalid/o/rnnspec@v0.1.0 ; python_version >= "3.11"'
    dest = copy(template_repo, tmp_path / "project", rnnspec_requirement=answer)
    assert pyproject(dest)["dependency-groups"]["dev"][0] == answer
