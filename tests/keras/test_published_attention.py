"""Published encoder-decoders with attention, held against their published code.

- examples/published/nmt_attention.yaml: tensorflow/docs "Neural machine translation
  with attention", site/en/tutorials/text/nmt_with_attention.ipynb at commit
  9e18593b7ee19058b651626d0e96a552ac7b4733 (the Bahdanau version: `Encoder`,
  `BahdanauAttention` with `W1`, `W2` and `tf.keras.layers.AdditiveAttention`,
  `Decoder` with `Wc` and `fc`; embedding_dim = 256, units = 1024,
  max_vocab_size = 5000).
- examples/published/nmt_luong_attention.yaml: the same model with tensorflow/nmt's
  Luong attention (nmt/attention_model.py at 2f16efd: `LuongAttention(num_units,
  memory)`, whose memory layer is a Dense without bias on the keys, and
  `AttentionWrapper(attention_layer_size=num_units)`, whose attention layer is a Dense
  without bias on `concat([cell_output, context], 1)`; the output projection has no
  bias), without input feeding.

Each twin below is the published code turned from subclassed layers into functional
code with the same keras.layers, named as the generated module names them so that the
weights can be copied by name. The parameter count is checked against the published
arithmetic, the numbers against the twin with the same weights, and the one-step
decoder of build_inference_models(), stepped through the target, against the twin's
full output.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan

from ..conftest import ROOT
from ..support.compare_models import copy_weights, numbers
from ..support.modules import load_spec_module

L = keras.layers
PUBLISHED = ROOT / "examples" / "published"
EMBEDDING, UNITS, VOCABULARY = 256, 1024, 5000
TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


def gru_params(inputs: int, units: int) -> int:
    """Keras' GRU with reset_after (the default): two bias rows."""
    return 3 * units * (inputs + units) + 2 * 3 * units


def tf_docs_bahdanau() -> keras.Model:
    """Encoder, BahdanauAttention and Decoder of the tutorial, functional."""
    tokens = keras.Input((None,), dtype="int32", name="source")
    new_tokens = keras.Input((None,), dtype="int32", name="target")
    # Encoder.call: vectors = self.embedding(tokens); output, state = self.gru(vectors)
    vectors = L.Embedding(VOCABULARY, EMBEDDING, name="source_embedding")(tokens)
    enc_output, enc_state = L.GRU(
        UNITS,
        return_sequences=True,
        return_state=True,
        recurrent_initializer="glorot_uniform",
        name="encoder_gru",
    )(vectors)
    # Decoder.call, steps 1-2: embedding, then the GRU from the encoder's state
    vectors = L.Embedding(VOCABULARY, EMBEDDING, name="target_embedding")(new_tokens)
    rnn_output, state = L.GRU(
        UNITS,
        return_sequences=True,
        return_state=True,
        recurrent_initializer="glorot_uniform",
        name="decoder_gru",
    )(vectors, initial_state=enc_state)
    # Step 3: BahdanauAttention(query=rnn_output, value=enc_output, mask=tokens != 0)
    w1_query = L.Dense(UNITS, use_bias=False, name="decoder_attention_query")(
        rnn_output
    )
    w2_key = L.Dense(UNITS, use_bias=False, name="decoder_attention_key")(enc_output)
    query_mask = keras.ops.ones_like(new_tokens, dtype="bool")
    value_mask = keras.ops.not_equal(tokens, 0)
    context_vector = L.AdditiveAttention(name="decoder_attention")(
        [w1_query, enc_output, w2_key], mask=[query_mask, value_mask]
    )
    # Step 4: at = tanh(Wc @ [ct; ht]); step 5: the logits
    context_and_rnn_output = L.Concatenate(name="decoder_attention_concat")(
        [context_vector, rnn_output]
    )
    attention_vector = L.Dense(
        UNITS, activation="tanh", use_bias=False, name="decoder_attention_vector"
    )(context_and_rnn_output)
    logits = L.Dense(VOCABULARY, name="decoder_head")(attention_vector)
    return keras.Model([tokens, new_tokens], [logits, state])


def tf_nmt_luong() -> keras.Model:
    """The same encoder and decoder GRUs with tensorflow/nmt's Luong attention."""
    source = keras.Input((None,), dtype="int32", name="source")
    target = keras.Input((None,), dtype="int32", name="target")
    memory, encoder_state = L.GRU(
        UNITS, return_sequences=True, return_state=True, name="encoder_gru"
    )(L.Embedding(VOCABULARY, EMBEDDING, name="source_embedding")(source))
    cell_output, state = L.GRU(
        UNITS, return_sequences=True, return_state=True, name="decoder_gru"
    )(
        L.Embedding(VOCABULARY, EMBEDDING, name="target_embedding")(target),
        initial_state=encoder_state,
    )
    # LuongAttention: keys = memory_layer(memory), values = memory, score = q . k
    keys = L.Dense(UNITS, use_bias=False, name="decoder_attention_key")(memory)
    context = L.Attention(name="decoder_attention")([cell_output, memory, keys])
    # AttentionWrapper: attention_layer(concat([cell_output, context], 1))
    joined = L.Concatenate(name="decoder_attention_concat")([cell_output, context])
    attention = L.Dense(UNITS, use_bias=False, name="decoder_attention_vector")(joined)
    # output_layer = Dense(tgt_vocab_size, use_bias=False)
    logits = L.Dense(VOCABULARY, use_bias=False, name="decoder_head")(attention)
    return keras.Model([source, target], [logits, state])


EMBEDDINGS = 2 * VOCABULARY * EMBEDDING
GRUS = 2 * gru_params(EMBEDDING, UNITS)
# The published code's arithmetic (tests/keras/test_published.py reads TWINS and PARAMS).
TWINS = {"nmt_attention": tf_docs_bahdanau, "nmt_luong_attention": tf_nmt_luong}
PARAMS = {
    # W1, W2, AdditiveAttention's scale, Wc, fc (with bias)
    "nmt_attention": EMBEDDINGS
    + GRUS
    + 2 * UNITS * UNITS
    + UNITS
    + 2 * UNITS * UNITS
    + UNITS * VOCABULARY
    + VOCABULARY,
    # memory layer, attention layer, output projection (no biases)
    "nmt_luong_attention": EMBEDDINGS
    + GRUS
    + UNITS * UNITS
    + 2 * UNITS * UNITS
    + UNITS * VOCABULARY,
}


def tokens(seed: int, batch: int = 2, length: int = 5) -> np.ndarray:
    """Unpadded token ids (the tutorial's mask is then all true)."""
    rng = np.random.default_rng(seed)
    return rng.integers(1, VOCABULARY, (batch, length)).astype("int32")


@pytest.mark.parametrize("name", sorted(TWINS))
def test_published_attention_model(name: str, tmp_path: Path) -> None:
    keras.backend.clear_session(free_memory=False)
    build_twin, published_params = TWINS[name], PARAMS[name]
    spec = PUBLISHED / f"{name}.yaml"
    module = load_spec_module(spec, tmp_path)
    model = module.build_model()
    twin = build_twin()
    assert model.count_params() == published_params
    assert make_plan(load_spec(spec)).params == published_params
    assert twin.count_params() == published_params
    copy_weights(model, twin)
    source, target = tokens(seed=1, length=6), tokens(seed=2, length=4)
    full = keras.tree.flatten(model([source, target]))
    want = keras.tree.flatten(twin([source, target]))
    assert len(full) == len(want) == 2
    for got, expected in zip(full, want):
        np.testing.assert_allclose(numbers(got), numbers(expected), **TOLERANCE)
    # the inference models: the encoder's memory and state, then one token a step
    encoder_model, decoder_model = module.build_inference_models(model)
    memory, *states = keras.tree.flatten(encoder_model(source))
    for t in range(target.shape[1]):
        output, *states = decoder_model(
            [keras.ops.convert_to_tensor(target[:, t : t + 1]), memory, *states]
        )
        np.testing.assert_allclose(
            numbers(output), numbers(want[0][:, t : t + 1]), **TOLERANCE
        )
    np.testing.assert_allclose(numbers(states[0]), numbers(want[1]), **TOLERANCE)
