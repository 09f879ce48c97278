"""What a page says about one block, as plain values: what it reads, its layers (and
the layers around them), how its state starts and what comes back of it.

Every value is read from the plan (rnnspec/plan/model.py), so a note about a property (a
stateful layer, Bidirectional, stacked cells, a state repeated over the batch) applies
to any block that has it, in either spec form; the words are in
rnnspec/docs/templates/block.md.jinja.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check.attention import AttentionPlan
from ..plan.model import CONSTANT, BlockPlan, Bridge, LayerPlan, ModelPlan
from .markdown import nested
from .svg import around_label, bridge_word

# Around-layer classes that act on each time step alone (the rest move over time).
PER_STEP = (
    "Dense",
    "Dropout",
    "BatchNormalization",
    "LayerNormalization",
    "Activation",
)


@dataclass(frozen=True)
class LayerRow:
    name: str
    summary: str
    cells: list[str]
    bidirectional: bool
    stateful: bool
    go_backwards: bool  # reads its input from the last step back
    every_step: bool  # returns its output at every step (a sequence)
    dropout: float | None  # the rate of the Dropout on its output, for the next layer
    dropout_layer: str
    feeds: str  # what the next layer reads: its output, or the Dropout's
    time_distributed: bool = False  # wrapped in TimeDistributed over the outer axis


@dataclass(frozen=True)
class BridgeRow:
    """How one of the block's state tensors is made from its source's final state."""

    kind: str  # none | concat | project | per_layer | shared (an input's projection)
    target: str
    sources: list[str]
    concat_layer: str | None
    dense_layer: str | None
    activation: str | None  # of a project bridge's Dense layer


@dataclass(frozen=True)
class AttentionRow:
    """The block's attention over a block above: its layers in the order they run."""

    over: str  # the memory block
    score: str  # additive | dot
    keras_class: str  # AdditiveAttention | Attention
    layer: str
    query: str  # the top recurrent layer's output, the query
    memory: str  # the memory block's output sequence
    query_layer: str | None  # a Dense on the query (additive with project)
    key_layer: str | None  # a Dense on the keys (with project)
    context: str  # the attention layer's output
    concat_layer: str
    context_first: bool  # Concatenate joins [context, output]; else [output, context]
    joined: str  # Concatenate's output
    vector: str | None  # the Dense on the joined vector, "name: Dense(...)"
    output: str  # the last of its tensors: what the head reads, or the block's output
    masked_by: str | None  # the token input whose padding masks the memory
    mask: str | None  # that mask's tensor


@dataclass(frozen=True)
class BlockRow:
    name: str
    reads: str  # the input or block it reads, by its spec name
    input: str  # the tensor its first layer reads
    upstream: str | None  # the block whose output it reads; None: an input
    read: str  # the tensor it takes from that input or block
    embedding: str | None  # the Embedding layer of the token input it reads
    repeat: int | None  # with repeat: how many times RepeatVector repeats `read`
    repeat_layer: str
    front: list[str]  # its front's layers, "speech_front_2: BatchNormalization()"
    front_per_step: bool  # every front layer acts on each time step alone
    recurrent_input: str  # what its first recurrent layer reads: input, or front's
    layers: list[LayerRow]
    head: list[str]  # its head's layers, "decoder_head: Dense(93, softmax)"
    head_per_step: bool  # every head layer acts on each time step alone
    every_step: bool  # the top layer returns sequences
    output: str
    initial_state: str  # zeros | ones | random | input | none | from
    structure: str  # the state as initial_state= nests it
    state_inputs: list[str]  # the model inputs that carry it (initial_state: input)
    source: str | None  # the block whose final state starts it, or the input projected
    bridge: str | None  # the hand-over's bridge, as the spec says it
    projection: str | None  # the Dense layer of an input that starts its state
    projected: str | None  # that layer's output
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
    attention: AttentionRow | None
    feedback: tuple[str, int, str] | None = None  # its FeedBack layer, steps, cell


def block_row(plan: ModelPlan, block: BlockPlan) -> BlockRow:
    """The block's row, its names and properties as the plan has them."""
    given = next((i for i in plan.inputs if i.name == block.reads), None)
    cells = [cell for layer in block.layers for cell in layer.cells]
    return BlockRow(
        name=block.name,
        reads=block.reads,
        input=block.input,
        upstream=None if given else block.reads,
        read=block.repeated or block.input,
        embedding=given.embedding_layer if given and given.embedding else None,
        repeat=block.repeat,
        repeat_layer=block.repeat_layer,
        front=[around_label(layer) for layer in block.front],
        front_per_step=all(layer.keras_class in PER_STEP for layer in block.front),
        recurrent_input=block.recurrent_input,
        layers=[_layer(layer) for layer in block.layers],
        head=[around_label(layer) for layer in block.head],
        head_per_step=all(layer.keras_class in PER_STEP for layer in block.head),
        every_step=block.layers[-1].return_sequences,
        output=block.output[0],
        initial_state=block.initial_state_mode,
        structure=nested(block.initial_state),
        state_inputs=block.step_inputs[1:],  # initial_<state>, as the model takes them
        source=block.source,
        bridge=bridge_word(block) if block.source else None,
        projection=around_label(block.projection) if block.projection else None,
        projected=block.projection.output if block.projection else None,
        bridges=[_bridge(bridge) for bridge in block.bridges],
        return_state=block.return_state,
        returned=block.name in plan.outputs,
        starts=[b.name for b in plan.blocks if b.source == block.name],
        offered=block in plan.initial_blocks,
        repeated=plan.repeat_over_batch
        and block.initial_state_mode in CONSTANT
        and not block.keras_zeros,
        stateful=block.stateful,
        bidirectional=any(layer.merge_mode for layer in block.layers),
        stacked=any(layer.form == "stacked" for layer in block.layers),
        one_state_cells=all(len(cell.state_shapes) == 1 for cell in cells),
        attention=_attention(block.attention) if block.attention else None,
        feedback=(
            (block.feedback.layer, block.feedback.steps, block.feedback.cell)
            if block.feedback
            else None
        ),
    )


def _attention(attention: AttentionPlan) -> AttentionRow:
    return AttentionRow(
        over=attention.over,
        score=attention.score,
        keras_class=attention.keras_class,
        layer=attention.layer,
        query=attention.query,
        memory=attention.memory,
        query_layer=attention.query_layer,
        key_layer=attention.key_layer,
        context=attention.context,
        concat_layer=attention.concat_layer,
        context_first=attention.context_first,
        joined=attention.joined,
        vector=around_label(attention.vector) if attention.vector else None,
        output=attention.output[0],
        masked_by=attention.mask_from,
        mask=attention.mask,
    )


def _layer(layer: LayerPlan) -> LayerRow:
    return LayerRow(
        layer.name,
        layer.summary,
        [cell.name for cell in layer.cells],
        bool(layer.merge_mode),
        layer.stateful,
        layer.go_backwards,
        layer.return_sequences,
        layer.dropout,
        layer.dropout_layer,
        layer.feeds,
        layer.time_distributed,
    )


def _bridge(bridge: Bridge) -> BridgeRow:
    return BridgeRow(
        bridge.kind,
        bridge.target.name,
        [s.name for s in bridge.sources],
        bridge.concat_layer,
        bridge.dense_layer,
        bridge.activation,
    )
