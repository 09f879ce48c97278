"""A block wrapped in keras.layers.TimeDistributed (`time_distributed: true`): its
recurrent layers run over the inner sequence of every step of its input, as the
Keras 2 examples' mnist_hierarchical_rnn reads each row of an image.

Its input has one more axis than a block's: (batch, outer, steps, features), an
input's `shape: [steps, features]` with the outer axis as its `timesteps`, or a block
above that returns such steps. TimeDistributed reshapes it to (batch * outer, steps,
features), calls the wrapped layer on that one tensor and reshapes its output back:
(batch, outer, units), or (batch, outer, steps, units) with return_sequences. What the
wrapper cannot pass through (several outputs, a state in or out, a state kept between
calls) is refused here at its key, as Keras 3.15 and Keras 2 refuse it or fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cells import kind_of
from ..spec.limits import Path, RuleError

if TYPE_CHECKING:
    from ..spec.models import GraphBlock, InputSpec


def check_time_distributed(
    block: GraphBlock, given: InputSpec, where: Path
) -> InputSpec:
    """Refuse what TimeDistributed cannot wrap, at its key under `where`; return the
    input as the wrapped layers read it: the inner steps of (steps, features)."""
    refusals: list[tuple[Path, bool, str, str]] = [
        (
            ("return_state",),
            block.return_state,
            "TimeDistributed takes one tensor back from its layer, and no state",
            "return_state: false",
        ),
        (
            ("stateful",),
            block.stateful,
            (
                "TimeDistributed's layer keeps a state for each of batch x outer "
                "sequences, where the module's reset_states() and state checks hold "
                "one a sequence of the batch"
            ),
            "stateful: false",
        ),
        (
            ("initial_state",),
            block.initial_state_mode != "none",
            (
                "TimeDistributed calls its layer on its input alone (its call takes no "
                "initial_state), so the layer starts from Keras' zeros"
            ),
            "initial_state: none",
        ),
        (
            ("attention",),
            block.attention is not None,
            (
                "attention joins a context to the top layer's output, which "
                "TimeDistributed makes inside it"
            ),
            "no attention (attend in a block below it)",
        ),
        (
            ("repeat",),
            block.repeat is not None,
            (
                "a repeated last output is a sequence of vectors, with no inner "
                "sequence to run over"
            ),
            "no repeat",
        ),
        (
            ("front",),
            bool(block.front),
            "a front's layers would read (batch, outer, steps, features) before it",
            "no front (such layers in a block above)",
        ),
        (
            ("bidirectional", "merge_mode"),
            block.merge_mode == "none",
            "merge_mode: none returns two outputs, and TimeDistributed takes one back",
            "concat, sum, mul or ave",
        ),
    ]
    for path, refused, why, expected in refusals:
        if refused:
            raise RuleError(
                where + path,
                f"block {block.name} is time_distributed, and {why}: expected "
                f"{expected}, or time_distributed: false{_found(block, path)}",
            )
    for index, cell in enumerate(block.cells):
        if kind_of(cell).rank:
            raise RuleError(
                where + ("cells", index, "type"),
                f"a time_distributed block runs vector cells over the inner steps of "
                f"(steps, features): expected simple_rnn, gru or lstm, got {cell.type}",
            )
    step = given.step_shape if given.embedding is None else ("tokens",)
    if given.embedding is not None or len(step) != 2:
        found = "token ids" if given.embedding is not None else f"steps of {list(step)}"
        raise RuleError(
            where + ("time_distributed",),
            f"a time_distributed block reads steps that are sequences themselves, "
            f"(steps, features): expected its input to have shape: [steps, features] "
            f"(or a time_distributed block above with return_sequences: true), got "
            f"{found}",
        )
    steps, features = step
    return given.model_copy(
        update={"timesteps": steps, "features": features, "shape": None}
    )


def _found(block: GraphBlock, path: Path) -> str:
    """The refused value in words, `, got <key>: <value>`; nothing for a section
    (attention, front)."""
    if path[-1] in ("attention", "front"):
        return ""
    if path == ("initial_state",):
        value = "from" if block.initial_state_mode == "from" else block.initial_state
    elif path[-1] == "merge_mode":
        value = block.merge_mode
    else:
        value = getattr(block, path[-1])
    words = {True: "true", False: "false"}
    shown = words.get(value, value)  # type: ignore[call-overload]
    return f", got {path[-1]}: {shown}"
