"""What a saved model needs to load: a module's load_model(), and a layer of its own
only where Keras has none that does the job. Render only: no Keras is imported (the
loads themselves: tests/backends/test_backends.py, on every backend)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rnnspec import render_spec

ROOT = Path(__file__).resolve().parents[2]
INITIAL = ROOT / "tests" / "data" / "specs" / "behaviour" / "initial_state"
REPEATED = [  # a state other than zeros, any batch size: one sequence's, repeated
    INITIAL / "gru_ones_dynamic.yaml",
    INITIAL / "simple_rnn_random_dynamic.yaml",
    ROOT / "examples" / "gru.yaml",
]


def classes(source: str) -> dict[str, ast.ClassDef]:
    return {n.name: n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)}


def function(source: str, name: str) -> str:
    node = next(
        n
        for n in ast.parse(source).body
        if isinstance(n, ast.FunctionDef) and n.name == name
    )
    return ast.unparse(node)


@pytest.mark.parametrize(
    "spec",
    [
        INITIAL / "lstm_zeros_dynamic.yaml",
        ROOT / "examples" / "stacked_gru_layers.yaml",
    ],
    ids=lambda p: p.stem,
)
def test_zeros_for_any_batch_size_are_keras_own(spec: Path) -> None:
    """No custom layer and no initial_state=: Keras starts from the same zeros
    (tests/keras/test_behaviour_initial_state.py holds the numbers to the spec's)."""
    source = render_spec(spec)
    assert classes(source) == {}
    assert "initial_state=" not in function(source, "recurrent_part")
    assert "RepeatOverBatch" not in source
    assert "passes none: Keras starts from these zeros" in source
    assert "keras.saving.load_model(path)" in function(source, "load_model")


@pytest.mark.parametrize("spec", REPEATED, ids=lambda p: p.stem)
def test_a_repeated_state_is_a_layer_registered_under_the_specs_name(
    spec: Path,
) -> None:
    source = render_spec(spec)
    (decorator,) = classes(source)["RepeatOverBatch"].decorator_list
    assert ast.unparse(decorator) == (
        "keras.saving.register_keras_serializable(package=NAME)"
    )
    assert "keras.saving.load_model(path)" in function(source, "load_model")
