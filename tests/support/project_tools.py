"""The copied project's tools, run for real by tests/end_to_end/test_copier_tools.py:
its pre-commit hooks (real pre-commit in real git), ruff on its files, its CI workflow
read as YAML and checked against GitHub's workflow schema (check-jsonschema's copy
of SchemaStore's, shipped in its wheel: nothing is downloaded), and the
`rnnspec render --check` command the workflow runs.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from .copier_project import REPO

BIN = Path(sys.executable).parent  # this environment's scripts: rnnspec, ruff
HOOKS = REPO / ".pre-commit-hooks.yaml"
SUMMARY = re.compile(r"^(.+?)\.{3,}.*?(Passed|Failed|Skipped)$")


def run(dest: Path, *command: str, **env: str) -> subprocess.CompletedProcess:
    """`command` in the project's folder, this environment's scripts first on PATH (as
    in the project's activated virtual environment), output as text."""
    path = os.pathsep.join([str(BIN), os.environ.get("PATH", "")])
    return subprocess.run(
        list(command),
        cwd=dest,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PATH": path, "RNNSPEC_NO_CACHE": "1", **env},
    )


def pre_commit(dest: Path, home: Path) -> subprocess.CompletedProcess:
    """`pre-commit run --all-files`: ruff's environment is made in `home` (pip fetches
    the pinned ruff from the package index); rnnspec is this environment's."""
    return run(
        dest,
        *(sys.executable, "-m", "pre_commit", "run", "--all-files", "--color=never"),
        PRE_COMMIT_HOME=str(home),
    )


def hook_results(output: str) -> dict[str, str]:
    """pre-commit's summary lines, `ruff check......Passed` -> {'ruff check': 'Passed'}."""
    found = (SUMMARY.match(line) for line in output.splitlines())
    return {match[1]: match[2] for match in found if match}


def ruff(dest: Path, *args: str) -> subprocess.CompletedProcess:
    """This environment's ruff (the version the project pins) on the project, with the
    project's pyproject.toml settings."""
    return run(dest, sys.executable, "-m", "ruff", *args, "--no-cache", ".")


def workflow(dest: Path) -> dict:
    """.github/workflows/ci.yml as PyYAML reads it; its `on` (YAML 1.1's true) as "on"."""
    text = (dest / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if True in data:
        data["on"] = data.pop(True)
    return data


def runs(job: dict) -> list[str]:
    """The `run:` commands of a job's steps, in order."""
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


def schema_check(file: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with its vendored GitHub workflow schema (no download)."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema"]
    return subprocess.run(
        [*command, "vendor.github-workflows", str(file)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_command(dest: Path, line: str) -> subprocess.CompletedProcess:
    """A workflow step's one-line command, split as a shell would (no shell)."""
    return run(dest, *shlex.split(line))


def hooks(dest: Path) -> dict[str, dict]:
    """The project's pre-commit hooks by id (all in its one `local` repo)."""
    config = yaml.safe_load((dest / ".pre-commit-config.yaml").read_text("utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    return {hook["id"]: hook for hook in repo["hooks"]}


def rnnspec_own_hook() -> dict:
    """rnnspec's hook in this repository's .pre-commit-hooks.yaml."""
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    return hook


def pyproject(dest: Path) -> dict:
    return tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))


def pinned(name: str) -> str:
    """constraints.txt's pin of `name`: `name==VERSION`."""
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.partition("==")[0].lower() == name:
            return line.strip()
    raise AssertionError(f"{name} is not pinned in constraints.txt")
