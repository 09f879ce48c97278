"""Fixtures of the copier tests (test_copier_*.py): a test git identity and the
template alone in a tagged git repo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..support.copier_project import GIT_ENV, REPO, git


@pytest.fixture(scope="module")
def git_identity():
    """Git (ours and copier's) commits as a test identity, set here and not globally."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in GIT_ENV.items():
            patch.setenv(key, value)
        yield


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory, git_identity) -> Path:
    """The template alone in a git repo tagged v1, as copier update needs.

    The Jinja extension is imported from the installed rnnspec (rnnspec.project), so
    `copier.yml` and `template/` are all the repo needs.
    """
    repo = tmp_path_factory.mktemp("template")
    shutil.copy2(REPO / "copier.yml", repo / "copier.yml")
    shutil.copytree(REPO / "template", repo / "template")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "template v1")
    git(repo, "tag", "v1")
    return repo
