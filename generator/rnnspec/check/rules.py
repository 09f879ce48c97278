"""The rules across keys and blocks: every check made without Keras, in the spec layer.

A rule is a Keras error (or a silent mistake) made early, at load time, with the key
path it is about (`RuleError`). One block's rules are here; what crosses blocks (names,
wiring, hand-over) is in rnnspec/check/wiring.py, Python names in rnnspec/check/names.py and
sizes in rnnspec/check/budget.py. The spec's models (rnnspec/spec/models.py) call `check_spec`
and `check_graph`; the copier questions call the same rules. Nothing from the plan:
shapes and states come from the cell registry and Keras' state rules (rnnspec/check/stack.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .budget import Parts
from ..cells import CellSpec, conv_output_spatial, kind_of, per_dim
from ..spec.initializers import check_rank
from ..spec.limits import Path, RuleError
from .feedback import check_feedback_keys
from .names import check_names
from ..spec.normalise import normalise
from ..spec.training import smoke_steps_at_least
from .stack import SMOKE_BATCH_SIZE, smoke_timesteps
from .shapes import recurrent_input
from .wiring import block_shapes, check_wiring, needed
from .mask_inputs import check_mask_inputs, mask_input_of

if TYPE_CHECKING:
    from .nodes import NodeShape
    from .shapes import BlockShape
    from ..spec.models import Block, LongForm, InputSpec, ShortForm


def check_spec(spec: ShortForm) -> list[BlockShape]:
    """The short form's rules: its block's, then the budget of its model; its block
    is read as the long form reads a block (rnnspec/spec/normalise.py). Returns its shapes.
    """
    if spec.input.masks is not None:
        raise RuleError(
            ("input", "masks"),
            "a mask input masks another input, and the short form has one input: "
            "expected the long form's inputs (docs/long-form.md), or no masks",
        )
    if not spec.input.sequence:
        raise RuleError(
            ("input", "sequence"),
            "the short form's block reads its input as a sequence: expected sequence: "
            "true (a vector input starts a long-form block's state)",
        )
    _check_tokens(spec.input)  # before a front reads it (and takes its place below)
    model = normalise(spec)
    given, input_path = spec.input, ("input",)
    if spec.front:
        given = recurrent_input(model, model.blocks[0], given, [], keyed=False)
        input_path = ("front",)
    check_block(spec, given, where=(), input_path=input_path)
    (block,) = block_shapes(model)
    check_masked_stack(model.blocks[0], block, ())
    parts = Parts()
    parts.add_input(("input",), "the input", "timesteps", spec.input)
    parts.add_stack((), "", block.layers, block)
    batch = spec.input.batch_size or SMOKE_BATCH_SIZE
    least = smoke_steps_at_least(spec.training)
    parts.check(batch, smoke_timesteps(spec.input.timesteps, least=least))
    return [block]


def check_graph(spec: LongForm) -> tuple[list[BlockShape], list[NodeShape]]:
    """The long form's rules: wiring and each block's and node's, its Python names,
    its budget. Returns every block's shapes and every node's."""
    check_mask_inputs(spec)
    for name, given in spec.inputs.items():
        if given.sequence:  # a front reads it and takes its place in check_block
            _check_tokens(given, ("inputs", name), raw=True)
    blocks, nodes = check_wiring(spec, check_block)
    for block, shape in zip(spec.blocks, blocks):
        mask_input = mask_input_of(spec, shape.model_input)
        check_masked_stack(block, shape, spec.path_of(block.name), mask_input)
    check_names(spec, blocks, nodes)
    check_every_block_is_used(spec)
    parts = Parts()
    timesteps = {}
    least = smoke_steps_at_least(spec.training)
    for index, (name, given) in enumerate(spec.inputs.items()):
        parts.add_input(
            ("inputs", name), f"input {name}", f"timesteps[{name!r}]", given
        )
        timesteps[name] = smoke_timesteps(given.timesteps, index, least)
    for block in blocks:
        parts.add_stack(
            spec.path_of(block.name), f"block {block.name}'s ", block.layers, block
        )
    for node in nodes:
        parts.add_node(spec.path_of(node.name), node)
    first = next(iter(spec.inputs.values()))
    parts.check(first.batch_size or SMOKE_BATCH_SIZE, timesteps)
    return blocks, nodes


def check_masked_stack(
    block: Block, shape: BlockShape, where: Path, mask_input: str | None = None
) -> None:
    """Keras 3's RNN(StackedRNNCells) of one cell hands that cell's state back
    unnested (h for [h], [h, c] for [[h, c]]), and its masked loop then fails on the
    nesting: refused where a mask reaches such a stack (mask_zero's, or the mask
    input's), unless the cell has one state and the module passes it flat (from an
    initial state)."""
    if not shape.masked or block.stacking != "cells" or len(block.cells) != 1:
        return
    what = f"mask input {mask_input}" if mask_input else "mask_zero"
    unmasked = f"no mask input {mask_input}" if mask_input else "mask_zero: false"
    roles = kind_of(block.cells[0]).roles
    if len(roles) > 1:
        raise RuleError(
            where + ("stacking",),
            f"Keras 3's RNN(StackedRNNCells) of one {block.cells[0].type} cell hands "
            f"its state back unnested ([{', '.join(roles)}] for "
            f"[[{', '.join(roles)}]]) and fails on a masked sequence ({what}): "
            "expected stacking: layers (the same layer), a second cell, or "
            f"{unmasked}, got stacking: cells",
        )
    if block.initial_state_mode == "none":
        raise RuleError(
            where + ("stacking",),
            "Keras 3's RNN(StackedRNNCells) of one cell fails on a masked sequence "
            f"({what}) when it starts from no initial state: expected "
            "initial_state: zeros (Keras' own start, and the module then passes the "
            f"mask itself; not with stateful), stacking: layers, or {unmasked}, "
            "got stacking: cells",
        )


def stateful_without_batch_size(stateful: bool, batch_size: int | None) -> bool:
    """A stateful layer keeps one state per sequence of the batch: it needs a fixed
    batch size."""
    return stateful and batch_size is None


def stateful_with_initial_state(stateful: bool, initial_state: object) -> bool:
    """A stateful layer starts from zeros and carries its state between calls: an
    initial state would replace it on every call."""
    return stateful and initial_state not in (None, "none")


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


def _cell_weights(cell: CellSpec) -> tuple[tuple[str, int, str], ...]:
    """A cell's initialized weights: its key, the weight's rank and the weight in
    words. A kernel is a matrix, or a convolution's window x channels x filters; a
    bias a vector, except a GRU's with reset_after (Keras' default): (2, 3 * units)."""
    kind = kind_of(cell)
    kernel = kind.rank + 2
    two_biases = kind.two_biases and getattr(cell, "reset_after", None) is not False
    gates = f" * {kind.gates}" if kind.gates > 1 else ""
    shape = "(2, 3 * units)" if two_biases else f"({kind.size_key}{gates},)"
    return (
        (
            "kernel_initializer",
            kernel,
            f"a {kind.keras_cell or kind.keras_layer} kernel",
        ),
        ("recurrent_initializer", kernel, "its recurrent kernel"),
        ("bias_initializer", 1 + two_biases, f"its bias {shape}"),
    )


def _check_block(spec: Block, input: InputSpec) -> None:
    _check_input(spec, input)
    check_feedback_keys(spec, input)
    for index, cell in enumerate(spec.cells):
        if (
            cell.bias_initializer == "orthogonal"
            and getattr(cell, "reset_after", None) is False
        ):
            raise RuleError(
                ("cells", index, "bias_initializer"),
                "orthogonal needs a matrix, and with reset_after: false a GRU's bias is "
                "a vector: expected another bias_initializer (or reset_after: true), "
                "got orthogonal",
            )
        for key, rank, weight in _cell_weights(cell):
            check_rank(getattr(cell, key), rank, ("cells", index, key), weight)
    if spec.stacking == "cells" and spec.layer == "fused":
        raise RuleError(
            ("layer",),
            "stacking: cells always uses keras.layers.RNN(StackedRNNCells(...)); "
            "expected layer: rnn (or no layer key), got fused",
        )
    if stateful_without_batch_size(spec.stateful, input.batch_size):
        raise RuleError(
            ("stateful",),
            "stateful: true needs a fixed input.batch_size, got batch_size: null",
        )
    initial_state = getattr(spec, "initial_state", None)
    if stateful_with_initial_state(spec.stateful, initial_state):
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
    if spec.dropout_between_layers is not None and (
        spec.stacking != "layers" or len(spec.cells) < 2
    ):
        raise RuleError(
            ("dropout_between_layers",),
            "a Dropout goes between the layers of a stacking: layers block: expected "
            "two cells or more and stacking: layers, or no dropout_between_layers",
        )
    if spec.go_backwards and spec.merge_mode:
        raise RuleError(
            ("go_backwards",),
            "Bidirectional reads the sequence both ways already, and Keras refuses a "
            "backward layer inside it: expected go_backwards: false, or no "
            "bidirectional",
        )
    if spec.head is not None and spec.merge_mode == "none":
        raise RuleError(
            ("head",),
            "merge_mode: none returns two outputs and a head reads one: expected "
            "no head here, or another merge_mode",
        )
    if spec.merge_mode == "none" and spec.stacking == "layers" and len(spec.cells) > 1:
        raise RuleError(
            ("bidirectional", "merge_mode"),
            "merge_mode: none returns two outputs, which the next layer of a "
            "stacking: layers stack cannot take; expected concat, sum, mul or ave "
            "(or stacking: cells), got none",
        )


def _check_tokens(input: InputSpec, at: Path = ("input",), raw: bool = False) -> None:
    """Integer tokens come with an embedding, and only they (`at`: the input's path);
    `raw`: or alone, for a layer node's embedding (the long form's)."""
    try:
        _check_token_keys(input, raw)
    except RuleError as error:
        raise RuleError(at + error.path[1:], error.message) from None


_EMBEDDING_KEYS = {
    "mask_zero": "masks token 0",
    "embeddings_initializer": "starts the Embedding",
}


def _check_token_keys(input: InputSpec, raw: bool = False) -> None:
    if input.embedding is None:
        for key, what in _EMBEDDING_KEYS.items():
            if getattr(input, key):
                raise RuleError(
                    ("input", key),
                    f"{key} {what} of a token input: expected input.vocabulary and "
                    f"input.embedding, or no {key}",
                )
    if input.vocabulary is None and input.embedding is None:
        return
    for key, other in (("vocabulary", "embedding"), ("embedding", "vocabulary")):
        if getattr(input, key) is None and not (raw and key == "embedding"):
            raise RuleError(
                ("input", other),
                f"a token input has both vocabulary (its ids) and embedding (the size "
                f"of each token's vector): expected input.{key} too",
            )
    for key in ("features", "shape"):
        if getattr(input, key) is not None:
            raise RuleError(
                ("input", key),
                f"a token input's steps are its embedding's vectors: expected no "
                f"input.{key} with input.vocabulary",
            )


def _check_input(spec: Block, input: InputSpec) -> None:
    _check_tokens(input)
    conv = [cell for cell in spec.cells if kind_of(cell).rank]
    if not conv:
        if input.embedding is not None:
            return
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
        index = next(i for i, cell in enumerate(spec.cells) if not kind_of(cell).rank)
        raise RuleError(
            ("cells", index, "type"),
            "conv_lstm cells output spatial tensors that vector cells cannot take: "
            f"expected {conv[0].type}, got {spec.cells[index].type}",
        )
    rank = kind_of(conv[0]).rank
    for index, cell in enumerate(conv):
        if kind_of(cell).rank != rank:
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
    unstackable = not all(kind_of(cell).stackable for cell in conv)
    if unstackable and (spec.layer == "rnn" or spec.stacking == "cells"):
        key = "layer" if spec.layer == "rnn" else "stacking"
        raise RuleError(
            (key,),
            "keras.layers has no public ConvLSTM cell, so conv_lstm cells use the "
            "ConvLSTMnD layers: expected stacking: layers and layer: fused, "
            f"got {key}: {getattr(spec, key)}",
        )
    for key in ("features", "vocabulary"):
        if getattr(input, key) is not None:
            raise RuleError(
                ("input", key),
                f"conv_lstm cells take input.shape (spatial dims + channels), "
                f"got input.{key}",
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


def _check_window(cell: CellSpec, index: int, spatial: tuple[int, ...]) -> None:
    """A kernel and its strides stay within the spatial shape they move over."""
    for key in ("kernel_size", "strides"):
        listed = isinstance(getattr(cell, key), list)
        for dim, (value, size) in enumerate(zip(per_dim(cell, key), spatial)):
            if value > size:
                raise RuleError(
                    ("cells", index, key) + ((dim,) if listed else ()),
                    f"{cell.type} moves over a spatial shape of {spatial}: expected "
                    f"{key} <= {size} in spatial dim {dim}, got {value}",
                )


def check_every_block_is_used(spec: LongForm) -> None:
    """Keras drops what no model output depends on: a block or node, or a head
    nothing reads."""
    outputs = set(spec.output_blocks)
    reads = {block.input for block in spec.blocks} | outputs
    reads |= {block.attention.over for block in spec.blocks if block.attention}
    reads |= {name for node in spec.nodes for name in node.reads}
    used = needed(outputs, spec.entries)
    for entry in spec.entries:
        if entry.name not in used:
            what = "node" if entry in spec.nodes else "block"
            raise RuleError(
                spec.path_of(entry.name) + ("name",),
                f"no model output depends on {what} {entry.name}, so Keras would drop "
                f"it: expected {entry.name} in outputs, or read by a block or node below",
            )
    for block in spec.blocks:
        if block.head_layers and block.name not in reads:
            raise RuleError(
                spec.path_of(block.name) + ("head",),
                f"block {block.name} only hands its state on; its output is no model "
                f"output and feeds no block, so Keras would drop its head: expected "
                f"{block.name} in outputs, or no head",
            )
