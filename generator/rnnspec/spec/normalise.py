"""Normalise: every checked spec as one shape of data, the model spec.

The short form is sugar for a long form of one block: its `input` becomes the input
named `sequence`, its block reads it, and its `initial_state` is made explicit
(`zeros`, or `none` when stateful). The one thing that stays of the short form is
`keyed: false`: spec-format v1 promises a module whose constants (`STATE_SIZE`,
`TIMESTEPS`, `make_initial_state()`) are that block's own, and names without a block
prefix (`lstm_h`, `output`). Everything after this module sees a `ModelSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Block, GraphBlock, LongForm, InputSpec, ShortForm
from .nodes import LayerNode
from .decoding import Decoding
from .training import Training

SEQUENCE = "sequence"  # the short form's one input


@dataclass(frozen=True)
class ModelSpec:
    """Named inputs and blocks; the blocks the model returns; how constants are keyed."""

    name: str
    description: str
    inputs: dict[str, InputSpec]
    blocks: tuple[GraphBlock, ...]
    outputs: tuple[str, ...]
    keyed: bool  # constants keyed by input and block name, names prefixed by block
    training: Training | None = None  # the training section (rnnspec/spec/training.py)
    decoding: Decoding | None = None  # the decoding section (rnnspec/spec/decoding.py)
    nodes: tuple[LayerNode, ...] = ()  # the long form's layer nodes
    # blocks and nodes in the spec's order (each reads only those above it)
    entries: tuple[GraphBlock | LayerNode, ...] = ()

    def prefix(self, block: GraphBlock) -> str:
        """What the names a block makes start with: "encoder_", or "" unkeyed."""
        return f"{block.name}_" if self.keyed else ""


def normalise(spec: ShortForm | LongForm | ModelSpec) -> ModelSpec:
    """The model spec of a checked spec of either form; checks nothing again. A
    checked spec's is the one its check made, with what the check found (a `Checked`,
    rnnspec/check/checked.py)."""
    if isinstance(spec, ModelSpec):
        return spec
    if isinstance(spec._model, ModelSpec):
        return spec._model
    if isinstance(spec, LongForm):
        return ModelSpec(
            name=spec.name,
            description=spec.description,
            inputs=dict(spec.inputs),
            blocks=tuple(spec.blocks),
            outputs=tuple(spec.output_blocks),
            keyed=True,
            training=spec.training,
            decoding=spec.decoding,
            nodes=tuple(spec.nodes),
            entries=tuple(spec.entries),
        )
    block = GraphBlock.model_construct(  # checked as a short form already
        **{key: getattr(spec, key) for key in Block.model_fields},
        name=spec.name,
        input=SEQUENCE,
        initial_state=spec.initial_state_mode,
    )
    return ModelSpec(
        name=spec.name,
        description=spec.description,
        inputs={SEQUENCE: spec.input},
        blocks=(block,),
        outputs=(spec.name,),
        keyed=False,
        training=spec.training,
        decoding=spec.decoding,
        entries=(block,),
    )
