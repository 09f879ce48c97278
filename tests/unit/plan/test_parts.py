"""The plan's parts (rnnspec/plan/parts.py): an input as keras.Input and its Embedding
(vocabulary * size weights) take it, a block's STATE_SIZE as Keras' `state_size`
(an LSTM cell's [units, units], a GRU's units; a StackedRNNCells' one a cell), what it
returns after its output with return_state, and its weights."""

from __future__ import annotations

from typing import Any

import pytest

from rnnspec import make_plan
from rnnspec.plan.parts import BlockPlan, InputPlan

from ...support.specs import graph, short


def block_of(cells: list[dict[str, Any]], **keys: Any) -> BlockPlan:
    (block,) = make_plan(short(cells, **keys)).blocks
    return block


def test_an_input_as_keras_input_takes_it() -> None:
    given = InputPlan("x", 5, (16, 16, 3), 5, "x")
    assert given.shape == (5, 16, 16, 3)
    assert (given.features, given.params) == ((16, 16, 3), 0)


def test_a_token_input_and_its_embedding() -> None:
    tokens = {"timesteps": None, "vocabulary": 30, "embedding": 8, "mask_zero": True}
    (given,) = make_plan(short([{"type": "gru", "units": 2}], input=tokens)).inputs
    assert (given.shape, given.features, given.params) == ((None,), (8,), 30 * 8)
    assert (given.tensor, given.embedding_layer, given.mask) == (
        "sequence_embedded", "sequence_embedding", "sequence_mask",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "keys", "size"),
    [
        ([{"type": "lstm", "units": 6}], {}, (6, 6)),
        ([{"type": "gru", "units": 6}], {}, 6),
        ([{"type": "simple_rnn", "units": 6}], {"bidirectional": True}, 6),
        ([{"type": "lstm", "units": 6}, {"type": "gru", "units": 3}],
         {"stacking": "cells"}, ((6, 6), 3)),
        ([{"type": "lstm", "units": 6}, {"type": "gru", "units": 3}], {}, ((6, 6), 3)),
    ],
)  # fmt: skip
def test_state_size_is_keras_per_cell(cells: list, keys: dict, size: object) -> None:
    assert block_of(cells, **keys).state_size == size


def test_returns_are_the_output_then_the_states_flat() -> None:
    block = block_of(
        [{"type": "lstm", "units": 6}], bidirectional=True, return_state=True
    )
    assert block.returns == (
        ("output", ("batch_size", 12)),
        ("forward_lstm_h", ("batch_size", 6)),
        ("forward_lstm_c", ("batch_size", 6)),
        ("backward_lstm_h", ("batch_size", 6)),
        ("backward_lstm_c", ("batch_size", 6)),
    )
    plain = block_of([{"type": "gru", "units": 6}], return_sequences=True)
    assert plain.returns == (("output", ("batch_size", "timesteps", 6)),)


def test_the_initial_state_is_one_entry_a_layer() -> None:
    cells = [{"type": "lstm", "units": 4}, {"type": "gru", "units": 2}]
    block = block_of(cells, initial_state="ones")
    (h1, c1), (h2,) = [layer.states for layer in block.layers]
    assert block.initial_state == [[h1, c1], [h2]]
    assert block.fill == "ones"
    assert block.step_inputs == [
        "sequence",
        "initial_lstm_1_h",
        "initial_lstm_1_c",
        "initial_gru_2_h",
    ]


@pytest.mark.parametrize(
    ("mode", "fill"), [("input", "random"), ("zeros", "zeros"), ("random", "random")]
)
def test_fill(mode: str, fill: str) -> None:
    assert block_of([{"type": "gru", "units": 2}], initial_state=mode).fill == fill


def test_a_blocks_params_count_its_layers_head_and_bridge() -> None:
    inputs = {
        "a": {"timesteps": 3, "features": 5},
        "b": {"timesteps": 3, "features": 2},
    }
    blocks = [
        {"name": "e", "input": "a", "cells": [{"type": "gru", "units": 4}],
         "return_state": True},
        {"name": "d", "input": "b", "cells": [{"type": "lstm", "units": 6}],
         "initial_state": {"from": "e", "bridge": "project"}, "head": {"units": 2}},
    ]  # fmt: skip
    e, d = make_plan(graph(inputs, blocks)).blocks
    assert e.params == 3 * ((5 + 4) * 4 + 2 * 4)
    lstm, head, bridge = 4 * ((2 + 6) * 6 + 6), 6 * 2 + 2, 2 * (4 * 6 + 6)
    assert d.params == lstm + head + bridge
    assert (d.source, d.reads, d.initial_state_mode) == ("e", "b", "from")
    assert d.initial_variables == {
        "d_lstm_h": "initial_d_lstm_h",
        "d_lstm_c": "initial_d_lstm_c",
    }
