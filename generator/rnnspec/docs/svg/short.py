"""The short form (TEMPORARY: goes when every plan is drawn by rnnspec/docs/svg/graph.py).

Three columns, read left to right and top to bottom:

- left: how `initial_state` enters (a constant, model inputs, or nothing) and one box
  per state tensor, `name: shape`, with an arrow into its cell;
- middle: the sequence input, then each layer (a dashed frame titled with its Keras
  form) and its cells in stack order, forward before backward;
- right: what build_model() returns, numbered in Keras' order, `name: shape` exactly as
  the smoke run prints it, each with an arrow from the cell or layer that makes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .canvas import GAP, LINE, MARGIN, PAD, ROW, STYLE, Canvas, document, text_width
from .labels import cell_label, direction_label, input_lines, shape_line
from .layers import draw_layers
from .layout import Columns
from .states import state_rows

if TYPE_CHECKING:
    from ...plan import Plan


def draw_short(plan: Plan) -> str:
    """A short-form plan as a standalone SVG document."""
    rows = state_rows(plan)
    returns = list(plan.returns)
    returned_states = plan.spec.return_state
    index_of = {name: i for i, (name, _) in enumerate(returns)}
    outputs = returns[: len(returns) - (len(rows) if returned_states else 0)]
    absent = plan.initial_state_mode == "none"
    source, given = source_lines(plan), _input_lines(plan)
    cols = _columns(plan, source, given)

    canvas = Canvas()
    title = plan.name
    if plan.batch_size is None or plan.timesteps is None:
        title += f"  (shapes as run: batch {plan.smoke_batch_size}, {plan.smoke_timesteps} steps)"
    canvas.text(MARGIN, MARGIN + 14, title, cls="title")

    # Header row: where the initial state comes from, the input, what comes back.
    y = MARGIN + 32
    head = LINE * (max(len(source), 3) - 1) + 2 * PAD + 4
    canvas.box(
        cols.init,
        y,
        cols.w_init,
        head,
        "source" + (" absent" if absent else ""),
        source,
    )
    canvas.box(cols.mid, y, cols.w_mid, head, "input", given)
    canvas.text(cols.right, y + head // 2 + 4, "returned by build_model()", cls="note")
    y += head + 24
    canvas.arrow([(cols.center, y - 24), (cols.center, y - 2)])
    y, _ = draw_layers(
        canvas,
        plan,
        plan,
        cols,
        y,
        absent=absent,
        returned=index_of if returned_states else None,
    )

    # The output(s) of the top layer, returned first.
    bottom = y - 24
    for name, dims in outputs:
        cy = y + ROW // 2
        canvas.returned(
            cols.right, cols.w_right, cy, shape_line(name, dims, plan), index_of[name],
            [(cols.center, bottom), (cols.center, cy), (cols.right - 2, cy)],
        )  # fmt: skip
        y += ROW
    width = cols.right + cols.w_right + 30 + MARGIN
    return document(
        plan.name,
        canvas,
        width,
        y + MARGIN,
        STYLE,
        "the recurrent stack, its state tensors and what comes back",
    )


def _columns(plan: Plan, source: list[str], given: list[str]) -> Columns:
    """State on the left, the stack in the middle, returns on the right: widths from the
    longest label in each."""
    rows = state_rows(plan)
    left = [shape_line(r.state.name, r.state.batch_shape, plan) for r in rows] + source
    middle = given + [f"{layer.name}: {layer.summary}" for layer in plan.layers]
    for r in rows:
        middle.append(
            f"{r.layer.cells[r.cell_index].name}  {direction_label(r.direction)}"
        )
        middle.append(cell_label(r.layer, r.cell_index))
    right = [shape_line(name, dims, plan) for name, dims in plan.returns] + [
        "returned by build_model()"
    ]
    w_left, w_mid, w_right = text_width(left), text_width(middle), text_width(right)
    mid = MARGIN + w_left + GAP
    right_x = mid + w_mid + GAP
    # No hand-over, bridge or lane columns in the short form.
    return Columns(
        MARGIN, 0, MARGIN, MARGIN, w_left, mid, w_mid, right_x, right_x, w_right
    )


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


def _input_lines(plan: Plan) -> list[str]:
    """The input box: one input named "sequence"."""
    return input_lines("sequence", plan.batch_size, plan.timesteps, plan.step_shape)
