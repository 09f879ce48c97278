"""Parameter counts (rnnspec/check/params.py, and the stack's per cell) against Keras'
formulas for the weights `build()` makes: LSTM 4*((n+u)*u + u); GRU with reset_after
(Keras 3's default) 3*((n+u)*u + 2u), without 3*((n+u)*u + u); SimpleRNN (n+u)*u + u;
ConvLSTM k**d*4f*(n+f) + 4f; Dense n*u + u; Bidirectional two copies."""

from __future__ import annotations

from typing import Any

import pytest

from rnnspec.check.params import dense_params, recurrent_params
from rnnspec.check.stack import plan_stack
from rnnspec.spec.models import Block


def lstm(n: int, u: int) -> int:
    return 4 * ((n + u) * u + u)


def gru(n: int, u: int, reset_after: bool = True) -> int:
    return 3 * ((n + u) * u + (2 if reset_after else 1) * u)


def simple_rnn(n: int, u: int) -> int:
    return (n + u) * u + u


@pytest.mark.parametrize(("n", "u"), [(10, 64), (1, 1), (300, 7), (128, 512)])
def test_recurrent_params_follow_keras_formulas(n: int, u: int) -> None:
    assert recurrent_params(4, u, n) == lstm(n, u)
    assert recurrent_params(3, u, n, bias_rows=2) == gru(n, u)
    assert recurrent_params(3, u, n) == gru(n, u, reset_after=False)
    assert recurrent_params(1, u, n) == simple_rnn(n, u)
    assert recurrent_params(4, u, n, use_bias=False) == 4 * (n + u) * u


def test_known_counts() -> None:
    assert recurrent_params(4, 64, 10) == 19_200  # LSTM(64) on 10 features
    assert recurrent_params(3, 32, 10, bias_rows=2) == 4_224  # GRU(32)
    assert recurrent_params(1, 16, 8) == 400  # SimpleRNN(16)


def test_conv_lstm_kernels_cover_the_window() -> None:
    # kernel (3, 3, 3, 32) + recurrent kernel (3, 3, 8, 32) + bias (32,)
    assert recurrent_params(4, 8, 3, kernel_size=(3, 3)) == 9 * 32 * 3 + 9 * 32 * 8 + 32
    assert recurrent_params(4, 2, 4, kernel_size=(5,)) == 5 * 8 * (4 + 2) + 8


@pytest.mark.parametrize(
    ("n", "u", "bias", "count"),
    [(10, 5, True, 55), (10, 5, False, 50), (1, 1, True, 2)],
)
def test_dense_params(n: int, u: int, bias: bool, count: int) -> None:
    assert dense_params(n, u, use_bias=bias) == count


def cell_params(step: tuple[int, ...] = (10,), **keys: Any) -> tuple[int, ...]:
    (layer,) = plan_stack(Block.model_validate(keys), step)
    return layer.cell_params


@pytest.mark.parametrize(
    ("cell", "count"),
    [
        ({"type": "lstm", "units": 6}, lstm(10, 6)),
        ({"type": "gru", "units": 6}, gru(10, 6)),
        ({"type": "gru", "units": 6, "reset_after": False}, gru(10, 6, False)),
        ({"type": "simple_rnn", "units": 6}, simple_rnn(10, 6)),
        ({"type": "lstm", "units": 6, "use_bias": False}, 4 * 16 * 6),
    ],
)
def test_a_cells_params_read_its_keys(cell: dict, count: int) -> None:
    assert cell_params(cells=[cell]) == (count,)
    assert cell_params(cells=[cell], bidirectional=True) == (2 * count,)


def test_stacked_cells_each_read_the_one_below() -> None:
    cells = [{"type": "lstm", "units": 8}, {"type": "gru", "units": 4}]
    assert cell_params(cells=cells, stacking="cells") == (lstm(10, 8), gru(8, 4))


def test_stacked_bidirectional_layers_read_both_directions() -> None:
    cells = [{"type": "lstm", "units": 8}, {"type": "lstm", "units": 4}]
    first, second = plan_stack(
        Block.model_validate({"cells": cells, "bidirectional": True}), (10,)
    )
    assert first.params == 2 * lstm(10, 8)
    assert second.params == 2 * lstm(16, 4)  # concat: 2 * 8 features


def test_conv_lstm2d_params() -> None:
    conv = {"type": "conv_lstm2d", "filters": 8, "kernel_size": 3, "padding": "same"}
    assert cell_params((16, 16, 3), cells=[conv]) == (9 * 4 * 8 * (3 + 8) + 4 * 8,)
