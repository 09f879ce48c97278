"""keras-io's character-level text generation against examples/published/text_generation.yaml.

The twin is the published model as written in keras-team/keras-io
examples/generative/lstm_character_level_text_generation.py (commit
0a09cb6c7ca6769be21d946338c87563314c93db):

    maxlen = 40
    model = keras.Sequential([keras.Input(shape=(maxlen, len(chars))),
                              layers.LSTM(128),
                              layers.Dense(len(chars), activation="softmax")])

with len(chars) = 56, the "Total chars: 56" that the published page prints
(examples/generative/md/lstm_character_level_text_generation.md, commit
bf587a3daee16c5ee151ff88526fd992cf33f45e). Its sample() and its generation loop
(one-hot the last maxlen characters, predict, pick, slide the window) are copied below
as published, so that the module's decoders are held against them: the same
probabilities for a temperature, and the same characters where the loop picks the most
likely one.
"""

from __future__ import annotations

from types import ModuleType

import keras
import numpy as np
import pytest

from ..conftest import ROOT
from ..support.compare_models import assert_params_counted, numbers
from ..support.modules import load_spec_module
from .test_published import lstm_params

L = keras.layers
SPEC = ROOT / "examples" / "published" / "text_generation.yaml"
MAXLEN, CHARS = 40, 56
CLOSE = {"rtol": 1e-5, "atol": 1e-6}


def text_generation() -> keras.Model:
    """The published Sequential model."""
    return keras.Sequential(
        [
            keras.Input(shape=(MAXLEN, CHARS)),
            L.LSTM(128),
            L.Dense(CHARS, activation="softmax"),
        ]
    )


TWINS = {"text_generation": text_generation}
PARAMS = {"text_generation": lstm_params(CHARS, 128) + 128 * CHARS + CHARS}


def sample_probabilities(preds: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """keras-io's sample() up to its draw: the probabilities np.random.multinomial
    is given."""
    preds = np.asarray(preds).astype("float64")
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    return preds


def published_loop(model: keras.Model, sentence: list[int], steps: int) -> list[int]:
    """keras-io's generation loop, picking the most likely character (characters as
    their indices)."""
    generated = []
    for _ in range(steps):
        x_pred = np.zeros((1, MAXLEN, CHARS))
        for t, char in enumerate(sentence):
            x_pred[0, t, char] = 1.0
        preds = model.predict(x_pred, verbose=0)[0]
        next_index = int(np.argmax(preds))
        sentence = sentence[1:] + [next_index]
        generated.append(next_index)
    return generated


@pytest.fixture(scope="module")
def generation(tmp_path_factory) -> tuple[ModuleType, keras.Model, keras.Model]:
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(SPEC, tmp_path_factory.mktemp("text_generation"))
    keras.utils.set_random_seed(5)
    model = module.build_model()
    twin = text_generation()
    mine, theirs = model.get_weights(), twin.get_weights()
    assert [w.shape for w in mine] == [w.shape for w in theirs]
    twin.set_weights(mine)
    return module, model, twin


def test_the_parameter_count_is_the_published_models(generation) -> None:
    _, model, twin = generation
    assert twin.count_params() == PARAMS["text_generation"] == 101_944
    assert model.count_params() == twin.count_params()
    assert_params_counted(SPEC, model)


def test_the_same_weights_give_the_published_models_numbers(generation) -> None:
    module, model, twin = generation
    rng = np.random.default_rng(0)
    x = np.eye(CHARS, dtype="float32")[rng.integers(0, CHARS, (3, MAXLEN))]
    np.testing.assert_allclose(numbers(model(x)), numbers(twin(x)), **CLOSE)
    assert module.RETURNED == ["output"]


@pytest.mark.parametrize("temperature", [0.2, 0.5, 1.0, 1.2])
def test_sampling_probabilities_are_keras_ios_sample(generation, temperature) -> None:
    """keras-io's diversities; from the twin's predictions of the same windows."""
    module, _, twin = generation
    rng = np.random.default_rng(1)
    x = np.eye(CHARS, dtype="float32")[rng.integers(0, CHARS, (4, MAXLEN))]
    preds = numbers(twin(x))
    ours = module.with_temperature(module.log_probabilities(preds), temperature)
    for row, want in zip(ours, preds):
        np.testing.assert_allclose(
            row, sample_probabilities(want, temperature), **CLOSE
        )


def test_greedy_decoding_is_keras_ios_loop_at_argmax(generation) -> None:
    module, model, twin = generation
    rng = np.random.default_rng(2)
    seeds = rng.integers(0, CHARS, (2, MAXLEN + 3))  # longer: the window slides
    got = module.greedy_decode(model, seeds, max_length=6, stop=None)
    for row, seed in zip(got, seeds):
        want = published_loop(twin, list(seed[-MAXLEN:]), 6)
        assert list(row) == want


def test_a_prefix_shorter_than_the_window_is_refused(generation) -> None:
    module, model, _ = generation
    with pytest.raises(AssertionError, match="at least 40 classes"):
        module.greedy_decode(model, np.zeros((1, MAXLEN - 1), "int32"))


def test_sampled_characters_follow_the_temperatures_probabilities(generation) -> None:
    """Many one-step draws of sample_decode() from one window land on each character
    as often as keras-io's sample() probabilities say (within 5 standard errors); at
    temperature 0.03 those are far from uniform, so a draw that ignored them fails."""
    module, model, twin = generation
    window = np.random.default_rng(3).integers(0, CHARS, (1, MAXLEN))
    draws = 4000
    many = np.repeat(window, draws, axis=0)
    drawn = module.sample_decode(model, many, temperature=0.03, max_length=1, stop=None)
    x = np.eye(CHARS, dtype="float32")[window]
    want = sample_probabilities(numbers(twin(x))[0], 0.03)
    assert want.max() > 3 / CHARS  # so draws ignoring it would miss
    counts = np.bincount(drawn[:, 0], minlength=CHARS) / draws
    error = 5 * np.sqrt(want * (1 - want) / draws) + 1e-3
    assert np.all(np.abs(counts - want) <= error), (counts, want)
