"""A block's state from another's (rnnspec/check/handover.py): the bridges give each
target state tensor (the target cell's [h, c] or [h], each (batch, units)) what it
needs from the source's, and a hand-over that cannot is refused at its key."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rnnspec.check.checked import checked
from rnnspec.check.shapes import BlockShape
from rnnspec.read.load import SpecError

from ...support.specs import graph, refusal

INPUTS = {"a": {"timesteps": 5, "features": 3}, "b": {"timesteps": 4, "features": 2}}


def encoder(cells: list[dict], **keys: Any) -> dict[str, Any]:
    return {"name": "enc", "input": "a", "cells": cells, "return_state": True} | keys


def decoder(
    cells: list[dict], bridge: str, activation: str | None = None, **keys: Any
) -> dict[str, Any]:
    start = {"from": "enc", "bridge": bridge}
    if activation:
        start["activation"] = activation
    return {"name": "dec", "input": "b", "cells": cells, "initial_state": start} | keys


def target(source: dict, target: dict) -> BlockShape:
    return checked(graph(INPUTS, [source, target])).shapes[1]


def bridged(shape: BlockShape) -> list[tuple[str, tuple[str, ...]]]:
    return [(b.target.name, tuple(s.name for s in b.sources)) for b in shape.bridges]


def lstm(units: int) -> dict[str, Any]:
    return {"type": "lstm", "units": units}


def gru(units: int) -> dict[str, Any]:
    return {"type": "gru", "units": units}


def test_none_passes_each_state_as_it_is() -> None:
    dec = target(encoder([lstm(8)]), decoder([lstm(8)], "none"))
    assert bridged(dec) == [
        ("dec_lstm_h", ("enc_lstm_h",)),
        ("dec_lstm_c", ("enc_lstm_c",)),
    ]
    assert all(b.direct for b in dec.bridges)
    assert [b.variable for b in dec.bridges] == ["enc_lstm_h", "enc_lstm_c"]
    assert dec.bridge_params == 0


def test_concat_joins_forward_and_backward_for_a_target_twice_as_wide() -> None:
    dec = target(encoder([lstm(8)], bidirectional=True), decoder([lstm(16)], "concat"))
    assert bridged(dec) == [
        ("dec_lstm_h", ("enc_forward_lstm_h", "enc_backward_lstm_h")),
        ("dec_lstm_c", ("enc_forward_lstm_c", "enc_backward_lstm_c")),
    ]
    h, c = dec.bridges
    assert sum(s.shape[-1] for s in h.sources) == h.target.shape[-1] == 16
    assert (h.concat_layer, h.variable) == ("dec_lstm_h_concat", "initial_dec_lstm_h")
    assert dec.bridge_params == 0


def test_project_maps_h_to_h_and_a_grus_h_to_c() -> None:
    gru = {"type": "gru", "units": 4}
    dec = target(encoder([gru]), decoder([lstm(6)], "project", activation="tanh"))
    assert bridged(dec) == [
        ("dec_lstm_h", ("enc_gru_h",)),
        ("dec_lstm_c", ("enc_gru_h",)),
    ]
    assert [b.dense_layer for b in dec.bridges] == [
        "dec_lstm_h_project",
        "dec_lstm_c_project",
    ]
    assert dec.bridges[0].activation == "tanh"
    assert dec.bridge_params == 2 * (4 * 6 + 6)  # a Dense(6) of 4 features per state


def test_project_from_both_directions_reads_them_joined() -> None:
    dec = target(encoder([lstm(8)], bidirectional=True), decoder([lstm(12)], "project"))
    assert bridged(dec)[0] == (
        "dec_lstm_h",
        ("enc_forward_lstm_h", "enc_backward_lstm_h"),
    )
    assert dec.bridge_params == 2 * (16 * 12 + 12)


def test_per_layer_starts_cell_2i_forward_and_2i_plus_1_backward() -> None:
    dec = target(
        encoder([lstm(8)], bidirectional=True),
        decoder([lstm(8), lstm(8)], "per_layer", stacking="cells"),
    )
    assert bridged(dec) == [
        ("dec_lstm_1_h", ("enc_forward_lstm_h",)),
        ("dec_lstm_1_c", ("enc_forward_lstm_c",)),
        ("dec_lstm_2_h", ("enc_backward_lstm_h",)),
        ("dec_lstm_2_c", ("enc_backward_lstm_c",)),
    ]
    assert all(b.direct for b in dec.bridges)


def test_broadcast_starts_every_cell_from_the_sources_top_cell() -> None:
    """Hvass-Labs' NMT: the last of three GRU layers' state starts all three."""
    grus = [gru(8)] * 3
    dec = target(encoder(grus), decoder(grus, "broadcast"))
    assert bridged(dec) == [
        ("dec_gru_1_h", ("enc_gru_3_h",)),
        ("dec_gru_2_h", ("enc_gru_3_h",)),
        ("dec_gru_3_h", ("enc_gru_3_h",)),
    ]
    assert all(b.direct for b in dec.bridges)
    assert dec.bridge_params == 0


def test_broadcast_maps_role_to_role_in_stacked_cells() -> None:
    dec = target(
        encoder([lstm(8)]), decoder([lstm(8), lstm(8)], "broadcast", stacking="cells")
    )
    assert bridged(dec) == [
        ("dec_lstm_1_h", ("enc_lstm_h",)),
        ("dec_lstm_1_c", ("enc_lstm_c",)),
        ("dec_lstm_2_h", ("enc_lstm_h",)),
        ("dec_lstm_2_c", ("enc_lstm_c",)),
    ]


def test_a_vector_input_starts_every_state_through_one_dense() -> None:
    inputs = {"image": {"sequence": False, "features": 20}, "words": INPUTS["b"]}
    grus = [{"type": "gru", "units": 12}] * 3
    start = {"from": "image", "bridge": "project", "activation": "tanh"}
    block = {"name": "dec", "input": "words", "cells": grus, "initial_state": start}
    (dec,) = checked(graph(inputs, [block])).shapes
    assert dec.projection is not None and dec.projected == "image"
    assert (dec.projection.name, dec.projection.shape) == (
        "dec_project",
        ("batch_size", 12),
    )
    assert dec.bridge_params == 20 * 12 + 12
    assert all(b.shared and b.direct for b in dec.bridges)
    assert {b.variable for b in dec.bridges} == {"dec_projected"}


def refused(source: dict, target: dict) -> tuple[str, str]:
    problem = refusal({"name": "g", "inputs": INPUTS, "blocks": [source, target]})
    return problem.path, problem.message


@pytest.mark.parametrize(
    ("source", "target_", "path", "words"),
    [
        ({"return_state": False}, {}, "from", "does not return it"),
        ({}, {"cells": [lstm(9)]}, "from", "do not match"),
        ({"cells": [lstm(8), lstm(8)]}, {}, "from", "has 2 cell(s)"),
        (
            {},
            {"bridge": "concat", "cells": [lstm(16)]},
            "bridge",
            "expected bidirectional enc",
        ),
        ({"bidirectional": True}, {"bridge": "concat"}, "bridge", "twice"),
        ({}, {"bridge": "per_layer"}, "bridge", "expected bidirectional enc"),
        (
            {"bidirectional": True},
            {"bridge": "per_layer"},
            "bridge",
            "expected 2 cells",
        ),
        ({}, {"activation": "tanh"}, "activation", "expected bridge: project"),
        (
            {"bidirectional": True},
            {"bridge": "broadcast"},
            "bridge",
            "expected one-directional enc and dec",
        ),
        (
            {},
            {"bridge": "broadcast", "cells": [lstm(8), lstm(9)]},
            "bridge",
            "got dec_lstm_2_h (9,)",
        ),
        (
            {"cells": [gru(8)]},
            {"bridge": "broadcast", "cells": [lstm(8)]},
            "bridge",
            "role (h, c) and shape, got dec_lstm_c (8,)",
        ),
    ],
)
def test_a_hand_over_that_cannot_work_is_refused_at_its_key(
    source: dict, target_: dict, path: str, words: str
) -> None:
    keys = {"cells": [lstm(8)], "bridge": "none"} | target_
    where, message = refused(encoder([lstm(8)]) | source, decoder(**keys))
    assert where == f"blocks[1].initial_state.{path}"
    assert words in message


def test_project_refuses_conv_states() -> None:
    conv = {"type": "conv_lstm1d", "filters": 2, "kernel_size": 1}
    inputs = {
        "a": {"timesteps": 3, "shape": [4, 1]},
        "b": {"timesteps": 3, "shape": [4, 1]},
    }
    problem = refusal({
        "name": "g", "inputs": inputs,
        "blocks": [encoder([conv]), decoder([conv], "project")],
    })  # fmt: skip
    assert problem.path == "blocks[1].initial_state.bridge"
    assert "not ConvLSTM maps" in problem.message


def test_broadcast_refuses_conv_states() -> None:
    conv = {"type": "conv_lstm1d", "filters": 2, "kernel_size": 1}
    inputs = {
        "a": {"timesteps": 3, "shape": [4, 1]},
        "b": {"timesteps": 3, "shape": [4, 1]},
    }
    problem = refusal({
        "name": "g", "inputs": inputs,
        "blocks": [encoder([conv]), decoder([conv, conv], "broadcast")],
    })  # fmt: skip
    assert problem.path == "blocks[1].initial_state.bridge"
    assert "not ConvLSTM maps" in problem.message


def test_an_input_starts_a_state_only_through_project() -> None:
    inputs = {"v": {"sequence": False, "features": 4}, "b": INPUTS["b"]}
    block = {
        "name": "d",
        "input": "b",
        "cells": [lstm(3)],
        "initial_state": {"from": "v"},
    }
    problem = refusal({"name": "g", "inputs": inputs, "blocks": [block]})
    assert problem.path == "blocks[0].initial_state.bridge"
    assert "expected bridge: project, got none" in problem.message


SOURCES = {
    "lstm": encoder([lstm(8)]),
    "gru": encoder([gru(8)]),
    "bi-lstm": encoder([lstm(8)], bidirectional=True),
    "bi-gru-2": encoder([gru(8), gru(8)], bidirectional=True, stacking="layers"),
    "lstm-2": encoder([lstm(8), lstm(8)]),
    "gru-3": encoder([gru(8)] * 3),
}
TARGETS = {
    "lstm": [lstm(8)],
    "lstm-16": [lstm(16)],
    "gru-16": [gru(16)],
    "lstm-2": [lstm(8), lstm(8)],
    "gru-4": [gru(8), gru(8), gru(8), gru(8)],
    "gru-3": [gru(8)] * 3,
}
BRIDGES = ("none", "concat", "per_layer", "broadcast", "project")


def loads(source: dict, cells: list[dict], bridge: str) -> bool:
    try:
        graph(INPUTS, [source, decoder(cells, bridge)])
    except SpecError:
        return False
    return True


@pytest.mark.parametrize("source", SOURCES, ids=str)
@pytest.mark.parametrize("target_", TARGETS, ids=str)
@pytest.mark.parametrize("bridge", BRIDGES)
def test_a_refused_hand_over_names_the_bridge_that_makes_it_load(
    source: str, target_: str, bridge: str
) -> None:
    """Every refusal of a hand-over names a bridge (`; use bridge: X`) where one makes
    the spec load, and that bridge does; where it names none, no bridge would."""
    encoder_, cells = SOURCES[source], TARGETS[target_]
    if loads(encoder_, cells, bridge):
        return
    _, message = refused(encoder_, decoder(cells, bridge))
    named = re.findall(r"; use bridge: (\w+)", message)
    fits = [other for other in BRIDGES if loads(encoder_, cells, other)]
    if fits:
        assert named and loads(encoder_, cells, named[0]), message
        assert named[0] == fits[0]  # the first of BRIDGES
    else:
        assert not named, message
