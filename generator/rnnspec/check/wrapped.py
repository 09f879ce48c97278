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

_WHY = "TimeDistributed calls its layer on one tensor and takes one tensor back"


def check_time_distributed(
    block: GraphBlock, given: InputSpec, where: Path
) -> InputSpec:
    """Refuse what TimeDistributed cannot wrap, at its key under `where`; return the
    input as the wrapped layers read it: the inner steps of (steps, features)."""
    refusals: list[tuple[Path, bool, str]] = [
        (("return_state",), block.return_state, "return_state: false"),
        (("stateful",), block.stateful, "stateful: false"),
        (("initial_state",), block.initial_state_mode != "none", "initial_state: none"),
        (("attention",), block.attention is not None, "no attention"),
        (("repeat",), block.repeat is not None, "no repeat"),
        (("front",), bool(block.front), "no front (layers before it as a block above)"),
        (
            ("bidirectional", "merge_mode"),
            block.merge_mode == "none",
            "a merge_mode other than none (one output)",
        ),
    ]
    for path, refused, expected in refusals:
        if refused:
            raise RuleError(
                where + path,
                f"block {block.name} is time_distributed, and {_WHY}: expected "
                f"{expected}, or time_distributed: false",
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
