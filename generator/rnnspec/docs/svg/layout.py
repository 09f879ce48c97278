"""Where things go: the columns, their widths from the longest label in each, and the
lanes that carry an input's arrow down to a block that is not straight below it.

Left to right: the hand-over column (a source block's final state, or an input's
projection), the bridge boxes, initial state, the blocks, routing lanes, and what
comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...spec.nodes import LayerNode
from .canvas import GAP, MARGIN, Point, text_width
from .labels import (
    around_label,
    attention_lines,
    cell_label,
    direction_label,
    dropout_label,
    handover_note,
    init_notes,
    input_lines,
    layer_title,
    node_lines,
    repeat_label,
    shape_line,
)
from .states import state_rows

if TYPE_CHECKING:
    from ...plan.model import BlockPlan, ModelPlan, StateTensor

BLOCK_PAD = 10  # px between a block's frame and its layers' frames
LANE = 8  # px between routing lanes


@dataclass(frozen=True)
class Columns:
    """The x of each column and the width of its boxes."""

    src: int
    w_src: int
    op: int
    init: int
    w_init: int
    mid: int
    w_mid: int
    lane: int  # x of the first lane
    right: int
    w_right: int

    @property
    def center(self) -> int:
        return self.mid + self.w_mid // 2

    @property
    def frame_right(self) -> int:
        return self.mid + self.w_mid + 12 + BLOCK_PAD


@dataclass
class Placed:
    """Where a drawn block's output leaves it."""

    out: Point  # the bottom of its output
    frame_bottom: int


def handovers(plan: ModelPlan) -> list[BlockPlan]:
    """The blocks that start from another block's state."""
    return [block for block in plan.blocks if block.source]


def sources(block: BlockPlan) -> list[StateTensor]:
    """The source states a target block reads, each once, in bridge order."""
    seen: list[StateTensor] = []
    for bridge in block.bridges:
        seen += [s for s in bridge.sources if s not in seen]
    return seen


def attending(plan: ModelPlan) -> list[BlockPlan]:
    """The blocks with attention: each takes a lane, after the inputs' lanes, for the
    arrow from its memory block."""
    return [block for block in plan.blocks if block.attention]


def routes(plan: ModelPlan) -> dict[str, int | None]:
    """Per block, the lane its input arrow comes down (None: straight from above);
    per layer node, under "<node>/<name>", the lane of each tensor it reads."""
    lanes: dict[str, int | None] = {}
    above = plan.inputs[0].name
    for entry in plan.spec.entries:
        block = not isinstance(entry, LayerNode)
        reads = (entry.input,) if block else entry.reads  # type: ignore[union-attr]
        for number, name in enumerate(reads):
            key = entry.name if block else f"{entry.name}/{name}"
            straight = number == 0 and name == above
            lanes[key] = (
                None if straight else len([v for v in lanes.values() if v is not None])
            )
        above = entry.name
    return lanes


def columns(plan: ModelPlan, lanes: int) -> Columns:
    """The columns, with room for `lanes` routing lanes."""
    from_blocks = [
        shape_line(s.name, s.batch_shape, plan)
        for b in handovers(plan)
        for s in sources(b)
    ]
    from_blocks += [handover_note(b) for b in handovers(plan)]
    inits = [
        shape_line(s.name, s.batch_shape, plan)
        for b in plan.blocks
        for s in b.state_tensors
    ]
    inits += [line for b in plan.blocks for line in init_notes(plan, b)]
    middle = input_lines(plan.inputs[0], plan)
    for block in plan.blocks:
        middle += [repeat_label(block)] if block.repeat else []
        middle += [around_label(layer) for layer in (*block.front, *block.head)]
        middle += attention_lines(block)
        middle += [layer_title(layer) for layer in block.layers]
        middle += [dropout_label(layer) for layer in block.layers if layer.dropout]
        for row in state_rows(block):
            middle += [
                cell_label(row.layer, row.cell_index),
                f"{row.layer.cells[row.cell_index].name}  {direction_label(row.direction)}",
            ]
    for node in plan.nodes:
        middle += node_lines(node)
    right = [shape_line(name, dims, plan) for name, dims in plan.returns] + [
        "returned by build_model()"
    ]
    w_src = text_width(from_blocks) if from_blocks else 0
    bridged = any(not b.bridges[0].direct for b in handovers(plan))
    op = MARGIN + w_src + 16 + LANE * 4 if w_src else MARGIN
    init = op + (text_width(["project"]) + 24 if bridged else 24 if w_src else 0)
    w_init, w_mid = text_width(inits), text_width(middle)
    mid = init + w_init + GAP
    lane = mid + w_mid + 12 + BLOCK_PAD + 14
    right_x = lane + LANE * max(lanes - 1, 0) + 30
    return Columns(
        MARGIN, w_src, op, init, w_init, mid, w_mid, lane, right_x, text_width(right)
    )
