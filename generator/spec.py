"""The spec model: the user's words, checked.

Every check that can be made without Keras is made here, either by the pydantic
types (one key at a time) or by `check_block` (rules across keys). A rule that fails
raises `RuleError` with the key path it is about, so the loader can point at it.
"""

from __future__ import annotations

import keyword
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

ACTIVATIONS = (
    "tanh", "sigmoid", "hard_sigmoid", "relu", "relu6", "elu", "selu", "gelu", "silu",
    "swish", "softplus", "softsign", "linear", "exponential", "leaky_relu", "mish",
    "hard_silu", "log_sigmoid", "hard_tanh",
)  # fmt: skip
INITIALIZERS = (
    "zeros", "ones", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "lecun_uniform", "lecun_normal", "orthogonal", "random_normal", "random_uniform",
    "truncated_normal", "variance_scaling",
)  # fmt: skip
# Keras' orthogonal initializer needs a tensor of rank >= 2: every kernel, but only a
# GRU's bias with reset_after (shape (2, 3 * units)); every other bias is a vector.
VECTOR_INITIALIZERS = tuple(name for name in INITIALIZERS if name != "orthogonal")
CONV_RANK = {"conv_lstm1d": 1, "conv_lstm2d": 2, "conv_lstm3d": 3}

# Upper bounds, so that every valid spec builds and runs on an ordinary CPU machine.
# Units, filters, features, input dims, timesteps, batch_size, kernels and strides:
MAX_SIZE = 65_536
MAX_CELLS = 64  # cells of one block
MAX_BLOCKS = 64  # blocks (and inputs) of a long-form spec
# Cells of all blocks together: black formats some 1,000 lines of a module a second.
MAX_ALL_CELLS = 256
# Weights of the whole model: 400 MB in float32. Keras' default orthogonal recurrent
# initializer costs O(units**3): an LSTM of 4,000 units (64M weights) takes 1.5 min
# to build on a busy 2-core machine.
MAX_PARAMS = 100_000_000
MAX_VALUES = 2**28  # values of one tensor of a batch (1 GiB in float32)

Path = tuple[Union[str, int], ...]


class RuleError(Exception):
    """A rule across keys is broken; `path` is the key the message is about."""

    def __init__(self, path: Path, message: str, *, at_key: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.at_key = at_key  # point at the key (a name chosen as a key), not its value


def _identifier(name: str) -> str:
    if keyword.iskeyword(name):
        raise ValueError("an identifier that is not a Python keyword")
    return name


Identifier = Annotated[
    str,
    Field(pattern=r"^[a-z_][a-z0-9_]*$", max_length=64),
    AfterValidator(_identifier),
]
Size = Annotated[int, Field(ge=1, le=MAX_SIZE)]
Rate = Annotated[float, Field(ge=0.0, lt=1.0)]
Activation = Literal[ACTIVATIONS]  # type: ignore[valid-type]
Initializer = Literal[INITIALIZERS]  # type: ignore[valid-type]
VectorInitializer = Literal[VECTOR_INITIALIZERS]  # type: ignore[valid-type]
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
    bias_initializer: VectorInitializer | None = Field(
        default=None, description="not orthogonal: the bias is a vector"
    )

    def keras_options(self) -> dict[str, object]:
        """The optional keys the user set, to pass to Keras under the same names."""
        required = {"type", "units", "filters", "kernel_size", "padding", "strides"}
        return {
            key: value
            for key, value in self.model_dump().items()
            if key not in required and value is not None
        }


class SimpleRNNCell(_Cell):
    type: Literal["simple_rnn"]
    units: Size


class GRUCell(_Cell):
    type: Literal["gru"]
    units: Size
    recurrent_activation: Activation | None = None
    reset_after: bool | None = None
    bias_initializer: Initializer | None = Field(
        default=None,
        description="orthogonal only with reset_after: true, where the bias is a matrix",
    )


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

    @property
    def rank(self) -> int:
        return CONV_RANK[self.type]

    def per_dim(self, key: Literal["kernel_size", "strides"]) -> tuple[int, ...]:
        value = getattr(self, key)
        return tuple(value) if isinstance(value, list) else (value,) * self.rank


Cell = Annotated[
    Union[SimpleRNNCell, GRUCell, LSTMCell, ConvLSTMCell], Field(discriminator="type")
]


class InputSpec(_Strict):
    batch_size: Size | None = None
    timesteps: Size | None = None
    features: Size | None = None
    shape: list[Size] | None = Field(default=None, min_length=2, max_length=4)
    dtype: Dtype = "float32"


class BidirectionalSpec(_Strict):
    merge_mode: MergeMode = "concat"


class Block(_Strict):
    """The keys of one recurrent block: the short form's, and each long-form block's."""

    cells: list[Cell] = Field(min_length=1, max_length=MAX_CELLS)
    stacking: Literal["cells", "layers"] = "layers"
    layer: Literal["rnn", "fused"] | None = Field(
        default=None, description="default: fused, or rnn with stacking: cells"
    )
    bidirectional: bool | BidirectionalSpec = False
    return_sequences: bool = False
    return_state: bool = False
    stateful: bool = False

    @property
    def layer_form(self) -> Literal["rnn", "fused"]:
        if self.layer is not None:
            return self.layer
        return "rnn" if self.stacking == "cells" else "fused"

    @property
    def merge_mode(self) -> MergeMode | None:
        """None when not bidirectional."""
        if self.bidirectional is True:
            return "concat"
        return self.bidirectional.merge_mode if self.bidirectional else None

    @property
    def is_conv(self) -> bool:
        return isinstance(self.cells[0], ConvLSTMCell)


class Spec(Block):
    """One recurrent block: the short form of `shared/spec-format.md`."""

    name: Identifier
    description: str = ""
    input: InputSpec
    initial_state: InitialState | None = Field(
        default=None, description="default: zeros, or none when stateful"
    )

    @model_validator(mode="after")
    def _rules(self) -> Spec:
        from .budget import check_budget
        from .plan import make_plan  # the plan knows parameters and tensor sizes

        check_block(self, self.input, where=(), input_path=("input",))
        check_budget(make_plan(self))
        return self

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
    bridge: Literal["none", "concat", "project"] = Field(
        default="none",
        description="none: states as they are; concat: a bidirectional source's forward "
        "and backward states joined; project: a Dense layer per target state",
    )


class Head(_Strict):
    """A Dense layer on the block's output (applied to every time step of a sequence)."""

    units: Size
    activation: Literal[(*ACTIVATIONS, "softmax")] | None = None  # type: ignore[valid-type]
    use_bias: bool | None = None


class GraphBlock(Block):
    """One block of the long form: a recurrent block wired to an input or a block above."""

    name: Identifier
    input: Identifier = Field(
        description="a name from inputs, or a block above (its output)"
    )
    initial_state: InitialState | HandOver | None = Field(
        default=None, description="default: none (Keras' own zeros)"
    )
    head: Head | None = None

    @property
    def initial_state_mode(self) -> str:
        """Default none: in a graph, blocks start from Keras' zeros unless told."""
        if isinstance(self.initial_state, HandOver):
            return "from"
        return self.initial_state or "none"


class GraphSpec(_Strict):
    """The long form: named inputs and recurrent blocks that hand state to each other."""

    name: Identifier
    description: str = ""
    inputs: dict[Identifier, InputSpec] = Field(min_length=1, max_length=MAX_BLOCKS)
    blocks: list[GraphBlock] = Field(min_length=1, max_length=MAX_BLOCKS)
    outputs: list[Identifier] | None = Field(
        default=None, min_length=1, description="default: the last block"
    )

    @model_validator(mode="after")
    def _rules(self) -> GraphSpec:
        # the plan knows the shapes that cross blocks, the names and the sizes
        from .budget import check_budget
        from .graph import make_graph_plan
        from .names import check_names

        plan = make_graph_plan(self)
        check_names(plan)
        check_budget(plan)
        return self

    @property
    def output_blocks(self) -> list[str]:
        return self.outputs or [self.blocks[-1].name]


def check_block(block: Block, input: InputSpec, where: Path, input_path: Path) -> None:
    """Rules across one block's keys and its input: each a Keras error (or a silent
    mistake) made early. Paths are relative to `where`; the input's to `input_path`."""
    try:
        _check_block(block, input)
    except RuleError as error:
        on_input = error.path[:1] == ("input",)
        base = input_path if on_input else where
        raise RuleError(
            base + error.path[1 if on_input else 0 :], error.message
        ) from None


def _check_block(spec: Block, input: InputSpec) -> None:
    _check_input(spec, input)
    for index, cell in enumerate(spec.cells):
        if (
            isinstance(cell, GRUCell)
            and cell.bias_initializer == "orthogonal"
            and cell.reset_after is False
        ):
            raise RuleError(
                ("cells", index, "bias_initializer"),
                "orthogonal needs a matrix, and with reset_after: false a GRU's bias is "
                "a vector: expected another bias_initializer (or reset_after: true), "
                "got orthogonal",
            )
    if spec.stacking == "cells" and spec.layer == "fused":
        raise RuleError(
            ("layer",),
            "stacking: cells always uses keras.layers.RNN(StackedRNNCells(...)); "
            "expected layer: rnn (or no layer key), got fused",
        )
    if spec.stateful and input.batch_size is None:
        raise RuleError(
            ("stateful",),
            "stateful: true needs a fixed input.batch_size, got batch_size: null",
        )
    initial_state = getattr(spec, "initial_state", None)
    if spec.stateful and initial_state not in (None, "none"):
        found = initial_state if isinstance(initial_state, str) else "from"
        raise RuleError(
            ("initial_state",),
            "a stateful layer starts from zeros and carries its state between calls; "
            f"an initial_state would replace it on every call: expected none, "
            f"got {found}",
        )
    if spec.merge_mode and spec.stateful and spec.return_state:
        raise RuleError(
            ("return_state",),
            "Keras 3.15's Bidirectional cannot return the states of a stateful layer "
            "(its compute_mask fails): expected return_state: false, or stateful: "
            "false, or no bidirectional",
        )
    if spec.merge_mode == "none" and spec.stacking == "layers" and len(spec.cells) > 1:
        raise RuleError(
            ("bidirectional", "merge_mode"),
            "merge_mode: none returns two outputs, which the next layer of a "
            "stacking: layers stack cannot take; expected concat, sum, mul or ave "
            "(or stacking: cells), got none",
        )


def _check_input(spec: Block, input: InputSpec) -> None:
    conv = [cell for cell in spec.cells if isinstance(cell, ConvLSTMCell)]
    if not conv:
        if input.shape is not None:
            raise RuleError(
                ("input", "shape"),
                "input.shape is for conv_lstm cells; vector cells take "
                "input.features, got shape",
            )
        if input.features is None:
            raise RuleError(("input",), "expected input.features for vector cells")
        return
    if len(conv) != len(spec.cells):
        index = next(
            i for i, cell in enumerate(spec.cells) if not isinstance(cell, ConvLSTMCell)
        )
        raise RuleError(
            ("cells", index, "type"),
            "conv_lstm cells output spatial tensors that vector cells cannot take: "
            f"expected {conv[0].type}, got {spec.cells[index].type}",
        )
    rank = conv[0].rank
    for index, cell in enumerate(conv):
        if cell.rank != rank:
            raise RuleError(
                ("cells", index, "type"),
                f"all conv cells of one spec share a rank: expected {conv[0].type}, "
                f"got {cell.type}",
            )
        for key in ("kernel_size", "strides"):
            value = getattr(cell, key)
            if isinstance(value, list) and len(value) != rank:
                raise RuleError(
                    ("cells", index, key),
                    f"{cell.type} needs {rank} value(s) for {key}, got {len(value)}",
                )
    if spec.layer == "rnn" or spec.stacking == "cells":
        key = "layer" if spec.layer == "rnn" else "stacking"
        raise RuleError(
            (key,),
            "keras.layers has no public ConvLSTM cell, so conv_lstm cells use the "
            "ConvLSTMnD layers: expected stacking: layers and layer: fused, "
            f"got {key}: {getattr(spec, key)}",
        )
    if input.features is not None:
        raise RuleError(
            ("input", "features"),
            "conv_lstm cells take input.shape (spatial dims + channels), "
            "got input.features",
        )
    if input.shape is None:
        raise RuleError(
            ("input",),
            f"expected input.shape with {rank + 1} values (spatial dims + channels) "
            f"for {conv[0].type}",
        )
    if len(input.shape) != rank + 1:
        raise RuleError(
            ("input", "shape"),
            f"{conv[0].type} takes {rank} spatial dims + channels: expected "
            f"{rank + 1} values, got {len(input.shape)}",
        )
    spatial = tuple(input.shape[:-1])
    for index, cell in enumerate(conv):
        output = conv_output_spatial(cell, spatial)
        if min(output) < 1:
            raise RuleError(
                ("cells", index, "kernel_size"),
                f"with padding: valid this kernel leaves no output: the spatial "
                f"shape would be {output}; expected a smaller kernel_size or "
                "padding: same",
            )
        _check_window(cell, index, spatial)
        spatial = output


def _check_window(cell: ConvLSTMCell, index: int, spatial: tuple[int, ...]) -> None:
    """A kernel and its strides stay within the spatial shape they move over."""
    for key in ("kernel_size", "strides"):
        listed = isinstance(getattr(cell, key), list)
        for dim, (value, size) in enumerate(zip(cell.per_dim(key), spatial)):
            if value > size:
                raise RuleError(
                    ("cells", index, key) + ((dim,) if listed else ()),
                    f"{cell.type} moves over a spatial shape of {spatial}: expected "
                    f"{key} <= {size} in spatial dim {dim}, got {value}",
                )


def conv_output_spatial(
    cell: ConvLSTMCell, spatial: tuple[int, ...]
) -> tuple[int, ...]:
    """Keras' output length per spatial dim (dilation 1): same rounds up, valid drops the border."""
    return tuple(
        -(-size // stride) if cell.padding == "same" else (size - kernel) // stride + 1
        for size, kernel, stride in zip(
            spatial, cell.per_dim("kernel_size"), cell.per_dim("strides")
        )
    )
