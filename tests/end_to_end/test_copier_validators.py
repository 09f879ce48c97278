"""The template's validators and escaping filters (rnnspec.project), called directly."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib

import pytest
import yaml

from rnnspec import project
from rnnspec.spec.limits import MAX_SIZE

from ..support.copier_project import (
    HOSTILE_NAMES,
    heading_text,
)


@pytest.mark.parametrize("text", ["²", "٦٤", "１２", "-1", "0", "1e3", "+4", "9" * 19])
def test_numbers_are_ascii_digits_only(text):
    for message in (
        project.size_error(text, "batch_size"),
        project.size_error(text, "features", allow_none=False),
        project.units_error(text),
        project.units_error(f"8,{text}", "lstm,gru"),
    ):
        assert "ASCII digits 0-9" in message and text in message
    for key in ("batch_size", "timesteps", "features"):
        with pytest.raises(ValueError, match="ASCII digits 0-9"):
            project.spec_from_answers({key: text})
    assert project.stateful_error(True, text) == ""  # batch_size's own check says why


def test_numbers_in_ascii_digits_are_read_as_ints():
    answers = {"batch_size": "007", "timesteps": "none", "features": "12"}
    spec = yaml.safe_load(
        project.spec_from_answers({**answers, "cells": "lstm,gru", "units": "8,4"})
    )
    assert spec["input"] == {"batch_size": 7, "timesteps": None, "features": 12}
    assert [cell["units"] for cell in spec["cells"]] == [8, 4]
    assert project.size_error(str(MAX_SIZE), "batch_size") == ""
    assert "65536" in project.size_error(str(MAX_SIZE + 1), "batch_size")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("keras", "a module that the generated project or rnnspec imports"),
        ("numpy", "a module that the generated project or rnnspec imports"),
        ("tensorflow", "a module that the generated project or rnnspec imports"),
        ("pytest", "a module that the generated project or rnnspec imports"),
        ("tests", "a module that the generated project or rnnspec imports"),
        ("yaml", "a module that the generated project or rnnspec imports"),
        ("generator", "a module that the generated project or rnnspec imports"),
        ("absl", "a module of one of the generated project's dependencies"),
        ("conftest", "a module of the generated project's tests"),
        ("test_model", "a module of the generated project's tests"),
        ("sitecustomize", "a module that Python loads at startup"),
        ("pip", "installs the project with"),
        ("os", "a standard-library module"),
        ("json", "a standard-library module"),
        ("typing", "a standard-library module"),
        ("class", "not a Python keyword"),
        ("none", ""),
        ("_model", "must start and end with a letter or digit"),
        ("model_", "must start and end with a letter or digit"),
    ],
)
def test_package_name_refuses_what_it_would_shadow(name, why):
    message = project.package_name_error(name)
    if not why:  # a lowercase word that is a keyword only when capitalised
        assert message == ""
        return
    assert why in message and repr(name) in message
    derived = project.package_name(name)
    assert derived != name and project.package_name_error(derived) == ""


def test_soft_keywords_are_good_package_names():
    """`match`, `case` and `type` are keywords only in their statements; `import
    match` and `from match import model` parse."""
    for name in ("match", "case", "type"):
        assert project.package_name_error(name) == ""
        ast.parse(f"import {name}\nfrom {name} import model\n")


@pytest.mark.parametrize(
    ("project_name", "expected"),
    [
        ("My RNN model", "my_rnn_model"),
        ("Keras", "keras_model"),
        ("NumPy", "numpy_model"),
        ("tests", "tests_model"),
        ("JSON", "json_model"),
        ("class", "class_model"),
        ("2048 GRU", "model_2048_gru"),
        ("Ünïcode model", "unicode_model"),
        ("😀", "model"),
        ("__main__", "main"),
        ("x" * 300, "x" * 52),
        *((name, None) for name in HOSTILE_NAMES),
    ],
)
def test_the_derived_package_name_is_never_refused(project_name, expected):
    derived = project.package_name(project_name)
    assert project.package_name_error(derived) == ""
    if expected is not None:
        assert derived == expected


@pytest.mark.parametrize(
    "char",
    ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u202e"]
    + ["\u2066", "\ud800", "\u0378"],
)
def test_project_name_refuses_control_characters(char):
    message = project.project_name_error(f"My{char}model")
    assert "must be printable text on one line" in message
    assert f"U+{ord(char):04X}" in message


def test_project_name_takes_printable_text_up_to_200_characters():
    for name in HOSTILE_NAMES + ["x" * 200]:
        assert project.project_name_error(name) == "", name
    assert "must not be empty" in project.project_name_error(" ")
    assert "at most 200 characters; got 201" in project.project_name_error("x" * 201)


ESCAPED_TEXTS = HOSTILE_NAMES + [
    "".join(map(chr, range(0x20))) + "\x7f\x85\u2028",
    "\\u0041 \\U00000041 \\x41 \\/ \\n \\",
    "\U0001f600\ufeff\ufffd",
]


@pytest.mark.parametrize("text", ESCAPED_TEXTS)
def test_toml_yaml_and_python_strings_round_trip(text):
    assert tomllib.loads(f"key = {project.toml_str(text)}\n")["key"] == text
    assert ast.literal_eval(project.python_str(text)) == text
    assert "\n" not in project.yaml_str(text)
    assert yaml.safe_load(f"key: {project.yaml_str(text)}\n") == {"key": text}


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", '"plain"'),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ("\\'\"", '"\\\\\'\\""'),  # a tie: double quotes, as ruff writes it
        ('\\\'""', "'\\\\\\'\"\"'"),  # more " than ': repr's single quotes
    ],
)
def test_python_strings_take_the_quotes_ruff_format_keeps(text, literal):
    assert project.python_str(text) == literal
    assert ast.literal_eval(literal) == text


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_markdown_text_is_read_back_as_the_text(text):
    assert heading_text(f"# {project.markdown_text(text)}\n") == text


@pytest.mark.parametrize("text", ESCAPED_TEXTS)
def test_the_spec_from_answers_holds_the_name_as_text(text):
    spec = yaml.safe_load(project.spec_from_answers({"project_name": text}))
    assert spec["description"].startswith(f"{text}: ")


def test_a_package_name_that_yaml_reads_as_null_stays_a_name():
    spec = yaml.safe_load(project.spec_from_answers({"package_name": "null"}))
    assert spec["name"] == "null"


def test_ruff_format_keeps_every_python_str(tmp_path):
    """Each text's literal, as an assignment and as a module's docstring, is already
    formatted for ruff (the generated project's `ruff format --check`)."""
    for number, text in enumerate(ESCAPED_TEXTS + ["it's", 'say "hi"', "'\"", "\\"]):
        literal = project.python_str(text)
        (tmp_path / f"value_{number}.py").write_text(f"X = {literal}\n", "utf-8")
        (tmp_path / f"doc_{number}.py").write_text(f"{literal}\n", "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
