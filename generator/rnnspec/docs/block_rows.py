"""What a page says about one block, as plain values: its layers, how its state starts
and what comes back of it.

Every value is read from the plan (rnnspec/plan.py), so a note about a property (a
stateful layer, Bidirectional, stacked cells, a state repeated over the batch) applies
to any block that has it, in either spec form; the words are in
rnnspec/docs/templates/block.md.jinja.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..plan import CONSTANT, BlockPlan, Bridge, LayerPlan, ModelPlan
from .markdown import nested
from .svg import head_label


@dataclass(frozen=True)
class LayerRow:
    name: str
    summary: str
    cells: list[str]
    bidirectional: bool
    stateful: bool


@dataclass(frozen=True)
class BridgeRow:
    """How one of the block's state tensors is made from its source's final state."""

    kind: str  # none | concat | project
    target: str
    sources: list[str]
    concat_layer: str | None
    dense_layer: str | None


@dataclass(frozen=True)
class BlockRow:
    name: str
    input: str
    upstream: str | None  # the block whose output sequence it reads; None: an input
    layers: list[LayerRow]
    head: str | None  # the head's label, "decoder_head: Dense(93, softmax)"
    every_step: bool  # the top layer returns sequences
    output: str
    initial_state: str  # zeros | ones | random | input | none | from
    structure: str  # the state as initial_state= nests it
    state_inputs: list[str]  # the model inputs that carry it (initial_state: input)
    source: str | None  # the block whose final state starts it
    bridges: list[BridgeRow]
    return_state: bool
    returned: bool  # an output block: build_model() returns its output
    starts: list[str]  # the blocks its final state starts
    offered: bool  # make_initial_state() builds its state
    repeated: bool  # a constant state, repeated over a dynamic batch (RepeatOverBatch)
    stateful: bool
    bidirectional: bool  # some layer is wrapped in Bidirectional
    stacked: bool  # some layer is RNN(StackedRNNCells(...))
    one_state_cells: bool  # every cell has one state tensor (h)


def block_row(plan: ModelPlan, block: BlockPlan) -> BlockRow:
    """The block's row, its names and properties as the plan has them."""
    upstream = next((b for b in plan.blocks if b.output[0] == block.input), None)
    cells = [cell for layer in block.layers for cell in layer.cells]
    return BlockRow(
        name=block.name,
        input=block.input,
        upstream=upstream.name if upstream else None,
        layers=[_layer(layer) for layer in block.layers],
        head=head_label(block) if block.head else None,
        every_step=block.layers[-1].return_sequences,
        output=block.output[0],
        initial_state=block.initial_state_mode,
        structure=nested(block.initial_state),
        state_inputs=block.step_inputs[1:],  # initial_<state>, as the model takes them
        source=block.source,
        bridges=[_bridge(bridge) for bridge in block.bridges],
        return_state=block.return_state,
        returned=block.name in plan.outputs,
        starts=[b.name for b in plan.blocks if b.source == block.name],
        offered=block in plan.initial_blocks,
        repeated=plan.batch_size is None and block.initial_state_mode in CONSTANT,
        stateful=block.stateful,
        bidirectional=any(layer.merge_mode for layer in block.layers),
        stacked=any(layer.form == "stacked" for layer in block.layers),
        one_state_cells=all(len(cell.state_shapes) == 1 for cell in cells),
    )


def _layer(layer: LayerPlan) -> LayerRow:
    return LayerRow(
        layer.name,
        layer.summary,
        [cell.name for cell in layer.cells],
        bool(layer.merge_mode),
        layer.stateful,
    )


def _bridge(bridge: Bridge) -> BridgeRow:
    return BridgeRow(
        bridge.kind,
        bridge.target.name,
        [s.name for s in bridge.sources],
        bridge.concat_layer,
        bridge.dense_layer,
    )
