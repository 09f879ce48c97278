"""An SVG picture of a plan: input, layers and cells in stack order, every state tensor.

Three columns, read left to right and top to bottom:

- left: how `initial_state` enters (a constant, model inputs, or nothing) and one box
  per state tensor, `name: shape`, with an arrow into its cell;
- middle: the sequence input, then each layer (a dashed frame titled with its Keras
  form) and its cells in stack order, forward before backward;
- right: what build_model() returns, numbered in Keras' order, `name: shape` exactly as
  the smoke run prints it, each with an arrow from the cell or layer that makes it.

Hand-written SVG with fixed coordinates: no fonts are measured (monospace, 0.6 em a
character), so the same plan always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .graph import BlockPlan, Bridge, GraphPlan
from .plan import Dim, LayerPlan, Plan, Stack, StateTensor, resolve_dims

FONT = 12  # px, labels
CHAR = 7.2  # px, a monospace character at FONT
LINE = 15  # px between the lines of a box
PAD = 10  # px, text inside a box
ROW = 28  # px, one state tensor
BOX = 22  # px, a one-line box
GAP = 56  # px between the columns (room for arrows)
MARGIN = 16

STYLE = """
text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; fill: #111827; }
.title { font-size: 14px; font-weight: bold; }
.note { fill: #4b5563; }
.index { fill: #6b7280; }
.frame { fill: none; stroke: #9ca3af; stroke-dasharray: 6 4; }
.input { fill: #f3f4f6; stroke: #374151; }
.cell { fill: #dbeafe; stroke: #1d4ed8; }
.source { fill: #fff7ed; stroke: #b45309; }
.state { fill: #fef3c7; stroke: #b45309; }
.returned { fill: #dcfce7; stroke: #15803d; }
.absent { stroke-dasharray: 4 3; }
.arrow { fill: none; stroke: #374151; stroke-width: 1.2; marker-end: url(#head); }
"""


def run_shape(dims: tuple[Dim, ...], plan: Plan | GraphPlan) -> tuple[int, ...]:
    """A shape as the smoke run has it: dynamic dims at the sizes main() uses."""
    return resolve_dims(dims, plan.smoke_batch_size, plan.smoke_timesteps)  # type: ignore[return-value]


def shape_line(name: str, dims: tuple[Dim, ...], plan: Plan | GraphPlan) -> str:
    """`name: (2, 32)`, the line the smoke run prints for a tensor."""
    return f"{name}: {run_shape(dims, plan)}"


@dataclass(frozen=True)
class StateRow:
    """One state tensor and where it belongs."""

    state: StateTensor
    layer: LayerPlan
    direction: str  # "forward", "backward", or "" for one direction
    cell_index: int


def state_rows(plan: Stack) -> list[StateRow]:
    """Every state tensor in Keras' flat order, with its layer, direction and cell.

    Per layer the flat order is forward then backward, and within a direction cell by
    cell, h before c (generator/plan.py).
    """
    rows = []
    for layer in plan.layers:
        directions = ("forward", "backward") if layer.merge_mode else ("",)
        per_direction = len(layer.states) // len(directions)
        for i, state in enumerate(layer.states):
            within = i % per_direction
            cell_index = 0
            while within >= len(layer.cells[cell_index].state_shapes):
                within -= len(layer.cells[cell_index].state_shapes)
                cell_index += 1
            rows.append(
                StateRow(state, layer, directions[i // per_direction], cell_index)
            )
    return rows


def cell_label(layer: LayerPlan, index: int) -> str:
    """The cell as Keras spells it in this layer: "LSTMCell(64)", or "GRU(32)" fused."""
    return layer.cells[index].label(layer.form == "fused")


def source_lines(plan: Plan) -> list[str]:
    """How initial_state enters, in two or three short lines."""
    mode = plan.initial_state_mode
    lines = [f"initial_state: {mode}"]
    lines += {
        "zeros": ["a constant: zeros"],
        "ones": ["a constant: ones"],
        "random": ["a constant: seeded random"],
        "input": ["model inputs, one a state"],
        "none": ["not passed: Keras starts", "from zeros"],
    }[mode]
    if mode == "none" and any(layer.stateful for layer in plan.layers):
        lines = [lines[0], "not passed: stateful,", "carried between calls"]
    if getattr(plan, "repeat_over_batch", False):
        lines.append("repeated over the batch")
    return lines


def input_lines(plan: Plan) -> list[str]:
    step = plan.step_shape
    if len(step) == 1:
        size = f"features={step[0]}"
    else:
        size = f"frames {'x'.join(map(str, step[:-1]))}, {step[-1]} channels"
    return [
        "input: sequence",
        f"batch_size={plan.batch_size}, timesteps={plan.timesteps}",
        size,
    ]


def _width(lines: list[str]) -> int:
    return int(max(len(line) for line in lines) * CHAR + 0.999) + 2 * PAD


class _Canvas:
    def __init__(self) -> None:
        self.items: list[str] = []

    def box(
        self,
        x: int,
        y: int,
        w: int,
        h: int,
        cls: str,
        lines: list[str],
        *,
        index: str | None = None,
    ) -> None:
        self.items.append(
            f'<rect class="{cls}" x="{x}" y="{y}" width="{w}" height="{h}" rx="4"/>'
        )
        top = y + (h - LINE * (len(lines) - 1)) // 2 + 4
        for i, line in enumerate(lines):
            self.text(x + PAD, top + i * LINE, line)
        if index is not None:
            self.text(x + w + 6, top, f"#{index}", cls="index")

    def text(
        self,
        x: int,
        y: int,
        text: str,
        *,
        cls: str | None = None,
        anchor: str | None = None,
    ) -> None:
        attrs = f' class="{cls}"' if cls else ""
        attrs += f' text-anchor="{anchor}"' if anchor else ""
        self.items.append(f'<text x="{x}" y="{y}"{attrs}>{escape(text)}</text>')

    def arrow(self, points: list[tuple[int, int]], *, dashed: bool = False) -> None:
        (x0, y0), rest = points[0], points[1:]
        d = f"M{x0},{y0}" + "".join(f" L{x},{y}" for x, y in rest)
        cls = "arrow absent" if dashed else "arrow"
        self.items.append(f'<path class="{cls}" d="{d}"/>')


def _returned(
    canvas: _Canvas,
    x: int,
    width: int,
    cy: int,
    line: str,
    index: int,
    path: list[tuple[int, int]],
) -> None:
    """A returned tensor's box, centred on `cy`, numbered, with the arrow into it."""
    canvas.box(x, cy - BOX // 2, width, BOX, "returned", [line], index=str(index))
    canvas.arrow(path)


def draw(plan: Plan | GraphPlan) -> str:
    """The plan as a standalone SVG document."""
    if isinstance(plan, GraphPlan):
        return draw_graph(plan)
    rows = state_rows(plan)
    returns = list(plan.returns)
    returned_states = plan.spec.return_state
    index_of = {name: i for i, (name, _) in enumerate(returns)}
    outputs = returns[: len(returns) - (len(rows) if returned_states else 0)]
    absent = plan.initial_state_mode == "none"

    # Column widths from the longest label in each.
    left = [
        shape_line(r.state.name, r.state.batch_shape, plan) for r in rows
    ] + source_lines(plan)
    middle = input_lines(plan) + [f"{l.name}: {l.summary}" for l in plan.layers]
    for r in rows:
        middle.append(f"{r.layer.cells[r.cell_index].name}  {_direction(r.direction)}")
        middle.append(cell_label(r.layer, r.cell_index))
    right = [shape_line(name, dims, plan) for name, dims in returns] + [
        "returned by build_model()"
    ]
    w_left, w_mid, w_right = _width(left), _width(middle), _width(right)
    x_left = MARGIN
    x_mid = x_left + w_left + GAP
    x_right = x_mid + w_mid + GAP
    width = x_right + w_right + 30 + MARGIN

    canvas = _Canvas()
    title = plan.name
    if plan.batch_size is None or plan.timesteps is None:
        title += f"  (shapes as run: batch {plan.smoke_batch_size}, {plan.smoke_timesteps} steps)"
    canvas.text(MARGIN, MARGIN + 14, title, cls="title")

    # Header row: where the initial state comes from, the input, what comes back.
    y = MARGIN + 32
    source = source_lines(plan)
    head = LINE * (max(len(source), 3) - 1) + 2 * PAD + 4
    canvas.box(
        x_left, y, w_left, head, "source" + (" absent" if absent else ""), source
    )
    canvas.box(x_mid, y, w_mid, head, "input", input_lines(plan))
    canvas.text(x_right, y + head // 2 + 4, "returned by build_model()", cls="note")
    y += head + 24
    canvas.arrow([(x_mid + w_mid // 2, y - 24), (x_mid + w_mid // 2, y - 2)])

    for number, layer in enumerate(plan.layers):
        if number:
            canvas.arrow([(x_mid + w_mid // 2, y - 24), (x_mid + w_mid // 2, y - 2)])
        top = y
        canvas.text(x_mid - 2, y + 16, f"{layer.name}: {layer.summary}", cls="note")
        y += 26
        previous: tuple[str, int] | None = None  # (direction, bottom) of the last cell
        for key in _cells(rows, layer):
            direction, cell_index = key
            mine = [
                r
                for r in rows
                if r.layer is layer and (r.direction, r.cell_index) == key
            ]
            if previous is not None:
                if previous[0] == direction:  # stacked cells: the lower feeds the upper
                    canvas.arrow(
                        [(x_mid + w_mid // 2, previous[1]), (x_mid + w_mid // 2, y + 1)]
                    )
            block = max(2, len(mine)) * ROW
            name = layer.cells[cell_index].name
            canvas.box(
                x_mid,
                y + 3,
                w_mid,
                block - 6,
                "cell",
                [
                    cell_label(layer, cell_index),
                    f"{name}  {_direction(direction)}".rstrip(),
                ],
            )
            first = y + (block - len(mine) * ROW) // 2
            for k, row in enumerate(mine):
                cy = first + k * ROW + ROW // 2
                line = shape_line(row.state.name, row.state.batch_shape, plan)
                canvas.box(
                    x_left,
                    cy - BOX // 2,
                    w_left,
                    BOX,
                    "state" + (" absent" if absent else ""),
                    [line],
                )
                canvas.arrow([(x_left + w_left, cy), (x_mid - 2, cy)], dashed=absent)
                if returned_states:
                    _returned(
                        canvas, x_right, w_right, cy, line, index_of[row.state.name],
                        [(x_mid + w_mid, cy), (x_right - 2, cy)],
                    )  # fmt: skip
            y += block
            previous = (direction, y - 3)
            y += 14
        y -= 6
        canvas.items.insert(
            0,
            f'<rect class="frame" x="{x_mid - 12}" y="{top}" width="{w_mid + 24}" height="{y - top}" rx="6"/>',
        )
        y += 24

    # The output(s) of the top layer, returned first.
    bottom = y - 24
    for name, dims in outputs:
        cy = y + ROW // 2
        _returned(
            canvas, x_right, w_right, cy, shape_line(name, dims, plan), index_of[name],
            [(x_mid + w_mid // 2, bottom), (x_mid + w_mid // 2, cy), (x_right - 2, cy)],
        )  # fmt: skip
        y += ROW
    height = y + MARGIN

    head_marker = (
        '<marker id="head" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#374151"/></marker>'
    )
    label = quoteattr(
        f"{plan.name}: the recurrent stack, its state tensors and what comes back"
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label={label}>',
            f"<title>{escape(plan.name)}</title>",
            f"<style>{STYLE}</style>",
            f"<defs>{head_marker}</defs>",
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
            *canvas.items,
            "</svg>",
            "",
        ]
    )


def _direction(direction: str) -> str:
    return {"forward": "forward \u2192", "backward": "\u2190 backward"}.get(
        direction, ""
    )


def _cells(rows: list[StateRow], layer: LayerPlan) -> list[tuple[str, int]]:
    """The layer's (direction, cell) pairs in drawing order: forward first, stack order."""
    keys: list[tuple[str, int]] = []
    for row in rows:
        key = (row.direction, row.cell_index)
        if row.layer is layer and key not in keys:
            keys.append(key)
    return keys


# --- the long form: blocks, hand-over, heads ------------------------------------------------
#
# Four columns, top to bottom the inputs and then the blocks in the spec's order:
#
# - hand-over: for a block that starts from another's state, the source block's final
#   state tensors, with arrows (through a `concat` or `project` box for a bridge) into
# - initial state: each block's state tensors as they enter its cells (dashed when not
#   passed), under a note of where they come from;
# - blocks: a frame per block holding its layers (as in the short form) and its head,
#   with an arrow from its input (a model input at the top, or the block it reads);
# - returned: what build_model() returns, numbered, `name: shape` as the run prints it.
#
# An input that is not straight above its block reaches it down a lane right of the
# blocks. Shapes are the plan's at the run's sizes: returned tensors are exactly the
# printed lines; a source block's final state, which the run does not print, is the plan's.

GRAPH_STYLE = STYLE + """.block { fill: #f9fafb; stroke: #6b7280; }
.blockname { font-weight: bold; }
.op { fill: #ede9fe; stroke: #6d28d9; }
"""
BLOCK_PAD = 10  # px between a block's frame and its layers' frames
LANE = 8  # px between routing lanes


@dataclass(frozen=True)
class _Columns:
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
class _Placed:
    """Where a drawn block's output leaves it."""

    out: tuple[int, int]  # (x, y) of the bottom of its output
    frame_bottom: int


def _handovers(plan: GraphPlan) -> list[BlockPlan]:
    return [block for block in plan.blocks if block.source]


def _sources(block: BlockPlan) -> list[StateTensor]:
    """The source states a target block reads, each once, in bridge order."""
    seen: list[StateTensor] = []
    for bridge in block.bridges:
        seen += [s for s in bridge.sources if s not in seen]
    return seen


def init_note(block: BlockPlan) -> str:
    if block.source:
        return f"from {block.source}, bridge: {block.bridges[0].kind}"
    return f"initial_state: {block.initial_state_mode}"


def head_label(block: BlockPlan) -> str:
    head = block.head
    args = [str(head.units)] + ([head.activation] if head.activation else [])  # type: ignore[union-attr]
    return f"{block.head_layer}: Dense({', '.join(args)})"


def graph_input_lines(plan: GraphPlan, given) -> list[str]:  # given: InputPlan
    step = given.step_shape
    size = (
        f"features={step[0]}"
        if len(step) == 1
        else f"frames {'x'.join(map(str, step[:-1]))}, {step[-1]} channels"
    )
    return [
        f"input: {given.name}",
        f"batch_size={plan.batch_size}, timesteps={given.timesteps}",
        size,
    ]


def _routes(plan: GraphPlan) -> dict[str, int | None]:
    """Per block, the lane its input arrow comes down (None: straight from above)."""
    lanes: dict[str, int | None] = {}
    names = [i.name for i in plan.inputs]
    for number, block in enumerate(plan.blocks):
        above = plan.blocks[number - 1] if number else None
        straight = (number == 0 and block.input == names[0]) or (
            above is not None and block.input == above.output[0]
        )
        lanes[block.name] = (
            None if straight else len([v for v in lanes.values() if v is not None])
        )
    return lanes


def _graph_columns(plan: GraphPlan, lanes: int) -> _Columns:
    sources = [
        shape_line(s.name, s.batch_shape, plan)
        for b in _handovers(plan)
        for s in _sources(b)
    ]
    sources += [f"final state of {b.source}" for b in _handovers(plan)]
    inits = [
        shape_line(s.name, s.batch_shape, plan)
        for b in plan.blocks
        for s in b.state_tensors
    ]
    inits += [init_note(b) for b in plan.blocks]
    middle = [
        line for given in plan.inputs[:1] for line in graph_input_lines(plan, given)
    ]
    for block in plan.blocks:
        middle += [f"{layer.name}: {layer.summary}" for layer in block.layers]
        middle += [head_label(block)] if block.head else []
        for row in state_rows(block):
            middle += [
                cell_label(row.layer, row.cell_index),
                f"{row.layer.cells[row.cell_index].name}  {_direction(row.direction)}",
            ]
    right = [shape_line(name, dims, plan) for name, dims in plan.returns] + [
        "returned by build_model()"
    ]
    w_src = _width(sources) if sources else 0
    bridged = any(b.bridges[0].kind != "none" for b in _handovers(plan))
    op = MARGIN + w_src + 16 + LANE * 4 if w_src else MARGIN
    init = op + (_width(["project"]) + 24 if bridged else 24 if w_src else 0)
    w_init, w_mid = _width(inits), _width(middle)
    mid = init + w_init + GAP
    lane = mid + w_mid + 12 + BLOCK_PAD + 14
    right_x = lane + LANE * max(lanes - 1, 0) + 30
    return _Columns(
        MARGIN, w_src, op, init, w_init, mid, w_mid, lane, right_x, _width(right)
    )


def draw_graph(plan: GraphPlan) -> str:
    """A long-form plan as a standalone SVG document."""
    routes = _routes(plan)
    cols = _graph_columns(plan, sum(v is not None for v in routes.values()))
    canvas = _Canvas()
    canvas.text(MARGIN, MARGIN + 14, _graph_title(plan), cls="title")
    y, inputs, right_end = _draw_inputs(canvas, plan, cols, MARGIN + 32)
    canvas.text(cols.right, y + 30, "returned by build_model()", cls="note")
    index_of = {name: i for i, (name, _) in enumerate(plan.returns)}
    placed: dict[str, _Placed] = {}
    for block in plan.blocks:
        y = _draw_block(
            canvas,
            plan,
            block,
            cols,
            y + 14,
            (routes[block.name], inputs),
            placed,
            index_of,
        )
    width = max(cols.right + cols.w_right + 30, right_end) + MARGIN
    return _document(
        plan.name,
        canvas,
        width,
        y + MARGIN,
        GRAPH_STYLE,
        "its inputs, blocks, the hand-over of state between them and what comes back",
    )


def _graph_title(plan: GraphPlan) -> str:
    dynamic = plan.batch_size is None or any(i.timesteps is None for i in plan.inputs)
    if not dynamic:
        return plan.name
    steps = ", ".join(f"{i.name} {i.smoke_timesteps} steps" for i in plan.inputs)
    return f"{plan.name}  (shapes as run: batch {plan.smoke_batch_size}; {steps})"


def _draw_inputs(
    canvas: _Canvas, plan: GraphPlan, cols: _Columns, y: int
) -> tuple[int, dict[str, tuple[int, int]], int]:
    """The inputs side by side, the first over the blocks; the bottom y, each input's
    arrow start (x, y), and the right end of the row."""
    height = 2 * LINE + 2 * PAD + 4
    x, starts = cols.mid, {}
    for number, given in enumerate(plan.inputs):
        lines = graph_input_lines(plan, given)
        w = cols.w_mid if number == 0 else _width(lines)
        canvas.box(x, y, w, height, "input", lines)
        starts[given.name] = (cols.center if number == 0 else x + 14, y + height)
        x += w + 16
        if number == 0:
            x = max(x, cols.lane - 14)
    return y + height + 10, starts, x - 16


def _draw_block(
    canvas: _Canvas,
    plan: GraphPlan,
    block: BlockPlan,
    cols: _Columns,
    top: int,
    route: tuple,
    placed: dict[str, _Placed],
    index_of: dict[str, int],
) -> int:
    """One block's frame, layers, initial and final state, head and output; its bottom y."""
    canvas.text(cols.mid - BLOCK_PAD - 4, top + 16, block.name, cls="blockname")
    canvas.text(cols.init, top + 16, init_note(block), cls="note")
    first = top + 26
    _draw_arrival(canvas, plan, block, cols, top, first, route, placed)
    y, state_y = _draw_layers(canvas, plan, block, cols, first, index_of)
    out = (cols.center, y - 24)
    if block.head:
        canvas.arrow([(cols.center, out[1]), (cols.center, y - 2)])
        canvas.box(cols.mid, y, cols.w_mid, BOX, "cell", [head_label(block)])
        out, y = (cols.center, y + BOX), y + BOX + 24
    if block.name in plan.outputs:
        cy = y - 24 + ROW // 2 + 4
        line = shape_line(*block.output, plan)
        _returned(
            canvas, cols.right, cols.w_right, cy, line, index_of[block.output[0]],
            [out, (cols.center, cy), (cols.right - 2, cy)],
        )  # fmt: skip
        y = cy + ROW // 2 + 24
    if block.source:
        y = max(
            y,
            _draw_handover(canvas, plan, block, cols, state_y, placed[block.source])
            + 24,
        )
    bottom = y - 24 + BLOCK_PAD
    x0 = cols.mid - 12 - BLOCK_PAD
    canvas.items.insert(
        0,
        f'<rect class="block" x="{x0}" y="{top}" width="{cols.frame_right - x0}" height="{bottom - top}" rx="8"/>',
    )
    placed[block.name] = _Placed(out, bottom)
    return bottom


def _draw_arrival(
    canvas: _Canvas,
    plan: GraphPlan,
    block: BlockPlan,
    cols: _Columns,
    top: int,
    first: int,
    route: tuple,
    placed: dict[str, _Placed],
) -> None:
    """The arrow from the block's input (a model input or a block above) to its first layer."""
    lane, inputs = route
    start = inputs.get(block.input) or next(
        p.out for name, p in placed.items() if plan.block(name).output[0] == block.input
    )
    if lane is None:
        canvas.arrow([start, (cols.center, first - 2)])
        return
    x = cols.lane + LANE * lane
    ly = top + 8
    points = (
        [start]
        if start[0] == x
        else [start, (start[0], start[1] + 8), (x, start[1] + 8)]
    )
    canvas.arrow([*points, (x, ly), (cols.center, ly), (cols.center, first - 2)])


def _draw_layers(
    canvas: _Canvas,
    plan: GraphPlan,
    block: BlockPlan,
    cols: _Columns,
    y: int,
    index_of: dict[str, int],
) -> tuple[int, dict[str, int]]:
    """The block's layers as in the short form, with its initial state on the left and,
    for an output block, its returned state on the right; the y below, and each state's row.
    """
    rows, state_y = state_rows(block), {}
    absent = block.initial_state_mode == "none"
    returned = block.return_state and block.name in plan.outputs
    for number, layer in enumerate(block.layers):
        if number:
            canvas.arrow([(cols.center, y - 24), (cols.center, y - 2)])
        top = y
        canvas.text(cols.mid - 2, y + 16, f"{layer.name}: {layer.summary}", cls="note")
        y += 26
        previous: tuple[str, int] | None = None
        for key in _cells(rows, layer):
            mine = [
                r
                for r in rows
                if r.layer is layer and (r.direction, r.cell_index) == key
            ]
            if previous is not None and previous[0] == key[0]:
                canvas.arrow([(cols.center, previous[1]), (cols.center, y + 1)])
            block_h = max(2, len(mine)) * ROW
            name = layer.cells[key[1]].name
            canvas.box(
                cols.mid,
                y + 3,
                cols.w_mid,
                block_h - 6,
                "cell",
                [cell_label(layer, key[1]), f"{name}  {_direction(key[0])}".rstrip()],
            )
            first = y + (block_h - len(mine) * ROW) // 2
            for k, row in enumerate(mine):
                cy = state_y[row.state.name] = first + k * ROW + ROW // 2
                line = shape_line(row.state.name, row.state.batch_shape, plan)
                canvas.box(
                    cols.init,
                    cy - BOX // 2,
                    cols.w_init,
                    BOX,
                    "state" + (" absent" if absent else ""),
                    [line],
                )
                canvas.arrow(
                    [(cols.init + cols.w_init, cy), (cols.mid - 2, cy)], dashed=absent
                )
                if returned:
                    _returned(
                        canvas, cols.right, cols.w_right, cy, line, index_of[row.state.name],
                        [(cols.mid + cols.w_mid, cy), (cols.right - 2, cy)],
                    )  # fmt: skip
            y += block_h
            previous = (key[0], y - 3)
            y += 14
        y -= 6
        canvas.items.insert(
            0,
            f'<rect class="frame" x="{cols.mid - 12}" y="{top}" width="{cols.w_mid + 24}" height="{y - top}" rx="6"/>',
        )
        y += 24
    return y, state_y


def _draw_handover(
    canvas: _Canvas,
    plan: GraphPlan,
    block: BlockPlan,
    cols: _Columns,
    state_y: dict[str, int],
    source: _Placed,
) -> int:
    """The source's final state boxes, arrows (through a bridge box) to the target's
    initial state boxes, and an arrow from the source block; the y below the boxes."""
    sources = _sources(block)
    kind = block.bridges[0].kind
    targets = [state_y[b.target.name] for b in block.bridges]
    if kind == "none":
        at = {b.sources[0].name: state_y[b.target.name] for b in block.bridges}
    else:
        at = {s.name: targets[0] + i * ROW for i, s in enumerate(sources)}
    for s in sources:
        canvas.box(
            cols.src,
            at[s.name] - BOX // 2,
            cols.w_src,
            BOX,
            "state",
            [shape_line(s.name, s.batch_shape, plan)],
        )
    upper = min(at.values()) - BOX // 2
    canvas.text(cols.src + 24, upper - 6, f"final state of {block.source}", cls="note")
    x = cols.src + 12
    canvas.arrow(
        [
            (cols.mid - 12 - BLOCK_PAD + 6, source.frame_bottom),
            (cols.mid - 12 - BLOCK_PAD + 6, source.frame_bottom + 10),
            (x, source.frame_bottom + 10),
            (x, upper - 2),
        ]
    )
    for j, bridge in enumerate(block.bridges):
        _bridge_arrows(
            canvas, cols, bridge, j, [at[s.name] for s in bridge.sources], targets[j]
        )
    return max(at.values()) + BOX // 2 + 4


def _bridge_arrows(
    canvas: _Canvas,
    cols: _Columns,
    bridge: Bridge,
    j: int,
    from_y: list[int],
    to_y: int,
) -> None:
    """Arrows from a bridge's source boxes into its target box, through a concat or
    project box when there is one."""
    xm = cols.src + cols.w_src + 12 + LANE * (j % 4)
    end = cols.init - 2
    if bridge.kind != "none":
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


def _document(
    name: str, canvas: _Canvas, width: int, height: int, style: str, what: str
) -> str:
    marker = (
        '<marker id="head" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#374151"/></marker>'
    )
    label = quoteattr(f"{name}: {what}")
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label={label}>',
            f"<title>{escape(name)}</title>",
            f"<style>{style}</style>",
            f"<defs>{marker}</defs>",
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
            *canvas.items,
            "</svg>",
            "",
        ]
    )
