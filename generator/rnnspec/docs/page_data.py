"""What a model's page says, as plain values: the rows its template lays out.

Everything here is read from the plan (its names, never a name rebuilt from a block's)
and from the run's printed output (every shape the page states); a block's own rows are
in block_rows.py, what the module offers beyond build_model() in features.py, the words
in rnnspec/docs/templates/page.md.jinja and its partials.
Only `keyed` tells a short-form spec's page from a long one's: where the module's API
differs (`make_initial_state()` and `TIMESTEPS` keyed by block and input, or not).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..cells import ROLE_NAMES
from ..check.nodes import NodeShape
from ..plan.model import BlockPlan, ModelPlan
from .block_rows import BlockRow, block_row
from .features import (
    Decoding,
    Reset,
    Training,
    decoding_part,
    reset_part,
    training_part,
)
from .output import printed_shapes, step_lines
from .svg import state_rows
from .svg.labels import layer_call
from .svg.labels import nested_inputs


@dataclass(frozen=True)
class InputRow:
    name: str
    timesteps: int | None
    step_shape: tuple[int, ...]  # one step as given: () for a token
    readers: list[str]  # the blocks that read it
    starts: list[str]  # the blocks whose state a Dense layer of it starts
    sequence: bool  # False: one vector per example, no time axis
    vocabulary: int | None  # a token input: its ids are in [0, vocabulary)
    embedding: int | None  # a token input: each token's vector size
    mask_zero: bool
    embedding_layer: str
    tensor: str  # what blocks read: the input, or its embedding's output
    masks: str | None = None  # a mask input: the input whose real steps it marks
    mask_input: str | None = None  # the mask input of this one, if any
    nested: bool = False  # read by a time_distributed block: each step a sequence


@dataclass(frozen=True)
class Dynamic:
    """A size the spec leaves open and the run chose: the batch's, or an input's length."""

    input: str | None  # None: the batch size
    size: int


@dataclass(frozen=True)
class ReturnedRow:
    """A returned tensor: a block's output (`role` None) or one of its final states."""

    tensor: str
    shape: str  # as the run printed it
    block: str
    every_step: bool  # an output: the top layer returns sequences
    reversals: int = 0  # an output: its one-direction layers that go_backwards
    head: list[str] | None = None  # an output: the head's layers it comes through
    merge: str | None = None  # an output: how Bidirectional merged its two copies
    attention: str | None = None  # an output: the block its attention reads
    role: str | None = None  # a state: "h" or "c"
    role_name: str = ""  # a state: "hidden state"
    cell: str = ""  # a state: its cell's name
    direction: str = ""  # "", "forward" or "backward"
    node: bool = False  # a layer node's output
    feedback: int | None = None  # an output: the steps its FeedBack layer predicts


@dataclass(frozen=True)
class NodeRow:
    """A layer node: what it reads (spec names), its merge and layers as called."""

    name: str
    reads: list[str]
    merge: str | None  # "Concatenate(...)"
    layers: list[str]  # "name: Dense(4)"


@dataclass(frozen=True)
class StepRow:
    """A line the one-step decoder printed: its output (`state` None) or a next state."""

    name: str
    shape: str
    state: str | None


@dataclass(frozen=True)
class Inference:
    decoder: str
    encoders: list[str]
    inputs: list[str]  # the encoder model's inputs
    memories: list[str]  # what it returns before the state: what attention reads
    step_input: str  # the model input the decoder steps through
    embedding: str | None  # the step input's Embedding layer, for tokens
    output: str
    steps: list[StepRow]  # [] where the decoders print their classes (Decoding)


@dataclass(frozen=True)
class Page:
    name: str
    description: str
    spec_file: str
    spec_text: str
    module: str
    output: str
    keyed: bool  # module constants keyed by input and block (the long form)
    single: bool  # one block: the page speaks of the model's layers, not of blocks
    batch_size: int | None
    dtype: str
    inputs: list[InputRow]
    dynamic: list[Dynamic]
    blocks: list[BlockRow]
    nodes: list[NodeRow]
    returned: list[ReturnedRow]
    inference: Inference | None
    reset: Reset | None
    decoding: Decoding | None
    training: Training | None
    links: (
        str | None
    )  # where links into rnnspec's docs start ("../", a URL); None: no links


def page_data(
    plan: ModelPlan,
    spec_file: str,
    spec_text: str,
    module: str,
    output: str,
    links: str | None = None,
) -> Page:
    """The page of `plan`, shapes as `output` printed them; `links`: see Page."""
    printed = printed_shapes(output)
    dynamic = (
        [] if plan.batch_size is not None else [Dynamic(None, plan.smoke_batch_size)]
    )
    dynamic += [
        Dynamic(i.name, i.smoke_timesteps)
        for i in plan.sequences
        if i.timesteps is None
    ]
    return Page(
        name=plan.name,
        description=plan.description,
        spec_file=spec_file,
        spec_text=spec_text,
        module=module,
        output=output,
        keyed=plan.keyed,
        single=len(plan.blocks) == 1,
        batch_size=plan.batch_size,
        dtype=plan.dtype,
        inputs=[
            InputRow(
                given.name,
                given.timesteps,
                given.step_shape,
                [b.name for b in plan.blocks if b.reads == given.name],
                [b.name for b in plan.blocks if b.projected == given.name],
                given.sequence,
                given.vocabulary,
                given.embedding,
                given.mask_zero,
                given.embedding_layer,
                given.tensor,
                given.masks,
                given.mask_input,
                given.name in nested_inputs(plan),
            )
            for given in plan.inputs
        ],
        dynamic=dynamic,
        blocks=[block_row(plan, block) for block in plan.blocks],
        nodes=[_node_row(node) for node in plan.nodes],
        returned=_returned(plan, printed),
        inference=_inference(plan, printed),
        reset=reset_part(plan),
        decoding=decoding_part(plan, printed),
        training=training_part(plan, printed),
        links=links,
    )


def _returned(plan: ModelPlan, printed: dict[str, str]) -> list[ReturnedRow]:
    """The table of what build_model() returns, in its order."""
    rows: dict[str, ReturnedRow] = {}
    for name in plan.outputs:
        if name in plan.named_nodes:
            rows[name] = ReturnedRow(name, "", name, False, node=True)
            continue
        block = plan.block(name)
        top = block.layers[-1]
        head = [layer.name for layer in block.head] or None
        # Without a head, `merge_mode: none` gives two outputs: forward, then backward.
        outputs = (
            [block.output[0]]
            if head or block.attention
            else [tensor for tensor, _ in top.outputs]
        )
        directions = ["forward", "backward"] if len(outputs) == 2 else [""]
        for tensor, direction in zip(outputs, directions):
            rows[tensor] = ReturnedRow(
                tensor,
                "",
                name,
                top.return_sequences,
                _reversals(block),
                head,
                merge=top.keras_merge_mode,
                attention=block.attention.over if block.attention else None,
                direction=direction,
                feedback=block.feedback.steps if block.feedback else None,
            )
        for row in state_rows(block):
            role = row.state.role
            rows[row.state.name] = ReturnedRow(
                row.state.name,
                "",
                name,
                top.return_sequences,
                role=role,
                role_name=ROLE_NAMES[role],
                cell=row.layer.cells[row.cell_index].name,
                direction=row.direction,
            )
    return [replace(rows[tensor], shape=printed[tensor]) for tensor, _ in plan.returns]


def _node_row(node: NodeShape) -> NodeRow:
    return NodeRow(
        node.name,
        list(node.sources),
        layer_call(node.merge) if node.merge else None,
        [f"{layer.name}: {layer_call(layer)}" for layer in node.layers],
    )


def _reversals(block: BlockPlan) -> int:
    """How many times its layers reverse the order of steps (go_backwards; not
    counted where Bidirectional wraps them)."""
    if any(layer.merge_mode for layer in block.layers):
        return 0
    return sum(layer.go_backwards for layer in block.layers)


def _inference(plan: ModelPlan, printed: dict[str, str]) -> Inference | None:
    """build_inference_models() and what the one-step decoder printed."""
    if plan.decoder is None:
        return None
    block = plan.block(plan.decoder)
    given = plan.input(block.model_input)
    states = [None, *(s.name for s in block.state_tensors)]
    return Inference(
        decoder=block.name,
        encoders=[b.name for b in plan.encoder_blocks],
        inputs=list(plan.encoder_model_inputs),
        memories=list(plan.memories),
        step_input=given.name,
        embedding=given.embedding_layer if given.embedding else None,
        output=block.output[0],
        steps=(
            []
            if plan.generator
            else [
                StepRow(name, printed[name], state)
                for (name, _), state in zip(step_lines(plan), states)
            ]
        ),
    )
