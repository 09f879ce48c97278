"""The module's header comment: the plan's inputs, blocks and nodes, a line each."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..check.nodes import NodeShape
    from ..spec.around import AroundPlan
    from .parts import BlockPlan, InputPlan


def summary_lines(
    inputs: tuple[InputPlan, ...],
    graph: tuple[tuple[str, BlockPlan | NodeShape], ...],
    batch_size: int | None,
) -> list[str]:
    """Inputs, then blocks and nodes in order: their layers, how blocks start, the
    layers around them, what nodes merge."""
    lines = []
    for given in inputs:
        if not given.sequence:
            lines.append(
                f"{given.name}: batch_size={batch_size}, features={given.step_shape[0]}"
            )
            continue
        if given.masks is not None:
            step = f"bool, True on a real step of {given.masks}"
        elif given.vocabulary is not None:
            step = f"tokens of {given.vocabulary}" + (
                f", embedding={given.embedding}" if given.embedding else ""
            )
        elif len(given.step_shape) > 1:
            step = f"shape={given.step_shape}"
        else:
            step = f"features={given.step_shape[0]}"
        lines.append(
            f"{given.name}: batch_size={batch_size}, timesteps={given.timesteps}, {step}"
        )
    for kind, entry in graph:
        if kind == "node":
            lines.append(_node_line(entry))  # type: ignore[arg-type]
            continue
        block: BlockPlan = entry  # type: ignore[assignment]
        text = " -> ".join(layer.summary for layer in block.layers)
        if block.source:
            bridge = block.bridges[0].kind
            text += f", initial state from {block.source}" + (
                f" (bridge: {bridge})" if bridge != "none" else ""
            )
        elif block.initial_state_mode != "none":
            text += f", initial state: {block.initial_state_mode}"
        if block.front:
            text = f"front {_layers(block.front)} -> " + text
        if block.attention:
            text += f", {block.attention.summary}"
        if block.head:
            text += f", head {_layers(block.head)}"
        if block.feedback:
            text += f", fed back: {block.feedback.steps} predictions"
        lines.append(f"{block.name} ({block.input}): {text}")
    return lines


def _layers(layers: tuple[AroundPlan, ...]) -> str:
    """Layers around a block, briefly: "Dense(93, softmax) -> Dropout(0.5)"."""
    return " -> ".join(layer.brief for layer in layers)


def _node_line(node: NodeShape) -> str:
    """A layer node: "features (title, body): Concatenate -> Dense(1)"."""
    merge = [node.merge.keras_class] if node.merge else []
    text = " -> ".join(merge + [_layers(node.layers)] * bool(node.layers))
    return f"{node.name} ({', '.join(node.reads)}): {text}"
