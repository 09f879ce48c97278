"""What the spec accepts against what Keras itself builds: every initializer for every
argument, and the stateful bidirectional layer whose states Keras cannot return."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rnnspec.check.checked import Spec
from rnnspec.spec.limits import RuleError
from rnnspec.spec.initializers import NAMES as INITIALIZERS

from ..support import reference as ref
from ..support.keras_matrix import fresh_keras

INITIALIZED_CELLS = {
    "simple_rnn": (
        {"batch_size": 2, "timesteps": 4, "features": 3},
        {"type": "simple_rnn", "units": 2},
    ),
    "gru": (
        {"batch_size": 2, "timesteps": 4, "features": 3},
        {"type": "gru", "units": 3},
    ),
    "gru_reset_before": (
        {"batch_size": 2, "timesteps": 4, "features": 3},
        {"type": "gru", "units": 3, "reset_after": False},
    ),
    "lstm": (
        {"batch_size": 2, "timesteps": 4, "features": 3},
        {"type": "lstm", "units": 4},
    ),
    "lstm_no_forget_bias": (
        {"batch_size": 2, "timesteps": 4, "features": 3},
        {"type": "lstm", "units": 4, "unit_forget_bias": False},
    ),
    "conv_lstm1d": (
        {"batch_size": 2, "timesteps": 3, "shape": [5, 2]},
        {"type": "conv_lstm1d", "filters": 2, "kernel_size": 3},
    ),
    "conv_lstm3d": (
        {"batch_size": 2, "timesteps": 3, "shape": [4, 4, 4, 1]},
        {"type": "conv_lstm3d", "filters": 2, "kernel_size": 2},
    ),
}


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("kind", INITIALIZED_CELLS)
def test_the_spec_takes_exactly_the_initializers_keras_builds(kind: str):
    """For every initializer and every argument, the spec refuses it exactly when the
    real Keras layer fails to build with it (orthogonal needs a tensor of rank >= 2,
    identity one of rank 2)."""
    source, cell = INITIALIZED_CELLS[kind]
    refused = []
    for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        for name in INITIALIZERS:
            spec = {"name": "init", "input": source, "cells": [{**cell, key: name}]}
            try:
                Spec.model_validate(spec)
                accepted = True
            except (RuleError, ValidationError):
                accepted = False
            opts = ref.options(spec)
            try:
                ref.run(ref.make_layers(opts), opts, ref.random_sequence(opts, 2, 3))
                built = True
            except ValueError:
                built = False
            assert accepted == built, (key, name)
            refused += [] if accepted else [(key, name)]
    # identity makes a matrix: a conv kernel (rank 3 and more) refuses it too
    kernels = (
        []
        if not kind.startswith("conv")
        else [("kernel_initializer", "identity"), ("recurrent_initializer", "identity")]
    )
    rank_two_bias = kind == "gru"  # reset_after: two biases, (2, 3 * units)
    vector = [("bias_initializer", "orthogonal"), ("bias_initializer", "identity")]
    assert refused == kernels + ([] if rank_two_bias else vector)


STATEFUL_BIDI_STATE = {
    "name": "stateful_bidi_state",
    "input": {"batch_size": 2, "timesteps": 4, "features": 3},
    "cells": [{"type": "lstm", "units": 3}],
    "bidirectional": True,
    "stateful": True,
    "return_state": True,
}


@pytest.mark.usefixtures("_fresh_keras")
def test_keras_cannot_return_stateful_bidirectional_states():
    """Keras 3.15's Bidirectional fails on stateful + return_state (compute_mask
    multiplies a generator), symbolically and eagerly: the reference proves it."""
    opts = ref.options(STATEFUL_BIDI_STATE)
    with pytest.raises(TypeError, match="generator"):
        ref.run(ref.make_layers(opts), opts, ref.sequence_input(opts))
    fresh_keras()
    with pytest.raises(TypeError, match="generator"):
        ref.run(ref.make_layers(opts), opts, ref.random_sequence(opts, 2, 4))


def test_stateful_bidirectional_states_are_refused():
    with pytest.raises(RuleError, match="cannot return the states of a stateful layer"):
        Spec.model_validate(STATEFUL_BIDI_STATE)
