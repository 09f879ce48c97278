"""Keras' state rules for one stack (rnnspec/check/stack.py), called directly on a
spec block: an LSTM's state is [h, c], a GRU's and a SimpleRNN's [h], each
(batch, units); Bidirectional returns the forward states, then the backward ones;
StackedRNNCells nests its state per cell; a ConvLSTM's state is
(batch, *spatial after the convolution, filters)."""

from __future__ import annotations

from typing import Any

import pytest

from rnnspec.check.stack import (
    LayerPlan,
    StateTensor,
    plan_stack,
    resolve_dims,
    smoke_timesteps,
)
from rnnspec.spec.models import Block

ROLES = {"lstm": ("h", "c"), "gru": ("h",), "simple_rnn": ("h",)}


def layers(step: tuple[int, ...] = (10,), **keys: Any) -> tuple[LayerPlan, ...]:
    return plan_stack(Block.model_validate(keys), step)


def described(states: tuple[StateTensor, ...]) -> list[tuple[str, str, tuple]]:
    return [(s.direction, s.role, s.shape) for s in states]


@pytest.mark.parametrize("cell", ROLES)
def test_a_cells_state_is_its_roles_each_of_units(cell: str) -> None:
    (layer,) = layers(cells=[{"type": cell, "units": 6}], return_state=True)
    assert [s.role for s in layer.states] == list(ROLES[cell])
    assert all(s.batch_shape == ("batch_size", 6) for s in layer.states)
    assert [s.name for s in layer.states] == [f"{cell}_{r}" for r in ROLES[cell]]
    assert layer.outputs == (("output", ("batch_size", 6)),)
    assert layer.cells[0].state_size == ((6, 6) if cell == "lstm" else 6)


@pytest.mark.parametrize("cell", ROLES)
def test_bidirectional_returns_forward_then_backward_states(cell: str) -> None:
    (layer,) = layers(cells=[{"type": cell, "units": 6}], bidirectional=True)
    roles = ROLES[cell]
    expected = [(d, r, (6,)) for d in ("forward", "backward") for r in roles]
    assert described(layer.states) == expected
    assert layer.outputs == (("output", ("batch_size", 12)),)  # concat: 2 * units
    assert (
        layer.summary
        == f"Bidirectional({layer.cells[0].keras_layer}(6), merge_mode=concat)"
    )


@pytest.mark.parametrize(
    ("mode", "outputs"),
    [
        ("sum", (("output", ("batch_size", "timesteps", 6)),)),
        ("mul", (("output", ("batch_size", "timesteps", 6)),)),
        (
            "none",
            (
                ("forward_output", ("batch_size", "timesteps", 6)),
                ("backward_output", ("batch_size", "timesteps", 6)),
            ),
        ),
    ],
)
def test_merge_modes_shape_the_outputs(mode: str, outputs: tuple) -> None:
    (layer,) = layers(
        cells=[{"type": "lstm", "units": 6}],
        bidirectional={"merge_mode": mode},
        return_sequences=True,
    )
    assert layer.outputs == outputs
    assert layer.keras_merge_mode == (None if mode == "none" else mode)


def test_stacked_cells_nest_the_state_per_cell() -> None:
    cells = [{"type": "lstm", "units": 8}, {"type": "gru", "units": 4}]
    (layer,) = layers(cells=cells, stacking="cells")
    assert layer.form == "stacked"
    assert layer.summary == "RNN(StackedRNNCells([LSTMCell(8), GRUCell(4)]))"
    lstm_h, lstm_c, gru_h = layer.states
    assert layer.initial_state == [[lstm_h, lstm_c], [gru_h]]
    assert [s.shape for s in layer.states] == [(8,), (8,), (4,)]
    assert [s.cell for s in layer.states] == [0, 0, 1]
    assert layer.outputs == (("output", ("batch_size", 4)),)  # the top cell's


def test_a_bidirectional_stack_splits_its_initial_state_in_half() -> None:
    cells = [{"type": "gru", "units": 3}, {"type": "gru", "units": 5}]
    (layer,) = layers(cells=cells, stacking="cells", bidirectional=True)
    fw1, fw2, bw1, bw2 = layer.states
    assert layer.initial_state == [[fw1], [fw2], [bw1], [bw2]]
    assert (fw2.direction, fw2.shape, bw1.direction, bw1.shape) == (
        "forward", (5,), "backward", (3,),
    )  # fmt: skip


@pytest.mark.parametrize(("cell", "flat"), [("gru", True), ("lstm", False)])
def test_a_stack_of_one_one_state_cell_passes_its_state_flat(
    cell: str, flat: bool
) -> None:
    (layer,) = layers(cells=[{"type": cell, "units": 3}], stacking="cells")
    assert layer.flat_state is flat
    assert layer.call_state == (list(layer.states) if flat else layer.initial_state)


def test_stacked_layers_return_sequences_below_the_top() -> None:
    cells = [{"type": "lstm", "units": 8}, {"type": "simple_rnn", "units": 4}]
    first, second = layers(cells=cells, bidirectional=True, dropout_between_layers=0.25)
    assert first.return_sequences and not second.return_sequences
    assert first.outputs == (("lstm_1_output", ("batch_size", "timesteps", 16)),)
    assert second.input_shape == (16,)  # both directions of the layer below
    assert (first.dropout, first.feeds) == (0.25, "lstm_1_dropped")
    assert (second.dropout, second.feeds) == (None, "output")


def test_a_one_directional_layers_output_is_its_top_cells_h() -> None:
    cells = [{"type": "gru", "units": 3}, {"type": "lstm", "units": 5}]
    (layer,) = layers(cells=cells, stacking="cells")
    assert layer.output_state.name == "lstm_2_h"
    assert layer.output_state.shape == layer.cells[-1].output_shape == (5,)


@pytest.mark.parametrize(
    ("cell", "step", "state"),
    [
        # 'valid' drops kernel_size - 1 per spatial dim; strides divide what is left
        ({"kernel_size": 3}, (16, 16, 3), (14, 14, 8)),
        ({"kernel_size": 3, "strides": 2}, (16, 16, 3), (7, 7, 8)),
        ({"kernel_size": [3, 5], "padding": "valid"}, (16, 12, 3), (14, 8, 8)),
        # 'same' keeps the size, rounded up after the strides
        ({"kernel_size": 3, "padding": "same"}, (16, 16, 3), (16, 16, 8)),
        ({"kernel_size": 3, "padding": "same", "strides": 2}, (15, 15, 3), (8, 8, 8)),
    ],
)
def test_conv_lstm2d_state_is_its_maps_after_the_convolution(
    cell: dict, step: tuple[int, ...], state: tuple[int, ...]
) -> None:
    conv = {"type": "conv_lstm2d", "filters": 8, **cell}
    (layer,) = layers(step, cells=[conv], return_sequences=True)
    assert [s.shape for s in layer.states] == [state, state]  # h and c
    assert layer.outputs == (("output", ("batch_size", "timesteps", *state)),)
    assert layer.cells[0].state_size == (state, state)
    assert layer.cells[0].window == ((3, 3) if cell["kernel_size"] == 3 else (3, 5))


@pytest.mark.parametrize(
    ("cell", "step", "state"),
    [
        ("conv_lstm1d", (20, 4), (16, 2)),
        ("conv_lstm3d", (9, 8, 7, 1), (5, 4, 3, 2)),
    ],
)
def test_conv_lstm1d_and_3d_states(cell: str, step: tuple, state: tuple) -> None:
    conv = {"type": cell, "filters": 2, "kernel_size": 5}
    (layer,) = layers(step, cells=[conv])
    assert [s.shape for s in layer.states] == [state, state]


def test_stacked_conv_layers_read_the_maps_below() -> None:
    cells = [
        {"type": "conv_lstm2d", "filters": 4, "kernel_size": 3},
        {"type": "conv_lstm2d", "filters": 2, "kernel_size": 3},
    ]
    first, second = layers((10, 10, 1), cells=cells)
    assert second.input_shape == (8, 8, 4)
    assert second.states[0].shape == (6, 6, 2)


def test_the_flags_reach_every_layer() -> None:
    cells = [{"type": "gru", "units": 2}, {"type": "gru", "units": 2}]
    planned = layers(cells=cells, go_backwards=True, stateful=True, return_state=True)
    assert all(layer.go_backwards and layer.stateful for layer in planned)
    assert all(layer.return_state for layer in planned)
    assert planned[0].summary == "GRU(2)" and planned[0].form == "fused"
    assert layers(cells=cells[:1], layer="rnn")[0].summary == "RNN(GRUCell(2))"


def test_resolve_dims_fills_the_named_dims() -> None:
    dims = ("batch_size", "timesteps", 8)
    assert resolve_dims(dims, 2, 7) == (2, 7, 8)
    assert resolve_dims(dims, None, None) == (None, None, 8)
    keyed = ("batch_size", "timesteps['b']", 3)
    assert resolve_dims(keyed, 4, {"a": 5, "b": 9}) == (4, 9, 3)


def test_smoke_timesteps_are_the_specs_or_seven_on() -> None:
    assert smoke_timesteps(5) == 5
    assert [smoke_timesteps(None, index) for index in range(3)] == [7, 8, 9]
