"""One-step generation of a language model (the tensorflow/docs text-generation
tutorial's `OneStep`): which block is one, and what keeps it from being stepped.

A language model here is one sequence input of classes (tokens, or one-hot features)
read by the model's one block, which returns a sequence (`return_sequences: true`)
through a head as wide: it scores the next class at every step. Its module generates
with a one-step model sharing the block's layers: one class and the state in, the
head's output and the next state out, warmed up on a prompt first. That needs the
block's states (`return_state: true`), one direction, no state kept by the layers
themselves and no layer that reads several steps; each is refused at its key. No
TensorFlow, nothing from the plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..spec.limits import Path, RuleError

if TYPE_CHECKING:
    from .shapes import BlockShape
    from ..spec.models import GraphBlock
    from ..spec.normalise import ModelSpec


def language_model_block(
    model: ModelSpec, by_name: dict[str, BlockShape]
) -> BlockShape | None:
    """The block of a language model, or None: the one block, reading the one input
    (a sequence of tokens, or of one-hot vectors), that returns a sequence through a
    head as wide as its classes."""
    if len(model.inputs) != 1 or len(model.blocks) != 1:
        return None
    (given,) = model.inputs.values()
    (block,) = model.blocks
    shape = by_name[block.name]
    if not given.sequence or not shape.head or block.input not in model.inputs:
        return None
    if given.vocabulary is not None:
        classes = given.vocabulary
    elif given.shape is None:
        classes = given.features
    else:
        return None
    output = shape.output[1]
    return shape if len(output) == 3 and output[-1] == classes else None


def _key(model: ModelSpec, index: int, *key: str | int) -> Path:
    """A block's key: at the top of a short form, under `blocks` in a long form."""
    return ("blocks", index, *key) if model.keyed else key


def check_steppable(model: ModelSpec, block: GraphBlock) -> None:
    """Refuse, at its key, what keeps a language model's block from being run one
    step at a time from the states it hands back."""
    index = model.blocks.index(block)
    why = f"block {block.name} generates one class at a time from its state"
    if block.stateful:
        raise RuleError(
            _key(model, index, "stateful"),
            f"{why}, which a stateful layer would keep itself, not hand to its one-step model: expected "
            "stateful: false, got true",
        )
    if block.merge_mode:
        raise RuleError(
            _key(model, index, "bidirectional"),
            f"{why}, and a backward layer reads the steps to come: expected "
            "bidirectional: false, got a bidirectional block",
        )
    if block.go_backwards:
        raise RuleError(
            _key(model, index, "go_backwards"),
            f"{why}, reading the steps in order: expected go_backwards: false, got true",
        )
    for at, layer in enumerate(block.front):
        if layer.mixes_steps():
            raise RuleError(
                _key(model, index, "front", at),
                f"{why}, and {layer.steps_reason()}",
            )
    if block.initial_state_mode == "input":
        raise RuleError(
            _key(model, index, "initial_state"),
            f"{why}, starting where the model starts: expected zeros, ones, random "
            "or none, got input (a state the caller passes)",
        )
    if not block.return_state:
        raise RuleError(
            _key(model, index, "return_state"),
            f"{why}, which its one-step model hands from step to step: expected "
            "return_state: true, got false",
        )
