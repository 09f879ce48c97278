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

from .plan import Dim, LayerPlan, Plan, StateTensor

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


def run_shape(dims: tuple[Dim, ...], plan: Plan) -> tuple[int, ...]:
    """A shape as the smoke run has it: dynamic dims at the sizes main() uses."""
    sizes = {"batch_size": plan.smoke_batch_size, "timesteps": plan.smoke_timesteps}
    return tuple(sizes[dim] if isinstance(dim, str) else dim for dim in dims)


def shape_line(name: str, dims: tuple[Dim, ...], plan: Plan) -> str:
    """`name: (2, 32)`, the line the smoke run prints for a tensor."""
    return f"{name}: {run_shape(dims, plan)}"


@dataclass(frozen=True)
class StateRow:
    """One state tensor and where it belongs."""

    state: StateTensor
    layer: LayerPlan
    direction: str  # "forward", "backward", or "" for one direction
    cell_index: int


def state_rows(plan: Plan) -> list[StateRow]:
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
            rows.append(StateRow(state, layer, directions[i // per_direction], cell_index))
    return rows


def cell_label(layer: LayerPlan, index: int) -> str:
    """The cell as Keras spells it in this layer: "LSTMCell(64)", or "GRU(32)" fused."""
    cell = layer.cells[index]
    return f"{cell.keras_cell if layer.form != 'fused' else cell.keras_layer}({cell.args[0][1]})"


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
    return ["input: sequence", f"batch_size={plan.batch_size}, timesteps={plan.timesteps}", size]


def _width(lines: list[str]) -> int:
    return int(max(len(line) for line in lines) * CHAR + 0.999) + 2 * PAD


class _Canvas:
    def __init__(self) -> None:
        self.items: list[str] = []

    def box(self, x: int, y: int, w: int, h: int, cls: str, lines: list[str], *, index: str | None = None) -> None:
        self.items.append(f'<rect class="{cls}" x="{x}" y="{y}" width="{w}" height="{h}" rx="4"/>')
        top = y + (h - LINE * (len(lines) - 1)) // 2 + 4
        for i, line in enumerate(lines):
            self.text(x + PAD, top + i * LINE, line)
        if index is not None:
            self.text(x + w + 6, top, f"#{index}", cls="index")

    def text(self, x: int, y: int, text: str, *, cls: str | None = None, anchor: str | None = None) -> None:
        attrs = f' class="{cls}"' if cls else ""
        attrs += f' text-anchor="{anchor}"' if anchor else ""
        self.items.append(f'<text x="{x}" y="{y}"{attrs}>{escape(text)}</text>')

    def arrow(self, points: list[tuple[int, int]], *, dashed: bool = False) -> None:
        (x0, y0), rest = points[0], points[1:]
        d = f"M{x0},{y0}" + "".join(f" L{x},{y}" for x, y in rest)
        cls = "arrow absent" if dashed else "arrow"
        self.items.append(f'<path class="{cls}" d="{d}"/>')


def draw(plan: Plan) -> str:
    """The plan as a standalone SVG document."""
    rows = state_rows(plan)
    returns = list(plan.returns)
    returned_states = plan.spec.return_state
    index_of = {name: i for i, (name, _) in enumerate(returns)}
    outputs = returns[: len(returns) - (len(rows) if returned_states else 0)]
    absent = plan.initial_state_mode == "none"

    # Column widths from the longest label in each.
    left = [shape_line(r.state.name, r.state.batch_shape, plan) for r in rows] + source_lines(plan)
    middle = input_lines(plan) + [f"{l.name}: {l.summary}" for l in plan.layers]
    for r in rows:
        middle.append(f"{r.layer.cells[r.cell_index].name}  {_direction(r.direction)}")
        middle.append(cell_label(r.layer, r.cell_index))
    right = [shape_line(name, dims, plan) for name, dims in returns] + ["returned by build_model()"]
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
    canvas.box(x_left, y, w_left, head, "source" + (" absent" if absent else ""), source)
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
            mine = [r for r in rows if r.layer is layer and (r.direction, r.cell_index) == key]
            if previous is not None:
                if previous[0] == direction:  # stacked cells: the lower feeds the upper
                    canvas.arrow([(x_mid + w_mid // 2, previous[1]), (x_mid + w_mid // 2, y + 1)])
            block = max(2, len(mine)) * ROW
            name = layer.cells[cell_index].name
            canvas.box(x_mid, y + 3, w_mid, block - 6, "cell", [cell_label(layer, cell_index), f"{name}  {_direction(direction)}".rstrip()])
            first = y + (block - len(mine) * ROW) // 2
            for k, row in enumerate(mine):
                cy = first + k * ROW + ROW // 2
                line = shape_line(row.state.name, row.state.batch_shape, plan)
                canvas.box(x_left, cy - BOX // 2, w_left, BOX, "state" + (" absent" if absent else ""), [line])
                canvas.arrow([(x_left + w_left, cy), (x_mid - 2, cy)], dashed=absent)
                if returned_states:
                    canvas.box(x_right, cy - BOX // 2, w_right, BOX, "returned", [line], index=str(index_of[row.state.name]))
                    canvas.arrow([(x_mid + w_mid, cy), (x_right - 2, cy)])
            y += block
            previous = (direction, y - 3)
            y += 14
        y -= 6
        canvas.items.insert(0, f'<rect class="frame" x="{x_mid - 12}" y="{top}" width="{w_mid + 24}" height="{y - top}" rx="6"/>')
        y += 24

    # The output(s) of the top layer, returned first.
    bottom = y - 24
    for name, dims in outputs:
        cy = y + ROW // 2
        canvas.box(x_right, cy - BOX // 2, w_right, BOX, "returned", [shape_line(name, dims, plan)], index=str(index_of[name]))
        canvas.arrow([(x_mid + w_mid // 2, bottom), (x_mid + w_mid // 2, cy), (x_right - 2, cy)])
        y += ROW
    height = y + MARGIN

    head_marker = (
        '<marker id="head" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#374151"/></marker>'
    )
    label = quoteattr(f"{plan.name}: the recurrent stack, its state tensors and what comes back")
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
    return {"forward": "forward \u2192", "backward": "\u2190 backward"}.get(direction, "")


def _cells(rows: list[StateRow], layer: LayerPlan) -> list[tuple[str, int]]:
    """The layer's (direction, cell) pairs in drawing order: forward first, stack order."""
    keys: list[tuple[str, int]] = []
    for row in rows:
        key = (row.direction, row.cell_index)
        if row.layer is layer and key not in keys:
            keys.append(key)
    return keys
