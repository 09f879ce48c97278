"""A plan's picture: its inputs, then its blocks in the spec's order, and what comes back.

Four columns (rnnspec/docs/svg/layout.py), read left to right:

- hand-over: for a block that starts from another's state, the source block's final
  state tensors, with arrows (through a `concat` or `project` box for a bridge) into
- initial state: each block's state tensors as they enter its cells (dashed when not
  passed), under notes of where they come from (rnnspec/docs/svg/labels.py);
- blocks: a frame per block holding its front, layers, attention and head, with an
  arrow from its input (a model input at the top, its Embedding in the input's box for
  tokens, or the block it reads, through a RepeatVector box for `repeat`);
- returned: what build_model() returns, numbered, `name: shape` as the run prints it:
  per output block its output (the top layer's two, forward and backward, for a
  bidirectional block with `merge_mode: none` and no head), then any state it returns.

An input that is not straight above its block reaches it down a lane right of the
blocks; so does the memory an attention reads, from its block's output into the
attention's box (an arrow of class `attention`). Shapes are the plan's at the run's sizes: returned tensors are exactly the
printed lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .canvas import (
    BOX,
    LINE,
    MARGIN,
    PAD,
    ROW,
    Canvas,
    Point,
    document,
    text_width,
)
from .handover import draw_handover
from .labels import (
    around_label,
    node_lines,
    attention_lines,
    init_notes,
    input_lines,
    repeat_label,
    shape_line,
)
from .layers import draw_layers
from .layout import (
    BLOCK_PAD,
    LANE,
    Columns,
    Placed,
    attending,
    columns,
    handovers,
    routes,
)

if TYPE_CHECKING:
    from ...check.nodes import NodeShape
    from ...plan.model import BlockPlan, ModelPlan

# A block's route: the lane its input comes down (None: straight from above), where
# each model input's arrow starts, and the lane its attention's memory comes down.
Route = tuple[int | None, dict[str, Point], int | None]


def draw(plan: ModelPlan) -> str:
    """The plan as a standalone SVG document."""
    lanes = routes(plan)
    routed = sum(v is not None for v in lanes.values())
    memory_lanes = {b.name: routed + k for k, b in enumerate(attending(plan))}
    cols = columns(plan, routed + len(memory_lanes))
    canvas = Canvas()
    canvas.text(MARGIN, MARGIN + 14, _title(plan), cls="title")
    y, inputs, right_end = _draw_inputs(canvas, plan, cols, MARGIN + 32)
    canvas.text(cols.right, y + 30, "returned by build_model()", cls="note")
    index_of = {name: i for i, (name, _) in enumerate(plan.returns)}
    placed: dict[str, Placed] = {}
    for kind, entry in plan.graph:
        if kind == "node":
            y = _draw_node(canvas, plan, entry, cols, y + 14, lanes, inputs, placed)  # type: ignore[arg-type]
            continue
        block: BlockPlan = entry  # type: ignore[assignment]
        route = (lanes[block.name], inputs, memory_lanes.get(block.name))
        y = _draw_block(canvas, plan, block, cols, y + 14, route, placed, index_of)
    width = max(cols.right + cols.w_right + 30, right_end) + MARGIN
    return document(plan.name, canvas, width, y + MARGIN, _what(plan))


def _what(plan: ModelPlan) -> str:
    """What the picture shows, for its aria-label."""
    if handovers(plan):
        return "its inputs, blocks, the hand-over of state between them and what comes back"
    if len(plan.blocks) == 1 and len(plan.inputs) == 1:
        return "its input, the recurrent stack, its state tensors and what comes back"
    return "its inputs, blocks, their state tensors and what comes back"


def _title(plan: ModelPlan) -> str:
    dynamic = plan.batch_size is None or any(
        i.timesteps is None for i in plan.sequences
    )
    if not dynamic:
        return plan.name
    steps = ", ".join(f"{i.name} {i.smoke_timesteps} steps" for i in plan.sequences)
    return f"{plan.name}  (shapes as run: batch {plan.smoke_batch_size}; {steps})"


def _draw_inputs(
    canvas: Canvas, plan: ModelPlan, cols: Columns, y: int
) -> tuple[int, dict[str, Point], int]:
    """The inputs side by side, the first over the blocks; the bottom y, each input's
    arrow start (x, y), and the right end of the row."""
    boxes = [input_lines(given, plan) for given in plan.inputs]
    height = (max(map(len, boxes)) - 1) * LINE + 2 * PAD + 4
    x, starts = cols.mid, {}
    for number, (given, lines) in enumerate(zip(plan.inputs, boxes)):
        w = cols.w_mid if number == 0 else text_width(lines)
        canvas.box(x, y, w, height, "input", lines)
        starts[given.name] = (cols.center if number == 0 else x + 14, y + height)
        x += w + 16
        if number == 0:
            x = max(x, cols.lane - 14)
    return y + height + 10, starts, x - 16


def _draw_block(
    canvas: Canvas,
    plan: ModelPlan,
    block: BlockPlan,
    cols: Columns,
    top: int,
    route: Route,
    placed: dict[str, Placed],
    index_of: dict[str, int],
) -> int:
    """One block's frame, layers, initial and final state, head and output; its bottom y."""
    canvas.text(cols.mid - BLOCK_PAD - 4, top + 16, block.name, cls="blockname")
    # At most three lines: they end above the first state box (top + 55 at least).
    for number, note in enumerate(init_notes(plan, block)):
        canvas.text(cols.init, top + 16 + number * LINE, note, cls="note")
    first = top + 26
    _draw_arrival(canvas, plan, block, cols, top, first, route, placed)
    if block.repeat:
        first = _stage(canvas, cols, first, "op", [repeat_label(block)])
    if block.front:
        first = _stage(
            canvas, cols, first, "cell", list(map(around_label, block.front))
        )
    returned = block.return_state and block.name in plan.outputs
    y, state_y = draw_layers(
        canvas,
        plan,
        block,
        cols,
        first,
        absent=block.initial_state_mode == "none",
        returned=index_of if returned else None,
    )
    out = (cols.center, y - 24)
    if block.attention:
        canvas.arrow([(cols.center, out[1]), (cols.center, y - 2)])
        memory = placed[block.attention.over].out
        _draw_memory(canvas, cols, memory, y + BOX // 2, route[2])
        y = _stage(canvas, cols, y, "attention", attention_lines(block), arrow=False)
        out = (cols.center, y - 24)
    if block.head:
        canvas.arrow([(cols.center, out[1]), (cols.center, y - 2)])
        lines = list(map(around_label, block.head))
        y = _stage(canvas, cols, y, "cell", lines, arrow=False)
        out = (cols.center, y - 24)
    if block.name in plan.outputs:
        outputs = (
            (block.output,)
            if block.head or block.attention
            else block.layers[-1].outputs
        )
        y = _draw_returned(canvas, plan, cols, outputs, out, y)
    if block.source:
        origin = placed.get(block.source) or route[1][block.source]
        below = draw_handover(canvas, plan, block, cols, state_y, origin)
        y = max(y, below + 24)
    bottom = y - 24 + BLOCK_PAD
    x0 = cols.mid - 12 - BLOCK_PAD
    canvas.frame("block", x0, top, cols.frame_right - x0, bottom - top, 8)
    placed[block.name] = Placed(out, bottom)
    return bottom


def _draw_returned(
    canvas: Canvas,
    plan: ModelPlan,
    cols: Columns,
    outputs: tuple[tuple[str, tuple], ...],
    out: Point,
    y: int,
) -> int:
    """Arrows from an output at `out` to its returned lines; the y below them."""
    index_of = {name: i for i, (name, _) in enumerate(plan.returns)}
    first = y - 24 + ROW // 2 + 4
    for k, (name, dims) in enumerate(outputs):
        cy = first + k * ROW
        canvas.returned(
            cols.right, cols.w_right, cy, shape_line(name, dims, plan),
            index_of[name], [out, (cols.center, cy), (cols.right - 2, cy)],
        )  # fmt: skip
    return first + (len(outputs) - 1) * ROW + ROW // 2 + 24


def _draw_node(
    canvas: Canvas,
    plan: ModelPlan,
    node: NodeShape,
    cols: Columns,
    top: int,
    lanes: dict[str, int | None],
    inputs: dict[str, Point],
    placed: dict[str, Placed],
) -> int:
    """A layer node: an arrow from each tensor it reads (down a lane where it is not
    straight above) into one box of its merge and layers; its bottom y."""
    first = top + 8
    for name in node.sources:
        start = inputs[name] if name in inputs else placed[name].out
        _arrive(canvas, cols, start, lanes[f"{node.name}/{name}"], top + 4, first)
    lines = node_lines(node)
    y = _stage(canvas, cols, first, "op", lines, arrow=False)
    out = (cols.center, y - 24)
    if node.name in plan.outputs:
        y = _draw_returned(canvas, plan, cols, (node.output,), out, y)
    placed[node.name] = Placed(out, y - 24)
    return y - 24


def _arrive(
    canvas: Canvas,
    cols: Columns,
    start: Point,
    lane: int | None,
    ly: int,
    first: int,
) -> None:
    """An arrow from `start` to the top of the box at `first`: straight down, or
    down lane `lane` and in from the right at `ly`."""
    if lane is None:
        canvas.arrow([start, (cols.center, first - 2)])
        return
    x = cols.lane + LANE * lane
    points = (
        [start]
        if start[0] == x
        else [start, (start[0], start[1] + 8), (x, start[1] + 8)]
    )
    canvas.arrow([*points, (x, ly), (cols.center, ly), (cols.center, first - 2)])


def _stage(
    canvas: Canvas,
    cols: Columns,
    y: int,
    cls: str,
    lines: list[str],
    *,
    arrow: bool = True,
) -> int:
    """A box of layers in the block's column from `y` (a line each), and the arrow down
    from it to what comes next; the y where that starts (24 below the box)."""
    height = BOX + (len(lines) - 1) * LINE
    canvas.box(cols.mid, y, cols.w_mid, height, cls, lines)
    if arrow:
        canvas.arrow([(cols.center, y + height), (cols.center, y + height + 22)])
    return y + height + 24


def _draw_memory(
    canvas: Canvas, cols: Columns, start: Point, cy: int, lane: int | None
) -> None:
    """The attention's memory: from the memory block's output down its lane, into the
    right of the attention's box at `cy`."""
    assert lane is not None  # draw() gives every attending block a lane
    x = cols.lane + LANE * lane
    below = start[1] + 8
    canvas.arrow(
        [
            start,
            (start[0], below),
            (x, below),
            (x, cy),
            (cols.mid + cols.w_mid + 2, cy),
        ],
        cls="attention",
    )


def _draw_arrival(
    canvas: Canvas,
    plan: ModelPlan,
    block: BlockPlan,
    cols: Columns,
    top: int,
    first: int,
    route: Route,
    placed: dict[str, Placed],
) -> None:
    """The arrow from what the block reads (a model input or a block above) to its
    first layer, or to its RepeatVector."""
    lane, inputs, _ = route
    start = inputs[block.reads] if block.reads in inputs else placed[block.reads].out
    _arrive(canvas, cols, start, lane, top + 8, first)
