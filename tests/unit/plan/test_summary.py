"""The module's header comment (rnnspec/plan/summary.py): a line an input, then a line
a block, its layers in Keras' terms, how it starts and the layers around it."""

from __future__ import annotations

from rnnspec import make_plan
from rnnspec.plan.summary import summary_lines

from ...support.specs import graph, short


def test_a_short_form_lstm() -> None:
    plan = make_plan(short([{"type": "lstm", "units": 64}], layer="rnn"))
    assert summary_lines(plan.inputs, plan.graph, plan.batch_size) == [
        "sequence: batch_size=None, timesteps=5, features=10",
        "m (sequence): RNN(LSTMCell(64)), initial state: zeros",
    ]
    assert plan.summary == summary_lines(plan.inputs, plan.graph, None)


def test_stacked_cells_bidirectional_and_a_head() -> None:
    cells = [{"type": "gru", "units": 8}, {"type": "gru", "units": 4}]
    spec = short(
        cells,
        stacking="cells",
        bidirectional={"merge_mode": "sum"},
        stateful=True,
        input={"batch_size": 3, "timesteps": 5, "features": 10},
        head=[{"type": "dense", "units": 2, "activation": "softmax"}],
    )
    assert make_plan(spec).summary == [
        "sequence: batch_size=3, timesteps=5, features=10",
        "m (sequence): Bidirectional(RNN(StackedRNNCells([GRUCell(8), GRUCell(4)])), "
        "merge_mode=sum), head Dense(2, softmax)",
    ]


def test_conv_frames_and_layers_one_after_another() -> None:
    conv = {"type": "conv_lstm2d", "filters": 4, "kernel_size": 3}
    spec = short(
        [conv, conv], input={"timesteps": 2, "shape": [9, 9, 1]}, initial_state="ones"
    )
    assert make_plan(spec).summary == [
        "sequence: batch_size=None, timesteps=2, shape=(9, 9, 1)",
        "m (sequence): ConvLSTM2D(4) -> ConvLSTM2D(4), initial state: ones",
    ]


def test_tokens_a_vector_input_a_hand_over_and_a_front() -> None:
    inputs = {
        "image": {"sequence": False, "features": 12},
        "words": {"timesteps": None, "vocabulary": 50, "embedding": 6},
    }
    blocks = [
        {"name": "enc", "input": "words", "cells": [{"type": "lstm", "units": 4}],
         "bidirectional": True, "return_state": True,
         "initial_state": {"from": "image", "bridge": "project"}},
        {"name": "dec", "input": "words", "cells": [{"type": "lstm", "units": 8}],
         "front": [{"type": "dropout", "rate": 0.5}],
         "initial_state": {"from": "enc", "bridge": "concat"}},
    ]  # fmt: skip
    assert make_plan(graph(inputs, blocks)).summary == [
        "image: batch_size=None, features=12",
        "words: batch_size=None, timesteps=None, tokens of 50, embedding=6",
        "enc (words_embedded): Bidirectional(LSTM(4), merge_mode=concat), "
        "initial state from image (bridge: project)",
        "dec (words_embedded): front Dropout(0.5) -> LSTM(8), "
        "initial state from enc (bridge: concat)",
    ]


def test_attention_and_a_plain_hand_over() -> None:
    inputs = {
        "a": {"timesteps": 3, "features": 2},
        "b": {"timesteps": 3, "features": 2},
    }
    gru = [{"type": "gru", "units": 4}]
    blocks = [
        {"name": "enc", "input": "a", "cells": gru, "return_sequences": True,
         "return_state": True},
        {"name": "dec", "input": "b", "cells": gru, "return_sequences": True,
         "initial_state": {"from": "enc"},
         "attention": {"over": "enc", "score": "additive"}},
    ]  # fmt: skip
    lines = make_plan(graph(inputs, blocks)).summary
    assert lines[-1] == (
        "dec (b): GRU(4), initial state from enc, "
        "Bahdanau (additive) attention over enc"
    )
