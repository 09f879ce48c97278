"""The Keras matrix's numbers: a generated model and the reference model, with the same
weights, input and initial state, return the same numbers, in the spec's dtype, and a
generated model saves and loads like any other keras.Model. The cases:
tests/data/cases/keras_matrix.yaml; the reference: tests/support/reference.py.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from rnnspec import render_module

from ..support import reference as ref
from ..support.keras_matrix import (
    PARAMS,
    SAVED,
    Case,
    close,
    eager_initial_state,
    as_numpy,
    pipeline,
    plan_state_shapes,
)
from ..support.modules import load_module


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", PARAMS)
def test_same_numbers(c: Case, tmp_path: Path):
    """The generated model and the reference model, with the same weights, the same
    input and the same initial state, return the same numbers."""
    spec, plan = pipeline(c)
    opts = ref.options(c.spec)
    module = load_module(render_module(spec), tmp_path)
    batch_size, timesteps = plan.smoke_batch_size, plan.smoke_timesteps
    model = module.build_model()
    state_shapes = plan_state_shapes(plan.blocks[0].initial_state, opts.batch_size)
    # the reference takes the state as inputs whenever the spec has one
    reference, _, _ = ref.reference_model(
        opts, state_shapes if opts.initial_state != "none" else None
    )
    reference.set_weights(model.get_weights())
    x = ref.random_sequence(opts, batch_size, timesteps, seed=7)
    initial = eager_initial_state(module, opts, batch_size)
    flat_initial = [] if initial is None else keras.tree.flatten(initial)
    # twice: a stateful layer must carry the same state on in both models
    calls = []
    for _ in range(2 if opts.stateful else 1):
        got = model([x, *flat_initial] if opts.initial_state == "input" else x)
        expected = reference([x, *flat_initial])
        got, expected = keras.tree.flatten(got), keras.tree.flatten(expected)
        calls.append(keras.ops.convert_to_numpy(keras.ops.cast(got[0], "float32")))
        assert len(got) == len(expected) == len(plan.returns)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(keras.ops.cast(a, "float64")),
                keras.ops.convert_to_numpy(keras.ops.cast(b, "float64")),
                **close(opts.dtype),
            )
    if opts.stateful:  # the generated layer did carry its state on
        assert not np.allclose(calls[0], calls[1])
    if opts.return_state:
        _named_h_is_the_output(plan, opts, got)


def _named_h_is_the_output(plan, opts: ref.Options, returned: list) -> None:
    """The names mean what Keras returns: the top cell's `h` of each direction is the
    top output at that direction's last step, and no other state of the top layer is."""
    values = {
        name: as_numpy(tensor) for (name, _), tensor in zip(plan.returns, returned)
    }
    top = plan.blocks[0].layers[-1]
    outputs = [as_numpy(tensor) for tensor in returned[: len(top.outputs)]]
    if opts.merge_mode is None:
        directions = [("", outputs[0], -1)]
    elif opts.merge_mode == "none":
        directions = [("forward_", outputs[0], -1), ("backward_", outputs[1], 0)]
    elif opts.merge_mode == "concat":
        half = outputs[0].shape[-1] // 2
        output = outputs[0]
        directions = [
            ("forward_", output[..., :half], -1),
            ("backward_", output[..., half:], 0),
        ]
    else:
        return  # sum, mul, ave: the directions cannot be told apart
    for prefix, output, step in directions:
        # Bidirectional flips the backward sequence: its last step is at time 0
        last = output[:, step] if opts.return_sequences else output
        name = f"{prefix}{top.cells[-1].name}_h"
        np.testing.assert_allclose(values[name], last, **close(opts.dtype))
        for other in top.states:
            if other.name != name and values[other.name].shape == last.shape:
                assert not np.allclose(values[other.name], last), other.name


def dtype_of(tensor) -> str:
    return keras.backend.standardize_dtype(tensor.dtype)


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", PARAMS)
def test_output_dtypes(c: Case, tmp_path: Path):
    """Every returned tensor is in the spec's dtype (the compute dtype of its policy),
    symbolically and eagerly, as with the reference layers."""
    spec, plan = pipeline(c)
    opts = ref.options(c.spec)
    expected = [opts.dtype] * len(plan.returns)
    _, _, outputs = ref.reference_model(opts)
    assert [dtype_of(o) for o in outputs] == expected  # Keras can do it

    module = load_module(render_module(spec), tmp_path)
    model = module.build_model()
    assert [dtype_of(o) for o in model.outputs] == expected
    batch_size, timesteps = plan.smoke_batch_size, plan.smoke_timesteps
    x = ref.random_sequence(opts, batch_size, timesteps)
    initial = eager_initial_state(module, opts, batch_size)
    got = model(
        [x, *keras.tree.flatten(initial)] if opts.initial_state == "input" else x
    )
    assert [dtype_of(t) for t in keras.tree.flatten(got)] == expected


# Keras' own saving converts its variables with np.array(x, copy=False) under numpy 2
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", [p for p in PARAMS if p.values[0].id in SAVED])
def test_save_and_load(c: Case, tmp_path: Path):
    """A generated model is a keras.Model like any other: it saves, loads and computes
    the same numbers, initial state included."""
    spec, plan = pipeline(c)
    opts = ref.options(c.spec)
    module = load_module(render_module(spec), tmp_path)
    model = module.build_model()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    batch_size, timesteps = plan.smoke_batch_size, plan.smoke_timesteps
    x = ref.random_sequence(opts, batch_size, timesteps)
    initial = eager_initial_state(module, opts, batch_size)
    inputs = [x, *keras.tree.flatten(initial)] if opts.initial_state == "input" else x
    for a, b in zip(
        keras.tree.flatten(model(inputs)), keras.tree.flatten(loaded(inputs))
    ):
        np.testing.assert_allclose(as_numpy(a), as_numpy(b), **close(opts.dtype))
