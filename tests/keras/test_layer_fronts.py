"""Fronts and heads of the layer registry in whole generated models (specs under
tests/data/specs/layers/): a variable-length input through strided layers runs at
any length, with the lengths Keras gives; a Masking front masks padded frames for
recurrent layers called on their input alone."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from ..conftest import ROOT
from ..support.compare_models import TOLERANCE, numbers
from ..support.modules import load_spec_module

SPECS = ROOT / "tests" / "data" / "specs" / "layers"


def test_a_free_length_runs_through_strided_layers_at_any_length(tmp_path: Path):
    """conv1d (strides 2) and max_pooling1d leave time unknown (None) in the model,
    and each length gives Keras' own: ceil-free floor arithmetic of valid windows."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(SPECS / "free_length_strided_front.yaml", tmp_path)
    model = module.build_model()
    front = model.get_layer("encoder_front_7")
    assert tuple(front.output.shape) == (None, None, 5)
    inside = keras.Model(model.inputs, [front.output, model.outputs[0]])
    rng = np.random.default_rng(0)
    for length in (9, 16, 31):
        frames = rng.standard_normal((2, length, 6)).astype("float32")
        steps, output = inside(frames)
        pooled = ((length - 3) // 2 + 1) // 2  # conv1d valid, then pool 2
        assert tuple(steps.shape) == (2, pooled, 5)
        assert tuple(output.shape) == (2, 2)
        module.check_returned(output, 2, {"frames": length})


def test_a_masking_front_skips_padded_frames(tmp_path: Path):
    """Over a sequence padded with zero frames, the LSTM's outputs at the real steps
    are those of the same frames padded otherwise, and at the padded steps it stops
    (Keras repeats its last real output there): without the mask, it would read
    on."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(SPECS / "masked_frames.yaml", tmp_path)
    model = module.build_model()
    hidden = keras.Model(model.inputs, model.get_layer("tagger_lstm").output)
    rng = np.random.default_rng(1)
    frames = rng.standard_normal((2, 9, 4)).astype("float32")
    padded = frames.copy()
    padded[:, 6:] = 0.0  # three padded frames at the end
    got = numbers(hidden(padded))
    np.testing.assert_allclose(
        got[:, :6], numbers(hidden(frames))[:, :6], **TOLERANCE["float32"]
    )
    np.testing.assert_array_equal(got[:, 6:], np.repeat(got[:, 5:6], 3, axis=1))
    unmasked = keras.Model(
        model.inputs,
        model.get_layer("tagger_lstm")(
            model.get_layer("tagger_front_2")(model.inputs[0])
        ),
    )
    read_on = numbers(unmasked(padded))
    assert np.abs(read_on[:, 6:] - read_on[:, 5:6]).max() > 1e-4
