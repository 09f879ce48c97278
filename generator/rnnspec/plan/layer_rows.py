"""Every Keras layer of a planned model, in the order the module builds them, with its
class, output shape and parameter count: what `rnnspec check` prints, and what the
tests hold against `model.get_layer(name)`. The parameters add up to the model's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..check.stack import Dim, LayerPlan
from .parts import BlockPlan

if TYPE_CHECKING:
    from ..check.nodes import NodeShape
    from ..check.attention import AttentionPlan
    from ..spec.around import AroundPlan
    from .model import ModelPlan


@dataclass(frozen=True)
class LayerRow:
    """One Keras layer: its name, class, (first) output's shape, batch first, and
    Keras' count_params()."""

    name: str
    keras_class: str
    shape: tuple[Dim, ...]
    params: int


def layer_rows(plan: ModelPlan) -> list[LayerRow]:
    """The model's layers: each token input's Embedding, then block by block its
    bridge, repeat, front, recurrent (and Dropout), attention and head layers, and
    node by node its merge and layers. Only those the outputs depend on: Keras drops
    any other."""
    rows = [
        LayerRow(
            given.embedding_layer,
            "Embedding",
            ("batch_size", _time(plan, given.name), given.embedding),
            given.params,
        )
        for given in plan.inputs
        if given.embedding
    ]
    used = plan.spec.used
    for kind, entry in plan.graph:
        if entry.name not in used:
            continue
        if kind == "node":
            node: NodeShape = entry  # type: ignore[assignment]
            merge = (node.merge,) if node.merge else ()
            rows += [_around(layer) for layer in (*merge, *node.layers)]
            continue
        block: BlockPlan = entry  # type: ignore[assignment]
        rows += _bridge_rows(block)
        if block.repeated:
            read = plan.named_nodes.get(block.reads) or plan.block(block.reads)
            width = read.output[1][-1]
            rows.append(
                LayerRow(
                    block.repeat_layer,
                    "RepeatVector",
                    ("batch_size", block.repeat, width),  # type: ignore[arg-type]
                    0,
                )
            )
        rows += [_around(layer) for layer in block.front]
        for layer in block.layers:
            rows += _recurrent_rows(layer, block.attention)
        rows += _attention_rows(block)
        rows += [_around(layer) for layer in block.head]
    return rows


def _time(plan: ModelPlan, name: str) -> Dim:
    return f"timesteps[{name!r}]" if plan.keyed else "timesteps"


def _around(layer: AroundPlan) -> LayerRow:
    keras_class = "TimeDistributed" if layer.wrapped else layer.keras_class
    return LayerRow(layer.name, keras_class, layer.shape, layer.params)


def _dense(inputs: int, units: int, use_bias: bool = True) -> int:
    """A Dense layer's weights: its kernel, and its bias."""
    return inputs * units + (units if use_bias else 0)


def _bridge_rows(block: BlockPlan) -> list[LayerRow]:
    """The layers that turn a source's state (or an input) into the block's."""
    rows = [_around(block.projection)] if block.projection else []
    for bridge in block.bridges:
        width = sum(int(s.shape[-1]) for s in bridge.sources)
        batch = ("batch_size", *bridge.sources[0].shape[:-1])
        if bridge.concat_layer:
            rows.append(
                LayerRow(bridge.concat_layer, "Concatenate", (*batch, width), 0)
            )
        if bridge.dense_layer:
            units = int(bridge.target.shape[-1])
            rows.append(
                LayerRow(
                    bridge.dense_layer, "Dense", (*batch, units), _dense(width, units)
                )
            )
    return rows


def _recurrent_rows(
    layer: LayerPlan, attention: AttentionPlan | None = None
) -> list[LayerRow]:
    """A recurrent layer (its first output's shape: the sequence or last output; with
    merge_mode: none, the forward one), and the Dropout after it. With input feeding
    (one layer) it is the module's InputFeeding, holding the attention's weights."""
    if attention is not None and attention.feeding:
        output = layer.outputs[0][1]
        return [
            LayerRow(
                layer.name, "InputFeeding", output, layer.params + attention.params
            )
        ]
    if layer.time_distributed:
        keras_class = "TimeDistributed"
    elif layer.merge_mode:
        keras_class = "Bidirectional"
    elif layer.form == "fused":
        keras_class = layer.cells[0].keras_layer
    else:
        keras_class = "RNN"
    output = layer.outputs[0][1]
    rows = [LayerRow(layer.name, keras_class, output, layer.params)]
    if layer.dropout:
        rows.append(LayerRow(layer.dropout_layer, "Dropout", output, 0))
    return rows


def _attention_rows(block: BlockPlan) -> list[LayerRow]:
    """Attention's projections, the attention layer, the join and its vector."""
    att = block.attention
    if att is None or att.feeding:
        return []
    query = block.layers[-1].outputs[0][1]  # (batch, time, width)
    memory = att.memory_shape
    rows = []
    if att.query_layer:
        params = _dense(att.width, att.width, use_bias=False)
        rows.append(LayerRow(att.query_layer, "Dense", query, params))
    if att.key_layer:
        params = _dense(att.memory_width, att.width, use_bias=False)
        rows.append(LayerRow(att.key_layer, "Dense", (*memory[:-1], att.width), params))
    scale = att.width if att.score == "additive" else 0
    context = (*query[:-1], att.memory_width)
    rows.append(LayerRow(att.layer, att.keras_class, context, scale))
    joined = (*query[:-1], att.width + att.memory_width)
    rows.append(LayerRow(att.concat_layer, "Concatenate", joined, 0))
    if att.vector:
        rows.append(_around(att.vector))
    return rows
