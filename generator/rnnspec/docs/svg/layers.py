"""A recurrent stack drawn down the middle column: per layer a dashed frame titled with
its Keras form, its cells in stack order (forward before backward, the lower feeding the
upper), each cell's state tensors in the initial-state column with an arrow in, and,
when the stack returns its state, each again in the returned column with an arrow out.
A Dropout between two layers is a box of its own between their frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .canvas import BOX, ROW, Canvas
from .labels import cell_label, direction_label, dropout_label, layer_title, shape_line
from .states import cell_rows, state_rows

if TYPE_CHECKING:
    from ...plan.model import BlockPlan, ModelPlan
    from .layout import Columns


def draw_layers(
    canvas: Canvas,
    plan: ModelPlan,
    block: BlockPlan,
    cols: Columns,
    y: int,
    *,
    absent: bool,
    returned: dict[str, int] | None,
) -> tuple[int, dict[str, int]]:
    """The block's layers from `y` down; the y below them and each state tensor's row.

    `absent`: no initial state is passed (its boxes and arrows dashed); `returned`: the
    index of each returned state tensor, or None when the block's state is not returned.
    """
    rows, state_y = state_rows(block), {}
    for number, layer in enumerate(block.layers):
        below = block.layers[number - 1] if number else None
        if below is not None and below.dropout:
            canvas.arrow([(cols.center, y - 24), (cols.center, y - 2)])
            canvas.box(cols.mid, y, cols.w_mid, BOX, "op", [dropout_label(below)])
            y += BOX + 24
        if below is not None:
            canvas.arrow([(cols.center, y - 24), (cols.center, y - 2)])
        top = y
        canvas.text(cols.mid - 2, y + 16, layer_title(layer), cls="note")
        y += 26
        previous: tuple[str, int] | None = None  # (direction, bottom) of the last cell
        for (direction, index), mine in cell_rows(rows, layer):
            if previous is not None and previous[0] == direction:
                canvas.arrow([(cols.center, previous[1]), (cols.center, y + 1)])
            height = max(2, len(mine)) * ROW
            name = layer.cells[index].name
            canvas.box(
                cols.mid,
                y + 3,
                cols.w_mid,
                height - 6,
                "cell",
                [
                    cell_label(layer, index),
                    f"{name}  {direction_label(direction)}".rstrip(),
                ],
            )
            first = y + (height - len(mine) * ROW) // 2
            for k, row in enumerate(mine):
                cy = state_y[row.state.name] = first + k * ROW + ROW // 2
                line = shape_line(row.state.name, row.state.batch_shape, plan)
                _state(canvas, cols, cy, line, absent)
                if returned is not None:
                    canvas.returned(
                        cols.right, cols.w_right, cy, line, returned[row.state.name],
                        [(cols.mid + cols.w_mid, cy), (cols.right - 2, cy)],
                    )  # fmt: skip
            y += height
            previous = (direction, y - 3)
            y += 14
        y -= 6
        canvas.frame("frame", cols.mid - 12, top, cols.w_mid + 24, y - top, 6)
        y += 24
    return y, state_y


def _state(canvas: Canvas, cols: Columns, cy: int, line: str, absent: bool) -> None:
    """An initial state tensor's box, centred on `cy`, with its arrow into the cell."""
    dashed = " absent" if absent else ""
    canvas.box(cols.init, cy - BOX // 2, cols.w_init, BOX, "state" + dashed, [line])
    canvas.arrow([(cols.init + cols.w_init, cy), (cols.mid - 2, cy)], dashed=absent)
