"""Specs whose input and block names are the module's own (keras, np, model, main,
build_model, encoder_inputs, sequence, zip, ...): the module renames its names, never
the spec's, and runs: its smoke test, decoders and training step on TensorFlow."""

from __future__ import annotations

from ..conftest import ROOT, invoke

OWN_NAMES = sorted((ROOT / "tests" / "data" / "specs" / "own_names").glob("*.yaml"))


def test_specs_named_like_the_module_s_own_names_run_on_tensorflow() -> None:
    assert len(OWN_NAMES) >= 4
    result = invoke("smoke", "--backend", "tensorflow", *OWN_NAMES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(OWN_NAMES)} modules: {len(OWN_NAMES)} passed" in result.stdout
