"""Input feeding held against its published code: examples/published/nmt_input_feeding.yaml.

tensorflow/docs "Neural machine translation with attention",
site/en/tutorials/text/nmt_with_attention.ipynb at commit
c35c6ea62 (2019, the version with Encoder/Decoder subclasses):

    class BahdanauAttention(tf.keras.layers.Layer):
      def __init__(self, units):
        self.W1 = tf.keras.layers.Dense(units)
        self.W2 = tf.keras.layers.Dense(units)
        self.V = tf.keras.layers.Dense(1)
      def call(self, query, values):
        hidden_with_time_axis = tf.expand_dims(query, 1)
        score = self.V(tf.nn.tanh(
            self.W1(values) + self.W2(hidden_with_time_axis)))
        attention_weights = tf.nn.softmax(score, axis=1)
        context_vector = attention_weights * values
        context_vector = tf.reduce_sum(context_vector, axis=1)

    class Decoder(tf.keras.Model):
      def call(self, x, hidden, enc_output):
        context_vector, attention_weights = self.attention(hidden, enc_output)
        x = self.embedding(x)
        x = tf.concat([tf.expand_dims(context_vector, 1), x], axis=-1)
        output, state = self.gru(x)
        output = tf.reshape(output, (-1, output.shape[2]))
        x = self.fc(output)
        return x, state, attention_weights

with embedding_dim = 256, units = 1024, GRU(units, return_sequences=True,
return_state=True, recurrent_initializer='glorot_uniform'), the Encoder's
`self.gru(x, initial_state = hidden)` from zeros, `dec_hidden = enc_hidden`, and
train_step's teacher forcing (`decoder(dec_input, dec_hidden, enc_output)`, then
`dec_input = tf.expand_dims(targ[:, t], 1)`). The classes below are those, in Keras 3
(keras.ops for tf's functions); vocabularies of 500 give the 13,891,061 parameters.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from rnnspec import load_spec, make_plan

from ..conftest import ROOT
from ..support.compare_models import numbers
from ..support.modules import load_spec_module

SPEC = ROOT / "examples" / "published" / "nmt_input_feeding.yaml"
EMBEDDING, UNITS, VOCABULARY = 256, 1024, 500
COUNT = 13_891_061
TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


class Encoder(keras.Model):
    def __init__(self, vocab_size, embedding_dim, enc_units):
        super().__init__()
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim)
        self.gru = keras.layers.GRU(
            enc_units,
            return_sequences=True,
            return_state=True,
            recurrent_initializer="glorot_uniform",
        )

    def call(self, x, hidden):
        x = self.embedding(x)
        output, state = self.gru(x, initial_state=hidden)
        return output, state


class BahdanauAttention(keras.layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.W1 = keras.layers.Dense(units)
        self.W2 = keras.layers.Dense(units)
        self.V = keras.layers.Dense(1)

    def call(self, query, values):
        hidden_with_time_axis = keras.ops.expand_dims(query, 1)
        score = self.V(keras.ops.tanh(self.W1(values) + self.W2(hidden_with_time_axis)))
        attention_weights = keras.ops.softmax(score, axis=1)
        context_vector = keras.ops.sum(attention_weights * values, axis=1)
        return context_vector, attention_weights


class Decoder(keras.Model):
    def __init__(self, vocab_size, embedding_dim, dec_units):
        super().__init__()
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim)
        self.gru = keras.layers.GRU(
            dec_units,
            return_sequences=True,
            return_state=True,
            recurrent_initializer="glorot_uniform",
        )
        self.fc = keras.layers.Dense(vocab_size)
        self.attention = BahdanauAttention(dec_units)

    def call(self, x, hidden, enc_output):
        context_vector, attention_weights = self.attention(hidden, enc_output)
        x = self.embedding(x)
        x = keras.ops.concatenate(
            [keras.ops.expand_dims(context_vector, 1), x], axis=-1
        )
        output, state = self.gru(x)
        output = keras.ops.reshape(output, (-1, output.shape[2]))
        return self.fc(output), state, attention_weights


def published(source: np.ndarray) -> tuple[Encoder, Decoder]:
    """The tutorial's encoder and decoder, built by one call each."""
    encoder = Encoder(VOCABULARY, EMBEDDING, UNITS)
    decoder = Decoder(VOCABULARY, EMBEDDING, UNITS)
    enc_output, enc_hidden = encoder(source, zeros(source))
    decoder(source[:, :1], enc_hidden, enc_output)
    return encoder, decoder


def zeros(source: np.ndarray) -> np.ndarray:
    """Encoder.initialize_hidden_state()."""
    return np.zeros((source.shape[0], UNITS), "float32")


def copy_into(model: keras.Model, encoder: Encoder, decoder: Decoder) -> None:
    """The generated model's weights into the published classes."""
    weights = {
        name: model.get_layer(name).get_weights()
        for name in (
            "source_embedding",
            "encoder_gru",
            "target_embedding",
            "decoder_head",
        )
    }
    encoder.embedding.set_weights(weights["source_embedding"])
    encoder.gru.set_weights(weights["encoder_gru"])
    decoder.embedding.set_weights(weights["target_embedding"])
    decoder.fc.set_weights(weights["decoder_head"])
    fed = model.get_layer("decoder_gru")
    decoder.gru.cell.set_weights(fed.cell.get_weights())
    decoder.attention.W1.set_weights(fed.key.get_weights())  # on the memory
    decoder.attention.W2.set_weights(fed.query.get_weights())  # on the state
    decoder.attention.V.set_weights(fed.energy.get_weights())


def teacher_forced(encoder, decoder, source, target):
    """train_step's loop: every step's predictions and the last state."""
    enc_output, dec_hidden = encoder(source, zeros(source))
    predictions = []
    for t in range(target.shape[1]):
        prediction, dec_hidden, _ = decoder(
            target[:, t : t + 1], dec_hidden, enc_output
        )
        predictions.append(numbers(prediction))
    return np.stack(predictions, axis=1), numbers(dec_hidden)


def tokens(seed: int, batch: int = 2, length: int = 5) -> np.ndarray:
    """Unpadded token ids (the tutorial's loss mask is then all true)."""
    rng = np.random.default_rng(seed)
    return rng.integers(1, VOCABULARY, (batch, length)).astype("int32")


def test_published_input_feeding(tmp_path: Path) -> None:
    """Equal parameters, outputs with copied weights, the one-step decoder, greedy
    decoding against evaluate()'s loop, a saved model that loads, one training
    step."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(SPEC, tmp_path)
    model = module.build_model()
    source, target = tokens(seed=1, length=6), tokens(seed=2, length=4)
    encoder, decoder = published(source)
    assert model.count_params() == COUNT == make_plan(load_spec(SPEC)).params
    assert encoder.count_params() + decoder.count_params() == COUNT
    copy_into(model, encoder, decoder)
    output, state = model([source, target])
    want_output, want_state = teacher_forced(encoder, decoder, source, target)
    np.testing.assert_allclose(numbers(output), want_output, **TOLERANCE)
    np.testing.assert_allclose(numbers(state), want_state, **TOLERANCE)

    # the inference models: the memory and the state, then one token a step
    encoder_model, decoder_model = module.build_inference_models(model)
    memory, *states = keras.tree.flatten(encoder_model(source))
    for t in range(target.shape[1]):
        step = keras.ops.convert_to_tensor(target[:, t : t + 1])
        step, *states = decoder_model([step, memory, *states])
        np.testing.assert_allclose(numbers(step)[:, 0], want_output[:, t], **TOLERANCE)

    # evaluate(): argmax, fed back as the next input, from a start token
    start = 3
    chosen = module.greedy_decode(
        model, source, first_step=np.full(2, start), max_length=5
    )
    enc_output, dec_hidden = encoder(source, zeros(source))
    dec_input, expected = np.full((2, 1), start, "int32"), []
    for _ in range(5):
        predictions, dec_hidden, _ = decoder(dec_input, dec_hidden, enc_output)
        predicted_id = np.argmax(numbers(predictions), axis=-1).astype("int32")
        expected.append(predicted_id)
        dec_input = predicted_id[:, None]
    np.testing.assert_array_equal(chosen, np.stack(expected, axis=1))

    # saved and read back: InputFeeding is registered under the spec's name
    path = tmp_path / "feeding.keras"
    model.save(path)
    loaded = module.load_model(path)
    np.testing.assert_allclose(
        numbers(loaded([source, target])[0]), numbers(output), **TOLERANCE
    )

    # one training step with the tutorial's Adam() and sparse categorical crossentropy
    # from logits: the loss is the tutorial's (its mask all true), the weights move
    training = module.compile_model(module.build_training_model(model))
    sequence = tokens(seed=3, length=5)
    inputs, targets = module.teacher_forcing(sequence)
    forced, _ = teacher_forced(encoder, decoder, source, inputs)
    loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    published_loss = np.mean(
        [
            numbers(loss_object(targets[:, t], forced[:, t]))
            for t in range(targets.shape[1])
        ]
    )
    before = [numbers(w) for w in training.trainable_weights]
    loss = training.train_on_batch([source, inputs], targets, return_dict=True)["loss"]
    np.testing.assert_allclose(loss, published_loss, rtol=1e-4)
    assert type(training.optimizer).__name__ == "Adam"
    still = [
        w.path
        for w, old in zip(training.trainable_weights, before)
        if np.array_equal(numbers(w), old)
    ]
    # self.gru(x) starts from zeros: its recurrent kernel multiplies zeros, gets no
    # gradient and never trains, in the tutorial as here
    assert len(still) == 1 and still[0].endswith("recurrent_kernel"), still
    assert "decoder_gru" in still[0], still


TWINS = {"nmt_input_feeding": published}  # tests/keras/test_published.py counts them
PARAMS = {"nmt_input_feeding": COUNT}
