"""An SVG picture of a plan: inputs, blocks, layers and cells, every state tensor, and
what build_model() returns.

`draw(plan)` is the one entry point. One module an idea:

- canvas: sizes, the stylesheet, boxes, text and arrows, the SVG document;
- states: each state tensor's layer, direction and cell, in Keras' flat order;
- labels: the words, tensors as the smoke run prints them;
- layout: the columns and their widths, the lanes for input arrows;
- layers: a block's layers, cells and state tensors, drawn down the middle column;
- handover: the state one block hands another, through a bridge;
- graph: the picture, inputs and blocks top to bottom.
"""

from __future__ import annotations

from .graph import draw
from .labels import (
    around_label,
    attention_lines,
    bridge_word,
    layer_call,
    run_shape,
    shape_line,
)
from .states import state_rows

__all__ = [
    "around_label",
    "attention_lines",
    "bridge_word",
    "draw",
    "layer_call",
    "run_shape",
    "shape_line",
    "state_rows",
]
