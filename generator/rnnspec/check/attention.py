"""Attention's plan: the layers a block's `attention` key makes, their shapes,
parameters and rules (the key itself: rnnspec/spec/attention.py).

Every rule Keras would break is a `RuleError` at the key, and shapes and parameters are
known here, without Keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from ..spec.around import AroundPlan, check_softmax_width
from ..spec.limits import Path, RuleError
from ..spec.problems import hinted
from .mask_inputs import mask_input_of
from .params import dense_params
from .stack import Dim, LayerPlan

if TYPE_CHECKING:
    from ..spec.attention import Attention
    from ..spec.normalise import ModelSpec
    from ..spec.models import GraphBlock, LongForm

KERAS_CLASS = {"additive": "AdditiveAttention", "dot": "Attention"}


class Shaped(Protocol):
    """What attention reads of a block above: its shapes (rnnspec/check/shapes.py's
    `BlockShape`)."""

    @property
    def name(self) -> str: ...

    @property
    def model_input(self) -> str: ...

    @property
    def layers(self) -> tuple[LayerPlan, ...]: ...

    @property
    def output(self) -> tuple[str, tuple[Dim, ...]]: ...


@dataclass(frozen=True)
class AttentionPlan:
    """A block's attention, as the module builds it. Layer names are also the Python
    names of the layers; each layer's output is `<layer>_output` unless it makes the
    block's output."""

    over: str  # the memory block
    score: str  # additive | dot
    prefix: str  # the attending block's
    query: str  # the Python name of the top recurrent output
    width: int  # its size a step
    memory: str  # the Python name of the memory sequence
    memory_shape: tuple[Dim, ...]
    memory_input: str  # the model input the memory's time axis comes from
    mask_from: str | None  # a token input whose non-zero ids mask the memory
    # or the mask input of the memory's input, the mask itself (mask_from: that input)
    mask_input: str | None
    project: bool
    context_first: bool
    vector: AroundPlan | None
    output: tuple[str, tuple[Dim, ...]]  # the last tensor: the vector or the joined
    feeding: bool = False  # attends before the step, inside the recurrent layer
    restart: bool = False  # with feeding: the cell starts every step from zeros

    @cached_property
    def keras_class(self) -> str:
        return KERAS_CLASS[self.score]

    @cached_property
    def layer(self) -> str:
        return f"{self.prefix}attention"

    @cached_property
    def context(self) -> str:
        return f"{self.layer}_output"

    @cached_property
    def query_layer(self) -> str | None:
        return (
            f"{self.layer}_query" if self.project and self.score == "additive" else None
        )

    @cached_property
    def key_layer(self) -> str | None:
        return f"{self.layer}_key" if self.project else None

    @cached_property
    def concat_layer(self) -> str:
        return f"{self.layer}_concat"

    @cached_property
    def joined(self) -> str:
        """Concatenate's output: the vector's input, or the last tensor."""
        return self.output[0] if self.vector is None else f"{self.concat_layer}_output"

    @cached_property
    def mask(self) -> str | None:
        """The memory's mask (True: a real step), where its tokens are masked."""
        return f"{self.prefix}memory_mask" if self.mask_from else None

    @cached_property
    def memory_width(self) -> int:
        return int(self.memory_shape[-1])  # type: ignore[arg-type]

    @cached_property
    def params(self) -> int:
        """Keras' count_params(): the projections, AdditiveAttention's `scale` (one a
        query feature), the attention vector; with feeding, the attention weights the
        recurrent layer holds besides its cell."""
        if self.feeding:
            return self.feeding_params
        total = 0
        if self.query_layer:
            total += dense_params(self.width, self.width, use_bias=False)
        if self.key_layer:
            total += dense_params(self.memory_width, self.width, use_bias=False)
        if self.score == "additive":
            total += self.width
        return total + (self.vector.params if self.vector else 0)

    @cached_property
    def feeding_params(self) -> int:
        """With feeding: additive is tensorflow/docs' BahdanauAttention, Dense layers
        with bias W1 (keys) and W2 (query) to the width where projected, then V to one
        score; dot has the keys' Dense without bias where projected, else no weights."""
        keys = dense_params(self.memory_width, self.width, use_bias=self.score_layers)
        total = keys if self.project else 0
        if self.score == "additive":
            total += dense_params(self.width, self.width) if self.project else 0
            total += dense_params(self.width if self.project else self.memory_width, 1)
        return total

    @cached_property
    def score_layers(self) -> bool:
        """Whether its Dense layers have a bias: additive with feeding only (V's
        too)."""
        return self.feeding and self.score == "additive"

    @cached_property
    def names(self) -> dict[str, str]:
        """The Python names it makes, each with what it is (rnnspec/check/names.py)."""
        if self.feeding:
            return {}  # its weights are the recurrent layer's
        made = {self.layer: "attention layer", self.context: "attention context"}
        made[self.concat_layer] = "attention concat layer"
        made[self.joined] = "attention concat output"
        for layer in (self.query_layer, self.key_layer):
            if layer:
                made |= {layer: "attention projection", f"{layer}_output": "projection"}
        if self.vector:
            made[self.vector.name] = "attention vector layer"
            made.setdefault(self.vector.output, "attention vector")
        if self.mask:
            made[self.mask] = "memory mask"
        return made

    @cached_property
    def summary(self) -> str:
        """For the module's header and `rnnspec check`: "Bahdanau (additive) attention
        over encoder, projected, vector Dense(1024, tanh)"."""
        kind = "Bahdanau (additive)" if self.score == "additive" else "Luong (dot)"
        text = f"{kind} attention over {self.over}"
        text += ", projected" if self.project else ""
        text += ", masked" if self.mask else ""
        if self.feeding:
            text += ", fed into the cell" + (
                " (restarted each step)" if self.restart else ""
            )
        if self.vector:
            text += f", vector {self.vector.brief}"
        return text


def plan_attention(
    spec: LongForm | ModelSpec,
    block: GraphBlock,
    top: LayerPlan,
    above: Sequence[Shaped],
    prefix: str,
    headed: bool,
) -> AttentionPlan:
    """The attention of `block`, whose top recurrent layer is `top`, over a block in
    `above`; RuleError (paths relative to the block) where Keras would refuse it.
    `headed`: a head reads the result, so it is not the block's output."""
    given: Attention = block.attention  # type: ignore[attr-defined]
    at: Path = ("attention",)
    memory = _memory(spec, block, given, above)
    if top.merge_mode == "none" or not top.return_sequences:
        raise RuleError(
            at,
            f"block {block.name} attends at every step of its output: expected "
            "return_sequences: true (and no merge_mode: none), got "
            + (
                "merge_mode: none"
                if top.merge_mode == "none"
                else "return_sequences: false"
            ),
        )
    query = top.outputs[0]
    if len(query[1]) != 3:
        raise RuleError(
            at,
            f"attention needs a block of vector cells: block {block.name}'s steps have "
            f"shape {tuple(query[1][2:])}",
        )
    width = int(query[1][-1])  # type: ignore[arg-type]
    memory_width = int(memory.output[1][-1])  # type: ignore[arg-type]
    if not given.project and width != memory_width:
        raise RuleError(
            at + ("project",),
            f"without project, the query and the keys must be as wide: block "
            f"{block.name}'s output has {width} values a step and {memory.name}'s "
            f"{memory_width}; expected project: true (Dense layers to {width}) or "
            "equal widths",
        )
    if given.feeding or given.restart:
        return _fed(spec, block, given, memory, prefix, query, width)
    time = query[1][1]
    joined = memory_width + width
    last = f"{prefix}output" if not headed else None
    vector = None
    if given.vector is not None:
        check_softmax_width(
            given.vector.activation, (given.vector.units,), at + ("vector",)
        )
        name = f"{prefix}attention_vector"
        keywords = (
            (("activation", given.vector.activation),)
            if given.vector.activation
            else ()
        )
        vector = AroundPlan(
            name,
            "Dense",
            (given.vector.units,),
            (*keywords, ("use_bias", False)),
            last or f"{name}_output",
            ("batch_size", time, given.vector.units),
            dense_params(joined, given.vector.units, use_bias=False),
            at + ("vector",),
        )
    output = (
        (vector.output, vector.shape)
        if vector
        else (last or f"{prefix}attention_concat_output", ("batch_size", time, joined))
    )
    root = memory.model_input
    mask_input = mask_input_of(spec, root)
    masked = spec.inputs[root].mask_zero or mask_input is not None
    if masked:
        _check_masked_chain(spec, block, given.over, mask_input)
    return AttentionPlan(
        over=given.over,
        score=given.score,
        prefix=prefix,
        query=query[0],
        width=width,
        memory=memory.output[0],
        memory_shape=memory.output[1],
        memory_input=root,
        mask_from=root if masked else None,
        mask_input=mask_input,
        project=given.project,
        context_first=given.concat == "context_first",
        vector=vector,
        output=output,
    )


def _fed(
    spec: LongForm | ModelSpec,
    block: GraphBlock,
    given: Attention,
    memory: Shaped,
    prefix: str,
    query: tuple[str, tuple[Dim, ...]],
    width: int,
) -> AttentionPlan:
    """Input feeding: the plan of an attention the recurrent layer runs inside its
    step, whose output is the layer's own."""
    at: Path = ("attention",)
    if not given.feeding:
        raise RuleError(
            at + ("restart",),
            "restart says the cell starts each step from zeros, which only input "
            "feeding does: expected feeding: true, or no restart",
        )
    if given.vector is not None:
        raise RuleError(
            at + ("vector",),
            "with feeding the context goes into the cell, and the cell's output is the "
            "block's: expected no vector (a head reads the output), got "
            f"{given.vector.units} units",
        )
    if spec.inputs[memory.model_input].mask_zero:
        raise RuleError(
            at + ("feeding",),
            f"the memory of block {block.name} comes from an input with mask_zero: "
            "true, which input feeding does not mask: expected mask_zero: false on "
            f"{memory.model_input}, or feeding: false",
        )
    mask_input = mask_input_of(spec, memory.model_input)
    if mask_input is not None:
        raise RuleError(
            at + ("feeding",),
            f"the memory of block {block.name} comes from an input with the mask "
            f"input {mask_input}, which input feeding does not mask: expected no mask "
            f"input of {memory.model_input}, or feeding: false",
        )
    return AttentionPlan(
        over=given.over,
        score=given.score,
        prefix=prefix,
        query=query[0],
        width=width,
        memory=memory.output[0],
        memory_shape=memory.output[1],
        memory_input=memory.model_input,
        mask_from=None,
        mask_input=None,
        project=given.project,
        context_first=given.concat == "context_first",
        vector=None,
        output=query,
        feeding=True,
        restart=given.restart,
    )


def _named(spec: LongForm | ModelSpec, name: str) -> bool:
    """Whether `name` is one of the spec's inputs or blocks (then it needs no hint)."""
    return name in spec.inputs or any(block.name == name for block in spec.blocks)


def _memory(
    spec: LongForm | ModelSpec,
    block: GraphBlock,
    given: Attention,
    above: Sequence[Shaped],
) -> Shaped:
    """The block attended over: above, returning one sequence of vectors."""
    at: Path = ("attention", "over")
    memory = next((b for b in above if b.name == given.over), None)
    if memory is None:
        what = (
            "an input, which has no output sequence of a block"
            if given.over in spec.inputs
            else "not a block above " + block.name
        )
        names = ", ".join(b.name for b in above) or "none"
        raise RuleError(
            at,
            hinted(
                f"expected a block above ({names}), got {given.over!r}: {what}",
                given.over,
                [] if _named(spec, given.over) else [b.name for b in above],
            ),
        )
    top = memory.layers[-1]
    if not top.return_sequences or top.merge_mode == "none":
        raise RuleError(
            at,
            f"block {memory.name}'s output is the memory, which must be one sequence: "
            f"expected return_sequences: true (and no merge_mode: none) on "
            f"{memory.name}",
        )
    if len(memory.output[1]) != 3:
        raise RuleError(
            at,
            f"the memory must be a sequence of vectors: block {memory.name}'s output has "
            f"shape {tuple(memory.output[1])}",
        )
    return memory


def _check_masked_chain(
    spec: LongForm | ModelSpec, block: GraphBlock, over: str, mask_input: str | None
) -> None:
    """A memory whose input has mask_zero is masked by the input's non-zero ids (one
    with a mask input, by that mask), in the model and in the one-step decoder alike:
    only where no layer between changes or drops the mask (a front, a repeat, a
    head)."""
    origin = (
        f"a mask input ({mask_input}), and that mask is of the input's steps"
        if mask_input
        else "an input with mask_zero: true, and its mask is rebuilt from the token ids"
    )
    remedy = f"no mask input {mask_input}" if mask_input else "mask_zero: false"
    blocks = {b.name: b for b in spec.blocks}
    name = over
    while name in blocks:
        given = blocks[name]
        for key in ("front", "repeat", "head"):
            if getattr(given, key):
                raise RuleError(
                    ("attention", "over"),
                    f"the memory of block {block.name} comes from {origin}, so no "
                    f"layer between may change its steps: expected no {key} on block "
                    f"{name}, or {remedy}",
                )
        name = given.input
    if name not in spec.inputs:  # a layer node between
        raise RuleError(
            ("attention", "over"),
            f"the memory of block {block.name} comes from an input with mask_zero: "
            f"true through layer node {name}, and its mask is rebuilt from the token "
            "ids: expected blocks alone between them, or mask_zero: false",
        )
