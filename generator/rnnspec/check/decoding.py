"""Decoding: which block of a model generates classes, how, and the `decoding` section.

A model generates classes when a head scores the classes that its input's steps are:
- a seq2seq decoder (the block build_inference_models() steps) whose head is as wide
  as its token vocabulary or its one-hot input feeds its most likely class back
  (`feedback` "token" or "one_hot"); a decoder whose head is not as wide feeds back its
  output ("output") or nothing ("data");
- a "window" model, as keras-io's character text generation: one sequence input of
  classes (tokens, or one-hot features) and one output block that returns one vector
  (no time axis, no state) through a head as wide; the model itself is run on the last
  steps of what was generated;
- a "onestep" language model (the tensorflow/docs text-generation tutorial's
  `OneStep`): one block returning a sequence through a head as wide, stepped one class
  at a time by a one-step model that carries its state (rnnspec/check/onestep.py).
A head that gives real values (one trained with a regression loss, or whose last
activation is neither softmax nor linear) scores no classes, however wide it is: its
block generates none, and a `decoding` section on it is refused with the block's
`feedback` key to use instead (rnnspec/check/feedback.py).
The `decoding` section sets the class the decoder starts from, the class that ends a
sequence and the most steps; it is refused where the model generates no classes, or a
class is not one the head scores. No TensorFlow, nothing from the plan.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..spec.decoding import DEFAULT_MAX_LENGTH, DEFAULT_START, Decoding
from ..spec.limits import RuleError
from .mask_inputs import masked_by
from .onestep import check_steppable, language_model_block
from ..spec.training import LINEAR, LOSSES, loss_options

if TYPE_CHECKING:
    from .shapes import BlockShape
    from ..spec.normalise import ModelSpec


@dataclass(frozen=True)
class Generator:
    """How a model generates classes: what decoding.jinja's decoders step."""

    kind: Literal["decoder", "window", "onestep"]
    block: str  # the block whose head scores the classes
    input: str  # the input whose steps are classes
    classes: int  # how many the head scores
    feedback: Literal["token", "one_hot"]  # a class fed back as a token id, or one-hot
    probabilities: bool  # the head ends in softmax; else it gives logits
    start: int = DEFAULT_START  # the class a decoder's first step feeds (decoder)
    stop: int | None = None  # the class that ends a sequence
    max_length: int = DEFAULT_MAX_LENGTH  # the most classes decoded


def steppable_decoder(model: ModelSpec) -> str | None:
    """The block to step one time step at a time: the one block of the model that
    starts from another's state, if there is exactly one, reads a model input (one
    with no mask input: the one-step model takes no mask of one step yet), runs
    one direction, is not stateful, returns its state and has no front layer that
    mixes time steps (a conv over several steps gives other numbers, or none, on one
    step). Every block of a checked spec is in the model
    (rules.check_every_block_is_used)."""
    targets = [b for b in model.blocks if b.initial_state_mode == "from"]
    if len(targets) != 1 or model.nodes:  # layer nodes are stepped by no decoder
        return None
    (block,) = targets
    steppable = block.input in model.inputs and not (
        block.input in masked_by(model.inputs)  # one step of a mask input: not yet
        or block.merge_mode
        or block.stateful
        or block.go_backwards
        or any(layer.mixes_steps() for layer in block.front)
    )
    return block.name if steppable and block.return_state else None


def feedback_of(model: ModelSpec, block: BlockShape) -> str:
    """What a decoder's loop feeds back: its most likely class as a token ("token") or
    one-hot ("one_hot") when its head scores its input's classes, its output when that
    is as wide as its input ("output"), or the next data step ("data")."""
    given = model.inputs[block.model_input]
    width = block.output[1][-1]
    scores = block.head and real_valued(model, block.name) is None
    if given.vocabulary is not None:
        return "token" if scores and width == given.vocabulary else "data"
    features = given.step_shape
    if len(features) > 1:
        return "data"
    if scores and width == features[-1]:
        return "one_hot"
    return "output" if width == features[-1] else "data"


def generator_of(model: ModelSpec, shapes: Sequence[BlockShape]) -> Generator | None:
    """How the model generates classes, or None where it generates none."""
    if model.nodes:
        return None
    by_name = {shape.name: shape for shape in shapes}
    decoder = steppable_decoder(model)
    kind: Literal["decoder", "window", "onestep"] = "decoder"
    if decoder:
        shape: BlockShape | None = by_name[decoder]
    elif shape := _window_block(model, by_name):
        kind = "window"
    elif shape := language_model_block(model, by_name):
        kind = "onestep"
    if shape is None or real_valued(model, shape.name) is not None:
        return None
    given = model.inputs[shape.model_input]
    feedback = "token" if given.vocabulary is not None else "one_hot"
    if decoder and feedback_of(model, shape) != feedback:
        return None  # it feeds back its output, or nothing
    block = next(b for b in model.blocks if b.name == shape.name)
    decoding = model.decoding or Decoding()
    return Generator(
        kind=kind,
        block=shape.name,
        input=shape.model_input,
        classes=int(shape.output[1][-1]),  # type: ignore[arg-type]
        feedback=feedback,
        probabilities=_ends_in_softmax(block.head_layers),
        start=_start(decoding, given.mask_zero and kind == "decoder"),
        stop=decoding.stop,
        max_length=decoding.max_length,
    )


def _start(decoding: Decoding, masked: bool) -> int:
    """The class a decoder's first step feeds: the spec's, else 0, or 1 where its
    input has mask_zero (class 0 is then padding, a step its layers skip)."""
    if decoding.start is not None:
        return decoding.start
    return DEFAULT_START + 1 if masked else DEFAULT_START


def _window_block(
    model: ModelSpec, by_name: dict[str, BlockShape]
) -> BlockShape | None:
    """The output block of a model that window generation runs, or None: one sequence
    input of tokens or one-hot vectors, one output block returning one vector through a
    head as wide, nothing stateful, no state input."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return None
    (given,) = model.inputs.values()
    block = next(b for b in model.blocks if b.name == model.outputs[0])
    shape = by_name[block.name]
    if any(b.stateful or b.initial_state_mode == "input" for b in model.blocks):
        return None
    if not given.sequence or block.return_state or not shape.head:
        return None
    if given.vocabulary is not None:
        classes = given.vocabulary
    elif given.shape is None:
        classes = given.features
    else:
        return None
    output = shape.output[1]
    return shape if len(output) == 2 and output[-1] == classes else None


def real_valued(model: ModelSpec, name: str) -> str | None:
    """Why block `name`'s head gives real values and scores no classes, or None where
    it may score classes: a softmax, or a linear head (logits) that no regression loss
    trains."""
    block = next(b for b in model.blocks if b.name == name)
    activation = getattr(_last_layer(block.head_layers), "activation", None)
    if activation == "softmax":
        return None
    training = model.training
    if training is not None and name in _trained_blocks(model):
        loss = loss_options(training.loss, name).type
        if LOSSES[loss][1] == "regression":
            return f"its head is trained with {loss}, a regression loss"
    if activation not in LINEAR:
        return f"its head ends in {activation}, neither softmax nor linear (logits)"
    return None


def _trained_blocks(model: ModelSpec) -> list[str]:
    training = model.training
    assert training is not None
    return list(training.loss) if isinstance(training.loss, dict) else model.outputs


def _last_layer(head: Sequence[object]) -> object | None:
    """The head's last layer that changes values (Dropout is the identity when
    decoding), or None."""
    for layer in reversed(head):
        if getattr(layer, "type", None) != "dropout":
            return layer
    return None


def _ends_in_softmax(head: Sequence[object]) -> bool:
    """Whether the head's last layer that changes values is a softmax."""
    return getattr(_last_layer(head), "activation", None) == "softmax"


def _check_stepped_front(model: ModelSpec) -> None:
    """Refuse, at the layer, the front that keeps the one seq2seq decoder from being
    run a step at a time (a long form's: a short form has no such decoder)."""
    targets = [b for b in model.blocks if b.initial_state_mode == "from"]
    if len(targets) != 1 or model.nodes:  # layer nodes are stepped by no decoder
        return
    (block,) = targets
    index = model.blocks.index(block)
    for at, layer in enumerate(block.front):
        if layer.mixes_steps():
            raise RuleError(
                ("blocks", index, "front", at),
                f"block {block.name} decodes one step at a time, and "
                f"{layer.steps_reason()} (a decoding section needs a stepped decoder)",
            )


def check_decoding(
    model: ModelSpec, found: Generator | None, shapes: Sequence[BlockShape]
) -> None:
    """Refuse a `decoding` section where the model generates no classes (`found`:
    generator_of's), a start where window generation continues given classes, and a
    class the head does not score."""
    decoding = model.decoding
    if decoding is None:
        return
    if model.nodes:
        raise RuleError(
            ("decoding",),
            "the decoders step recurrent blocks one step at a time, and a model with "
            "layer nodes has no one-step model: expected no decoding section, or no "
            f"layer nodes (got {', '.join(node.name for node in model.nodes)})",
        )
    if found is None:
        _check_stepped_front(model)
        _check_real_valued(model, shapes)
        raise RuleError(
            ("decoding",),
            "the model generates no classes: expected a seq2seq decoder whose head "
            "scores its input's classes (tokens of its vocabulary, or its one-hot "
            "features), or one sequence input of classes and one output block that "
            "returns one vector or a sequence (a language model) through a head as "
            "wide; got none of them, so no decoding section",
        )
    if found.kind != "decoder" and decoding.start is not None:
        raise RuleError(
            ("decoding", "start"),
            f"block {found.block} generates by continuing the classes it is given, "
            f"so it feeds no start class: expected no start, got {decoding.start}",
        )
    if found.kind == "onestep":
        check_steppable(model, next(b for b in model.blocks if b.name == found.block))
    if found.kind == "decoder" and model.inputs[found.input].mask_zero:
        _check_masked_start(found, decoding.start is not None)
    for key in ("start", "stop"):
        value = getattr(decoding, key)
        if value is not None and value >= found.classes:
            raise RuleError(
                ("decoding", key),
                f"block {found.block}'s head scores {found.classes} classes: expected "
                f"{key} in [0, {found.classes}), got {json.dumps(value)}",
            )


def _check_real_valued(model: ModelSpec, shapes: Sequence[BlockShape]) -> None:
    """Refuse class decoding where the block that would generate classes, its head as
    wide as its input's classes, gives real values: its decoders would take a softmax
    of them and feed back a class."""
    by_name = {shape.name: shape for shape in shapes}
    for name in model.outputs:
        if by_name[name].feedback is not None:
            raise RuleError(
                ("decoding",),
                f"block {name} predicts real values and feeds them back itself "
                "(feedback): build_model()'s output is its predictions, and there are "
                "no classes to decode: expected no decoding section",
            )
    decoder = steppable_decoder(model)
    shape = by_name[decoder] if decoder else _window_block(model, by_name)
    if shape is None or not shape.head:
        return
    given = model.inputs[shape.model_input]
    classes = given.vocabulary or given.step_shape[-1]
    if len(given.step_shape) > 1 or shape.output[1][-1] != classes:
        return
    reason = real_valued(model, shape.name)
    if reason is not None:
        raise RuleError(
            ("decoding",),
            f"block {shape.name} gives real values ({reason}), not classes: "
            "expected a head that scores classes (softmax, or logits under a "
            "crossentropy) for class decoding; got one that does not, so no decoding "
            "section (to feed real predictions back, give the block feedback: "
            "{steps: N}, docs/decoding.md)",
        )


def _check_masked_start(found: Generator, given: bool) -> None:
    """A decoder whose input has mask_zero cannot start from class 0: its layers skip
    that step as padding."""
    if found.start == 0 or found.classes < 2:
        raise RuleError(
            ("decoding", "start") if given else ("decoding",),
            f"input {found.input} has mask_zero: true, so class 0 is padding that "
            f"block {found.block}'s layers skip: expected a start class in "
            f"[1, {found.classes}), got {found.start}",
        )
