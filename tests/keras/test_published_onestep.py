"""tensorflow/docs' text generation with a GRU against
examples/published/text_generation_gru.yaml: a language model's one-step generator.

The twin is the published model as written in tensorflow/docs
site/en/tutorials/text/text_generation.ipynb (commit
3b9fe704cb8f303d81586f3861c388a7c171e3c5), in Keras 3:

    class MyModel(tf.keras.Model):
      def __init__(self, vocab_size, embedding_dim, rnn_units):
        super().__init__(self)
        self.embedding = tf.keras.layers.Embedding(vocab_size, embedding_dim)
        self.gru = tf.keras.layers.GRU(rnn_units,
                                       return_sequences=True,
                                       return_state=True)
        self.dense = tf.keras.layers.Dense(vocab_size)

      def call(self, inputs, states=None, return_state=False, training=False):
        x = inputs
        x = self.embedding(x, training=training)
        if states is None:
          states = self.gru.get_initial_state(x)
        x, states = self.gru(x, initial_state=states, training=training)
        x = self.dense(x, training=training)
        ...

with embedding_dim = 256, rnn_units = 1024 and vocab_size =
len(ids_from_chars.get_vocabulary()): Shakespeare's 65 characters and the StringLookup's
[UNK] (id 0). Keras 3's get_initial_state takes the batch size, not x (the one change).
It trains with `model.compile(optimizer='adam', loss=loss)`, `loss =
tf.losses.SparseCategoricalCrossentropy(from_logits=True)`, and generates with OneStep:

    predicted_logits, states = self.model(inputs=input_ids, states=states,
                                          return_state=True)
    # Only use the last prediction.
    predicted_logits = predicted_logits[:, -1, :]
    predicted_logits = predicted_logits/self.temperature
    ...
    predicted_ids = tf.random.categorical(predicted_logits, num_samples=1)

called first on the whole prompt ('ROMEO:') with states=None, then on the character it
chose with the states it returned. Below that loop picks the most likely character
(argmax for the draw) and is held against the module's greedy_decode(); the draw's
probabilities, softmax(logits / temperature), against the module's sampling ones.
OneStep's prediction_mask (-inf on [UNK]) is left to the user (docs/decoding.md).
"""

from __future__ import annotations

from types import ModuleType

import keras
import numpy as np
import pytest

from ..conftest import ROOT
from ..support.compare_models import assert_params_counted, numbers
from ..support.modules import load_spec_module

L = keras.layers
SPEC = ROOT / "examples" / "published" / "text_generation_gru.yaml"
VOCAB = ["\n", " ", "!", "$", "&", "'", ",", "-", ".", "3", ":", ";", "?"]
VOCAB += [chr(c) for c in range(ord("A"), ord("Z") + 1)]
VOCAB += [chr(c) for c in range(ord("a"), ord("z") + 1)]
VOCAB_SIZE, EMBEDDING_DIM, RNN_UNITS = len(VOCAB) + 1, 256, 1024  # and [UNK]
CLOSE = {"rtol": 1e-4, "atol": 1e-5}


class MyModel(keras.Model):
    """The published model (its call, with Keras 3's get_initial_state)."""

    def __init__(self, vocab_size, embedding_dim, rnn_units):
        super().__init__()
        self.embedding = L.Embedding(vocab_size, embedding_dim)
        self.gru = L.GRU(rnn_units, return_sequences=True, return_state=True)
        self.dense = L.Dense(vocab_size)

    def call(self, inputs, states=None, return_state=False, training=False):
        x = inputs
        x = self.embedding(x, training=training)
        if states is None:
            states = self.gru.get_initial_state(keras.ops.shape(x)[0])
        x, states = self.gru(x, initial_state=states, training=training)
        x = self.dense(x, training=training)
        if return_state:
            return x, states
        return x


def ids_from_chars(text: str) -> list[int]:
    """The tutorial's StringLookup(vocabulary=list(vocab), mask_token=None)."""
    return [VOCAB.index(char) + 1 for char in text]


def one_step_greedy(model: MyModel, prompts: np.ndarray, steps: int) -> np.ndarray:
    """OneStep's loop, the most likely character each step: the whole prompt first
    with states=None, then each chosen character with the states."""
    states, input_ids, result = None, prompts, []
    for _ in range(steps):
        predicted_logits, states = model(
            inputs=input_ids, states=states, return_state=True
        )
        predicted_logits = predicted_logits[:, -1, :]
        predicted_ids = np.argmax(numbers(predicted_logits), axis=-1)
        result.append(predicted_ids)
        input_ids = predicted_ids[:, None].astype("int32")
    return np.stack(result, axis=1)


@pytest.fixture(scope="module")
def generation(tmp_path_factory) -> tuple[ModuleType, keras.Model, MyModel]:
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(SPEC, tmp_path_factory.mktemp("text_generation_gru"))
    keras.utils.set_random_seed(7)
    model = module.build_model()
    twin = MyModel(VOCAB_SIZE, EMBEDDING_DIM, RNN_UNITS)
    twin(np.zeros((1, 2), "int32"))
    for theirs, mine in [(twin.embedding, "sequence_embedding"), (twin.gru, "gru"),
                         (twin.dense, "head")]:  # fmt: skip
        theirs.set_weights(model.get_layer(mine).get_weights())
    return module, model, twin


def test_the_parameter_count_is_the_published_models(generation) -> None:
    _, model, twin = generation
    gru = 3 * (EMBEDDING_DIM * RNN_UNITS + RNN_UNITS * RNN_UNITS + 2 * RNN_UNITS)
    published = VOCAB_SIZE * EMBEDDING_DIM + gru + RNN_UNITS * VOCAB_SIZE + VOCAB_SIZE
    assert twin.count_params() == published == 4_022_850
    assert model.count_params() == published
    assert_params_counted(SPEC, model)


def test_the_same_weights_give_the_published_models_numbers(generation) -> None:
    module, model, twin = generation
    x = np.random.default_rng(0).integers(0, VOCAB_SIZE, (2, 9)).astype("int32")
    logits, state = model(x)
    want_logits, want_state = twin(x, return_state=True)
    np.testing.assert_allclose(numbers(logits), numbers(want_logits), **CLOSE)
    np.testing.assert_allclose(numbers(state), numbers(want_state), **CLOSE)
    assert module.RETURNED == ["output", "gru_h"]


def test_greedy_decoding_is_the_one_step_loop_at_argmax(generation) -> None:
    """From 'ROMEO:' and a second prompt, the same characters as OneStep's loop."""
    module, model, twin = generation
    prompts = np.array([ids_from_chars("ROMEO:"), ids_from_chars("JULIET")], "int32")
    want = one_step_greedy(twin, prompts, 8)
    got = module.greedy_decode(model, prompts, max_length=8, stop=None)
    np.testing.assert_array_equal(got, want)
    # a beam of one is greedy decoding, with the log-probabilities of its steps
    beam, _ = module.beam_search_decode(
        model, prompts, beam_width=1, max_length=8, stop=None
    )
    np.testing.assert_array_equal(beam, want)
    # a prompt of one character: the loop starts from the model's zeros
    one = prompts[:, :1]
    np.testing.assert_array_equal(
        module.greedy_decode(model, one, max_length=4, stop=None),
        one_step_greedy(twin, one, 4),
    )


def test_the_step_model_carries_the_published_state(generation) -> None:
    """The one-step model run on a prompt, then one character, gives the published
    model's logits and state on the prompt and that character at once."""
    module, model, twin = generation
    prompt = np.array([ids_from_chars("ROMEO:")], "int32")
    step_model = module.build_step_model(model)
    tensor = keras.ops.convert_to_tensor
    zeros = tensor(np.zeros((1, RNN_UNITS), "float32"))
    _, state = step_model([tensor(prompt[:, :-1]), zeros])
    logits, state = step_model([tensor(prompt[:, -1:]), state])
    want_logits, want_state = twin(prompt, return_state=True)
    np.testing.assert_allclose(
        numbers(logits[:, 0]), numbers(want_logits[:, -1]), **CLOSE
    )
    np.testing.assert_allclose(numbers(state), numbers(want_state), **CLOSE)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_sampling_probabilities_are_one_steps(generation, temperature) -> None:
    """OneStep draws from the logits divided by the temperature."""
    module, _, twin = generation
    x = np.array([ids_from_chars("ROMEO:")], "int32")
    logits = numbers(twin(x)[:, -1, :]) / temperature
    want = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    got = module.with_temperature(module.log_probabilities(twin(x)[:, -1]), temperature)
    np.testing.assert_allclose(numbers(got), want, rtol=1e-5, atol=1e-7)


def test_one_training_step_with_the_published_compile_settings(generation) -> None:
    """compile_model() is the tutorial's compile: adam and the crossentropy on
    logits, on the logits only; one train_on_batch gives the twin's loss."""
    module, model, twin = generation
    sequence = np.random.default_rng(4).integers(1, VOCAB_SIZE, (2, 11))
    inputs, targets = sequence[:, :-1], sequence[:, 1:]  # split_input_target
    training_model = module.compile_model(module.build_training_model(model))
    twin.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    want = twin.evaluate(inputs, targets, verbose=0)
    got = training_model.evaluate(inputs, targets, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    before = [w.copy() for w in model.get_weights()]
    loss = training_model.train_on_batch(inputs, targets)
    twin_loss = twin.train_on_batch(inputs, targets)
    np.testing.assert_allclose(loss, twin_loss, rtol=1e-5)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


TWINS = {"text_generation_gru": MyModel}  # tests/keras/test_published.py counts them
PARAMS = {"text_generation_gru": 4_022_850}
