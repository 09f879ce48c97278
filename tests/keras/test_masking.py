"""mask_zero: padded steps change nothing, whatever starts the recurrent layers.

Keras 3 fills in a layer's `mask` only when it is called on one tensor: a recurrent
layer also given its initial state (the short form's zeros, a hand-over, a state
input, the one-step decoder) gets the Embedding's mask as `mask=`. Checked on real
Keras: one model, run on post-padded rows and on the same rows cut to their length,
gives the same outputs at the valid steps and the same final states; the one-step
decoder, fed a padded target, keeps its state at the padded steps as the full model
does. Which layers pass the mask on is checked against Keras' own mask propagation.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
from keras.src.backend import get_keras_mask

from rnnspec import load_spec, make_plan
from rnnspec.spec.layers import MASK_KEEPING

from ..support.compare_models import numbers
from ..support.modules import load_spec_module

VOCABULARY = 9
TOKENS = f"{{timesteps: null, vocabulary: {VOCABULARY}, embedding: 3, mask_zero: true}}"
SHORT = f"""\
input: {TOKENS}
return_sequences: true
return_state: true
"""
# name: what follows the name in the spec (each starts from a state it is given)
SPECS = {
    "short_lstm": SHORT + "cells: [{type: lstm, units: 4}]\n",
    "short_gru_from_ones": SHORT
    + "cells: [{type: gru, units: 4}]\ninitial_state: ones\n",
    "stacked_cells": SHORT + "cells: [{type: gru, units: 4}, {type: lstm, units: 3}]\n"
    "stacking: cells\n",
    "one_stacked_cell": SHORT + "cells: [{type: gru, units: 4}]\nstacking: cells\n",
    "stacked_layers_front_dropout": SHORT
    + "cells: [{type: lstm, units: 4}, {type: gru, units: 3}]\nstacking: layers\n"
    "dropout_between_layers: 0.5\n"
    "front: [{type: dense, units: 5}, {type: layer_normalization}]\n",
    "bidirectional": SHORT + "cells: [{type: lstm, units: 4}]\nbidirectional: true\n",
    "bidirectional_stacked_cells": SHORT
    + "cells: [{type: gru, units: 4}, {type: simple_rnn, units: 3}]\n"
    "stacking: cells\nbidirectional: {merge_mode: sum}\n",
    "state_input": SHORT + "cells: [{type: lstm, units: 4}]\ninitial_state: random\n",
    "encoder_decoder": f"""\
inputs:
  source: {TOKENS}
  target: {TOKENS}
blocks:
  - name: encoder
    input: source
    cells: [{{type: gru, units: 4}}, {{type: lstm, units: 3}}]
    stacking: layers
    return_sequences: true
    return_state: true
  - name: decoder
    input: target
    cells: [{{type: gru, units: 4}}, {{type: lstm, units: 3}}]
    stacking: layers
    return_sequences: true
    return_state: true
    initial_state: {{from: encoder}}
  - name: tagger
    input: encoder
    cells: [{{type: gru, units: 5}}]
    return_sequences: true
    return_state: true
    initial_state: zeros
outputs: [decoder, tagger]
""",
}


def module_of(name: str, folder: Path):
    spec = folder / f"{name}.yaml"
    spec.write_text(f"name: {name}\n" + SPECS[name], encoding="utf-8")
    keras.backend.clear_session(free_memory=False)
    return spec, load_spec_module(spec, folder)


CLOSE = {"rtol": 1e-5, "atol": 1e-6}


def padded_rows(seed: int, rows: int = 4, width: int = 7) -> tuple[np.ndarray, list]:
    """Rows of tokens in [1, VOCABULARY), each post-padded with 0 after a random
    length (one row not padded at all)."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, VOCABULARY, (rows, width)).astype("int32")
    lengths = [width, *rng.integers(1, width, rows - 1)]
    for row, length in enumerate(lengths):
        tokens[row, length:] = 0
    return tokens, lengths


def run(model: keras.Model, inputs: list[np.ndarray], extra: list) -> list[np.ndarray]:
    given = [*inputs, *extra]
    returned = model(given if len(given) > 1 else given[0])
    return [numbers(t) for t in keras.tree.flatten(returned)]


def assert_padding_changes_nothing(model, sequences: int, extra: list, seed: int):
    """Each row padded equals it cut: valid steps of sequences, and final states."""
    inputs = [padded_rows(seed + i) for i in range(sequences)]
    time = [tokens.shape[1] for tokens, _ in inputs]
    for row in range(inputs[0][0].shape[0]):
        lengths = [lengths[row] for _, lengths in inputs]
        padded = run(model, [t[row : row + 1] for t, _ in inputs], extra)
        cut = run(
            model, [t[row : row + 1, :n] for (t, _), n in zip(inputs, lengths)], extra
        )
        for got, want in zip(padded, cut):
            if got.ndim == 3 and got.shape[1] in time:  # a sequence: its valid steps
                got = got[:, : want.shape[1]]
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def state_inputs(model: keras.Model, seed: int) -> list[np.ndarray]:
    """Random values for the model's state inputs (those after its token inputs)."""
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(1, *tensor.shape[1:])).astype("float32")
        for tensor in model.inputs
        if tensor.dtype != "int32"
    ]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_padded_steps_change_nothing(name: str, tmp_path: Path) -> None:
    spec, module = module_of(name, tmp_path)
    plan = make_plan(load_spec(spec))
    model = module.build_model()
    assert all(plan.mask(block) for block in plan.blocks)
    sequences = len(plan.inputs)
    for seed in (1, 2):
        extra = state_inputs(model, seed)
        assert_padding_changes_nothing(model, sequences, extra, seed * 10)


def test_the_decoder_steps_keep_their_state_on_padding(tmp_path: Path) -> None:
    """The one-step decoder fed a padded target keeps its state and its output at the
    padded steps, as the full model does, and gives the full model's outputs at every
    step."""
    _, module = module_of("encoder_decoder", tmp_path)
    model = module.build_model()
    encoder_model, decoder_model = module.build_inference_models(model)
    source, _ = padded_rows(3)
    target, lengths = padded_rows(4)
    full = run(model, [source, target], [])
    states = keras.tree.flatten(encoder_model(source))
    last_valid = [None] * len(lengths)  # each row's states after its last token
    for t in range(target.shape[1]):
        output, *states = decoder_model(
            [keras.ops.convert_to_tensor(target[:, t : t + 1]), *states]
        )
        # at a padded step too: the output stays that of the last valid step
        np.testing.assert_allclose(numbers(output)[:, 0], full[0][:, t], **CLOSE)
        for row, length in enumerate(lengths):
            if t == length - 1:
                last_valid[row] = [numbers(state)[row] for state in states]
    for row, kept in enumerate(last_valid):
        for got, want in zip(states, kept):
            np.testing.assert_allclose(numbers(got)[row], want, rtol=1e-5, atol=1e-6)
    for got, want in zip(states, full[1 : 1 + len(states)]):
        np.testing.assert_allclose(numbers(got), want, rtol=1e-5, atol=1e-6)


def test_the_layers_that_keep_a_mask_are_keras_own(tmp_path: Path) -> None:
    """MASK_KEEPING (the front and head layers rnnspec expects to pass the mask on)
    against Keras' own mask propagation, for every layer a front can hold."""
    spec = tmp_path / "front.yaml"
    front = (
        "[{type: dense, units: 5}, {type: dropout, rate: 0.5}, "
        "{type: spatial_dropout1d, rate: 0.5}, {type: batch_normalization}, "
        "{type: layer_normalization}, {type: activation, activation: tanh}, "
        "{type: conv1d, filters: 3, kernel_size: 2, padding: same}]"
    )
    spec.write_text(f"name: front\n{SHORT}cells: [{{type: gru, units: 4}}]\n"
                    f"front: {front}\n", encoding="utf-8")  # fmt: skip
    plan = make_plan(load_spec(spec))
    tokens = keras.Input((None,), dtype="int32")
    tensor = keras.layers.Embedding(VOCABULARY, 3, mask_zero=True)(tokens)
    for layer in plan.blocks[0].front:
        made = getattr(keras.layers, layer.keras_class)(
            *layer.args, **dict(layer.keywords)
        )
        tensor = made(tensor)
        kept = get_keras_mask(tensor) is not None
        assert kept == (layer.keras_class in MASK_KEEPING), layer.keras_class
        if not kept:
            break
    assert plan.mask(plan.blocks[0]) is None  # the convolution drops it


def test_keras_stacked_cells_fail_on_a_mask_without_an_initial_state() -> None:
    """Why masked_stacked_cells_without_state.yaml is refused: Keras 3's own layers,
    a stack of one cell, fail without an initial state and run with explicit zeros
    (and a stack of two runs without). If Keras fixes it, this
    fails, and the rule in rules.py can go."""
    tokens = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], "int32")

    def run(with_zeros: bool, cells: int = 1):
        given = keras.Input((4,), dtype="int32")
        embedded = keras.layers.Embedding(9, 3, mask_zero=True)(given)
        cells = [keras.layers.GRUCell(4) for _ in range(cells)]
        state = [[np.zeros((2, 4), "float32")] for _ in cells]
        layer = keras.layers.RNN(keras.layers.StackedRNNCells(cells))
        output = layer(embedded, initial_state=state if with_zeros else None)
        return keras.Model(given, output)(tokens)

    assert tuple(run(with_zeros=True).shape) == (2, 4)
    assert tuple(run(with_zeros=False, cells=2).shape) == (2, 4)  # two cells run
    with pytest.raises(ValueError, match="same nested structure"):
        run(with_zeros=False)
