"""Mask inputs on every backend: the valid mask-input specs of tests/data/specs/masks
(attention over a masked memory with its inference models, a chain of blocks with a
front and a stack given its state, a one-cell stack, a seq2seq model with
decoders) run their smoke test on JAX and
PyTorch as on TensorFlow, with TensorFlow's numbers, and on Keras 2 (tf_keras) with
Keras 3's numbers. The published video_classification is a golden module: the golden
tests of these backends run it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnspec import render_spec

from ..conftest import ROOT
from ..support.probes import SCRATCH, probed
from .test_backends import OTHERS, _number_problems, _smoke_problems
from .test_tf_keras import _check_matches, _compared

MASKED = sorted((ROOT / "tests" / "data" / "specs" / "masks").glob("valid_*.yaml"))


def _modules() -> list[Path]:
    """Each spec's Keras 3 module, rendered into the session's scratch folder."""
    folder = Path(os.environ[SCRATCH]) / "mask_inputs"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in MASKED:
        path = folder / f"{spec.stem}.py"
        path.write_text(render_spec(str(spec)), encoding="utf-8")
        paths.append(path)
    return paths


def test_there_are_mask_input_specs_to_run() -> None:
    assert [spec.stem for spec in MASKED] == [
        "valid_attention",
        "valid_chain",
        "valid_one_cell_stack",
        "valid_seq2seq_decoding",
    ]


@pytest.mark.parametrize("backend", OTHERS)
def test_mask_input_modules_run_and_match_tensorflow(backend: str) -> None:
    modules = _modules()
    folder = probed(backend, modules)
    problems = _smoke_problems(folder, backend, modules)
    assert not problems, f"on {backend}:\n" + "\n".join(problems)
    problems, _ = _number_problems(folder, backend, modules)
    assert not problems, f"{backend} vs tensorflow:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", [spec.stem for spec in MASKED])
def test_mask_input_modules_match_keras3_on_keras_2(name: str) -> None:
    _check_matches(_compared(MASKED), name)
