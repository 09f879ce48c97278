"""A spec file given to copier (YAML, JSON or TOML) is copied as is, kept over an
update, and checked for the answered target."""

from __future__ import annotations

import json

import copier
import pytest
import yaml

from rnnspec import render_spec

from ..support.copier_project import (
    EXAMPLES,
    check_project,
    copy,
    git,
    run_project_tests,
)

# every copy commits as a test identity (conftest.py)
pytestmark = pytest.mark.usefixtures("git_identity")

# A spec that YAML cannot read (a tab may not start a YAML token), in each format that
# is not YAML; the TOML one's comment shows the file is the user's, byte for byte.
GRU_JSON = (EXAMPLES / "gru.yaml").read_text("utf-8")
GRU_TOML = """# My GRU, in TOML: copied as is, this comment included.
name = "gru"
description = "A GRU spec written in TOML."
return_sequences = false
return_state = true
initial_state = "random"

[input]
batch_size = 2
features = 16

[[cells]]
type = "gru"
units = 8
"""


def spec_file_text(kind: str) -> str:
    """A valid spec in `kind` (json: tab-indented, which YAML refuses)."""
    if kind == "toml":
        return GRU_TOML
    return json.dumps(yaml.safe_load(GRU_JSON), indent="\t") + "\n"


@pytest.mark.parametrize("kind", ["json", "toml"])
def test_a_json_or_toml_spec_file_keeps_its_format(template_repo, tmp_path, kind):
    """The spec is copied byte for byte as rnnspec.json (.toml), read as such by the
    extension and named so in every file; the project's own tests pass."""
    source = tmp_path / f"my_spec.{kind}"
    source.write_text(spec_file_text(kind), encoding="utf-8")
    dest = copy(template_repo, tmp_path / "project", spec_file=str(source))
    name = f"rnnspec.{kind}"
    answers, spec = check_project(dest, name)
    assert (dest / name).read_bytes() == source.read_bytes()
    assert spec.cells[0].type == "gru" and answers["spec_file"] == str(source)
    assert f"rendered by rnnspec from {name}" in (dest / "pyproject.toml").read_text()
    run_project_tests(dest)


def test_an_update_keeps_a_toml_spec_file(template_repo, tmp_path):
    source = tmp_path / "my_spec.toml"
    source.write_text(GRU_TOML, encoding="utf-8")
    dest = copy(template_repo, tmp_path / "project", spec_file=str(source))
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    copier.run_update(
        dest,
        data={"project_name": "GRU two"},
        defaults=True,
        unsafe=True,
        overwrite=True,
        quiet=True,
    )
    check_project(dest, "rnnspec.toml")
    assert (dest / "rnnspec.toml").read_bytes() == source.read_bytes()
    assert (dest / "README.md").read_text().startswith("# GRU two\n")


def test_a_spec_file_is_checked_for_the_answered_target(template_repo, tmp_path):
    """A spec that Keras 3 takes but tf_keras refuses is refused by spec_file's
    validator, at its key, not by a render error after files were written."""
    source = tmp_path / "hard_sigmoid.yaml"
    text = (
        (EXAMPLES / "gru.yaml")
        .read_text()
        .replace("reset_after: true", "reset_after: true, activation: hard_sigmoid")
    )
    source.write_text(text)
    line = 1 + text[: text.index("hard_sigmoid")].count("\n")
    assert render_spec(source)  # valid for keras3
    with pytest.raises(ValueError) as error:
        copy(template_repo, tmp_path / "p", target="tf_keras", spec_file=str(source))
    assert str(error.value).startswith(
        "Validation error for question 'spec_file': spec_file is not a valid rnnspec "
        f"spec for tf_keras: {source}:{line}:"
    )
    assert "cells[0].activation: activation hard_sigmoid on target tf_keras" in str(
        error.value
    )
    assert not (tmp_path / "p").exists()
