"""The Markdown extension's side that runs nothing: finding examples in a page's lines,
its entry point, and that importing it imports no Keras backend (the smoke runs in the
workers). tests/end_to_end/test_markdown_site.py builds a real MkDocs site with it."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from rnnspec.docs.examples import ExampleError, find_examples
from rnnspec.docs.extension import RnnspecExtension
from rnnspec.docs.output import without_runtime_logs

from ..conftest import ROOT

SPEC = [
    "name: tiny",
    "input: {timesteps: 3, features: 2}",
    "cells: [{type: gru, units: 4}]",
]


def test_a_fenced_block_and_a_reference_line_are_found_in_order(tmp_path: Path) -> None:
    (tmp_path / "gru.yaml").write_text("name: gru\n", encoding="utf-8")
    lines = ["# Page", "", "```rnnspec", *SPEC, "```", "", "rnnspec: gru.yaml", "end"]
    first, second = find_examples(lines, tmp_path)
    assert (first.start, first.end, first.text) == (2, 7, "\n".join(SPEC) + "\n")
    assert first.file.suffix == ".yaml"
    assert (second.start, second.end, second.text) == (8, 9, "name: gru\n")
    assert second.file == tmp_path / "gru.yaml"


def test_other_code_blocks_hide_what_looks_like_an_example(tmp_path: Path) -> None:
    lines = [
        "````markdown",  # a page showing how to write one: not an example
        "```rnnspec",
        *SPEC,
        "```",
        "rnnspec: missing.yaml",
        "````",
        "~~~",
        "rnnspec: missing.yaml",
        "~~~",
        "    rnnspec: missing.yaml",  # indented code
        "rnnspec: is a word here, not a path alone",
    ]
    assert find_examples(lines, tmp_path) == []


@pytest.mark.parametrize(
    "info, suffix",
    [("rnnspec toml", ".toml"), ("rnnspec JSON", ".json"), ("rnnspec yml", ".yaml")],
)
def test_the_info_string_names_the_format(
    info: str, suffix: str, tmp_path: Path
) -> None:
    (found,) = find_examples([f"~~~~{info}", "x", "~~~~"], tmp_path)
    assert found.file.suffix == suffix


def test_a_bad_format_an_open_block_and_a_missing_file_are_errors(
    tmp_path: Path,
) -> None:
    with pytest.raises(ExampleError, match="rnnspec xml: expected rnnspec, "):
        find_examples(["```rnnspec xml", "a", "```"], tmp_path)
    with pytest.raises(
        ExampleError, match="line 2: the ```rnnspec block is never closed"
    ):
        find_examples(["", "```rnnspec", *SPEC], tmp_path)
    with pytest.raises(ExampleError, match=r"missing\.yaml: cannot read the spec"):
        find_examples(["rnnspec: missing.yaml"], tmp_path)


def test_an_unknown_backend_is_refused_when_the_extension_is_made() -> None:
    with pytest.raises(
        ValueError, match="'theano' is not one of tensorflow, jax, torch"
    ):
        RnnspecExtension(backend="theano")
    assert RnnspecExtension(backend="jax").backend == "jax"


def test_the_entry_point_names_the_extension() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["entry-points"]["markdown.extensions"]["rnnspec"]
    module, name = target.split(":")
    assert getattr(importlib.import_module(module), name) is RnnspecExtension


def test_importing_the_extension_imports_no_backend() -> None:
    probe = (
        "import sys, markdown, rnnspec.docs.extension as e\n"
        "markdown.Markdown(extensions=[e.makeExtension(backend='jax')])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'keras', 'tensorflow', 'jax', 'torch', 'numpy'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_the_runtimes_log_lines_are_not_the_modules_output() -> None:
    from_jax = (  # TensorFlow's, under KERAS_BACKEND=jax (keras imports it there)
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796615156.625598    9003 port.cc:153] oneDNN custom operations are on.\n"
        "output: (2, 32)\ngru_h: (2, 32)\n"
    )
    assert without_runtime_logs(from_jax) == "output: (2, 32)\ngru_h: (2, 32)\n"
    kept = "I0000 is a name: (1,)\nWARNING: mine\n"
    assert without_runtime_logs(kept) == kept
