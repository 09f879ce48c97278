"""Attention's plan (rnnspec/check/attention.py): keras.layers.AdditiveAttention
(Bahdanau) or keras.layers.Attention (Luong) over a block above's output sequence; the
context (batch, Tq, memory width) joined with the query gives memory + query values a
step; AdditiveAttention has a `scale` weight a query feature (use_scale=True), dot
attention none; projections and the vector are Dense layers without bias."""

from __future__ import annotations

from typing import Any

import pytest

from rnnspec.check.attention import AttentionPlan
from rnnspec.check.checked import checked

from ...support.specs import graph, refusal

INPUTS = {"a": {"timesteps": 6, "features": 3}, "b": {"timesteps": 4, "features": 2}}


def lstm(units: int) -> list[dict[str, Any]]:
    return [{"type": "lstm", "units": units}]


def encoder(units: int = 8, **keys: Any) -> dict[str, Any]:
    return {
        "name": "enc",
        "input": "a",
        "cells": lstm(units),
        "return_sequences": True,
    } | keys


def decoder(units: int, attention: dict[str, Any], **keys: Any) -> dict[str, Any]:
    block = {
        "name": "dec",
        "input": "b",
        "cells": lstm(units),
        "return_sequences": True,
    }
    return block | {"attention": {"over": "enc", **attention}} | keys


def attention(units: int, given: dict[str, Any], **keys: Any) -> AttentionPlan:
    dec = checked(graph(INPUTS, [encoder(), decoder(units, given, **keys)])).shapes[1]
    assert dec.attention is not None
    return dec.attention


def test_dot_attention_of_equal_widths_has_no_weights() -> None:
    plan = attention(8, {"score": "dot"})
    assert (plan.keras_class, plan.memory, plan.query) == (
        "Attention",
        "enc_output",
        "dec_hidden",
    )
    assert plan.memory_shape == ("batch_size", "timesteps['a']", 8)
    assert plan.output == ("dec_output", ("batch_size", "timesteps['b']", 16))
    assert (plan.params, plan.key_layer, plan.query_layer) == (0, None, None)
    assert plan.summary == "Luong (dot) attention over enc"


def test_additive_attention_has_a_scale_a_query_feature() -> None:
    plan = attention(8, {"score": "additive"})
    assert (plan.keras_class, plan.params) == ("AdditiveAttention", 8)


@pytest.mark.parametrize(
    ("score", "params", "query_layer"),
    [
        # keys Dense(6, no bias) on 8 features; additive: query Dense(6) on 6, scale 6
        ("dot", 8 * 6, None),
        ("additive", 8 * 6 + 6 * 6 + 6, "dec_attention_query"),
    ],
)
def test_project_maps_the_keys_to_the_querys_width(
    score: str, params: int, query_layer: str | None
) -> None:
    plan = attention(6, {"score": score, "project": True})
    assert (plan.params, plan.query_layer, plan.key_layer) == (
        params, query_layer, "dec_attention_key",
    )  # fmt: skip
    assert plan.output[1][-1] == 8 + 6  # the context keeps the memory's width
    assert plan.summary.endswith("over enc, projected")


def test_a_vector_is_a_dense_without_bias_on_the_joined() -> None:
    given = {"score": "dot", "vector": {"units": 5, "activation": "tanh"}}
    plan = attention(8, given, head={"units": 2})
    assert plan.vector is not None
    assert plan.vector.params == 16 * 5
    assert plan.output == (
        "dec_attention_vector_output",
        ("batch_size", "timesteps['b']", 5),
    )
    assert plan.joined == "dec_attention_concat_output"
    assert plan.params == 80
    assert plan.summary == "Luong (dot) attention over enc, vector Dense(5, tanh)"


def test_output_first_and_the_names_it_makes() -> None:
    plan = attention(8, {"score": "dot", "concat": "output_first"})
    assert not plan.context_first
    assert plan.names == {
        "dec_attention": "attention layer",
        "dec_attention_output": "attention context",
        "dec_attention_concat": "attention concat layer",
        "dec_output": "attention concat output",
    }


def test_a_masked_memory_is_masked_by_its_tokens() -> None:
    inputs = {"a": {"timesteps": 6, "vocabulary": 9, "embedding": 3, "mask_zero": True},
              "b": INPUTS["b"]}  # fmt: skip
    blocks = [encoder(), decoder(8, {"score": "dot"})]
    plan = checked(graph(inputs, blocks)).shapes[1].attention
    assert plan is not None
    assert (plan.mask_from, plan.mask) == ("a", "dec_memory_mask")


def refused(enc: dict[str, Any], dec: dict[str, Any]) -> tuple[str, str]:
    problem = refusal({"name": "g", "inputs": INPUTS, "blocks": [enc, dec]})
    return problem.path, problem.message


@pytest.mark.parametrize(
    ("enc", "dec", "path", "words"),
    [
        (encoder(), decoder(6, {"score": "dot"}), "blocks[1].attention.project",
         "has 6 values a step and enc's 8"),
        (encoder(return_sequences=False), decoder(8, {"score": "dot"}),
         "blocks[1].attention.over", "must be one sequence"),
        (encoder(), decoder(8, {"score": "dot"}, return_sequences=False),
         "blocks[1].attention", "return_sequences: false"),
        (encoder(), decoder(8, {"score": "dot", "over": "a"}),
         "blocks[1].attention.over", "an input"),
    ],
)  # fmt: skip
def test_attention_keras_would_refuse_is_refused_at_its_key(
    enc: dict, dec: dict, path: str, words: str
) -> None:
    where, message = refused(enc, dec)
    assert where == path
    assert words in message
