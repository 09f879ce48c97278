"""Input feeding (`attention: {feeding: true}`, docs/attention.md) against a step loop
written by hand with Keras' own cells: the previous state queries the memory, and
[context; input] (or [input; context]) goes into the cell. The published model
(restart, additive) is tests/keras/test_published_feeding.py; here the state is
carried, the score is dot, the cell an LSTM with its two states."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan

from ..support.compare_models import numbers
from ..support.modules import load_spec_module

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}
SPEC = """\
name: feeding_{name}
inputs:
  source: {{timesteps: 6, vocabulary: 30, embedding: 8}}
  target: {{timesteps: null, vocabulary: 30, embedding: 8}}
blocks:
  - name: encoder
    input: source
    cells: [{{type: gru, units: 16}}]
    return_sequences: true
    return_state: true
  - name: decoder
    input: target
    cells: [{{type: {cell}, units: 16}}]
    return_sequences: true
    return_state: true
    initial_state: {{from: encoder, bridge: {bridge}}}
    attention: {attention}
    head: {{units: 30}}
decoding: {{max_length: 4}}
"""
VARIANTS = {
    "lstm_dot": {
        "cell": "lstm",
        "bridge": "project",
        "attention": "{over: encoder, score: dot, project: true, feeding: true, "
        "concat: output_first}",
    },
    "gru_additive": {
        "cell": "gru",
        "bridge": "none",
        "attention": "{over: encoder, score: additive, feeding: true}",
    },
}


def by_hand(module, model, source, target):
    """The decoder's steps with a Keras cell of the same weights, and the head."""
    fed = feeding_layer(model)
    cell = type(fed.cell).from_config(fed.cell.get_config())
    cell.build((None, fed.cell.kernel.shape[0]))
    cell.set_weights(fed.cell.get_weights())
    encoder_model, _ = module.build_inference_models(model)
    memory, *states = [numbers(t).astype("float32") for t in encoder_model(source)]
    keys = memory if fed.key is None else numbers(fed.key(memory)).astype("float32")
    embedded = numbers(model.get_layer("target_embedding")(target)).astype("float32")
    outputs = []
    for t in range(target.shape[1]):
        query = states[0]
        if fed.energy is not None:  # additive without projections: V(tanh(k + q))
            scores = numbers(fed.energy(np.tanh(keys + query[:, None])))[..., 0]
        else:
            scores = np.einsum("btw,bw->bt", keys, query)
        weights = np.exp(scores - scores.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        context = np.einsum("bt,btw->bw", weights, memory).astype("float32")
        joined = (
            [context, embedded[:, t]]
            if fed.context_first
            else [embedded[:, t], context]
        )
        output, states = cell(np.concatenate(joined, axis=-1), states)
        states = [numbers(s).astype("float32") for s in keras.tree.flatten(states)]
        outputs.append(numbers(output).astype("float32"))
    head = model.get_layer("decoder_head")
    return numbers(head(np.stack(outputs, axis=1))), states


def feeding_layer(model: keras.Model) -> keras.layers.Layer:
    """The model's one InputFeeding layer."""
    (fed,) = [layer for layer in model.layers if type(layer).__name__ == "InputFeeding"]
    return fed


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_input_feeding_is_the_hand_written_loop(variant: str, tmp_path: Path) -> None:
    keras.backend.clear_session(free_memory=False)
    spec = tmp_path / f"feeding_{variant}.yaml"
    spec.write_text(SPEC.format(name=variant, **VARIANTS[variant]), encoding="utf-8")
    module = load_spec_module(spec, tmp_path)
    model = module.build_model()
    assert model.count_params() == make_plan(load_spec(spec)).params
    rng = np.random.default_rng(0)
    source = rng.integers(1, 30, (2, 6)).astype("int32")
    target = rng.integers(1, 30, (2, 5)).astype("int32")
    output, *states = model([source, target])
    want, want_states = by_hand(module, model, source, target)
    np.testing.assert_allclose(numbers(output), want, **TOLERANCE)
    for got, expected in zip(states, want_states, strict=True):
        np.testing.assert_allclose(numbers(got), expected, **TOLERANCE)
    # the one-step decoder, fed the target, gives the same steps
    encoder_model, decoder_model = module.build_inference_models(model)
    memory, *carried = keras.tree.flatten(encoder_model(source))
    for t in range(target.shape[1]):
        step = keras.ops.convert_to_tensor(target[:, t : t + 1])
        step, *carried = decoder_model([step, memory, *carried])
        np.testing.assert_allclose(numbers(step)[:, 0], want[:, t], **TOLERANCE)
    # a saved model reads back with the module's load_model
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = module.load_model(path)
    mine, theirs = feeding_layer(model).get_config(), feeding_layer(loaded).get_config()
    assert {k: v for k, v in mine.items() if k != "cell"} == {
        k: v for k, v in theirs.items() if k != "cell"
    }
    again = loaded([source, target])[0]
    np.testing.assert_allclose(numbers(again), numbers(output), **TOLERANCE)
    # the decoders run
    assert module.greedy_decode(model, source, max_length=3, stop=None).shape == (2, 3)
    classes, scores = module.beam_search_decode(model, source, beam_width=2, stop=None)
    assert classes.shape == (2, 4) and scores.shape == (2,)
