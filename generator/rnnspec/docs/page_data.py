"""What a model's page says, as plain values: the rows its template lays out.

Everything here is read from the plan (its names, never a name rebuilt from a block's)
and from the run's printed output (every shape the page states); the words are in
rnnspec/docs/templates/page.md.jinja and its partials.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..cells import ROLE_NAMES
from ..plan import BlockPlan, LayerPlan, ModelPlan
from .markdown import nested
from .output import printed_shapes, step_lines
from .svg import head_label, state_rows


@dataclass(frozen=True)
class InputRow:
    name: str
    timesteps: int | None
    step_shape: tuple[int, ...]
    readers: list[str]  # the blocks that read it


@dataclass(frozen=True)
class Dynamic:
    """A size the spec leaves open and the run chose: the batch's, or an input's length."""

    input: str | None  # None: the batch size
    size: int


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
    upstream: (
        str | None
    )  # the block whose output sequence it reads; None: a model input
    layers: list[LayerRow]
    head: str | None  # the head's label, "decoder_head: Dense(93, softmax)"
    every_step: bool  # the top layer returns sequences
    output: str
    initial_state: str  # zeros | ones | random | input | none | from
    structure: str  # the state as initial_state= nests it
    state_inputs: list[
        str
    ]  # the model inputs that carry its state (initial_state: input)
    source: str | None  # the block whose final state starts it
    bridges: list[BridgeRow]
    return_state: bool
    returned: bool  # build_model() returns its final state
    starts: list[str]  # the blocks its final state starts


@dataclass(frozen=True)
class ReturnedRow:
    """A returned tensor: a block's output (`role` None) or one of its final states."""

    tensor: str
    shape: str  # as the run printed it
    block: str
    every_step: bool  # an output: the top layer returns sequences
    head: str | None = None  # an output: the head layer it comes through
    role: str | None = None  # a state: "h" or "c"
    role_name: str = ""  # a state: "hidden state"
    cell: str = ""  # a state: its cell's name
    direction: str = ""  # "", "forward" or "backward"


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
    step_input: str
    output: str
    feedback: str  # one_hot | output | data
    steps: list[StepRow]


@dataclass(frozen=True)
class Page:
    name: str
    description: str
    spec_file: str
    spec_text: str
    module: str
    output: str
    batch_size: int | None
    dtype: str
    inputs: list[InputRow]
    dynamic: list[Dynamic]
    blocks: list[BlockRow]
    returned: list[ReturnedRow]
    inference: Inference | None


def page_data(
    plan: ModelPlan, spec_file: str, spec_text: str, module: str, output: str
) -> Page:
    """The page of `plan`, shapes as `output` printed them."""
    printed = printed_shapes(output)
    dynamic = (
        [] if plan.batch_size is not None else [Dynamic(None, plan.smoke_batch_size)]
    )
    dynamic += [
        Dynamic(i.name, i.smoke_timesteps) for i in plan.inputs if i.timesteps is None
    ]
    return Page(
        name=plan.name,
        description=plan.description,
        spec_file=spec_file,
        spec_text=spec_text,
        module=module,
        output=output,
        batch_size=plan.batch_size,
        dtype=plan.dtype,
        inputs=[
            InputRow(
                given.name,
                given.timesteps,
                given.step_shape,
                [b.name for b in plan.blocks if b.input == given.name],
            )
            for given in plan.inputs
        ],
        dynamic=dynamic,
        blocks=[_block(plan, block) for block in plan.blocks],
        returned=_returned(plan, printed),
        inference=_inference(plan, printed),
    )


def _layer(layer: LayerPlan) -> LayerRow:
    return LayerRow(
        layer.name,
        layer.summary,
        [cell.name for cell in layer.cells],
        bool(layer.merge_mode),
        layer.stateful,
    )


def _block(plan: ModelPlan, block: BlockPlan) -> BlockRow:
    upstream = next((b for b in plan.blocks if b.output[0] == block.input), None)
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
        bridges=[
            BridgeRow(
                bridge.kind,
                bridge.target.name,
                [s.name for s in bridge.sources],
                bridge.concat_layer,
                bridge.dense_layer,
            )
            for bridge in block.bridges
        ],
        return_state=block.return_state,
        returned=block.name in plan.outputs,
        starts=[b.name for b in plan.blocks if b.source == block.name],
    )


def _returned(plan: ModelPlan, printed: dict[str, str]) -> list[ReturnedRow]:
    """The table of what build_model() returns, in its order."""
    rows: dict[str, ReturnedRow] = {}
    for name in plan.outputs:
        block = plan.block(name)
        top = block.layers[-1]
        head = block.head_layer if block.head else None
        # Without a head, `merge_mode: none` gives two outputs: forward, then backward.
        outputs = [block.output[0]] if head else [tensor for tensor, _ in top.outputs]
        directions = ["forward", "backward"] if len(outputs) == 2 else [""]
        for tensor, direction in zip(outputs, directions):
            rows[tensor] = ReturnedRow(
                tensor, "", name, top.return_sequences, head, direction=direction
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


def _inference(plan: ModelPlan, printed: dict[str, str]) -> Inference | None:
    """build_inference_models() and what the one-step decoder printed."""
    if plan.decoder is None:
        return None
    block = plan.block(plan.decoder)
    states = [None, *(s.name for s in block.state_tensors)]
    return Inference(
        decoder=block.name,
        encoders=[b.name for b in plan.encoder_blocks],
        inputs=list(plan.encoder_model_inputs),
        step_input=block.input,
        output=block.output[0],
        feedback=plan.feedback,
        steps=[
            StepRow(name, printed[name], state)
            for (name, _), state in zip(step_lines(plan), states)
        ],
    )
