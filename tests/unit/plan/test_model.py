"""The model plan (rnnspec/plan/model.py): make_plan on small specs, its module
constants and dtypes, the state the model takes and returns, the decoder's encoder;
and, for every bundled example, state tensors whose shapes are Keras' for the spec's
cells: [h, c] for an LSTM or ConvLSTM, [h] for a GRU or SimpleRNN, forward then
backward for Bidirectional, per cell for StackedRNNCells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnnspec import load_spec, make_plan, normalise
from rnnspec.spec.models import GraphBlock

from ...conftest import ROOT
from ...support.specs import graph, short

EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))
LSTM = [{"type": "lstm", "units": 6}]
ROLES = {"lstm": 2, "gru": 1, "simple_rnn": 1}  # and every conv_lstm: 2
KEEPS_SHAPE = ("batch_normalization", "layer_normalization", "dropout", "activation")


def test_unkeyed_constants_are_the_one_blocks() -> None:
    plan = make_plan(short(LSTM, return_state=True))
    assert (plan.keyed, plan.timesteps, plan.smoke_timesteps) == (False, 5, 5)
    assert (plan.state_size, plan.state_size_note) == ((6, 6), "")
    assert (plan.batch_size, plan.smoke_batch_size) == (None, 2)
    assert (plan.dtype, plan.layer_dtype, plan.array_dtype) == ("float32",) * 2 + (
        "DTYPE",
    )
    assert plan.outputs == ("m",) and plan.decoder is None
    assert plan.returns == plan.blocks[0].returns
    assert plan.params == 4 * ((10 + 6) * 6 + 6)


@pytest.mark.parametrize(
    ("dtype", "policy"), [("float16", "mixed_float16"), ("bfloat16", "mixed_bfloat16")]
)
def test_half_precision_runs_layers_under_a_mixed_policy(
    dtype: str, policy: str
) -> None:
    plan = make_plan(
        short(LSTM, input={"timesteps": 5, "features": 10, "dtype": dtype})
    )
    assert (plan.layer_dtype, plan.state_dtype, plan.array_dtype) == (
        policy,
        "float32",
        "ARRAY_DTYPE",
    )


def test_state_inputs_follow_the_inputs() -> None:
    plan = make_plan(
        short(LSTM, initial_state="input", input={"batch_size": 3, "features": 4})
    )
    assert [s.name for s in plan.state_inputs] == ["lstm_h", "lstm_c"]
    assert plan.model_inputs == ["sequence", "initial_lstm_h", "initial_lstm_c"]
    assert (plan.smoke_batch_size, plan.smoke_timesteps, plan.timesteps) == (3, 7, None)
    assert not plan.repeat_over_batch  # input states come with their batch


@pytest.mark.parametrize(
    ("keys", "repeat"),
    [
        ({}, False),  # zeros: Keras' own, for any batch size
        ({"initial_state": "ones"}, True),
        ({"initial_state": "random"}, True),
        ({"input": {"batch_size": 2, "features": 3}}, False),
    ],
)
def test_a_fixed_state_is_repeated_over_an_open_batch(keys: dict, repeat: bool) -> None:
    assert make_plan(short(LSTM, **keys)).repeat_over_batch is repeat


def test_stateful_layers() -> None:
    cells = LSTM + [{"type": "gru", "units": 2}]
    plan = make_plan(
        short(cells, stateful=True, input={"batch_size": 2, "features": 3})
    )
    assert plan.stateful and [layer.name for layer in plan.stateful_layers] == [
        "lstm_1",
        "gru_2",
    ]
    assert (
        plan.state_size == ((6, 6), 2) and plan.state_size_note == ": one entry a layer"
    )
    assert plan.initial_blocks == plan.blocks and plan.constant_blocks == ()


def test_keyed_constants_and_a_decoders_encoder() -> None:
    tokens = {"timesteps": None, "vocabulary": 9, "embedding": 3, "mask_zero": True}
    inputs = {
        "src": tokens | {"timesteps": 5},
        "tgt": tokens,
        "unused": {"timesteps": 2, "features": 1},
    }
    blocks = [
        {"name": "side", "input": "unused", "cells": LSTM},
        {"name": "enc", "input": "src", "cells": LSTM, "return_sequences": True,
         "return_state": True},
        {"name": "dec", "input": "tgt", "cells": LSTM, "return_sequences": True,
         "return_state": True, "initial_state": {"from": "enc"},
         "attention": {"over": "enc", "score": "dot"}, "head": {"units": 9}},
    ]  # fmt: skip
    plan = make_plan(graph(inputs, blocks, outputs=["side", "dec"]))
    assert plan.keyed and plan.decoder == "dec" and plan.feedback == "token"
    assert plan.timesteps == {"src": 5, "tgt": None, "unused": 2}
    assert plan.smoke_timesteps == {"src": 5, "tgt": 8, "unused": 2}
    assert plan.state_size == {"side": (6, 6), "enc": (6, 6), "dec": (6, 6)}
    assert [b.name for b in plan.encoder_blocks] == ["enc"]
    assert [i.name for i in plan.encoder_inputs] == ["src"]
    assert plan.memories == ("enc_output", "dec_memory_mask")
    assert plan.mask(plan.block("dec")) == plan.input("tgt")
    assert [i.name for i in plan.masked_inputs(plan.blocks)] == ["tgt"]
    assert [b.name for b in plan.model_blocks] == ["side", "enc", "dec"]
    assert [name for name, _ in plan.returns][:2] == ["side_output", "dec_output"]


def test_the_examples_are_found() -> None:
    assert len(EXAMPLES) >= 20


def conv_state(cell: Any, step: tuple[int, ...]) -> tuple[int, ...]:
    """Keras' conv output length per spatial dim: 'same' ceil(n/s), 'valid'
    floor((n-k)/s) + 1."""
    rank = len(step) - 1
    kernel = (
        cell.kernel_size
        if isinstance(cell.kernel_size, list)
        else [cell.kernel_size] * rank
    )
    strides = cell.strides if isinstance(cell.strides, list) else [cell.strides] * rank
    spatial = [
        -(-n // s) if cell.padding == "same" else (n - k) // s + 1
        for n, k, s in zip(step[:-1], kernel, strides, strict=True)
    ]
    return (*spatial, cell.filters)


def per_cell(block: GraphBlock, step: tuple[int, ...]) -> list[tuple[tuple, tuple]]:
    """Each cell's state roles and shape, each cell reading the one below."""
    cells = []
    for cell in block.cells:
        conv = cell.type.startswith("conv_lstm")
        step = conv_state(cell, step) if conv else (cell.units,)
        cells.append((("h", "c") if conv or ROLES[cell.type] == 2 else ("h",), step))
    return cells


def expected_states(block: GraphBlock, step: tuple[int, ...]) -> list[tuple]:
    """(direction, role, shape) of each state tensor in Keras' order."""
    cells = per_cell(block, step)
    directions = ("forward", "backward") if block.bidirectional else ("",)
    if block.stacking == "cells":
        order = [(d, i) for d in directions for i in range(len(cells))]
    else:
        order = [(d, i) for i in range(len(cells)) for d in directions]
    return [(d, role, cells[i][1]) for d, i in order for role in cells[i][0]]


def keras_state_size(block: GraphBlock, step: tuple[int, ...]) -> object:
    """Keras' state_size: a cell's units (its shape for a conv), twice for [h, c];
    a tuple a cell in a stack, or a layer in layers."""
    sizes = []
    for roles, shape in per_cell(block, step):
        size = shape[0] if len(shape) == 1 else shape
        sizes.append(size if len(roles) == 1 else (size, size))
    return sizes[0] if len(sizes) == 1 else tuple(sizes)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_examples_states_are_keras_for_its_cells(path: Path) -> None:
    spec = load_spec(path)
    model = normalise(spec)
    plan = make_plan(spec)
    steps: dict[str, tuple[int, ...]] = {
        name: given.step_shape for name, given in model.inputs.items()
    }
    for block, planned in zip(model.blocks, plan.blocks, strict=True):
        step = steps.get(block.input, ())  # a vector cell's states need no step
        if block.cells[0].type.startswith("conv_lstm"):
            assert step and not block.front  # the maps it reads are known
        states = expected_states(block, step)
        assert [(s.direction, s.role, s.shape) for s in planned.state_tensors] == states
        assert all(
            s.batch_shape == ("batch_size", *s.shape) for s in planned.state_tensors
        )
        assert planned.state_size == keras_state_size(block, step)
        top = states[-1][2]
        keeps = all(layer.type in KEEPS_SHAPE for layer in block.head_layers)
        if keeps:
            merged = top[-1] * (2 if block.merge_mode == "concat" else 1)
            steps[block.name] = (*top[:-1], merged)
        if block.return_state and not block.head_layers and block.merge_mode != "none":
            assert len(planned.returns) == 1 + len(states)
