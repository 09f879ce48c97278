"""copier refuses a bad answer at its question, in one line without a traceback;
the backend and target answers are checked choices."""

from __future__ import annotations

import pytest

from rnnspec import project

from ..support.copier_project import (
    EXAMPLES,
    REPO,
    copier_cli,
    copy,
)

# every copy commits as a test identity (conftest.py)
pytestmark = pytest.mark.usefixtures("git_identity")


def test_backend_and_target_answers_are_checked_choices():
    assert project.target_error("keras3") == project.target_error("tf_keras") == ""
    assert "target must be one of" in project.target_error("keras4")
    for bad in ("cntk", "jax; import os", ""):
        with pytest.raises(ValueError, match="backend must be one of"):
            project.dependencies("keras3", bad)
    with pytest.raises(ValueError, match="target must be keras3 or tf_keras"):
        project.dependencies("theano", "jax")
    assert project.backend_of("tf_keras", "jax") == "tensorflow"


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
            {"spec_file": str(REPO / "README.md")},
            "spec_file",
            "must be a .yaml, .yml, .json or .toml",
        ),
        ({"spec_name": "../rnnspec.yaml"}, "spec_name", "is not asked"),
        ({"package_name": "conftest"}, "package_name", "must not shadow a module"),
        ({"package_name": "test_model"}, "package_name", "project's tests"),
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
        (
            {"project_name": "My\nmodel"},
            "project_name",
            "must be printable text on one line",
        ),
        ({"package_name": "keras"}, "package_name", "must not shadow a module"),
        ({"package_name": "tests"}, "package_name", "must not shadow a module"),
        ({"batch_size": "²"}, "batch_size", "ASCII digits 0-9"),
        ({"units": "٦٤"}, "units", "ASCII digits 0-9"),
        ({"features": "１２"}, "features", "ASCII digits 0-9"),
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


def test_a_refused_answer_is_one_line_without_a_traceback(template_repo, tmp_path):
    """copier's CLI lets a validator's ValueError through as a 40-line traceback; the
    extension prints it as one line: the question, what it must be, what it got."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (EXAMPLES / "gru.yaml")
        .read_text()
        .replace("units: 32", "units: 32x")
        .replace("features: 16", "features: 0")
    )
    cases = {
        "package_name=conftest": "Validation error for question 'package_name': "
        "package_name must not shadow a module the project imports: 'conftest' is a "
        "module of the generated project's tests",
        f"spec_file={bad}": "Validation error for question 'spec_file': spec_file is "
        f"not a valid rnnspec spec for keras3: {bad}:",
    }
    for answer, expected in cases.items():
        done = copier_cli(template_repo, tmp_path / "project", answer)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith(expected), line
        assert not (tmp_path / "project").exists()
    assert "(and 1 more: rnnspec check" in line  # every problem of the spec: one line
    done = copier_cli(template_repo, tmp_path / "project", "package_name=conftest_ok")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "project" / "src" / "conftest_ok" / "model.py").is_file()


def test_every_test_module_of_the_template_is_refused_as_a_package_name():
    """pytest imports the project's tests/ by their file names: a package of one of
    those names cannot be imported by its tests."""
    names = {path.name.split(".")[0] for path in (REPO / "template/tests").iterdir()}
    assert names == project.TEST_MODULES
    for name in names:
        assert "the generated project's tests" in project.package_name_error(name)
