"""Specs whose input and block names are the module's own (keras, np, model, main,
build_model, encoder_inputs, sequence, zip, ...): the module renames its names, never
the spec's, and runs: its smoke test, decoders and training step on TensorFlow; so do
names only other functions use (a decoder's locals), which a spec may take too."""

from __future__ import annotations

from ..conftest import ROOT, invoke

SPECS = ROOT / "tests" / "data" / "specs"
OWN_NAMES = sorted((SPECS / "own_names").glob("*.yaml"))
FREED = SPECS / "reserved" / "freed_names.yaml"  # prefix, k, best, seed


def test_specs_named_like_the_module_s_own_names_run_on_tensorflow() -> None:
    assert len(OWN_NAMES) >= 4
    result = invoke("smoke", "--backend", "tensorflow", *OWN_NAMES, FREED)
    assert result.returncode == 0, result.stdout + result.stderr
    count = len(OWN_NAMES) + 1
    assert f"{count} modules: {count} passed" in result.stdout
