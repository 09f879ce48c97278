"""The budget (rnnspec/check/budget.py): a model of more than MAX_PARAMS weights, or a
tensor of one batch of more than MAX_VALUES values, is refused at the key of the part
that weighs most; the counts are Keras' (a SimpleRNN of u units on n features has
(n+u)*u + u weights), the batch and timesteps the smoke test's where the spec leaves
them open (2, and 7)."""

from __future__ import annotations

import pytest

from rnnspec.check.budget import Parts
from rnnspec.check.checked import checked
from rnnspec.spec.limits import MAX_PARAMS, MAX_VALUES, RuleError

from ...support.specs import graph, load, refusal


def rnn(features: int, units: int, **keys: object) -> dict:
    return {
        "name": "m",
        "input": {"timesteps": 5, "features": features, **keys},
        "cells": [{"type": "simple_rnn", "units": units}],
    }


def test_the_limits() -> None:
    assert (MAX_PARAMS, MAX_VALUES) == (100_000_000, 2**28)


def test_weights_up_to_the_limit_are_kept() -> None:
    # (14_999 + 5_000) * 5_000 + 5_000 == 100_000_000
    load(rnn(14_999, 5_000))


def test_one_weight_more_is_refused_at_the_heaviest_cell() -> None:
    problem = refusal(rnn(15_000, 5_000))
    assert problem.path == "cells[0].units"
    assert "100,005,000 parameters" in problem.message


def test_the_heaviest_of_several_cells_is_named() -> None:
    # LSTM 4*((n+u)*u+u): 144,264,000 on the input, 288,024,000 on the first cell
    cells = [{"type": "lstm", "units": 6_000}, {"type": "lstm", "units": 6_000}]
    problem = refusal({"name": "m", "input": {"features": 10}, "cells": cells})
    assert problem.path == "cells[1].units"
    assert (
        "432,288,000 parameters, 288,024,000 of them in cell lstm_2" in problem.message
    )


def test_an_embedding_weighs_vocabulary_times_its_size() -> None:
    tokens = {"timesteps": 5, "vocabulary": 50_000, "embedding": 2_001}
    problem = refusal(
        {"name": "m", "input": tokens, "cells": [{"type": "gru", "units": 1}]}
    )
    assert problem.path == "input.embedding"
    assert "100,050,000 of them in the input's embedding" in problem.message


def test_a_long_forms_parts_are_named_by_block() -> None:
    blocks = [
        {"name": "small", "input": "x", "cells": [{"type": "gru", "units": 4}],
         "return_sequences": True},
        {"name": "big", "input": "small", "cells": [{"type": "lstm", "units": 5_000}]},
    ]  # fmt: skip
    data = {"name": "g", "inputs": {"x": {"features": 3}}, "blocks": blocks}
    problem = refusal(data)
    assert problem.path == "blocks[1].cells[0].units"
    assert "in block big's cell lstm" in problem.message


def test_a_tensor_up_to_the_limit_is_kept_and_one_value_more_refused() -> None:
    # one batch of the output sequence: 4096 * 1024 * 64 == 2**28
    data = rnn(1, 64, batch_size=4_096) | {"return_sequences": True}
    data["input"]["timesteps"] = 1_024
    load(data)
    data["cells"] = [{"type": "simple_rnn", "units": 65}]
    problem = refusal(data)
    assert problem.path == "cells[0].units"
    assert "(shape (4096, 1024, 65))" in problem.message


@pytest.mark.parametrize(
    ("given", "kept", "over"),
    [
        # 7 steps where timesteps are open: 65_536 * 7 * 585 <= 2**28 < ... * 586
        ({"batch_size": 65_536, "timesteps": None}, 585, (65_536, 7, 586)),
        # a batch of 2 where batch_size is open: 2 * 65_536 * 2_048 == 2**28
        ({"timesteps": 65_536}, 2_048, (2, 65_536, 2_049)),
    ],
)
def test_open_batch_and_timesteps_count_as_the_smoke_tests(
    given: dict, kept: int, over: tuple[int, ...]
) -> None:
    data = rnn(kept, 1, **given)
    load(data)
    data["input"]["features"] = over[-1]
    problem = refusal(data)
    assert problem.path == "input"
    assert f"(shape {over})" in problem.message


def test_a_head_and_a_bridge_are_weighed() -> None:
    spec = graph(
        {"a": {"features": 3}, "b": {"features": 3}},
        [
            {"name": "e", "input": "a", "cells": [{"type": "gru", "units": 4}],
             "return_state": True},
            {"name": "d", "input": "b", "cells": [{"type": "lstm", "units": 6}],
             "initial_state": {"from": "e", "bridge": "project"},
             "head": {"units": 2}},
        ],
    )  # fmt: skip
    parts = Parts()
    shape = checked(spec).shapes[1]
    parts.add_stack(("blocks", 1), "block d's ", shape.layers, shape)
    assert parts.weights == [
        (
            ("blocks", 1, "cells", 0, "units"),
            4 * ((3 + 6) * 6 + 6),
            "block d's cell lstm",
        ),
        (("blocks", 1, "head", "units"), 6 * 2 + 2, "block d's head"),
        (("blocks", 1, "initial_state", "bridge"), 2 * (4 * 6 + 6), "block d's bridge"),
    ]


def test_parts_check_raises_at_the_heaviest_part() -> None:
    parts = Parts()
    parts.weights += [
        (("a",), MAX_PARAMS // 2, "a"),
        (("b",), MAX_PARAMS // 2 + 1, "b"),
    ]
    with pytest.raises(RuleError) as caught:
        parts.check(2, 7)
    assert caught.value.path == ("b",)
    parts.weights.pop()
    parts.tensors.append((("t",), ("batch_size", "timesteps", 2**25), "t"))
    parts.check(1, 8)  # 2**28
    with pytest.raises(RuleError) as caught:
        parts.check(2, 8)
    assert caught.value.path == ("t",)
