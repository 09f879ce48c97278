"""What crosses the blocks of a long form (rnnspec/check/wiring.py): every block an
output needs, each block checked on what it reads, its shapes computed once, and every
wiring mistake refused at its key."""

from __future__ import annotations

from typing import Any

import pytest

from rnnspec.check.checked import checked
from rnnspec.check.wiring import block_shapes, check_wiring, needed
from rnnspec.spec.models import GraphBlock, InputSpec, LongForm
from rnnspec.spec.normalise import normalise

from ...support.specs import graph, refusal

X = {"timesteps": 5, "features": 3}


def block(name: str, reads: str, units: int = 4, **keys: Any) -> dict[str, Any]:
    cells = [{"type": "lstm", "units": units}]
    return {"name": name, "input": reads, "cells": cells} | keys


def blocks(*data: dict[str, Any]) -> list[GraphBlock]:
    return [GraphBlock.model_validate(item) for item in data]


def test_needed_follows_inputs_states_and_attention() -> None:
    chain = blocks(
        block("a", "x", return_sequences=True, return_state=True),
        block("b", "a"),
        block("c", "y", initial_state={"from": "a"}),
        block("d", "y", attention={"over": "a", "score": "dot"}),
        block("e", "y"),
    )
    assert needed(["b"], chain) == {"b", "a", "x"}
    assert needed(["c"], chain) == {"c", "y", "a", "x"}
    assert needed(["d"], chain) == {"d", "y", "a", "x"}
    assert needed(["e"], chain) == {"e", "y"}


def test_check_wiring_checks_each_block_on_what_it_reads() -> None:
    seen: list[tuple[str, Any, tuple, tuple]] = []

    def record(block: GraphBlock, given: InputSpec, where: tuple, path: tuple) -> None:
        seen.append((block.name, given.features, where, path))

    spec = LongForm.model_validate({
        "name": "g", "inputs": {"x": X},
        "blocks": [
            block("a", "x", 4, bidirectional=True, return_sequences=True),
            block("b", "a", 2, front=[{"type": "dense", "units": 7}]),
        ],
    })  # fmt: skip
    (a, b), nodes = check_wiring(spec, record)
    assert nodes == []
    assert seen == [
        ("a", 3, ("blocks", 0), ("inputs", "x")),
        ("b", 7, ("blocks", 1), ("blocks", 1, "front")),  # its front's 7, not a's 8
    ]
    assert b.front[0].shape == ("batch_size", "timesteps['x']", 7)
    assert [s.name for s in a.state_tensors][:2] == [
        "a_forward_lstm_h",
        "a_forward_lstm_c",
    ]


def test_block_shapes_of_a_model_are_the_checks() -> None:
    spec = graph({"x": X}, [block("a", "x", return_sequences=True), block("b", "a")])
    assert tuple(block_shapes(normalise(spec))) == checked(spec).shapes
    assert [s.name for s in checked(spec).shapes] == ["a", "b"]


def wiring(
    inputs: dict[str, Any], *data: dict[str, Any], **keys: Any
) -> tuple[str, str]:
    problem = refusal({"name": "g", "inputs": inputs, "blocks": list(data), **keys})
    return problem.path, problem.message


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ([block("a", "x"), block("a", "x")], "blocks[1].name", "already a block"),
        ([block("x", "x")], "blocks[0].name", "already an input"),
        ([block("a", "z")], "blocks[0].input", "expected a name from inputs"),
        ([block("a", "b"), block("b", "x")], "blocks[0].input", "got 'b'"),
        (
            [block("a", "x", initial_state={"from": "b"}), block("b", "x")],
            "blocks[0].initial_state.from",
            "only from a block above",
        ),
        (
            [block("a", "x", initial_state={"from": "x"})],
            "blocks[0].initial_state.from",
            "an input, which has no final state",
        ),
    ],
)
def test_names_and_order_are_refused_at_their_keys(
    data: list[dict], path: str, words: str
) -> None:
    where, message = wiring({"x": X}, *data)
    assert where == path
    assert words in message


def test_outputs_name_blocks_and_every_input_feeds_one() -> None:
    assert wiring({"x": X}, block("a", "x"), outputs=["b"])[0] == "outputs[0]"
    where, message = wiring({"x": X, "y": X}, block("a", "x"))
    assert (where, message) == ("inputs.y", "input 'y' feeds no block or node")


def test_inputs_share_batch_size_and_dtype() -> None:
    inputs = {"x": X | {"batch_size": 2}, "y": X | {"batch_size": 3}}
    path, message = wiring(inputs, block("a", "x"), block("b", "y"))
    assert path == "inputs.y.batch_size"
    assert "expected 2 like the first input, got 3" in message


def test_a_vector_input_is_not_read_as_a_sequence() -> None:
    inputs = {"v": {"sequence": False, "features": 3}}
    assert wiring(inputs, block("a", "v"))[0] == "blocks[0].input"
    timed = {"v": {"sequence": False, "features": 3, "timesteps": 4}, "x": X}
    start = {"from": "v", "bridge": "project"}
    assert (
        wiring(timed, block("a", "x", initial_state=start))[0] == "inputs.v.timesteps"
    )


def test_all_blocks_together_have_at_most_256_cells() -> None:
    many = [{"type": "gru", "units": 1}] * 64
    data = [
        block(f"b{i}", f"b{i - 1}" if i else "x")
        | {"cells": many, "return_sequences": True}
        for i in range(4)
    ]
    graph({"x": X}, data)  # 256
    more = block("b4", "b3") | {"cells": many[:1]}
    where, message = wiring({"x": X}, *data, more)
    assert where == "blocks[4].cells"
    assert "got 257 up to this block" in message
