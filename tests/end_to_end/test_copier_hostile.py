"""Hostile answers: a project name that is code, escapes or markup stays text in
every file (ruff finds nothing to fix in them), and an injected name never runs."""

from __future__ import annotations

from pathlib import Path

import copier
import pytest

from rnnspec import project

from ..support.copier_project import (
    HOSTILE_NAMES,
    INJECTION,
    check_hostile_project,
    copy,
    git,
    no_sentinel,
    run_project_tests,
)
from ..support.project_tools import ruff

# every copy commits as a test identity (conftest.py)
pytestmark = pytest.mark.usefixtures("git_identity")


@pytest.mark.parametrize(
    ("name", "data"),
    [(name, {}) for name in HOSTILE_NAMES[1:]]
    + [("Keras", {}), ("tests", {}), ("null", {"package_name": "null"})],
    ids=[
        "backslashes",
        "shell-jinja",
        "markup",
        "unicode",
        "yaml",
        "keras",
        "tests",
        "null",
    ],
)
def test_hostile_answers_stay_text(template_repo, tmp_path, name, data):
    dest = copy(template_repo, tmp_path / "project", project_name=name, **data)
    package = check_hostile_project(dest, name)
    assert package == data.get("package_name", project.package_name(name))
    assert project.package_name_error(package) == ""
    license_text = (dest / "LICENSE").read_text(encoding="utf-8")
    assert f" The {name} authors\n" in license_text.splitlines(keepends=True)[2]
    for check in (("check",), ("format", "--check")):
        done = ruff(dest, *check)  # python_str's literals are ruff's own
        assert done.returncode == 0, done.stdout + done.stderr
    no_sentinel(tmp_path, Path.cwd())


def test_an_injected_name_never_runs_and_the_project_passes(template_repo, tmp_path):
    """The one full run: the project imports its package in its own tests, after a
    copy and after an update that renames it to Jinja syntax."""
    dest = copy(template_repo, tmp_path / "project", project_name=INJECTION)
    check_hostile_project(dest, INJECTION)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    renamed = HOSTILE_NAMES[2] + " " + INJECTION
    copier.run_update(
        dest,
        data={"project_name": renamed, "units": "32"},
        defaults=True,
        unsafe=True,
        overwrite=True,
        quiet=True,
    )
    assert not list(dest.rglob("*.rej"))
    check_hostile_project(dest, renamed)
    run_project_tests(dest)
    no_sentinel(tmp_path, Path.cwd())
