"""The words in the picture: tensors as the smoke run prints them, and the labels of
inputs, layers, cells, the layers around and between them (front, head, Dropout,
RepeatVector) and a block's initial state. Where they go is the layout's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...plan.model import CONSTANT, resolve_dims

if TYPE_CHECKING:
    from ...check.nodes import NodeShape
    from ...spec.around import AroundPlan
    from ...plan.model import BlockPlan, Dim, InputPlan, LayerPlan, ModelPlan


def run_shape(dims: tuple[Dim, ...], plan: ModelPlan) -> tuple[int, ...]:
    """A shape as the smoke run has it: dynamic dims at the sizes main() uses."""
    return resolve_dims(dims, plan.smoke_batch_size, plan.smoke_timesteps)  # type: ignore[arg-type, return-value]


def shape_line(name: str, dims: tuple[Dim, ...], plan: ModelPlan) -> str:
    """`name: (2, 32)`, the line the smoke run prints for a tensor."""
    return f"{name}: {run_shape(dims, plan)}"


def nested_inputs(plan: ModelPlan) -> set[str]:
    """The inputs a time_distributed block reads: each step a sequence itself."""
    return {
        block.reads
        for block in plan.blocks
        if block.layers[0].time_distributed and block.reads in plan.named_inputs
    }


def input_lines(given: InputPlan, plan: ModelPlan) -> list[str]:
    """An input's box: its name, its sizes, and one time step's features or frames
    (or inner sequence, read by a time_distributed block), a token input's vocabulary
    and its Embedding layer, or a vector's features."""
    batch_size = plan.batch_size
    step = given.step_shape
    if not given.sequence:
        return [
            f"input: {given.name}",
            f"batch_size={batch_size}",
            f"features={step[0]}",
        ]
    lines = [
        f"input: {given.name}",
        f"batch_size={batch_size}, timesteps={given.timesteps}",
    ]
    if given.masks is not None:
        return lines + [f"bool mask of {given.masks}: True on a real step"]
    if given.vocabulary is not None and given.embedding is None:  # a node embeds them
        return lines + [f"int32 tokens, vocabulary={given.vocabulary}"]
    if given.vocabulary is not None:
        mask = ", mask_zero=True" if given.mask_zero else ""
        return lines + [
            f"int32 tokens, vocabulary={given.vocabulary}",
            f"{given.embedding_layer}: Embedding({given.vocabulary}, {given.embedding}{mask})",
        ]
    if len(step) == 1:
        return lines + [f"features={step[0]}"]
    if given.name in nested_inputs(plan):
        return lines + [f"each step: {step[0]} steps of features={step[1]}"]
    channels = f"{step[-1]} channel" + ("s" if step[-1] != 1 else "")
    return lines + [f"frames {'x'.join(map(str, step[:-1]))}, {channels}"]


def layer_title(layer: LayerPlan) -> str:
    """A layer's frame title: its name and Keras form, and go_backwards if set."""
    backwards = ", go_backwards" if layer.go_backwards else ""
    return f"{layer.name}: {layer.summary}{backwards}"


def dropout_label(layer: LayerPlan) -> str:
    """The Dropout after a layer, for the next: `<layer>_dropout: Dropout(rate)`."""
    return f"{layer.dropout_layer}: Dropout({layer.dropout})"


def repeat_label(block: BlockPlan) -> str:
    """A block's RepeatVector: `<block>_repeat: RepeatVector(n)`."""
    return f"{block.repeat_layer}: RepeatVector({block.repeat})"


def cell_label(layer: LayerPlan, index: int) -> str:
    """The cell as Keras spells it in this layer: "LSTMCell(64)", or "GRU(32)" fused."""
    return layer.cells[index].label(layer.form == "fused")


def direction_label(direction: str) -> str:
    """An arrow for a bidirectional layer's direction; nothing for one direction."""
    return {"forward": "forward \u2192", "backward": "\u2190 backward"}.get(
        direction, ""
    )


def _value(value: object) -> str:
    """An argument as the labels write it: sizes as lists (never a shape), words bare."""
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(map(_value, value)) + "]"
    return str(value)


def layer_call(layer: AroundPlan) -> str:
    """A layer around a block as Keras is called: "Dense(40, softmax)" (a Dense's
    activation is its second positional argument), "Conv2D(32, kernel_size=[11, 41])".
    """
    parts = [_value(arg) for arg in layer.args]
    for key, value in layer.keywords:
        dense_activation = key == "activation" and layer.keras_class == "Dense"
        parts.append(_value(value) if dense_activation else f"{key}={_value(value)}")
    call = f"{layer.keras_class}({', '.join(parts)})"
    return f"TimeDistributed({call})" if layer.wrapped else call


def around_label(layer: AroundPlan) -> str:
    """`<layer name>: <its call>`: "decoder_head: Dense(40, softmax)"."""
    return f"{layer.name}: {layer_call(layer)}"


def node_lines(node: NodeShape) -> list[str]:
    """A layer node's box: its merge of what it reads, then its layers."""
    lines = [f"{node.name}: {', '.join(node.reads)}"]
    if node.merge:
        lines.append(around_label(node.merge))
    return lines + [around_label(layer) for layer in node.layers]


def attention_lines(block: BlockPlan) -> list[str]:
    """A block's attention box: what it attends over, then its layers in the order
    they run: "attention over encoder: encoder_output", "decoder_attention:
    AdditiveAttention()", ... ; [] without attention."""
    a = block.attention
    if a is None:
        return []
    projection = f"Dense({a.width}, use_bias=False)"
    lines = [f"attention over {a.over}: {a.memory}"]
    lines += [f"{a.query_layer}: {projection}"] if a.query_layer else []
    lines += [f"{a.key_layer}: {projection}"] if a.key_layer else []
    lines += [f"{a.layer}: {a.keras_class}()", f"{a.concat_layer}: Concatenate()"]
    return lines + ([around_label(a.vector)] if a.vector else [])


def bridge_word(block: BlockPlan) -> str:
    """The hand-over's bridge as the spec says it: an input's projection is `project`."""
    return "project" if block.projection else block.bridges[0].kind


def handover_note(block: BlockPlan) -> str:
    """Where the hand-over column's state comes from: a block's final state, or the
    Dense layer of an input."""
    if block.projection:
        return f"{layer_call(block.projection)} of {block.projected}"
    return f"final state of {block.source}"


def init_notes(plan: ModelPlan, block: BlockPlan) -> list[str]:
    """Where a block's initial state comes from (another block, or its mode), then
    what the model does with it where that is not the mode's plain meaning."""
    if block.source:
        return [f"from {block.source}, bridge: {bridge_word(block)}"]
    lines = [f"initial_state: {block.initial_state_mode}"]
    if block.stateful:
        lines += ["not passed: stateful,", "carried between calls"]
    if block.keras_zeros:
        lines.append("not passed: Keras' zeros")
    elif plan.repeat_over_batch and block.initial_state_mode in CONSTANT:
        lines.append("repeated over the batch")
    return lines
