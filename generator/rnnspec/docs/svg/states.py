"""Which state tensor belongs to which layer, direction and cell, in Keras' flat order.

Both the pictures and the pages list a stack's state tensors this way; the pictures draw
a layer's cells in the order their state tensors first come.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...plan.model import BlockPlan, LayerPlan, StateTensor


@dataclass(frozen=True)
class StateRow:
    """One state tensor and where it belongs."""

    state: StateTensor
    layer: LayerPlan
    direction: str  # "forward", "backward", or "" for one direction
    cell_index: int


def state_rows(block: BlockPlan) -> list[StateRow]:
    """Every state tensor in Keras' flat order, with its layer, direction and cell.

    Per layer the flat order is forward then backward, and within a direction cell by
    cell, h before c (rnnspec/check/stack.py).
    """
    rows = []
    for layer in block.layers:
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


def cell_rows(
    rows: list[StateRow], layer: LayerPlan
) -> list[tuple[tuple[str, int], list[StateRow]]]:
    """The layer's cells in drawing order (forward first, stack order), each as its
    (direction, cell index) and its state rows."""
    cells: dict[tuple[str, int], list[StateRow]] = {}
    for row in rows:
        if row.layer is layer:
            cells.setdefault((row.direction, row.cell_index), []).append(row)
    return list(cells.items())
