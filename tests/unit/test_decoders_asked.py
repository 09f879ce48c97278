"""A module has decoders only where its spec has a `decoding` section, whatever its head
scores; a seq2seq module keeps build_inference_models() with or without one. Render
only: no Keras is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rnnspec import render_spec

ROOT = Path(__file__).resolve().parents[2]
DECODERS = {"greedy_decode", "sample_decode", "beam_search_decode", "decode_step"}
# Specs whose head scores the classes of their input, with a `decoding` section.
ASKED = {
    "lstm_seq2seq": ROOT / "examples" / "seq2seq" / "lstm_seq2seq.yaml",  # decoder
    "text_generation": ROOT
    / "examples"
    / "published"
    / "text_generation.yaml",  # window
    "text_generation_gru": ROOT
    / "examples"
    / "published"
    / "text_generation_gru.yaml",  # a language model, stepped one class at a time
}


def without_decoding(spec: Path, folder: Path) -> Path:
    """A copy of `spec` without its `decoding` section (one line, `decoding: {...}`)."""
    lines = spec.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("decoding:")]
    assert len(kept) == len(lines) - 1, f"{spec.name}: one decoding line expected"
    copy = folder / spec.name
    copy.write_text("".join(kept), encoding="utf-8")
    return copy


def functions(source: str) -> set[str]:
    return {
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    }


def constants(source: str) -> set[str]:
    return {
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


@pytest.mark.parametrize("name", sorted(ASKED))
def test_a_decoding_section_brings_the_decoders(name: str) -> None:
    source = render_spec(ASKED[name])
    assert DECODERS <= functions(source)
    assert {"CLASSES", "STOP", "MAX_LENGTH"} <= constants(source)


@pytest.mark.parametrize("name", sorted(ASKED))
def test_without_a_decoding_section_there_are_no_decoders(
    name: str, tmp_path: Path
) -> None:
    source = render_spec(without_decoding(ASKED[name], tmp_path))
    assert not (DECODERS | {"build_step_model"}) & functions(source)
    assert not {"CLASSES", "START", "STOP", "MAX_LENGTH"} & constants(source)
    assert "_decode(" not in source and "log_probabilities" not in source


def test_a_seq2seq_module_keeps_its_inference_models_without_decoders(
    tmp_path: Path,
) -> None:
    """Without decoders, main() itself runs one step of the one-step decoder."""
    source = render_spec(without_decoding(ASKED["lstm_seq2seq"], tmp_path))
    assert "build_inference_models" in functions(source)
    main = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.name == "main"
    )
    called = {
        node.func.id
        for node in ast.walk(main)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"build_inference_models", "encoder_model", "decoder_model"} <= called
    assert 'print(f"decoder_step_output: ' in source
