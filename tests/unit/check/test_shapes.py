"""What a block reads and makes (rnnspec/check/shapes.py): its input tensor (a token
input through its Embedding), the layers before and after it, its output, and what a
block reading another gets: that block's output sequence, or with `repeat` its last
output repeated, as keras.layers.RepeatVector does."""

from __future__ import annotations

from typing import Any

from rnnspec.check.checked import checked
from rnnspec.check.shapes import (
    BlockShape,
    input_mask,
    input_tensor,
    recurrent_input,
)
from rnnspec.spec.models import InputSpec
from rnnspec.spec.normalise import normalise

from ...support.specs import graph, refusal, short


def gru(units: int) -> list[dict[str, Any]]:
    return [{"type": "gru", "units": units}]


def shapes(inputs: dict, blocks: list[dict]) -> tuple[BlockShape, ...]:
    return checked(graph(inputs, blocks)).shapes


def test_an_inputs_tensor_is_its_embedding_where_it_has_one() -> None:
    tokens = InputSpec(vocabulary=30, embedding=8)
    assert input_tensor("words", tokens) == "words_embedded"
    assert input_tensor("x", InputSpec(features=3)) == "x"
    assert input_mask("words") == "words_mask"
    assert tokens.step_shape == (8,)  # blocks read each token's vector


def test_the_short_forms_block_has_no_prefix() -> None:
    (block,) = checked(short(gru(6), return_sequences=True)).shapes
    assert (block.name, block.prefix, block.input) == ("m", "", "sequence")
    assert block.output == ("output", ("batch_size", "timesteps", 6))
    assert (block.hidden, block.head_input, block.recurrent_input) == (
        "output", "output", "sequence",
    )  # fmt: skip


def test_a_head_takes_the_output_and_the_top_layer_makes_hidden() -> None:
    (block,) = checked(short(gru(6), head={"units": 3, "activation": "softmax"})).shapes
    assert block.hidden == "hidden"
    assert block.output == ("output", ("batch_size", 3))
    assert block.head_params == 6 * 3 + 3


def test_a_front_changes_what_the_recurrent_layers_read() -> None:
    spec = short(gru(6), front=[{"type": "dense", "units": 16}])
    (block,) = checked(spec).shapes
    assert block.layers[0].input_shape == (16,)
    assert block.recurrent_input == block.front[-1].output != "sequence"
    assert block.front_params == 10 * 16 + 16
    model = normalise(spec)
    seen = recurrent_input(model, model.blocks[0], spec.input, [], keyed=False)
    assert (seen.features, seen.vocabulary) == (16, None)


def test_a_valid_conv1d_front_shortens_time() -> None:
    conv = {"type": "conv1d", "filters": 4, "kernel_size": 3}
    (block,) = checked(short(gru(6), front=[conv], return_sequences=True)).shapes
    assert block.front[-1].shape == ("batch_size", 3, 4)  # 5 steps - (3 - 1)
    assert block.output[1] == ("batch_size", 3, 6)


def test_a_block_reads_the_sequence_above_both_directions_joined() -> None:
    blocks = [
        {"name": "low", "input": "x", "cells": gru(4), "bidirectional": True,
         "return_sequences": True},
        {"name": "high", "input": "low", "cells": gru(5)},
    ]  # fmt: skip
    low, high = shapes({"x": {"timesteps": 9, "features": 3}}, blocks)
    assert (high.input, high.model_input) == ("low_output", "x")
    assert high.layers[0].input_shape == (8,)
    assert low.output == ("low_output", ("batch_size", "timesteps['x']", 8))


def test_repeat_reads_the_last_output_repeated() -> None:
    blocks = [
        {"name": "enc", "input": "x", "cells": gru(4)},
        {"name": "dec", "input": "enc", "cells": gru(2), "repeat": 6,
         "return_sequences": True},
    ]  # fmt: skip
    _, dec = shapes({"x": {"features": 3}}, blocks)
    assert (dec.input, dec.repeated, dec.repeat) == ("dec_repeated", "enc_output", 6)
    assert dec.repeat_layer == "dec_repeat"
    assert dec.output[1] == ("batch_size", 6, 2)


def test_tokens_with_mask_zero_mask_the_block_but_not_through_a_repeat() -> None:
    tokens = {"timesteps": 5, "vocabulary": 20, "embedding": 4, "mask_zero": True}
    blocks = [
        {"name": "enc", "input": "w", "cells": gru(4), "return_sequences": True},
        {"name": "mid", "input": "enc", "cells": gru(4)},
        {"name": "dec", "input": "mid", "cells": gru(2), "repeat": 3},
    ]
    enc, mid, dec = shapes({"w": tokens}, blocks)
    assert (enc.input, enc.masked, mid.masked, dec.masked) == (
        "w_embedded", True, True, False,
    )  # fmt: skip


def test_reading_a_block_needs_its_sequence_and_repeat_its_vector() -> None:
    inputs = {"x": {"features": 3}}
    vector = {"name": "enc", "input": "x", "cells": gru(4)}
    problem = refusal(
        {
            "name": "g",
            "inputs": inputs,
            "blocks": [vector, {"name": "d", "input": "enc", "cells": gru(2)}],
        }
    )
    assert problem.path == "blocks[1].input"
    assert "expected return_sequences: true" in problem.message
    sequence = vector | {"return_sequences": True}
    repeated = {"name": "d", "input": "enc", "cells": gru(2), "repeat": 2}
    problem = refusal({"name": "g", "inputs": inputs, "blocks": [sequence, repeated]})
    assert problem.path == "blocks[1].repeat"
