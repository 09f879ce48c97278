"""Feedback: a block that predicts `steps` steps of real values autoregressively, the
tensorflow/docs time-series tutorial's `FeedBack` model (docs/decoding.md).

Its one cell is warmed up over the block's input by keras.layers.RNN(cell,
return_state=True); its head turns the last output into the first prediction, as wide
as one step of the input; then the same cell is fed each prediction with its state,
`steps - 1` times. The block returns the predictions, (batch, steps, features), and no
state. Every key that would change that loop is refused at its key; paths are
relative to the block. No TensorFlow, nothing from the plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cells import CELLS
from ..spec.limits import RuleError

if TYPE_CHECKING:
    from ..spec.around import AroundPlan
    from ..spec.models import Block, InputSpec
    from .stack import Dim, LayerPlan

# The head's layers that read one vector (the cell's output at one step) and keep
# nothing between calls: what the loop can apply to every prediction.
STEP_LAYERS = ("Dense", "Dropout", "Activation", "LayerNormalization")
# Initial states the warm-up starts from: Keras' zeros, as the tutorial's RNN.
ZEROS = ("zeros", "none")
# Block keys the loop has no place for, with the value they must keep.
UNSTEPPED = (
    ("return_sequences", False, "the block returns its predictions, one a step"),
    ("return_state", False, "the cell's state stays inside the loop"),
    ("stateful", False, "each call warms the cell up from zeros"),
    ("go_backwards", False, "the predictions follow the input forward"),
)


@dataclass(frozen=True)
class FeedbackPlan:
    """What the module's FeedBack layer is built from: the block's one cell (its
    recurrent layer), its head and the number of predictions."""

    layer: str  # the Python name and Keras name of the FeedBack layer
    steps: int
    cell: str  # the Keras name of its cell
    head: tuple[str, ...]  # the Python names of its head's layers, in order


def check_feedback_keys(block: Block, given: InputSpec) -> None:
    """Refuse, at its key, whatever the feedback loop cannot run: several cells, a
    conv cell, a fused layer, both directions, a front or attention, a start other
    than zeros, token inputs, and a head missing or holding a layer that is not
    applied to one vector."""
    if block.feedback is None:
        return
    if len(block.cells) != 1:
        raise RuleError(
            ("cells",),
            "feedback feeds each prediction back through one cell: expected one "
            f"cell, got {len(block.cells)}",
        )
    cell = block.cells[0]
    if CELLS[cell.type].rank or CELLS[cell.type].keras_cell is None:
        raise RuleError(
            ("cells", 0, "type"),
            "feedback steps a Keras cell on vectors: expected lstm, gru or "
            f"simple_rnn, got {cell.type}",
        )
    if block.layer == "fused":
        raise RuleError(
            ("layer",),
            "feedback steps its cell itself, after keras.layers.RNN(cell) warms it "
            "up: expected layer: rnn (or no layer key), got fused",
        )
    if block.bidirectional:
        raise RuleError(
            ("bidirectional",),
            "feedback predicts forward from the last step: expected no bidirectional",
        )
    for key, value, why in UNSTEPPED:
        if getattr(block, key) != value:
            raise RuleError(
                (key,),
                f"with feedback, {why}: expected {key}: {json.dumps(value)}, got "
                f"{json.dumps(getattr(block, key))}",
            )
    mode = getattr(block, "initial_state_mode", "zeros")
    if mode not in ZEROS:
        raise RuleError(
            ("initial_state",),
            "feedback warms its cell up from zeros, as the tutorial's RNN: expected "
            f"initial_state: zeros or none, got {mode}",
        )
    for key in ("front", "attention"):
        if getattr(block, key, None):
            raise RuleError(
                (key,),
                f"feedback feeds a prediction to the cell itself, past any {key}: "
                f"expected no {key} on a block with feedback",
            )
    if given.vocabulary is not None:
        raise RuleError(
            ("input",),
            "feedback feeds real-valued predictions back as input steps: expected an "
            "input of features, got tokens (vocabulary)",
        )
    _check_head(block)


def _check_head(block: Block) -> None:
    if block.head is None:
        raise RuleError(
            ("feedback",),
            "a block with feedback feeds back its head's prediction: expected a "
            "head (a Dense layer as wide as the input's features), got none",
        )
    if not isinstance(block.head, list):
        return
    for index, layer in enumerate(block.head):
        if layer.keras_class not in STEP_LAYERS:
            raise RuleError(
                ("head", index, "type"),
                "feedback applies the head to one vector a step: expected one of "
                f"dense, dropout, activation, layer_normalization, got {layer.type}",
            )


def plan_feedback(
    block: Block,
    layer: LayerPlan,
    head: tuple[AroundPlan, ...],
    step: tuple[int, ...],
    prefix: str,
) -> FeedbackPlan:
    """The FeedBack layer of a block whose keys passed check_feedback_keys: its head
    must give a prediction as wide as one step of its input, which the cell reads."""
    assert block.feedback is not None
    width = head[-1].shape[-1]
    if width != step[-1]:
        dense = [plan for plan in head if plan.keras_class == "Dense"]
        path = dense[-1].path if dense else ("head",)
        raise RuleError(
            path + (("units",) if dense else ()),
            "feedback feeds the head's prediction back as the next input step: "
            f"expected the head as wide as the input's {step[-1]} features, got "
            f"{width}",
        )
    return FeedbackPlan(
        layer=f"{prefix}feedback",
        steps=block.feedback.steps,
        cell=layer.name,
        head=tuple(plan.name for plan in head),
    )


def predictions(plan: FeedbackPlan, width: Dim) -> tuple[Dim, ...]:
    """The block's output shape: a prediction a step."""
    return ("batch_size", plan.steps, width)
