"""Drawn specs with a block that feeds its predictions back (`feedback`,
docs/decoding.md): one vector cell, a head as wide as a step of its input, a start
from zeros; maybe trained with a regression loss, maybe in the long form beside
another block. Written from the docs, not from rnnspec/check/feedback.py."""

from __future__ import annotations

from hypothesis import strategies as st

from .sections import REGRESSION
from .values import DTYPES, VECTOR_CELLS, Data, identifiers, maybe, put


@st.composite
def _head(draw: st.DrawFn, width: int) -> Data | list[Data]:
    """One Dense layer's keys, or a list of layers that each read one vector, whose
    last Dense layer is `width` wide."""
    if draw(st.booleans()):
        head: Data = {"units": width}
        put(head, "activation", draw(maybe(st.sampled_from(("tanh", "linear")))))
        return head
    layers: list[Data] = []
    if draw(st.booleans()):
        layers.append({"type": "dense", "units": draw(st.integers(1, 4))})
    if draw(st.booleans()):
        layers.append({"type": "dropout", "rate": draw(st.sampled_from((0.0, 0.5)))})
    if draw(st.booleans()):
        layers.append({"type": "layer_normalization"})
    layers.append({"type": "dense", "units": width})
    if draw(st.booleans()):
        layers.append({"type": "activation", "activation": "tanh"})
    return layers


@st.composite
def _block(draw: st.DrawFn, width: int, long_form: bool) -> Data:
    cell: Data = {"type": draw(st.sampled_from(VECTOR_CELLS)),
                  "units": draw(st.integers(1, 5))}  # fmt: skip
    put(cell, "dropout", draw(maybe(st.sampled_from((0.0, 0.25)), omit=2)))
    block: Data = {"cells": [cell]}
    put(block, "layer", draw(maybe(st.just("rnn"), omit=2)))
    states = ("zeros", "none")
    put(block, "initial_state", draw(maybe(st.sampled_from(states), omit=2)))
    for key in ("return_sequences", "return_state", "stateful", "go_backwards"):
        put(block, key, draw(maybe(st.just(False), omit=4)))
    if not long_form:
        put(block, "bidirectional", draw(maybe(st.just(False), omit=4)))
    block["head"] = draw(_head(width))
    block["feedback"] = {"steps": draw(st.integers(1, 4))}
    return block


@st.composite
def feedback_specs(draw: st.DrawFn) -> Data:
    """A short form of one feedback block, or a long form with one beside another."""
    width = draw(st.integers(1, 4))
    given: Data = {"features": width}
    put(given, "batch_size", draw(maybe(st.sampled_from((None, 1, 2)))))
    put(given, "timesteps", draw(maybe(st.sampled_from((None, 1, 3)))))
    put(given, "dtype", draw(maybe(st.sampled_from(DTYPES), omit=2)))
    name = draw(identifiers)
    long_form = draw(st.booleans())
    block = draw(_block(width, long_form))
    if long_form:
        other = {"name": "summary", "input": "series",
                 "cells": [{"type": "gru", "units": 2}]}  # fmt: skip
        block = {"name": "forecast", "input": "series", **block}
        blocks = [other, block] if draw(st.booleans()) else [block, other]
        spec: Data = {"name": name, "inputs": {"series": given}, "blocks": blocks,
                      "outputs": [b["name"] for b in blocks]}  # fmt: skip
    else:
        spec = {"name": name, "input": given, **block}
    trained = "forecast" if long_form else name
    if given.get("dtype") != "float16" and draw(st.booleans()):
        loss: Data | str = draw(st.sampled_from(REGRESSION))
        steps = block["feedback"]["steps"]
        if steps > 1 and draw(st.booleans()):
            loss = {"type": loss, "skip_steps": draw(st.integers(1, steps - 1))}
        spec["training"] = {"loss": {trained: loss}}
    return spec


__all__ = ["feedback_specs"]
