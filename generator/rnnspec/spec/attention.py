"""Attention over a block's output sequence: the `attention` key (rnnspec/check/attention.py
plans it and checks its rules).

A block that reads its input step by step (the decoder) attends over the output
sequence of a block above (the memory): its top output is the query, Keras'
`AdditiveAttention` (Bahdanau, `score: additive`) or `Attention` (Luong, `score: dot`)
makes a context per step, and `Concatenate` joins context and output, optionally
followed by a Dense without bias (the "attention vector", tensorflow/docs' `Wc`,
tensorflow/nmt's `attention_layer`); the head reads the result. `project: true` puts
Dense layers without bias on the query and keys (tf/docs' `W1`, `W2`) or, for dot, on
the keys only (tf/nmt's `memory_layer`). `feeding: true` attends before the step instead
(input feeding): the previous state queries the memory and `[context; input]` goes
into the cell, a layer of the module's own (docs/attention.md). Every rule Keras would break is a `RuleError`
at the key, and shapes and parameters are known here, without Keras.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .values import LayerActivation, Size


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AttentionVector(_Strict):
    """A Dense layer without bias on [context; output]: Luong's attention vector."""

    units: Size
    activation: LayerActivation | None = None


class Attention(_Strict):
    """The `attention` key of a long-form block."""

    over: str = Field(
        pattern=r"^[a-z_][a-z0-9_]*$",
        max_length=64,
        description="a block above with return_sequences: true: its output sequence "
        "is the memory the block attends over",
    )
    score: Literal["additive", "dot"] = Field(
        description="additive: keras.layers.AdditiveAttention (Bahdanau); dot: "
        "keras.layers.Attention (Luong)"
    )
    project: bool = Field(
        default=False,
        description="Dense layers without bias to the block's width: on the query "
        "and keys (additive), on the keys (dot); false: the widths must be equal",
    )
    concat: Literal["context_first", "output_first"] = Field(
        default="context_first",
        description="the order Concatenate joins them: [context, output] (tf/docs) "
        "or [output, context] (tf/nmt)",
    )
    vector: AttentionVector | None = Field(
        default=None,
        description="a Dense layer without bias on the joined [context, output]",
    )
    feeding: bool = Field(
        default=False,
        description="input feeding: attend before each step, the previous state as "
        "the query, and feed [context, input] into the cell (a layer of the module's "
        "own); additive with project is tensorflow/docs' BahdanauAttention (W1, W2, V "
        "with bias)",
    )
    restart: bool = Field(
        default=False,
        description="with feeding: the cell starts every step from zeros and the "
        "previous state only queries the memory (the 2019 tensorflow/docs tutorial's "
        "decoder calls self.gru(x) without a state)",
    )
