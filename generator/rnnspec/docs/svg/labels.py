"""The words in the picture: tensors as the smoke run prints them, and the labels of
inputs, cells, heads and a block's initial state. Where they go is the layout's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...plan import CONSTANT, resolve_dims

if TYPE_CHECKING:
    from ...plan import BlockPlan, Dim, LayerPlan, ModelPlan


def run_shape(dims: tuple[Dim, ...], plan: ModelPlan) -> tuple[int, ...]:
    """A shape as the smoke run has it: dynamic dims at the sizes main() uses."""
    return resolve_dims(dims, plan.smoke_batch_size, plan.smoke_timesteps)  # type: ignore[arg-type, return-value]


def shape_line(name: str, dims: tuple[Dim, ...], plan: ModelPlan) -> str:
    """`name: (2, 32)`, the line the smoke run prints for a tensor."""
    return f"{name}: {run_shape(dims, plan)}"


def input_lines(
    name: str, batch_size: int | None, timesteps: int | None, step: tuple[int, ...]
) -> list[str]:
    """An input's box: its name, its sizes, and one time step's features or frames."""
    size = (
        f"features={step[0]}"
        if len(step) == 1
        else f"frames {'x'.join(map(str, step[:-1]))}, {step[-1]} channels"
    )
    return [
        f"input: {name}",
        f"batch_size={batch_size}, timesteps={timesteps}",
        size,
    ]


def cell_label(layer: LayerPlan, index: int) -> str:
    """The cell as Keras spells it in this layer: "LSTMCell(64)", or "GRU(32)" fused."""
    return layer.cells[index].label(layer.form == "fused")


def direction_label(direction: str) -> str:
    """An arrow for a bidirectional layer's direction; nothing for one direction."""
    return {"forward": "forward \u2192", "backward": "\u2190 backward"}.get(
        direction, ""
    )


def head_label(block: BlockPlan) -> str:
    """`<layer name>: Dense(units[, activation])`."""
    head = block.head
    args = [str(head.units)] + ([head.activation] if head.activation else [])  # type: ignore[union-attr]
    return f"{block.head_layer}: Dense({', '.join(args)})"


def init_notes(plan: ModelPlan, block: BlockPlan) -> list[str]:
    """Where a block's initial state comes from (another block, or its mode), then
    what the model does with it where that is not the mode's plain meaning."""
    if block.source:
        return [f"from {block.source}, bridge: {block.bridges[0].kind}"]
    lines = [f"initial_state: {block.initial_state_mode}"]
    if block.stateful:
        lines += ["not passed: stateful,", "carried between calls"]
    if plan.repeat_over_batch and block.initial_state_mode in CONSTANT:
        lines.append("repeated over the batch")
    return lines
