"""The copier template (`copier.yml`, `template/`): real copier, real git, real pytest.

The model module of a generated project must be byte-identical to `rnnspec render
rnnspec.yaml`; the project's own tests run once on a fresh copy and once after a
`copier update`; every validator is fed a bad answer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

copier = pytest.importorskip("copier")

from generator import load_spec, render_spec  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "rnnspec tests",
    "GIT_AUTHOR_EMAIL": "tests@rnnspec.invalid",
    "GIT_COMMITTER_NAME": "rnnspec tests",
    "GIT_COMMITTER_EMAIL": "tests@rnnspec.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,  # no user or system settings (signing, hooks, ...)
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(scope="module", autouse=True)
def git_identity():
    """Git (ours and copier's) commits as a test identity, set here and not globally."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in GIT_ENV.items():
            patch.setenv(key, value)
        yield


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory, git_identity) -> Path:
    """The template alone in a git repo tagged v1, as copier update needs.

    The Jinja extension is imported from the installed rnnspec (generator.project), so
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


def copy(src: Path, dest: Path, **data) -> Path:
    copier.run_copy(str(src), dest, data=data, defaults=True, unsafe=True, quiet=True)
    return dest


def check_project(dest: Path) -> tuple[dict, str]:
    """The generated project's files, its spec valid and its model byte-identical."""
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    package = answers["package_name"]
    for path in (
        "pyproject.toml",
        "README.md",
        "tests/test_model.py",
        f"src/{package}/__init__.py",
    ):
        assert (dest / path).is_file(), path
    spec = load_spec(dest / "rnnspec.yaml")  # raises SpecError on an invalid spec
    model = (dest / "src" / package / "model.py").read_text(encoding="utf-8")
    assert model == render_spec(dest / "rnnspec.yaml")
    assert (
        f"rnnspec render rnnspec.yaml -o src/{package}/model.py"
        in (dest / "README.md").read_text()
    )
    return answers, spec


def run_project_tests(dest: Path) -> None:
    """The generated project's own test suite, with this interpreter (it has keras)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=dest,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


@pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")
def test_copy_with_defaults_from_this_repo(tmp_path):
    """`copier copy --trust --defaults . DEST`: no prompt, a project whose tests pass."""
    dest = copy(REPO, tmp_path / "project")
    answers, spec = check_project(dest)
    assert answers["package_name"] == "my_rnn_model"
    assert answers["spec_file"] == ""
    assert spec.name == "my_rnn_model"
    assert [(cell.type, cell.units) for cell in spec.cells] == [("lstm", 64)]
    assert spec.return_state and spec.input.batch_size == 2
    run_project_tests(dest)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"project_name": "2048 GRU", "cells": "gru", "units": 16},
            {"cells": [("gru", 16)], "stacking": "layers", "name": "model_2048_gru"},
        ),
        (
            {
                "project_name": "Stacked encoder",
                "cells": "lstm,gru",
                "units": "32,16",
                "stacking": "cells",
                "bidirectional": True,
                "initial_state": "random",
            },
            {
                "cells": [("lstm", 32), ("gru", 16)],
                "stacking": "cells",
                "merge_mode": "concat",
                "name": "stacked_encoder",
            },
        ),
        (
            {
                "cells": "[simple_rnn, lstm]",
                "units": 8,
                "bidirectional": True,
                "merge_mode": "ave",
                "batch_size": "none",
                "timesteps": "none",
                "initial_state": "input",
                "return_sequences": False,
            },
            {
                "cells": [("simple_rnn", 8), ("lstm", 8)],
                "stacking": "layers",
                "merge_mode": "ave",
                "input.batch_size": None,
            },
        ),
        (
            {"cells": "lstm", "units": 12, "stateful": True, "batch_size": 4},
            {"cells": [("lstm", 12)], "stateful": True, "initial_state_mode": "none"},
        ),
    ],
    ids=["gru16", "stacked-cells-bidirectional", "layers-any-batch-inputs", "stateful"],
)
def test_copy_with_answers(template_repo, tmp_path, data, expected):
    answers, spec = check_project(copy(template_repo, tmp_path / "project", **data))
    assert [(cell.type, cell.units) for cell in spec.cells] == expected.pop("cells")
    for key, value in expected.items():
        found = spec
        for part in key.split("."):
            found = getattr(found, part)
        assert found == value, key
    assert answers["_commit"] == "v1"


def test_copy_from_a_spec_file(template_repo, tmp_path):
    source = EXAMPLES / "bidirectional_lstm.yaml"
    dest = copy(
        template_repo,
        tmp_path / "project",
        project_name="Encoder",
        spec_file=str(source),
    )
    answers, spec = check_project(dest)
    assert (dest / "rnnspec.yaml").read_bytes() == source.read_bytes()
    assert (dest / "src" / "encoder" / "model.py").read_text() == (
        REPO / "tests/golden/bidirectional_lstm.py"
    ).read_text()
    # The architecture questions were skipped and are not recorded.
    assert {"cells", "units", "bidirectional", "stateful"}.isdisjoint(answers)
    assert answers["spec_file"] == str(source)

    # An update with another answer leaves the spec, a user's own to edit, alone.
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    copier.run_update(
        dest,
        data={"project_name": "Encoder two"},
        defaults=True,
        unsafe=True,
        overwrite=True,
        quiet=True,
    )
    assert (dest / "rnnspec.yaml").read_bytes() == source.read_bytes()
    assert (dest / "README.md").read_text().startswith("# Encoder two\n")
    check_project(dest)


def test_update_regenerates_the_model_and_keeps_user_edits(template_repo, tmp_path):
    dest = copy(template_repo, tmp_path / "project", units=64)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    readme = dest / "README.md"
    readme.write_text(readme.read_text() + "\nA note of mine, kept by copier update.\n")
    spec_file = dest / "rnnspec.yaml"
    spec_file.write_text(
        "# My comment, merged by copier update.\n" + spec_file.read_text()
    )
    (dest / "NOTES.md").write_text("my own file\n")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "my edits")
    model = dest / "src" / "my_rnn_model" / "model.py"
    before = model.read_text()

    def update(**data):
        copier.run_update(
            dest, data=data, defaults=True, unsafe=True, overwrite=True, quiet=True
        )
        answers, spec = check_project(dest)  # the model re-rendered, byte for byte
        assert "A note of mine, kept by copier update." in readme.read_text()
        assert (dest / "NOTES.md").read_text() == "my own file\n"
        assert spec_file.read_text().startswith(
            "# My comment, merged by copier update.\n"
        )
        assert not list(dest.rglob("*.rej"))
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "-m", f"update {data}")
        return answers, spec

    answers, spec = update(units="128")
    assert answers["units"] == "128"
    assert [(cell.type, cell.units) for cell in spec.cells] == [("lstm", 128)]
    assert model.read_text() != before
    assert "keras.layers.LSTM(128" in model.read_text()

    answers, spec = update(cells="lstm,gru", units="128,32")
    assert [(cell.type, cell.units) for cell in spec.cells] == [
        ("lstm", 128),
        ("gru", 32),
    ]
    run_project_tests(dest)


@pytest.mark.parametrize(
    ("data", "question", "message"),
    [
        ({"project_name": "  "}, "project_name", "must not be empty"),
        ({"package_name": "My-Model"}, "package_name", "must be a Python identifier"),
        ({"package_name": "2model"}, "package_name", "not starting with a digit"),
        ({"package_name": "class"}, "package_name", "not a Python keyword"),
        (
            {"spec_file": "no/such/spec.yaml"},
            "spec_file",
            "must be an existing spec file",
        ),
        (
            {"spec_file": str(REPO / "pyproject.toml")},
            "spec_file",
            "must be a .yaml, .yml or .json",
        ),
        (
            {"batch_size": "0"},
            "batch_size",
            "batch_size must be an integer >= 1, or none",
        ),
        (
            {"timesteps": "five"},
            "timesteps",
            "timesteps must be an integer >= 1, or none",
        ),
        ({"features": 0}, "features", "features must be an integer >= 1"),
        (
            {"cells": "lstm,transformer"},
            "cells",
            "cells must be one or more of simple_rnn, gru, lstm",
        ),
        ({"units": "64x"}, "units", "units must be positive integers"),
        ({"units": 0}, "units", "units must be positive integers"),
        ({"cells": "lstm,gru", "units": "1,2,3"}, "units", "got 3 values for 2 cells"),
        (
            {"stateful": True, "batch_size": "none"},
            "stateful",
            "stateful: true needs a fixed batch_size",
        ),
        (
            {"stateful": True, "initial_state": "zeros"},
            "initial_state",
            "initial_state must be none when stateful",
        ),
        (
            {"cells": "gru,gru", "bidirectional": True, "merge_mode": "none"},
            "merge_mode",
            "merge_mode: none returns two outputs",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_validators_refuse_bad_answers(
    template_repo, tmp_path, data, question, message
):
    with pytest.raises(
        ValueError, match=f"Validation error for question '{question}'"
    ) as error:
        copy(template_repo, tmp_path / "project", **data)
    assert message in str(error.value)
    assert not (tmp_path / "project" / "rnnspec.yaml").exists()


def test_a_bad_spec_file_is_refused_with_its_place(template_repo, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (EXAMPLES / "gru.yaml").read_text().replace("units: 32", "units: 32x")
    )
    with pytest.raises(
        ValueError, match="spec_file is not a valid rnnspec spec"
    ) as error:
        copy(template_repo, tmp_path / "project", spec_file=str(bad))
    assert "cells[0].units: must be an integer >= 1" in str(error.value)
