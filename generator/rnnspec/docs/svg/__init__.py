"""An SVG picture of a plan: inputs, blocks, layers and cells, every state tensor, and
what build_model() returns.

`draw(plan)` is the one entry point. One module an idea:

- canvas: sizes, the stylesheet, boxes, text and arrows, the SVG document;
- states: each state tensor's layer, direction and cell, in Keras' flat order;
- labels: the words, tensors as the smoke run prints them;
- layout: the columns and their widths, the lanes for input arrows;
- layers: a stack's layers, cells and state tensors, drawn down the middle column;
- handover: the state one block hands another, through a bridge;
- graph: the long form, inputs and blocks top to bottom;
- short: the short form (temporary, until every plan is drawn as a graph).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...graph import GraphPlan
from .graph import draw_graph
from .labels import head_label, run_shape, shape_line
from .short import draw_short
from .states import state_rows

if TYPE_CHECKING:
    from ...plan import Plan

__all__ = ["draw", "head_label", "run_shape", "shape_line", "state_rows"]


def draw(plan: Plan | GraphPlan) -> str:
    """The plan as a standalone SVG document."""
    if isinstance(plan, GraphPlan):
        return draw_graph(plan)
    return draw_short(plan)
