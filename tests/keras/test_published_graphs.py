"""Published models that are graphs (layer nodes and merges) against their twins,
each written from the published code, its layers named as the module names them:

- keras-io, guides/functional_api.py ("Models with multiple inputs and outputs")::

      title_features = layers.Embedding(num_words, 64)(title_input)
      body_features = layers.Embedding(num_words, 64)(body_input)
      title_features = layers.LSTM(128)(title_features)
      body_features = layers.LSTM(32)(body_features)
      x = layers.concatenate([title_features, body_features, tags_input])
      priority_pred = layers.Dense(1, name="priority")(x)
      department_pred = layers.Dense(num_departments, name="department")(x)
      model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                    loss=[keras.losses.BinaryCrossentropy(from_logits=True),
                          keras.losses.CategoricalCrossentropy(from_logits=True)],
                    loss_weights=[1.0, 0.2])

  with num_tags = 12, num_words = 10000, num_departments = 4;
- keras-team/keras 2.x, examples/babi_memnn.py: input_encoder_m = Embedding(vocab_size,
  64) + Dropout(0.3) on the story, input_encoder_c = Embedding(vocab_size,
  query_maxlen) + Dropout(0.3) on the story, question_encoder = Embedding(vocab_size,
  64) + Dropout(0.3); match = softmax(dot([m, question], axes=(2, 2))); response =
  Permute((2, 1))(add([match, c])); answer = concatenate([response, question]) ->
  LSTM(32) -> Dropout(0.3) -> Dense(vocab_size) -> softmax; rmsprop,
  categorical_crossentropy, accuracy;
- keras-team/keras 2.x, examples/babi_rnn.py: the story Embedding(vocab_size, 50) +
  Dropout(0.3); the question Embedding(vocab_size, 50) + Dropout(0.3) -> LSTM(50) ->
  RepeatVector(story_maxlen); add; LSTM(50) -> Dropout(0.3) -> Dense(vocab_size,
  softmax); adam, categorical_crossentropy, accuracy.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from ..conftest import ROOT
from ..support.compare_models import (
    TOLERANCE,
    assert_params_counted,
    call,
    copy_weights,
    numbers,
)
from ..support.graph_twins import Input, Twin
from ..support.modules import load_spec_module

L = keras.layers
PUBLISHED = ROOT / "examples" / "published"


def ticket_classifier() -> Twin:
    title = Input("title", (None,), dtype="int32")
    body = Input("body", (None,), dtype="int32")
    tags = Input("tags", (12,))
    title_features = L.Embedding(10000, 64, name="title_embedding")(title)
    body_features = L.Embedding(10000, 64, name="body_embedding")(body)
    title_features = L.LSTM(128, name="title_features_lstm")(title_features)
    body_features = L.LSTM(32, name="body_features_lstm")(body_features)
    x = L.concatenate([title_features, body_features, tags], name="features_merge")
    priority = L.Dense(1, name="priority_layer")(x)
    department = L.Dense(4, name="department_layer")(x)
    returned = {"priority": priority, "department": department}
    return Twin([title, body, tags], returned)


def babi_memnn(vocab: int = 22, story: int = 68, query: int = 4) -> Twin:
    input_sequence = Input("story", (story,), dtype="int32")
    question = Input("question", (query,), dtype="int32")
    m = L.Embedding(vocab, 64, name="input_encoded_m_layer_1")(input_sequence)
    m = L.Dropout(0.3, name="input_encoded_m_layer_2")(m)
    c = L.Embedding(vocab, query, name="input_encoded_c_layer_1")(input_sequence)
    c = L.Dropout(0.3, name="input_encoded_c_layer_2")(c)
    q = L.Embedding(vocab, 64, name="question_encoded_layer_1")(question)
    q = L.Dropout(0.3, name="question_encoded_layer_2")(q)
    match = L.dot([m, q], axes=(2, 2), name="match_merge")
    match = L.Activation("softmax", name="match_layer")(match)
    response = L.add([match, c], name="response_merge")
    response = L.Permute((2, 1), name="response_layer")(response)
    answer = L.concatenate([response, q], name="joined_merge")
    answer = L.LSTM(32, name="answer_lstm")(answer)
    answer = L.Dropout(0.3, name="answer_head_1")(answer)
    answer = L.Dense(vocab, name="answer_head_2")(answer)
    answer = L.Activation("softmax", name="answer_head_3")(answer)
    return Twin([input_sequence, question], {"answer_output": answer})


def babi_rnn(vocab: int = 36, story: int = 552, query: int = 5) -> Twin:
    sentence = Input("sentence", (story,), dtype="int32")
    encoded_sentence = L.Embedding(vocab, 50, name="sentence_embedding")(sentence)
    encoded_sentence = L.Dropout(0.3, name="encoded_sentence_layer")(encoded_sentence)
    question = Input("question", (query,), dtype="int32")
    encoded_question = L.Embedding(vocab, 50, name="question_embedding")(question)
    encoded_question = L.Dropout(0.3, name="encoded_question_front")(encoded_question)
    encoded_question = L.LSTM(50, name="encoded_question_lstm")(encoded_question)
    encoded_question = L.RepeatVector(story, name="encoded_question_head")(
        encoded_question
    )
    merged = L.add([encoded_sentence, encoded_question], name="merged_merge")
    merged = L.LSTM(50, name="answer_lstm")(merged)
    merged = L.Dropout(0.3, name="answer_head_1")(merged)
    preds = L.Dense(vocab, activation="softmax", name="answer_head_2")(merged)
    return Twin([sentence, question], {"answer_output": preds})


# spec -> (its twin, the published parameter count, the optimizer class)
PUBLISHED_GRAPHS = {
    "ticket_classifier": (
        ticket_classifier,
        2 * 10000 * 64 + 4 * 128 * (64 + 128 + 1) + 4 * 32 * (64 + 32 + 1)
        + (128 + 32 + 12 + 1) * (1 + 4),
        keras.optimizers.RMSprop,
    ),
    "babi_memnn": (
        babi_memnn,
        22 * 64 * 2 + 22 * 4 + 4 * 32 * (68 + 64 + 32 + 1) + 33 * 22,
        keras.optimizers.RMSprop,
    ),
    "babi_rnn": (
        babi_rnn,
        2 * 36 * 50 + 2 * 4 * 50 * (50 + 50 + 1) + 51 * 36,
        keras.optimizers.Adam,
    ),
}  # fmt: skip
TWINS = {name: entry[0] for name, entry in PUBLISHED_GRAPHS.items()}
PARAMS = {name: entry[1] for name, entry in PUBLISHED_GRAPHS.items()}


def _data(twin: keras.Model, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random tokens of the published vocabularies (padding 0 included), and floats."""
    data = {}
    for x in twin.inputs:
        shape = (3, *(size or 7 for size in x.shape[1:]))
        if x.dtype.startswith("int"):
            data[x.name] = rng.integers(0, 22, shape).astype("int32")
        else:
            data[x.name] = rng.random(shape).astype("float32")
    return data


def _targets(width: int, rng: np.random.Generator) -> np.ndarray:
    """One-hot classes, or 0/1 for one logit."""
    if width == 1:
        return rng.integers(0, 2, (3, 1)).astype("float32")
    return np.eye(width, dtype="float32")[rng.integers(0, width, 3)]


@pytest.mark.parametrize("name", sorted(PUBLISHED_GRAPHS))
def test_a_published_graph_counts_and_computes_as_its_twin(
    name: str, tmp_path: Path
) -> None:
    """Equal parameters (the published arithmetic), equal outputs with copied weights
    (dropout off: a call, not training), and one training step under the published
    compile settings, every trained output scored."""
    make, params, optimizer = PUBLISHED_GRAPHS[name]
    keras.utils.set_random_seed(0)
    spec = PUBLISHED / f"{name}.yaml"
    module = load_spec_module(spec, tmp_path)
    model = module.build_model()
    twin = make()
    assert model.count_params() == twin.model.count_params() == params
    assert_params_counted(spec, model)
    copy_weights(model, twin.model)
    rng = np.random.default_rng(1)
    data = _data(twin.model, rng)
    got = call(model, data)
    got = dict(zip(module.RETURNED, got if isinstance(got, list) else [got]))
    want = call(twin.model, data)
    for key, tensor in want.items():
        np.testing.assert_allclose(
            numbers(got[key]), numbers(tensor), **TOLERANCE["float32"]
        )
    training = module.compile_model(module.build_training_model(model))
    assert isinstance(training.optimizer, optimizer)
    targets = [_targets(int(output.shape[-1]), rng) for output in training.outputs]
    before = [w.copy() for w in training.get_weights()]
    loss = training.train_on_batch(
        [data[x.name] for x in training.inputs],
        targets if len(targets) > 1 else targets[0],
    )
    assert np.all(np.isfinite(numbers(keras.tree.flatten(loss)[0])))
    assert any(not np.array_equal(a, b) for a, b in zip(before, training.get_weights()))


def test_the_ticket_classifier_weighs_its_losses_as_published(tmp_path: Path) -> None:
    """loss_weights [1.0, 0.2]: the total loss is the priority's plus a fifth of the
    department's, as the twin compiled with the published settings computes it."""
    module = load_spec_module(PUBLISHED / "ticket_classifier.yaml", tmp_path)
    model = module.build_model()
    made = ticket_classifier()
    outputs = [made.returned["priority"], made.returned["department"]]
    twin = keras.Model(made.inputs, outputs)  # a list, in the published order
    copy_weights(model, twin)
    training = module.compile_model(module.build_training_model(model))
    twin.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[
            keras.losses.BinaryCrossentropy(from_logits=True),
            keras.losses.CategoricalCrossentropy(from_logits=True),
        ],
        loss_weights=[1.0, 0.2],
    )
    rng = np.random.default_rng(2)
    data = _data(twin, rng)
    x = [data[i.name] for i in twin.inputs]
    y = [_targets(1, rng), _targets(4, rng)]
    got = training.evaluate(x, y, verbose=0, return_dict=True)
    want = twin.evaluate(x, y, verbose=0, return_dict=True)
    assert np.isclose(got["loss"], want["loss"], rtol=1e-5)
