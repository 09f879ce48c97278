"""The hand-over of state between blocks: the source block's final state tensors, left
of the target's initial state, with arrows into it (through a `concat` or `project` box
for a bridge; a broadcast's one source fans out down one lane into every target), and
an arrow down from the source block's frame; or the one Dense projection of a vector
input (`sequence: false`), with an arrow from the input's box.

The source's final state, which the smoke run does not print, is drawn as the plan has it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .canvas import BOX, ROW, Canvas, Point
from .labels import handover_note, shape_line
from .layout import BLOCK_PAD, LANE, Columns, Placed, sources

if TYPE_CHECKING:
    from ...plan.model import BlockPlan, Bridge, ModelPlan


def draw_handover(
    canvas: Canvas,
    plan: ModelPlan,
    block: BlockPlan,
    cols: Columns,
    state_y: dict[str, int],
    origin: Placed | Point,
) -> int:
    """The source's final state boxes (or an input's projection), arrows (through a
    bridge box) to the target's initial state boxes, and an arrow from the source block
    (or the input's box, at `origin`); the y below the boxes."""
    read = sources(block)
    targets = [state_y[b.target.name] for b in block.bridges]
    if block.bridges[0].direct:
        at: dict[str, int] = {}
        for b in block.bridges:  # a shared projection sits by the first it starts
            at.setdefault(b.sources[0].name, state_y[b.target.name])
    else:
        at = {s.name: targets[0] + i * ROW for i, s in enumerate(read)}
    for s in read:
        canvas.box(
            cols.src,
            at[s.name] - BOX // 2,
            cols.w_src,
            BOX,
            "state",
            [shape_line(s.name, s.batch_shape, plan)],
        )
    upper = min(at.values()) - BOX // 2
    canvas.text(cols.src + 24, upper - 6, handover_note(block), cls="note")
    x = cols.src + 12
    if isinstance(origin, Placed):
        left = cols.mid - 12 - BLOCK_PAD + 6
        below = origin.frame_bottom + 10
        path = [(left, origin.frame_bottom), (left, below), (x, below)]
    else:
        path = [origin, (origin[0], origin[1] + 6), (x, origin[1] + 6)]
    canvas.arrow([*path, (x, upper - 2)])
    for j, bridge in enumerate(block.bridges):
        _bridge_arrows(
            canvas, cols, bridge, j, [at[s.name] for s in bridge.sources], targets[j]
        )
    return max(at.values()) + BOX // 2 + 4


def _bridge_arrows(
    canvas: Canvas,
    cols: Columns,
    bridge: Bridge,
    j: int,
    from_y: list[int],
    to_y: int,
) -> None:
    """Arrows from a bridge's source boxes into its target box, through a concat or
    project box when there is one. A broadcast's arrows share one lane: one trunk from
    the source's box, a branch into each target."""
    lane = 0 if bridge.kind == "broadcast" else j % 4
    xm = cols.src + cols.w_src + 12 + LANE * lane
    end = cols.init - 2
    if not bridge.direct:
        w = cols.init - 24 - cols.op
        canvas.box(cols.op, to_y - BOX // 2, w, BOX, "op", [bridge.kind])
        canvas.arrow([(cols.op + w, to_y), (end, to_y)])
        end = cols.op - 2
    for sy in from_y:
        if sy == to_y:
            canvas.arrow([(cols.src + cols.w_src, sy), (end, to_y)])
        else:
            canvas.arrow(
                [(cols.src + cols.w_src, sy), (xm, sy), (xm, to_y), (end, to_y)]
            )
