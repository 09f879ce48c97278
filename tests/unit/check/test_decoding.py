"""Decoding (rnnspec/check/decoding.py): the one block stepped a time step at a time
(the one that starts from another's state, reads a model input, runs one way and
returns its state), what its loop feeds back (its most likely class as a token or
one-hot where its head scores its input's classes), window generation, and the
`decoding` section refused where the model generates no classes."""

from __future__ import annotations

from typing import Any

import pytest

from rnnspec.check.checked import checked
from rnnspec.check.decoding import feedback_of, generator_of, steppable_decoder
from rnnspec.spec.normalise import normalise

from ...support.specs import graph, refusal, short

GRU = [{"type": "gru", "units": 4}]
TOKENS = {"timesteps": 4, "vocabulary": 9, "embedding": 3}
ONE_HOT = {"timesteps": 4, "features": 6}
ENCODER = {"name": "enc", "input": "x", "cells": GRU, "return_state": True}


def decoder(**keys: Any) -> dict[str, Any]:
    block = {"name": "dec", "input": "y", "cells": GRU, "return_sequences": True,
             "return_state": True, "initial_state": {"from": "enc"}}  # fmt: skip
    return block | keys


def seq2seq(target: dict, **keys: Any) -> dict[str, Any]:
    inputs = {"x": {"timesteps": 5, "features": 2}, "y": target}
    return {"inputs": inputs, "blocks": [ENCODER, decoder(**keys)]}


@pytest.mark.parametrize(
    ("target", "head", "feedback"),
    [
        (TOKENS, {"units": 9}, "token"),
        (TOKENS, {"units": 8}, "data"),
        (ONE_HOT, {"units": 6, "activation": "softmax"}, "one_hot"),
        (ONE_HOT, None, "data"),  # 4 units, 6 features
        ({"timesteps": 4, "features": 4}, None, "output"),
    ],
)
def test_what_a_decoder_feeds_back(
    target: dict, head: dict | None, feedback: str
) -> None:
    data = seq2seq(target, **({"head": head} if head else {}))
    spec = graph(**data)
    model = normalise(spec)
    assert steppable_decoder(model) == "dec"
    shapes = checked(spec).shapes
    assert feedback_of(model, shapes[1]) == feedback
    assert checked(spec).feedback == feedback
    found = generator_of(model, shapes)
    if feedback in ("token", "one_hot"):
        assert found is not None
        assert (found.kind, found.block, found.input, found.feedback) == (
            "decoder", "dec", "y", feedback,
        )  # fmt: skip
        assert found.classes == head["units"]  # type: ignore[index]
        assert found.probabilities is (feedback == "one_hot")
    else:
        assert found is None


@pytest.mark.parametrize(
    "keys",
    [
        {"bidirectional": True, "initial_state": {"from": "enc", "bridge": "project"}},
        {"go_backwards": True},
        {"return_state": False},
        {"front": [{"type": "conv1d", "filters": 3, "kernel_size": 2}]},
    ],
)
def test_a_decoder_that_cannot_take_one_step_is_not_steppable(keys: dict) -> None:
    data = seq2seq(TOKENS, head={"units": 9}, **keys)
    data["inputs"] = {k: v | {"batch_size": 2} for k, v in data["inputs"].items()}
    assert steppable_decoder(normalise(graph(**data))) is None
    assert steppable_decoder(normalise(graph(**seq2seq(TOKENS)))) == "dec"


def test_a_decoder_reading_a_block_is_not_steppable() -> None:
    blocks = [ENCODER | {"return_sequences": True},
              decoder(input="enc", head={"units": 9})]  # fmt: skip
    spec = graph({"x": TOKENS}, blocks)
    assert steppable_decoder(normalise(spec)) is None


def test_mask_zero_starts_from_class_1() -> None:
    data = seq2seq(TOKENS | {"mask_zero": True}, head={"units": 9})
    found = generator_of(normalise(graph(**data)), checked(graph(**data)).shapes)
    assert found is not None and found.start == 1


def test_a_window_model_generates_the_classes_it_reads() -> None:
    head = {"units": 9, "activation": "softmax"}
    spec = short(GRU, input=TOKENS, head=head, decoding={"stop": 3, "max_length": 5})
    found = checked(spec).generator
    assert found is not None
    assert (found.kind, found.block, found.classes, found.feedback) == (
        "window",
        "m",
        9,
        "token",
    )
    assert (found.start, found.stop, found.max_length, found.probabilities) == (
        0,
        3,
        5,
        True,
    )
    assert checked(spec).decoder is None


def test_without_a_decoding_section_the_decoder_stays_and_no_generator() -> None:
    found = checked(graph(**seq2seq(TOKENS, head={"units": 9})))
    assert (found.decoder, found.feedback, found.generator) == ("dec", "token", None)


def problem_of(data: dict[str, Any]) -> tuple[str, str]:
    problem = refusal(data)
    return problem.path, problem.message


def test_a_decoding_section_needs_a_model_that_generates_classes() -> None:
    path, message = problem_of(
        {"name": "m", "input": ONE_HOT, "cells": GRU, "decoding": {}}
    )
    assert (path, message.split(":")[0]) == (
        "decoding",
        "the model generates no classes",
    )


@pytest.mark.parametrize(
    ("decoding", "path", "words"),
    [
        ({"stop": 9}, "decoding.stop", "expected stop in [0, 9), got 9"),
        ({"start": 12}, "decoding.start", "expected start in [0, 9), got 12"),
    ],
)
def test_a_class_the_head_does_not_score_is_refused(
    decoding: dict, path: str, words: str
) -> None:
    data = {"name": "g", **seq2seq(TOKENS, head={"units": 9}), "decoding": decoding}
    where, message = problem_of(data)
    assert where == path and words in message


def test_a_window_model_feeds_no_start() -> None:
    data = {"name": "m", "input": TOKENS, "cells": GRU, "head": {"units": 9},
            "decoding": {"start": 1}}  # fmt: skip
    assert problem_of(data)[0] == "decoding.start"


def language_model(**keys: Any) -> dict[str, Any]:
    """A short-form language model: it returns its sequence and state through a head
    as wide as its vocabulary."""
    spec = {"name": "lm", "input": TOKENS | {"timesteps": None}, "cells": GRU,
            "return_sequences": True, "return_state": True, "head": {"units": 9},
            "decoding": {"stop": 3}}  # fmt: skip
    return spec | keys


def test_a_language_model_generates_one_step_at_a_time() -> None:
    found = checked(short(**language_model())).generator
    assert found is not None
    assert (found.kind, found.block, found.classes, found.feedback) == (
        "onestep", "lm", 9, "token",
    )  # fmt: skip
    assert (found.stop, found.probabilities) == (3, False)
    one_hot = language_model(input=ONE_HOT, head={"units": 6, "activation": "softmax"})
    found = checked(short(**one_hot)).generator
    assert found is not None and (found.kind, found.feedback) == ("onestep", "one_hot")
    assert found.probabilities


def test_a_head_narrower_than_the_vocabulary_generates_nothing() -> None:
    path, message = problem_of(language_model(head={"units": 8}))
    assert (path, message.split(":")[0]) == (
        "decoding",
        "the model generates no classes",
    )


@pytest.mark.parametrize(
    ("keys", "path", "words"),
    [
        ({"return_state": False}, "return_state", "expected return_state: true"),
        ({"go_backwards": True}, "go_backwards", "expected go_backwards: false"),
        ({"bidirectional": True}, "bidirectional", "expected bidirectional: false"),
        ({"initial_state": "input"}, "initial_state", "got input"),
        ({"stateful": True, "input": TOKENS | {"batch_size": 2}}, "stateful",
         "expected stateful: false"),  # fmt: skip
        ({"front": [{"type": "conv1d", "filters": 3, "kernel_size": 2}]},
         "front[0]", "reads several steps"),  # fmt: skip
        ({"decoding": {"start": 1}}, "decoding.start", "expected no start"),
    ],
)
def test_what_keeps_a_language_model_from_stepping_is_refused_at_its_key(
    keys: dict, path: str, words: str
) -> None:
    where, message = problem_of(language_model(**keys))
    assert where == path and words in message, (where, message)
    # the long form's block: the same key, under blocks[0]
    spec = language_model(**keys)
    given, decoding = spec.pop("input"), spec.pop("decoding")
    block = {k: v for k, v in spec.items() if k != "name"} | {
        "name": "lm",
        "input": "x",
    }
    if block.get("initial_state") is None and keys.get("initial_state") is None:
        block.pop("initial_state", None)
    data = {
        "name": "g",
        "inputs": {"x": given},
        "blocks": [block],
        "decoding": decoding,
    }
    where, message = problem_of(data)
    want = path if path.startswith("decoding") else f"blocks[0].{path}"
    assert where == want and words in message, (where, message)


REAL = {"timesteps": 4, "features": 6}  # a decoder's input of real values


@pytest.mark.parametrize(
    ("head", "training", "reason"),
    [
        ({"units": 6}, {"loss": "mse"}, "is trained with mse, a regression loss"),
        (
            {"units": 6},
            {"loss": {"dec": "mae"}},
            "is trained with mae, a regression loss",
        ),
        ({"units": 6, "activation": "tanh"}, None, "ends in tanh, neither softmax"),
    ],
)
def test_a_real_valued_head_generates_no_classes(
    head: dict, training: dict | None, reason: str
) -> None:
    """The issue 23 bug: a decoder's linear head as wide as its input, trained with
    mse, got one-hot feedback and class decoders; it feeds back its output, and class
    decoding is refused at the section, naming the reason and `feedback`."""
    data = seq2seq(REAL, head=head) | ({"training": training} if training else {})
    spec = graph(**data)
    assert checked(spec).feedback == "output"
    assert generator_of(normalise(spec), checked(spec).shapes) is None
    path, message = problem_of({"name": "g", **data, "decoding": {}})
    assert path == "decoding"
    assert f"block dec gives real values ({'its head ' + reason}" in message
    assert "feedback: {steps: N}" in message


@pytest.mark.parametrize(
    "head",
    [{"units": 6, "activation": "softmax"}, {"units": 6}],
)
def test_a_head_of_probabilities_or_logits_under_crossentropy_still_decodes(
    head: dict,
) -> None:
    loss = {"loss": "categorical_crossentropy"}
    spec = graph(**seq2seq(REAL, head=head), training=loss, decoding={})
    found = checked(spec).generator
    assert found is not None and found.feedback == "one_hot"


def test_a_real_valued_window_head_is_refused_too() -> None:
    data = {"name": "m", "input": ONE_HOT, "cells": GRU, "head": {"units": 6},
            "training": {"loss": "huber"}, "decoding": {}}  # fmt: skip
    path, message = problem_of(data)
    assert path == "decoding" and "block m gives real values" in message
