"""Input feeding's rules on the recurrent layer it runs (docs/attention.md): what the
context adds to each step of the cell's input, and the layer it can run (one vector
cell, one direction, not stateful, read forward, unmasked). The attention's own plan is
rnnspec/check/attention.py's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..spec.limits import Path, RuleError

if TYPE_CHECKING:
    from .attention import Shaped
    from .stack import LayerPlan
    from ..spec.models import GraphBlock, LongForm
    from ..spec.normalise import ModelSpec


def fed_width(
    spec: LongForm | ModelSpec, block: GraphBlock, above: Sequence[Shaped]
) -> int:
    """What input feeding adds to each step of the cell's input: the memory's width
    (0 without feeding, or where the memory is refused later)."""
    given = getattr(block, "attention", None)
    if given is None or not given.feeding:
        return 0
    memory = next((b for b in above if b.name == given.over), None)
    if memory is None or len(memory.output[1]) != 3:
        return 0
    return int(memory.output[1][-1])  # type: ignore[arg-type]


def check_feeding(block: GraphBlock, layers: Sequence[LayerPlan], masked: bool) -> None:
    """The recurrent layer that input feeding runs: one layer of one vector cell, one
    direction, not stateful, read forward, without a mask."""
    at: Path = ("attention", "feeding")
    top = layers[-1]
    found = (
        f"{len(layers)} recurrent layers"
        if len(layers) > 1
        else (
            f"{len(top.cells)} cells"
            if len(top.cells) > 1
            else (
                "bidirectional"
                if top.merge_mode
                else (
                    "stateful: true"
                    if top.stateful
                    else (
                        "go_backwards: true"
                        if top.go_backwards
                        else "a masked input" if masked else None
                    )
                )
            )
        )
    )
    if found:
        raise RuleError(
            at,
            f"input feeding runs one cell step by step: expected block {block.name} "
            f"to have one cell in one direction, not stateful, read forward and "
            f"unmasked, got {found}",
        )
