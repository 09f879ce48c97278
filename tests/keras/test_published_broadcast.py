"""Two published models against twins written from their code.

Hvass-Labs/TensorFlow-Tutorials 21_Machine_Translation.ipynb, at commit 1e901d01 (the
TensorFlow 2 version), spec examples/published/nmt_thought_vector.yaml: one encoder
state starts every layer of a deeper decoder (`bridge: broadcast`):

    encoder_gru1 = GRU(state_size, name='encoder_gru1', return_sequences=True)
    encoder_gru2 = GRU(state_size, name='encoder_gru2', return_sequences=True)
    encoder_gru3 = GRU(state_size, name='encoder_gru3', return_sequences=False)
    ...
    net = decoder_gru1(net, initial_state=initial_state)
    net = decoder_gru2(net, initial_state=initial_state)
    net = decoder_gru3(net, initial_state=initial_state)
    ...
    decoder_dense = Dense(num_words, activation='softmax', name='decoder_output')
    decoder_output = connect_decoder(initial_state=encoder_output)
    model_train.compile(optimizer=RMSprop(lr=1e-3),
                        loss='sparse_categorical_crossentropy')

with num_words = 10000, embedding_size = 128, state_size = 512, and an Embedding
(input_dim=num_words, output_dim=embedding_size) for each side. The encoder's output,
the last GRU layer's last output, is its final state, the "thought vector".

keras-team/keras 2.x, examples/imdb_cnn_lstm.py, spec
examples/published/imdb_cnn_lstm.yaml: a conv front with pooling before the LSTM:

    model.add(Embedding(max_features, embedding_size, input_length=maxlen))
    model.add(Dropout(0.25))
    model.add(Conv1D(filters, kernel_size, padding='valid', activation='relu',
                     strides=1))
    model.add(MaxPooling1D(pool_size=pool_size))
    model.add(LSTM(lstm_output_size))
    model.add(Dense(1))
    model.add(Activation('sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer='adam',
                  metrics=['accuracy'])

with max_features = 20000, maxlen = 100, embedding_size = 128, kernel_size = 5,
filters = 64, pool_size = 4, lstm_output_size = 70 (Keras 3 has no `input_length`:
the twin's Input is 100 tokens long).

Both twins keep the published layer names; weights copy over by a name map.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import keras
import numpy as np

from ..conftest import ROOT
from ..support.compare_models import assert_params_counted, numbers
from ..support.graph_twins import Twin
from .test_published import assert_close, copy_mapped, lstm_params

L = keras.layers
NMT = ROOT / "examples" / "published" / "nmt_thought_vector.yaml"
IMDB = ROOT / "examples" / "published" / "imdb_cnn_lstm.yaml"
NUM_WORDS, EMBEDDING, STATE = 10000, 128, 512  # the notebook's sizes
FEATURES, MAXLEN, FILTERS, KERNEL, POOL, LSTM_UNITS = 20000, 100, 64, 5, 4, 70


def gru_params(inputs: int, units: int) -> int:
    """A Keras 3 GRU (reset_after=True): three gates, each a kernel, a recurrent
    kernel and two biases."""
    return 3 * units * (inputs + units + 2)


def nmt_thought_vector() -> Twin:
    """The notebook's model_train: connect_encoder(), then connect_decoder() with the
    encoder's output as every decoder GRU layer's initial state."""
    encoder_input = L.Input(shape=(None,), name="encoder_input")
    encoder_embedding = L.Embedding(NUM_WORDS, EMBEDDING, name="encoder_embedding")
    encoder_gru1 = L.GRU(STATE, name="encoder_gru1", return_sequences=True)
    encoder_gru2 = L.GRU(STATE, name="encoder_gru2", return_sequences=True)
    encoder_gru3 = L.GRU(STATE, name="encoder_gru3", return_sequences=False)
    net = encoder_embedding(encoder_input)
    net = encoder_gru1(net)
    net = encoder_gru2(net)
    encoder_output = encoder_gru3(net)

    decoder_input = L.Input(shape=(None,), name="decoder_input")
    decoder_embedding = L.Embedding(NUM_WORDS, EMBEDDING, name="decoder_embedding")
    decoder_gru1 = L.GRU(STATE, name="decoder_gru1", return_sequences=True)
    decoder_gru2 = L.GRU(STATE, name="decoder_gru2", return_sequences=True)
    decoder_gru3 = L.GRU(STATE, name="decoder_gru3", return_sequences=True)
    decoder_dense = L.Dense(NUM_WORDS, activation="softmax", name="decoder_output")
    initial_state = encoder_output
    net = decoder_embedding(decoder_input)
    net = decoder_gru1(net, initial_state=initial_state)
    net = decoder_gru2(net, initial_state=initial_state)
    net = decoder_gru3(net, initial_state=initial_state)
    decoder_output = decoder_dense(net)
    return Twin(
        [encoder_input, decoder_input],
        {"decoder_output": decoder_output},
        [encoder_output],
    )


def imdb_cnn_lstm() -> Twin:
    """The Sequential model, as a functional one on 100 tokens."""
    tokens = L.Input(shape=(MAXLEN,), name="tokens")
    x = L.Embedding(FEATURES, EMBEDDING, name="embedding")(tokens)
    x = L.Dropout(0.25, name="dropout")(x)
    x = L.Conv1D(
        FILTERS, KERNEL, padding="valid", activation="relu", strides=1, name="conv1d"
    )(x)
    x = L.MaxPooling1D(pool_size=POOL, name="max_pooling1d")(x)
    x = L.LSTM(LSTM_UNITS, name="lstm")(x)
    x = L.Dense(1, name="dense")(x)
    output = L.Activation("sigmoid", name="activation")(x)
    return Twin([tokens], {"classifier_output": output})


TWINS = {"nmt_thought_vector": nmt_thought_vector, "imdb_cnn_lstm": imdb_cnn_lstm}
PARAMS = {
    "nmt_thought_vector": 2 * NUM_WORDS * EMBEDDING  # the two embeddings
    + 2 * (gru_params(EMBEDDING, STATE) + 2 * gru_params(STATE, STATE))
    + (STATE + 1) * NUM_WORDS,  # decoder_output
    "imdb_cnn_lstm": FEATURES * EMBEDDING
    + (KERNEL * EMBEDDING + 1) * FILTERS
    + lstm_params(FILTERS, LSTM_UNITS)
    + LSTM_UNITS
    + 1,
}
# generated layer -> the published layer
NAMES = {
    "nmt_thought_vector": {
        "encoder_input_embedding": "encoder_embedding",
        "decoder_input_embedding": "decoder_embedding",
        **{
            f"{side}_gru_{i}": f"{side}_gru{i}"
            for side in ("encoder", "decoder")
            for i in (1, 2, 3)
        },
        "decoder_head": "decoder_output",
    },
    "imdb_cnn_lstm": {
        "review_embedding": "embedding",
        "classifier_front_2": "conv1d",
        "classifier_lstm": "lstm",
        "classifier_head_1": "dense",
    },
}
INPUTS = {  # generated input -> the twin's
    "nmt_thought_vector": {
        "encoder_input": "encoder_input",
        "decoder_input": "decoder_input",
    },
    "imdb_cnn_lstm": {"review": "tokens"},
}


def test_the_counts_are_the_published_arithmetic() -> None:
    assert PARAMS["nmt_thought_vector"] == 15_965_968
    assert PARAMS["imdb_cnn_lstm"] == 2_638_895


def built(spec: Path, folder: Path) -> tuple[ModuleType, keras.Model, Twin]:
    """The generated module, its model, and the twin holding the model's weights."""
    from ..support.modules import load_spec_module

    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    module = load_spec_module(spec, folder)
    model = module.build_model()
    twin = TWINS[spec.stem]()
    copy_mapped(model, twin.model, NAMES[spec.stem])
    return module, model, twin


def tokens(
    rng: np.random.Generator, batch: int, length: int, words: int, pad: str
) -> np.ndarray:
    """Token ids in [1, words), the first row padded with 0s as pad_sequences does
    (`pre`, its default, or `post`), the last id in range too."""
    ids = rng.integers(1, words, (batch, length))
    cut = length // 3
    if pad == "pre":
        ids[0, :cut] = 0
    else:
        ids[0, length - cut :] = 0
    ids[1:, -1] = words - 1
    return ids.astype("int32")


def nmt_data(batch: int, seed: int) -> dict[str, np.ndarray]:
    """The notebook pads the (reversed) source before and the destination after."""
    rng = np.random.default_rng(seed)
    return {
        "encoder_input": tokens(rng, batch, 9, NUM_WORDS, "pre"),
        "decoder_input": tokens(rng, batch, 7, NUM_WORDS, "post"),
    }


def imdb_data(batch: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"review": tokens(rng, batch, MAXLEN, FEATURES, "pre")}


def run_twin(twin: Twin, stem: str, data: dict[str, np.ndarray]):
    """The twin's one output on the data, given by the generated input names."""
    named = {INPUTS[stem][name]: array for name, array in data.items()}
    (output,) = twin.model([named[x.name] for x in twin.inputs]).values()
    return output


def test_nmt_thought_vector_counts_and_translates_as_the_notebook(
    tmp_path: Path,
) -> None:
    """Equal parameters; with copied weights, equal word scores on padded token
    sequences: every decoder layer starts from the encoder's thought vector."""
    module, model, twin = built(NMT, tmp_path)
    count = PARAMS["nmt_thought_vector"]
    assert model.count_params() == twin.model.count_params() == count
    assert_params_counted(NMT, model)
    assert module.RETURNED == list(twin.returned) == ["decoder_output"]
    data = nmt_data(batch=3, seed=1)
    got = model([data[x.name] for x in model.inputs])
    want = run_twin(twin, "nmt_thought_vector", data)
    assert tuple(got.shape) == (3, 7, NUM_WORDS)
    assert_close(got, want, "decoder_output")
    module.check_returned(got, 3, {"encoder_input": 9, "decoder_input": 7})


def test_nmt_thought_vector_trains_one_step_as_the_notebook(tmp_path: Path) -> None:
    """RMSprop(1e-3) and sparse_categorical_crossentropy, as model_train.compile():
    the same loss on a batch, and after one step on it the same weights."""
    module, model, twin = built(NMT, tmp_path)
    training = module.compile_model(module.build_training_model(model))
    assert type(training.optimizer) is keras.optimizers.RMSprop
    assert np.isclose(float(numbers(training.optimizer.learning_rate)), 1e-3)
    reference = twin.model
    reference.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
    )
    data = nmt_data(batch=4, seed=2)
    x = [data[given.name] for given in model.inputs]
    y = np.random.default_rng(2).integers(0, NUM_WORDS, (4, 7))
    got = training.train_on_batch(x, y)
    want = reference.train_on_batch(x, {"decoder_output": y})
    assert np.allclose(
        numbers(keras.tree.flatten(got)[0]),
        numbers(keras.tree.flatten(want)[0]),
        rtol=1e-5,
    )
    for mine, theirs in NAMES["nmt_thought_vector"].items():
        for a, b in zip(
            model.get_layer(mine).get_weights(),
            reference.get_layer(theirs).get_weights(),
            strict=True,
        ):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6, err_msg=mine)


def test_imdb_cnn_lstm_counts_and_scores_as_the_keras_example(tmp_path: Path) -> None:
    """Equal parameters (the Conv1D's 5 x 128 x 64 kernel, the LSTM on 64 filters);
    with copied weights, equal sentiment on pre-padded reviews."""
    module, model, twin = built(IMDB, tmp_path)
    count = PARAMS["imdb_cnn_lstm"]
    assert model.count_params() == twin.model.count_params() == count
    assert_params_counted(IMDB, model)
    assert module.RETURNED == list(twin.returned)
    data = imdb_data(batch=3, seed=1)
    got = model(data["review"])
    want = run_twin(twin, "imdb_cnn_lstm", data)
    assert tuple(got.shape) == (3, 1)
    assert_close(got, want, "classifier_output")


def test_imdb_cnn_lstm_trains_one_step_as_the_keras_example(tmp_path: Path) -> None:
    """binary_crossentropy, adam and accuracy, as model.compile(): the same loss and
    accuracy on a batch (no dropout outside training), then one step (Dropout(0.25)
    draws its own mask) with a finite loss."""
    module, model, twin = built(IMDB, tmp_path)
    training = module.compile_model(module.build_training_model(model))
    assert type(training.optimizer) is keras.optimizers.Adam
    reference = twin.model
    reference.compile(
        loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"]
    )
    x = imdb_data(batch=4, seed=2)["review"]
    y = (np.random.default_rng(2).random((4, 1)) < 0.5).astype("float32")
    got = training.evaluate(x, y, verbose=0, return_dict=True)
    want = reference.evaluate(x, {"classifier_output": y}, verbose=0, return_dict=True)
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
    assert got["accuracy"] == want["accuracy"]
    loss = training.train_on_batch(x, y)
    assert np.all(np.isfinite(numbers(keras.tree.flatten(loss)[0])))
