"""Whole published models: each spec of examples/published/ against its twin.

Each twin is the published model written again with keras.layers directly, from the
published code (layer classes, sizes, order, activations, use_bias), with the layer
names the generated module gives, so that weights copy over by name:

- keras-io examples/nlp/addition_rnn.py: LSTM(128) -> RepeatVector(DIGITS + 1) ->
  LSTM(128, return_sequences=True) -> Dense(len(chars), softmax);
- keras-io examples/nlp/bidirectional_lstm_imdb.py: Embedding(20000, 128) -> two
  Bidirectional(LSTM(64)) -> Dense(1, sigmoid);
- tensorflow/nmt nmt/model.py, encoder_type=bi, num_layers=2, no attention: one
  bidirectional LSTM layer encodes; its (forward, backward) state starts the
  decoder's two-layer MultiRNNCell layer by layer; a Dense projection without bias.

The parameter count is checked against the published code's arithmetic (and the
figure the imdb page prints); the returned tensors' names and shapes, and their
numbers with the same weights on the same inputs. The models with convolutions around
their blocks (conv_lstm, ctc_asr) are in test_published_conv.py, the image-captioning
decoder in test_published_captioning.py, Hvass-Labs' NMT (bridge: broadcast) and the
Keras 2 imdb_cnn_lstm in test_published_broadcast.py; copy_mapped() is for twins that
keep the published layer names.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import keras
import numpy as np
import pytest

from rnnspec import load_spec

from ..conftest import PUBLISHED, ROOT
from ..support.compare_models import (
    assert_params_counted,
    call,
    copy_weights,
    loose,
    numbers,
    TOLERANCE,
)
from ..support.graph_twins import Input, Twin
from ..support.modules import load_spec_module

L = keras.layers
CLOSE = TOLERANCE["float32"]


def lstm_params(inputs: int, units: int) -> int:
    """An LSTM's weights: four gates, each a kernel, a recurrent kernel and a bias."""
    return 4 * units * (inputs + units + 1)


# -- the twins ------------------------------------------------------------------------


def addition_rnn() -> Twin:
    """DIGITS = 3, MAXLEN = DIGITS + 1 + DIGITS, chars = "0123456789+ "; the
    Sequential model's layers in its order."""
    digits, chars = 3, len("0123456789+ ")
    question = Input("question", (digits + 1 + digits, chars))
    encoded = L.LSTM(128, name="encoder_lstm")(question)
    repeated = L.RepeatVector(digits + 1, name="decoder_repeat")(encoded)
    hidden = L.LSTM(128, return_sequences=True, name="decoder_lstm")(repeated)
    output = L.Dense(chars, activation="softmax", name="decoder_head")(hidden)
    return Twin([question], {"decoder_output": output}, [encoded, repeated])


def bidirectional_lstm_imdb() -> Twin:
    """max_features = 20000; Input(shape=(None,), dtype="int32")."""
    review = Input("review", (None,), dtype="int32")
    x = L.Embedding(20000, 128, name="review_embedding")(review)
    x = L.Bidirectional(L.LSTM(64, return_sequences=True), name="classifier_lstm_1")(x)
    x = L.Bidirectional(L.LSTM(64), name="classifier_lstm_2")(x)
    output = L.Dense(1, activation="sigmoid", name="classifier_head")(x)
    return Twin([review], {"classifier_output": output})


NMT_UNITS, NMT_SOURCE, NMT_TARGET = 128, 7709, 17191  # num_units; iwslt15 vi -> en


def nmt_bi_encoder() -> Twin:
    """With num_bi_layers == 1, model.py passes bi_encoder_state = (forward, backward)
    as the decoder's initial state: MultiRNNCell layer 0 takes the forward state,
    layer 1 the backward one. The embeddings are num_units wide."""
    source = Input("source", (None,), dtype="int32")
    target = Input("target", (None,), dtype="int32")
    source_embedded = L.Embedding(NMT_SOURCE, NMT_UNITS, name="source_embedding")(
        source
    )
    target_embedded = L.Embedding(NMT_TARGET, NMT_UNITS, name="target_embedding")(
        target
    )
    encoder = L.Bidirectional(L.LSTM(NMT_UNITS, return_state=True), name="encoder_lstm")
    _, fh, fc, bh, bc = encoder(source_embedded)  # Keras: forward h, c, backward h, c
    cells = [L.LSTMCell(NMT_UNITS), L.LSTMCell(NMT_UNITS)]
    decoder = L.RNN(
        L.StackedRNNCells(cells),
        return_sequences=True,
        return_state=True,
        name="decoder_rnn",
    )
    hidden, *states = decoder(target_embedded, initial_state=[[fh, fc], [bh, bc]])
    h1, c1, h2, c2 = keras.tree.flatten(states)  # cell by cell, h then c
    projection = L.Dense(NMT_TARGET, use_bias=False, name="decoder_head")
    returned = {
        "decoder_output": projection(hidden),
        "decoder_lstm_1_h": h1,
        "decoder_lstm_1_c": c1,
        "decoder_lstm_2_h": h2,
        "decoder_lstm_2_c": c2,
    }
    return Twin([source, target], returned, [fh, fc, bh, bc])


TWINS = {
    twin.__name__: twin
    for twin in (addition_rnn, bidirectional_lstm_imdb, nmt_bi_encoder)
}

# The published code's arithmetic; the imdb page prints "Total params: 2,757,761".
PARAMS = {
    "addition_rnn": lstm_params(12, 128) + lstm_params(128, 128) + 128 * 12 + 12,
    "bidirectional_lstm_imdb": 2_757_761,
    "nmt_bi_encoder": (NMT_SOURCE + NMT_TARGET) * NMT_UNITS
    + 2 * lstm_params(NMT_UNITS, NMT_UNITS)  # forward and backward encoder
    + 2 * lstm_params(NMT_UNITS, NMT_UNITS)  # two decoder layers
    + NMT_UNITS * NMT_TARGET,  # output_projection, use_bias=False
}
IMDB_BY_ARITHMETIC = 20000 * 128 + 2 * 2 * lstm_params(128, 64) + 64 * 2 + 1


TWINNED = [spec for spec in PUBLISHED if spec.stem in TWINS]


def test_every_published_spec_has_a_twin_and_a_count() -> None:
    """Here or in another test_published_*.py."""
    from . import test_published_attention as attention
    from . import test_published_broadcast as broadcast
    from . import test_published_captioning as captioning
    from . import test_published_conv as conv
    from . import test_published_feedback as feedback
    from . import test_published_feeding as feeding
    from . import test_published_graphs as graphs
    from . import test_published_generation as generation
    from . import test_published_hierarchical as hierarchical
    from . import test_published_irnn as irnn
    from . import test_published_onestep as onestep
    from . import test_published_stateful as stateful
    from . import test_published_video as video
    from . import test_published_warmup as warmup

    others = (attention, broadcast, captioning, conv, feedback, feeding, generation)
    others += (graphs, hierarchical, irnn, onestep, stateful, video, warmup)
    twins = TWINS | {k: v for other in others for k, v in other.TWINS.items()}
    counts = PARAMS | {k: v for other in others for k, v in other.PARAMS.items()}
    missing = sorted({spec.stem for spec in PUBLISHED} - set(twins))
    assert not missing, f"published specs without a twin: {missing}"
    assert sorted(spec.stem for spec in PUBLISHED) == sorted(twins) == sorted(counts)
    assert sorted(spec.stem for spec in TWINNED) == sorted(TWINS) == sorted(PARAMS)
    assert PARAMS["addition_rnn"] == 205_324
    assert PARAMS["bidirectional_lstm_imdb"] == IMDB_BY_ARITHMETIC


# -- running both ---------------------------------------------------------------------

LENGTHS = {"review": 11, "source": 9, "target": 6}  # where the length is free


def some_data(spec: Path, twin: Twin, batch: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded inputs by name: tokens in [0, vocabulary), the first row pre-padded with
    0s (as pad_sequences does) and more 0s scattered; one-hot characters otherwise."""
    rng = np.random.default_rng(seed)
    inputs = load_spec(spec).inputs
    data = {}
    for given in twin.inputs:
        length = given.shape[1] or LENGTHS[given.name]
        vocabulary = inputs[given.name].vocabulary
        if vocabulary is None:
            characters = rng.integers(0, given.shape[-1], (batch, length))
            data[given.name] = np.eye(given.shape[-1], dtype="float32")[characters]
            continue
        tokens = rng.integers(1, vocabulary, (batch, length))
        tokens[0, : length // 3] = 0
        tokens[rng.random((batch, length)) < 0.2] = 0
        tokens[:, -1] = vocabulary - 1  # the last id is in range too
        data[given.name] = tokens.astype("int32")
    return data


def built(spec: Path, folder: Path) -> tuple[ModuleType, keras.Model, Twin]:
    """The generated module, its model, and the twin holding the model's weights."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(spec, folder)
    model = module.build_model()
    twin = TWINS[spec.stem]()
    copy_weights(model, twin.model)
    return module, model, twin


def copy_mapped(model: keras.Model, twin: keras.Model, names: dict[str, str]) -> None:
    """The generated model's weights into a twin that keeps the published layer names,
    by a map of generated name -> published name that holds every layer with weights
    on either side once."""
    assert sorted(names) == sorted(x.name for x in model.layers if x.weights)
    assert sorted(names.values()) == sorted(x.name for x in twin.layers if x.weights)
    for mine, theirs in names.items():
        twin.get_layer(theirs).set_weights(model.get_layer(mine).get_weights())


def model_of(inputs: list, outputs) -> keras.Model:
    """A sub-model of a twin, taking one input as the generated model does: alone."""
    return keras.Model(inputs[0] if len(inputs) == 1 else inputs, outputs)


def assert_close(got, want, name: str, tolerance: dict = CLOSE) -> None:
    np.testing.assert_allclose(numbers(got), numbers(want), err_msg=name, **tolerance)


@pytest.mark.parametrize("spec", TWINNED, ids=lambda p: p.stem)
def test_the_published_model_counts_the_published_parameters(
    spec: Path, tmp_path: Path
) -> None:
    _, model, twin = built(spec, tmp_path)
    assert model.count_params() == twin.model.count_params() == PARAMS[spec.stem]
    assert_params_counted(spec, model)


@pytest.mark.parametrize("spec", TWINNED, ids=lambda p: p.stem)
def test_every_returned_tensor_equals_the_published_twins(
    spec: Path, tmp_path: Path
) -> None:
    """Names, shapes and numbers of every returned tensor, outputs and states."""
    module, model, twin = built(spec, tmp_path)
    assert module.RETURNED == list(twin.returned)
    assert [tuple(x.shape) for x in model.outputs] == [
        tuple(x.shape) for x in twin.returned.values()
    ]
    data = some_data(spec, twin, batch=3, seed=1)
    returned = call(model, data)
    want = call(model_of(twin.inputs, twin.returned), data)
    got = dict(zip(module.RETURNED, keras.tree.flatten(returned), strict=True))
    for name in module.RETURNED:
        assert_close(got[name], want[name], name)
    steps = {name: data[name].shape[1] for name in module.TIMESTEPS}
    module.check_returned(returned, 3, steps)


def test_addition_rnn_decoder_reads_the_encoder_output_repeated(
    tmp_path: Path,
) -> None:
    """decoder_lstm reads decoder_repeated: the encoder's last output, DIGITS + 1
    times over, as the twin's RepeatVector gives it."""
    spec = ROOT / "examples" / "published" / "addition_rnn.yaml"
    _, model, twin = built(spec, tmp_path)
    repeat = model.get_layer("decoder_repeat")
    assert model.get_layer("decoder_lstm").input is repeat.output
    data = some_data(spec, twin, batch=3, seed=5)
    inside = [model.get_layer("encoder_lstm").output, repeat.output]
    encoded, repeated = call(model_of(model.inputs, inside), data)
    want_encoded, want_repeated = call(model_of(twin.inputs, twin.handover), data)
    assert tuple(repeated.shape) == (3, 4, 128)
    assert_close(encoded, want_encoded, "encoder_output")
    assert_close(repeated, want_repeated, "decoder_repeated")
    np.testing.assert_array_equal(
        numbers(repeated), np.repeat(numbers(encoded)[:, None], 4, axis=1)
    )


def nmt(tmp_path: Path) -> tuple[ModuleType, keras.Model, Twin, dict]:
    spec = ROOT / "examples" / "published" / "nmt_bi_encoder.yaml"
    module, model, twin = built(spec, tmp_path)
    return module, model, twin, some_data(spec, twin, batch=3, seed=2)


def test_nmt_encoder_model_hands_over_forward_then_backward(tmp_path: Path) -> None:
    """build_inference_models()'s encoder returns the decoder's initial state in the
    per_layer order: layer 1's h, c from the forward LSTM, layer 2's from the
    backward one."""
    module, model, twin, data = nmt(tmp_path)
    encoder_model, _ = module.build_inference_models(model)
    got = keras.tree.flatten(call(encoder_model, data))
    want = call(model_of(twin.inputs[:1], twin.handover), data)
    assert len(got) == len(want) == 4
    for name, mine, theirs in zip(module.RETURNED[1:], got, want, strict=True):
        assert_close(mine, theirs, f"initial {name}")


def twin_step(twin: Twin, step: np.ndarray, states: list) -> list:
    """The twin's decoder layers on one step of tokens, from the given state (h, c of
    layer 1, then of layer 2): the projected logits, then the final state."""
    model = twin.model
    embedded = model.get_layer("target_embedding")(step)
    hidden, *final = model.get_layer("decoder_rnn")(
        embedded, initial_state=[states[:2], states[2:]]
    )
    return [model.get_layer("decoder_head")(hidden), *keras.tree.flatten(final)]


def test_nmt_one_decoder_step_is_the_twins_decoder_on_one_step(
    tmp_path: Path,
) -> None:
    """From the encoder model's state, one step of decoder_model equals the twin's
    decoder layers run on that step from that state, and the whole twin run on the
    first target token alone: its logits and both layers' states."""
    module, model, twin, data = nmt(tmp_path)
    encoder_model, decoder_model = module.build_inference_models(model)
    states = keras.tree.flatten(call(encoder_model, data))
    first = data["target"][:, :1]
    got = decoder_model([keras.ops.convert_to_tensor(first), *states])
    want = twin_step(twin, first, states)
    whole = call(twin.model, {**data, "target": first})
    for name, mine, theirs in zip(module.RETURNED, got, want, strict=True):
        assert_close(mine, theirs, name)
        assert_close(mine, whole[name], name, loose("float32"))


def test_nmt_greedy_decode_feeds_back_the_twins_most_likely_token(
    tmp_path: Path,
) -> None:
    """greedy_decode's tokens are those the twin picks itself, one argmax at a time
    over the whole sequence so far, from the same first token."""
    module, model, twin, data = nmt(tmp_path)
    steps, tokens = 3, data["target"][:, :1]
    for _ in range(steps):
        logits = call(twin.model, {**data, "target": tokens})["decoder_output"]
        best = np.argmax(numbers(logits)[:, -1:], axis=-1).astype("int32")
        tokens = np.concatenate([tokens, best], axis=1)
    got = module.greedy_decode(
        model, data["source"], data["target"][:, 0], max_length=steps, stop=None
    )
    np.testing.assert_array_equal(got, tokens[:, 1:])


@pytest.mark.parametrize(
    ("stem", "loss"),
    [
        ("addition_rnn", "categorical_crossentropy"),
        ("bidirectional_lstm_imdb", "binary_crossentropy"),
    ],
)
def test_compile_model_is_the_published_compile(
    stem: str, loss: str, tmp_path: Path
) -> None:
    """keras-io compiles both with optimizer="adam", metrics=["accuracy"] and the loss
    by name (addition_rnn.py, bidirectional_lstm_imdb.py): the generated training
    model's loss and accuracy are the twin's compiled so, on the same batch."""
    spec = ROOT / "examples" / "published" / f"{stem}.yaml"
    module, model, twin = built(spec, tmp_path)
    training = module.compile_model(module.build_training_model(model))
    assert type(training.optimizer) is keras.optimizers.Adam
    assert training.optimizer.learning_rate == keras.optimizers.Adam().learning_rate
    reference = model_of(twin.inputs, list(twin.returned.values()))
    reference.compile(loss=loss, optimizer="adam", metrics=["accuracy"])
    data = some_data(spec, twin, batch=4, seed=2)
    x = [data[given.name] for given in twin.inputs]
    scores = numbers(reference.predict(x, verbose=0))
    rng = np.random.default_rng(2)
    if loss == "binary_crossentropy":
        y = (rng.random(scores.shape) < 0.5).astype("float32")
    else:
        y = np.eye(scores.shape[-1], dtype="float32")[
            rng.integers(0, scores.shape[-1], scores.shape[:-1])
        ]
    got = training.evaluate(x, y, verbose=0, return_dict=True)
    want = reference.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
    assert got["accuracy"] == want["accuracy"]
