"""The spec model: the user's words.

The pydantic types check one key at a time; the rules across keys and blocks
(rnnspec/check/rules.py) run as the validators of the two forms' checked models,
`Spec` and `GraphSpec` (rnnspec/check/checked.py), so that a loaded spec is a valid
one. A rule that fails raises `RuleError` with the key path it is about, so the loader
can point at it. Each cell type's Keras facts are in the cell registry (rnnspec/cells.py).
"""

from __future__ import annotations

from typing import Annotated, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag

from .layers import AroundLayer, Dense
from .attention import Attention
from ..cells import CELLS
from .decoding import Decoding
from .feedback import Feedback
from .training import Training
from .initializers import Initializer
from .layers.base import keras_value
from .nodes import LayerNode, entry_kind
from .values import Activation, Identifier, LayerActivation, Rate, Size
from .limits import MAX_BLOCKS, MAX_CELLS

CONV_RANK = {name: kind.rank for name, kind in CELLS.items() if kind.rank}


Dtype = Literal["float32", "float64", "float16", "bfloat16"]
InitialState = Literal["zeros", "ones", "random", "input", "none"]
MergeMode = Literal["concat", "sum", "mul", "ave", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Cell(_Strict):
    """Keys every cell takes; None means "Keras' default" and is not passed on."""

    activation: Activation | None = None
    use_bias: bool | None = None
    dropout: Rate | None = None
    recurrent_dropout: Rate | None = None
    kernel_initializer: Initializer | None = None
    recurrent_initializer: Initializer | None = None
    bias_initializer: Initializer | None = Field(
        default=None,
        description="a vector (not orthogonal or identity), except a GRU's with "
        "reset_after: (2, 3 * units)",
    )

    def keras_options(self) -> dict[str, object]:
        """The optional keys the user set, to pass to Keras under the same names."""
        required = {"type", "units", "filters", "kernel_size", "padding", "strides"}
        return {
            key: keras_value(getattr(self, key))
            for key in type(self).model_fields
            if key not in required and getattr(self, key) is not None
        }


class SimpleRNNCell(_Cell):
    type: Literal["simple_rnn"]
    units: Size


class GRUCell(_Cell):
    type: Literal["gru"]
    units: Size
    recurrent_activation: Activation | None = None
    reset_after: bool | None = None


class LSTMCell(_Cell):
    type: Literal["lstm"]
    units: Size
    recurrent_activation: Activation | None = None
    unit_forget_bias: bool | None = None


class ConvLSTMCell(_Cell):
    type: Literal["conv_lstm1d", "conv_lstm2d", "conv_lstm3d"]
    filters: Size
    kernel_size: Size | list[Size]
    padding: Literal["valid", "same"] = "valid"
    strides: Size | list[Size] = 1
    recurrent_activation: Activation | None = None
    unit_forget_bias: bool | None = None


Cell = Annotated[
    Union[SimpleRNNCell, GRUCell, LSTMCell, ConvLSTMCell], Field(discriminator="type")
]
# type -> the model of its keys, in the order the union names them
CELL_MODELS: dict[str, type[BaseModel]] = {
    name: model
    for model in get_args(get_args(Cell)[0])
    for name in get_args(model.model_fields["type"].annotation)
}


class InputSpec(_Strict):
    batch_size: Size | None = None
    timesteps: Size | None = None
    features: Size | None = None
    shape: list[Size] | None = Field(default=None, min_length=2, max_length=4)
    dtype: Dtype = "float32"
    vocabulary: Size | None = Field(
        default=None, description="integer tokens in [0, vocabulary): needs embedding"
    )
    embedding: Size | None = Field(
        default=None,
        description="the size of each token's vector (keras.layers.Embedding)",
    )
    mask_zero: bool = Field(
        default=False, description="token 0 is padding: Keras masks those steps"
    )
    embeddings_initializer: Initializer | None = Field(
        default=None, description="of the Embedding's (vocabulary, embedding) matrix"
    )
    sequence: bool = Field(
        default=True,
        description="false: one vector of features per example, no time axis; it can "
        "start a block's state through initial_state: {from: <input>, bridge: project}",
    )
    masks: Identifier | None = Field(
        default=None,
        description="a mask input: (batch, timesteps) of bool, True where a step of "
        "the named float sequence input is real; the blocks reading that input skip "
        "the others, as they do for mask_zero (long form only; no other keys but "
        "timesteps and batch_size)",
    )

    @property
    def step_shape(self) -> tuple[int, ...]:
        """One time step as the blocks read it: (features,), (*spatial, channels), a
        token's (embedding,), () for raw tokens (a node embeds them) and a mask
        input's ()."""
        if self.masks is not None:
            return ()
        if self.embedding is not None:
            return (self.embedding,)
        if self.vocabulary is not None:
            return ()
        return tuple(self.shape) if self.shape else (self.features,)  # type: ignore[arg-type]


class BidirectionalSpec(_Strict):
    merge_mode: MergeMode = "concat"


class Head(_Strict):
    """A Dense layer on the block's output (applied to every time step of a sequence)."""

    units: Size
    activation: LayerActivation | None = None
    use_bias: bool | None = None


class Block(_Strict):
    """The keys of one recurrent block: the short form's, and each long-form block's."""

    cells: list[Cell] = Field(min_length=1, max_length=MAX_CELLS)
    stacking: Literal["cells", "layers"] = "layers"
    layer: Literal["rnn", "fused"] | None = Field(
        default=None,
        description="default: fused, or rnn with stacking: cells or feedback",
    )
    bidirectional: bool | BidirectionalSpec = False
    return_sequences: bool = False
    return_state: bool = False
    stateful: bool = False
    go_backwards: bool = Field(
        default=False, description="each layer reads its input from the last step back"
    )
    dropout_between_layers: Rate | None = Field(
        default=None,
        description="a keras.layers.Dropout of this rate between the layers of "
        "stacking: layers",
    )
    front: list[AroundLayer] = Field(
        default=[],
        max_length=MAX_CELLS,
        description="layers on the block's input before its recurrent layers",
    )
    head: Head | Annotated[list[AroundLayer], Field(max_length=MAX_CELLS)] | None = (
        Field(
            default=None,
            description="layers on the block's output: a list of layers, or one Dense "
            "layer's keys (units, activation, use_bias)",
        )
    )
    feedback: Feedback | None = Field(
        default=None,
        description="predict steps of real values autoregressively: the cell warmed "
        "up over the input, then fed its head's prediction back (docs/decoding.md)",
    )

    @property
    def head_layers(self) -> list[AroundLayer]:
        """The head as a list of layers: a Dense's keys alone are one Dense layer."""
        if isinstance(self.head, Head):
            return [Dense(type="dense", **self.head.model_dump())]
        return list(self.head or [])

    @property
    def layer_form(self) -> Literal["rnn", "fused"]:
        """fused by default; rnn for a stack of cells, and for feedback, which steps
        its cell itself."""
        if self.layer is not None:
            return self.layer
        return "rnn" if self.stacking == "cells" or self.feedback else "fused"

    @property
    def merge_mode(self) -> MergeMode | None:
        """None when not bidirectional."""
        if self.bidirectional is True:
            return "concat"
        return self.bidirectional.merge_mode if self.bidirectional else None

    @property
    def is_conv(self) -> bool:
        return CELLS[self.cells[0].type].rank > 0


class ShortForm(Block):
    """The short form's keys, each checked alone (checked across keys: `Spec`)."""

    _model: object = PrivateAttr(default=None)  # what its check made (normalise)

    name: Identifier
    description: str = ""
    input: InputSpec
    initial_state: InitialState | None = Field(
        default=None, description="default: zeros, or none when stateful"
    )
    training: Training | None = Field(
        default=None, description="loss, optimizer and metrics (docs/training.md)"
    )
    decoding: Decoding | None = Field(
        default=None,
        description="asks for the decoders: start and stop class, most steps "
        "(docs/decoding.md); without it a module has none",
    )

    @property
    def initial_state_mode(self) -> str:
        if self.initial_state is not None:
            return self.initial_state
        return "none" if self.stateful else "zeros"


class HandOver(_Strict):
    """A block's initial state taken from another block's final state."""

    source: Identifier = Field(
        alias="from", description="the block whose states start this one"
    )
    bridge: Literal["none", "concat", "project", "per_layer", "broadcast"] = Field(
        default="none",
        description="none: states as they are; concat: a bidirectional source's forward "
        "and backward states joined; project: a Dense layer per target state; "
        "per_layer: a bidirectional source's forward state starts the target's first "
        "layer, its backward state the second (and so on per source layer); "
        "broadcast: a one-directional source's top cell's state starts every cell "
        "of this block",
    )
    activation: Activation | None = Field(
        default=None, description="of the Dense layers of bridge: project"
    )


class GraphBlock(Block):
    """One block of the long form: a recurrent block wired to an input or a block above."""

    name: Identifier
    input: Identifier = Field(
        description="a name from inputs, or a block above (its output)"
    )
    initial_state: InitialState | HandOver | None = Field(
        default=None, description="default: none (Keras' own zeros)"
    )
    repeat: Size | None = Field(
        default=None,
        description="read the input block's last output (return_sequences: false) "
        "repeated this many times, as keras.layers.RepeatVector does",
    )
    attention: Attention | None = Field(
        default=None,
        description="attend over a block above's output sequence (docs/attention.md)",
    )
    time_distributed: bool = Field(
        default=False,
        description="run the recurrent layers over every step of the outer axis, as "
        "keras.layers.TimeDistributed wraps them: an input (batch, outer, steps, "
        "features) gives (batch, outer, units), or (batch, outer, steps, units) with "
        "return_sequences (docs/long-form.md)",
    )

    @property
    def initial_state_mode(self) -> str:
        """Default none: in a graph, blocks start from Keras' zeros unless told."""
        if isinstance(self.initial_state, HandOver):
            return "from"
        return self.initial_state or "none"


Entry = Annotated[
    Union[Annotated[GraphBlock, Tag("block")], Annotated[LayerNode, Tag("node")]],
    Discriminator(entry_kind),
]


class LongForm(_Strict):
    """The long form's keys, each checked alone (checked across keys: `GraphSpec`)."""

    _model: object = PrivateAttr(default=None)  # what its check made (normalise)

    name: Identifier
    description: str = ""
    inputs: dict[Identifier, InputSpec] = Field(min_length=1, max_length=MAX_BLOCKS)
    entries: list[Entry] = Field(
        alias="blocks",
        min_length=1,
        max_length=MAX_BLOCKS,
        description="recurrent blocks (with cells) and layer nodes (with layers or a "
        "merge), in order: each reads what is named above it",
    )
    outputs: list[Identifier] | None = Field(
        default=None, min_length=1, description="default: the last block or node"
    )
    training: Training | None = Field(
        default=None, description="loss, optimizer and metrics (docs/training.md)"
    )
    decoding: Decoding | None = Field(
        default=None,
        description="asks for the decoders: start and stop class, most steps "
        "(docs/decoding.md); without it a module has none",
    )

    @property
    def blocks(self) -> list[GraphBlock]:
        """The recurrent blocks, in order."""
        return [entry for entry in self.entries if isinstance(entry, GraphBlock)]

    @property
    def nodes(self) -> list[LayerNode]:
        """The layer nodes, in order."""
        return [entry for entry in self.entries if isinstance(entry, LayerNode)]

    def path_of(self, name: str) -> tuple[str, int]:
        """Where an entry is written: ("blocks", its index)."""
        return ("blocks", [entry.name for entry in self.entries].index(name))

    @property
    def output_blocks(self) -> list[str]:
        return self.outputs or [self.entries[-1].name]
