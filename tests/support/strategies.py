"""Hypothesis strategies: rnnspec specs as plain data, their text forms, broken texts.

`specs()` draws specs of both forms that follow the documented rules (README.md,
docs/long-form.md, shared/spec-format.md), with small sizes so that the generated
modules run in a second. `texts()` writes one as YAML, JSON or TOML in one of several
styles (TOML by our writer or tomli_w's); `mutations()` breaks such a text the ways a
hand edit or a hostile file can.
"""

from __future__ import annotations

import copy
import json
import keyword
import re
from dataclasses import dataclass
from typing import Any

import tomli_w  # a second TOML writer: a test dependency, required (no fallback)
import yaml
from hypothesis import strategies as st

from rnnspec.check.names import RESERVED
from rnnspec.spec.models import CONV_RANK, INITIALIZERS
from rnnspec.spec.training import LOSSES, METRICS, OPTIMIZERS
from rnnspec.spec.values import ACTIVATIONS, LAYER_ACTIVATIONS

Data = dict[str, Any]
Step = tuple[int, ...]  # one time step: (features,) or (*spatial, channels)

VECTOR_CELLS = ("simple_rnn", "gru", "lstm")
CONV_CELLS = {rank: kind for kind, rank in CONV_RANK.items()}
MERGE_MODES = ("concat", "sum", "mul", "ave", "none")
SCORES = ("additive", "dot")
CONCATS = ("context_first", "output_first")
INITIAL_STATES = ("zeros", "ones", "random", "input", "none")
DTYPES = ("float32", "float64", "float16", "bfloat16")
# Keras' Orthogonal initializer needs a 2-D shape; a bias is 1-D (refused by the spec),
# except a GRU's with reset_after.
BIAS_INITIALIZERS = tuple(name for name in INITIALIZERS if name != "orthogonal")
NAME_POOL = ("source", "target", "frames", "encoder", "decoder", "tracker", "x", "mid")
FORMATS = ("yaml", "json", "toml")
SUFFIX = {"yaml": ".yaml", "json": ".json", "toml": ".toml"}

OMIT = object()  # a key left out of the spec: its default


def _maybe(
    value: st.SearchStrategy, *, null: bool = False, omit: int = 2
) -> st.SearchStrategy:
    """A key's value, OMIT (shrinks to this; `omit` times as likely as a value), or
    null where null means the default."""
    choices = [st.just(OMIT)] * omit + [value]
    return st.one_of(*choices, *([st.none()] if null else []))


def _put(data: Data, key: str, value: object) -> None:
    if value is not OMIT:
        data[key] = value


identifiers = st.one_of(
    st.sampled_from(NAME_POOL),
    st.from_regex(r"[a-z][a-z0-9_]{0,9}", fullmatch=True).filter(
        lambda name: not keyword.iskeyword(name) and name not in RESERVED
    ),
)
rates = st.one_of(st.sampled_from((0.0, 0.1, 0.5)), st.floats(0.0, 0.95))
descriptions = st.text(st.characters(codec="utf-8"), max_size=40)


def _options(draw: st.DrawFn, cell: Data, kind: str) -> None:
    """The optional per-cell keys, each left out, null or drawn."""
    activations = st.sampled_from(ACTIVATIONS)
    initializers = st.sampled_from(INITIALIZERS)
    keys: dict[str, st.SearchStrategy] = {
        "activation": activations,
        "use_bias": st.booleans(),
        "dropout": rates,
        "recurrent_dropout": rates,
        "kernel_initializer": initializers,
        "recurrent_initializer": initializers,
        "bias_initializer": st.sampled_from(BIAS_INITIALIZERS),
    }
    if kind != "simple_rnn":
        keys["recurrent_activation"] = activations
    if kind == "gru":
        keys["reset_after"] = st.booleans()
    if kind not in ("simple_rnn", "gru"):
        keys["unit_forget_bias"] = st.booleans()
    for key, values in keys.items():
        _put(cell, key, draw(_maybe(values, null=True)))
    if kind == "gru" and cell.get("reset_after") is not False:
        # with reset_after (Keras' default) a GRU's bias is a matrix: orthogonal fits
        _put(cell, "bias_initializer", draw(_maybe(st.just("orthogonal"))))


@dataclass(frozen=True)
class Drawn:
    """What the strategy knows of a block it drew: enough to wire the next ones."""

    name: str
    step: Step  # its input's step
    cells: tuple[Data, ...]
    states: tuple[tuple[Step, ...], ...]  # per cell: the shape of h (and c)
    bidirectional: bool
    return_state: bool
    output: Step | None  # one step of its output sequence, if a block can read it
    width: int | None = None  # the last axis of a vector block's one output
    two_outputs: bool = False  # merge_mode none
    head_end: str = "none"  # what its last layer is: none (no head), dropout, or
    # the activation of the last layer that has one (linear: logits)

    @property
    def conv(self) -> bool:
        return len(self.step) > 1


def _conv_out(cell: Data, spatial: Step) -> Step:
    """Keras' output length per spatial dim (same rounds up, valid drops the border)."""
    rank = len(spatial)

    def per_dim(key: str, default: int) -> Step:
        value = cell.get(key, default)
        return tuple(value) if isinstance(value, list) else (value,) * rank

    return tuple(
        (
            -(-size // stride)
            if cell.get("padding") == "same"
            else (size - k) // stride + 1
        )
        for size, k, stride in zip(
            spatial, per_dim("kernel_size", 1), per_dim("strides", 1)
        )
    )


def _per_dim(draw: st.DrawFn, values: list[int]) -> int | list[int]:
    """One int for all dims, as people write it where it can be, or one per dim."""
    return values[0] if len(set(values)) == 1 and draw(st.booleans()) else values


@st.composite
def _conv_cell(draw: st.DrawFn, spatial: Step, like: Data | None = None) -> Data:
    """A ConvLSTM cell moving over `spatial`: kernel and strides fit in it.
    `like` gives the geometry (kernel, padding, strides, filters)."""
    cell: Data = {"type": CONV_CELLS[len(spatial)]}
    if like is not None:
        keys = ("filters", "kernel_size", "padding", "strides")
        cell |= {k: like[k] for k in keys if k in like}
    else:
        cell["filters"] = draw(st.integers(1, 3))
        kernel = [draw(st.integers(1, min(3, size))) for size in spatial]
        cell["kernel_size"] = _per_dim(draw, kernel)
        _put(cell, "padding", draw(_maybe(st.sampled_from(("valid", "same")))))
        strides = [draw(st.integers(1, min(2, size))) for size in spatial]
        _put(cell, "strides", draw(_maybe(st.just(_per_dim(draw, strides)))))
    _options(draw, cell, cell["type"])
    return cell


@st.composite
def _vector_cell(
    draw: st.DrawFn, kinds: tuple[str, ...] = VECTOR_CELLS, units: int | None = None
) -> Data:
    cell: Data = {
        "type": draw(st.sampled_from(kinds)),
        "units": units or draw(st.integers(1, 8)),
    }
    _options(draw, cell, cell["type"])
    return cell


def _states(cells: list[Data], step: Step) -> tuple[tuple[Step, ...], ...]:
    """Per cell, the shape of each state tensor; the last is the top cell's output."""
    states = []
    for cell in cells:
        if "filters" in cell:
            step = (*_conv_out(cell, step[:-1]), cell["filters"])
        else:
            step = (cell["units"],)
        states.append((step,) * (1 if cell["type"] in ("simple_rnn", "gru") else 2))
    return tuple(states)


def _cells(
    draw: st.DrawFn, step: Step, source: Drawn | None, bridge: str | None
) -> list[Data]:
    """The cell list; with a hand-over, built to match the source as the bridge needs."""
    if len(step) > 1:
        spatial = step[:-1]
        if source is not None:  # same input, same geometry: the same spatial states
            filters = 2 if bridge == "concat" else 1
            likes = [{**c, "filters": c["filters"] * filters} for c in source.cells]
        else:
            likes = [None] * draw(st.integers(1, 2))
        cells = []
        for like in likes:
            cells.append(draw(_conv_cell(spatial, like)))
            spatial = _conv_out(cells[-1], spatial)
        return cells
    if source is None:
        return [draw(_vector_cell()) for _ in range(draw(st.integers(1, 3)))]
    cells = []
    for states in source.states:
        one_state = len(states) == 1
        if bridge == "per_layer":  # forward and backward state: a cell each, alike
            kinds = ("simple_rnn", "gru") if one_state else ("lstm",)
            cells += [draw(_vector_cell(kinds, states[0][0])) for _ in range(2)]
        elif bridge == "project":
            cells.append(draw(_vector_cell()))
        elif bridge == "concat":  # each target state joins the source's of its role
            kinds = ("simple_rnn", "gru") if one_state else VECTOR_CELLS
            cells.append(draw(_vector_cell(kinds, states[0][0] * 2)))
        else:
            kinds = ("simple_rnn", "gru") if one_state else ("lstm",)
            cells.append(draw(_vector_cell(kinds, states[0][0])))
    return cells


@st.composite
def _block(
    draw: st.DrawFn,
    name: str,
    step: Step,
    *,
    batch_fixed: bool,
    long_form: bool,
    timesteps: int | None = None,
    source: Drawn | None = None,
    bridge: str | None = None,
    memories: tuple[Drawn, ...] = (),
    classes: int | None = None,
    window: bool = False,
    encoder: bool = False,
    masked: bool = False,
) -> tuple[Data, Drawn]:
    """The keys of one recurrent block reading `step`, and what a later block needs.
    `timesteps`: its input's fixed length, if known (a front may change it).
    `memories`: blocks it may attend over. `classes`: its head scores as many classes
    (a decoder that returns its state and runs forwards, or with `window` one that
    returns one vector, no state, nothing stateful: docs/decoding.md). `encoder`: it
    returns its sequence and state. `masked`: a
    model input has mask_zero."""
    conv = len(step) > 1
    cells = _cells(draw, step, source, bridge)
    block: Data = {"cells": cells}
    if conv:
        _put(block, "stacking", draw(_maybe(st.just("layers"))))
        _put(block, "layer", draw(_maybe(st.just("fused"), null=True)))
    else:
        # Keras 3.15: a masked RNN(StackedRNNCells) of one LSTM cell fails (its state
        # comes back unnested); rnnspec refuses it (docs/long-form.md)
        lone_lstm = masked and [cell["type"] for cell in cells] == ["lstm"]
        stacking = st.sampled_from(("layers",) if lone_lstm else ("layers", "cells"))
        _put(block, "stacking", draw(_maybe(stacking, omit=1)))
        forms = ("rnn",) if block.get("stacking") == "cells" else ("rnn", "fused")
        _put(block, "layer", draw(_maybe(st.sampled_from(forms), null=True, omit=1)))
    if source is not None and bridge != "project":
        bidirectional = source.bidirectional and bridge == "none"
    else:
        bidirectional = draw(st.sampled_from((False, False, True)))
    merge_mode = None
    if bidirectional:
        modes = MERGE_MODES
        if block.get("stacking", "layers") == "layers" and len(cells) > 1:
            # merge_mode none gives two outputs, which the next layer cannot take
            modes = MERGE_MODES[:-1]
        merge_mode = draw(st.sampled_from(modes))
        forms = [{"merge_mode": merge_mode}]
        if merge_mode == "concat":
            forms += [True, {}]
        block["bidirectional"] = draw(st.sampled_from(forms))
    else:
        _put(block, "bidirectional", draw(_maybe(st.just(False))))
    flags = (OMIT, True, True, False) if long_form else (OMIT, True, False)
    attend = bool(memories) and not conv and merge_mode != "none"
    attend = attend and draw(st.booleans())
    return_sequences = draw(st.sampled_from((OMIT, False) if window else flags))
    return_sequences = True if attend else return_sequences
    return_state = draw(st.sampled_from((OMIT, False) if window else flags))
    if (classes and not window) or encoder:
        return_state = True
    return_sequences = True if encoder else return_sequences
    _put(block, "return_sequences", return_sequences)
    # Keras 3.15: RNN(StackedRNNCells) on a masked sequence fails without an initial
    # state ("The two structures don't have the same nested structure"); reported
    masked_cells = masked and block.get("stacking") == "cells"
    stateful = (
        draw(st.sampled_from((OMIT, False) if window else (OMIT, False, True)))
        if batch_fixed and source is None and not encoder and not masked_cells
        else OMIT
    )
    _put(block, "stateful", stateful)
    if stateful is True and bidirectional and return_state is True:
        return_state = False  # Keras 3.15's Bidirectional cannot return stateful states
    _put(block, "return_state", return_state)
    if source is not None:
        hand_over: Data = {"from": source.name}
        _put(
            hand_over,
            "bridge",
            bridge if bridge != "none" else draw(_maybe(st.just("none"))),
        )
        if bridge == "project":  # the Dense layers' activation
            activations = st.sampled_from(ACTIVATIONS)
            _put(hand_over, "activation", draw(_maybe(activations, null=True, omit=1)))
        block["initial_state"] = hand_over
    elif stateful is True:
        _put(block, "initial_state", draw(_maybe(st.just("none"), null=True)))
    else:
        modes = [mode for mode in INITIAL_STATES if not (window and mode == "input")]
        if masked_cells:
            modes.remove("none")
        mode = st.sampled_from(modes)
        if masked_cells and long_form:  # its default is none
            _put(block, "initial_state", draw(mode))
        else:
            _put(block, "initial_state", draw(_maybe(mode, null=True, omit=1)))
    states = _states(cells, step)
    top = states[-1][0]
    output = None
    width = None
    if merge_mode != "none":
        top = (*top[:-1], top[-1] * 2) if merge_mode == "concat" else top
        width = None if conv else top[-1]
    if return_sequences is True and merge_mode != "none":
        output = top
    if not bidirectional and not conv and not (classes and not window):
        _put(block, "go_backwards", draw(_maybe(st.booleans())))
    if block.get("stacking", "layers") == "layers" and len(cells) > 1:
        rate = st.sampled_from((0.0, 0.25, 0.5))
        _put(block, "dropout_between_layers", draw(_maybe(rate, null=True, omit=2)))
    if not conv:
        _put(block, "front", draw(_maybe(_front_layers(step[0], timesteps), omit=2)))
    if attend and width:
        block["attention"], width = draw(_attention(memories, width))
        output = (width,)
    head_end = "none"
    if not conv and merge_mode != "none":
        heads = st.one_of(_heads(), _head_layers())
        if classes:
            head = draw(_class_head(classes))
        else:
            head = draw(_maybe(heads, null=True, omit=0 if long_form else 2))
        _put(block, "head", head)
        width, head_end = _after_head(head, width)  # type: ignore[arg-type]
        if output:
            output = (width,)
    drawn = Drawn(
        name,
        step,
        tuple(cells),
        states,
        bidirectional,
        return_state is True,
        output,
        width,
        merge_mode == "none",
        head_end,
    )
    return block, drawn


def _after_head(head: object, width: int) -> tuple[int, str]:
    """The width after a head and its last layer's kind (see Drawn.head_end)."""
    if isinstance(head, dict):
        return head["units"], head.get("activation") or "linear"
    if not isinstance(head, list) or not head:
        return width, "none"
    dense = [layer["units"] for layer in head if layer["type"] == "dense"]
    last = head[-1]
    if last["type"] in ("dropout", "spatial_dropout1d"):
        end = "dropout"
    else:  # a normalization has no activation: Keras reads it as logits
        end = last.get("activation") or "linear"
    return (dense[-1] if dense else width), end


@st.composite
def _attention(
    draw: st.DrawFn, memories: tuple[Drawn, ...], width: int
) -> tuple[Data, int]:
    """An `attention` key over one of `memories` for a block `width` wide, and the
    width of what it makes (docs/attention.md)."""
    memory = draw(st.sampled_from(memories))
    assert memory.width is not None
    given: Data = {"over": memory.name, "score": draw(st.sampled_from(SCORES))}
    if memory.width != width:
        given["project"] = True  # without it the widths must be equal
    else:
        _put(given, "project", draw(_maybe(st.booleans())))
    _put(given, "concat", draw(_maybe(st.sampled_from(CONCATS))))
    vector = st.fixed_dictionaries(
        {"units": st.integers(1, 5)},
        optional={"activation": st.sampled_from(LAYER_ACTIVATIONS)},
    )
    _put(given, "vector", draw(_maybe(vector, null=True)))
    made = given["vector"]["units"] if given.get("vector") else memory.width + width
    return given, made


@st.composite
def _class_head(draw: st.DrawFn, classes: int) -> Data | list[Data]:
    """A head that scores `classes` classes: probabilities or logits."""
    activation = draw(_maybe(st.sampled_from(("softmax", "linear")), null=True))
    if draw(st.booleans()):
        head: Data = {"units": classes}
        _put(head, "activation", activation)
        return head
    layers: list[Data] = []
    if draw(st.booleans()):
        layers.append({"type": "layer_normalization"})
    layers.append({"type": "dense", "units": classes})
    if activation not in (OMIT, None):
        layers.append({"type": "activation", "activation": activation})
    if draw(st.integers(0, 3)) == 0:
        layers.append({"type": "dropout", "rate": 0.0})
    return layers


# a head's width: 1 as often as any other (a regression head; softmax over one unit)
_head_units = st.one_of(st.just(1), st.integers(1, 5))


@st.composite
def _heads(draw: st.DrawFn) -> Data:
    head: Data = {"units": draw(_head_units)}
    scores = st.sampled_from(("softmax", "sigmoid", "linear"))  # what losses read
    activations = st.one_of(scores, st.sampled_from((*ACTIVATIONS, "softmax")))
    _put(head, "activation", draw(_maybe(activations, null=True)))
    _put(head, "use_bias", draw(_maybe(st.booleans(), null=True)))
    return head


def _normalization(draw: st.DrawFn, kind: str) -> Data:
    """A batch or layer normalization with its optional keys (momentum, epsilon)."""
    layer: Data = {"type": kind}
    fractions = st.sampled_from((0.001, 0.01, 0.5, 0.9, 0.99))
    if kind == "batch_normalization":
        _put(layer, "momentum", draw(_maybe(fractions, null=True)))
    _put(layer, "epsilon", draw(_maybe(fractions, null=True)))
    return layer


def _dense(draw: st.DrawFn, units: int, activations: tuple[str, ...]) -> Data:
    layer: Data = {"type": "dense", "units": units}
    _put(layer, "activation", draw(_maybe(st.sampled_from(activations), null=True)))
    _put(layer, "use_bias", draw(_maybe(st.booleans(), null=True)))
    return layer


@st.composite
def _conv_front(
    draw: st.DrawFn, kind: str, length: int | None, width: int
) -> tuple[Data, int | None, int]:
    """A conv1d (over time) or conv2d (over time and features) front layer, and the
    time length and features it leaves. Where the length is not fixed (`length`
    None) it keeps it: strides 1 and padding same (or causal)."""
    paddings = {"conv1d": ("valid", "same", "causal"), "conv2d": ("valid", "same")}
    padding = draw(st.sampled_from(paddings[kind] if length else ("same", "causal")))
    padding = "same" if kind == "conv2d" and padding == "causal" else padding
    k_time = draw(st.integers(1, min(3, length) if length else 3))
    stride = draw(st.integers(1, 2)) if length else 1
    layer: Data = {"type": kind, "filters": draw(st.integers(1, 3))}
    features = width
    if kind == "conv2d":
        k_features = draw(st.integers(1, min(2, width)))
        layer["kernel_size"] = _per_dim(draw, [k_time, k_features])
        if stride > 1:
            layer["strides"] = _per_dim(draw, [stride, 1])
        if padding == "valid":
            features = width - k_features + 1
    else:
        layer["kernel_size"] = k_time
        _put(layer, "strides", stride if stride > 1 else draw(_maybe(st.just(1))))
    _put(
        layer,
        "padding",
        padding if padding != "valid" else draw(_maybe(st.just(padding))),
    )
    _put(layer, "activation", draw(_maybe(st.sampled_from(ACTIVATIONS))))
    _put(layer, "use_bias", draw(_maybe(st.booleans())))
    if length is not None:  # causal pads the start only: the length same gives
        keeps = "valid" if padding == "valid" else "same"
        time = {"kernel_size": k_time, "strides": stride, "padding": keeps}
        length = _conv_out(time, (length,))[0]
    return layer, length, features


@st.composite
def _front_layers(draw: st.DrawFn, features: int, timesteps: int | None) -> list[Data]:
    """Layers before a vector block's cells: on its (batch, time, features) sequence,
    a conv2d's (batch, time, features', filters) after it until the cells (rnnspec
    reshapes it back). `timesteps`: the sequence's fixed length, else None."""
    kinds = st.sampled_from(
        ("dense", "dropout", "spatial_dropout1d", "layer_normalization",
         "batch_normalization", "activation", "conv1d", "conv2d")
    )  # fmt: skip
    layers: list[Data] = []
    rank, length, width = 3, timesteps, features
    for kind in draw(st.lists(kinds, min_size=1, max_size=3)):
        if rank == 4 and kind in ("spatial_dropout1d", "conv1d"):
            continue  # they read a (batch, time, features) sequence
        if kind == "dense":
            layer = _dense(draw, draw(st.integers(1, 4)), ACTIVATIONS)
            width = layer["units"]
        elif kind in ("dropout", "spatial_dropout1d"):
            layer = {"type": kind, "rate": draw(st.sampled_from((0.0, 0.1, 0.5)))}
        elif kind == "activation":
            layer = {"type": kind, "activation": draw(st.sampled_from(ACTIVATIONS))}
        elif kind.endswith("normalization"):
            layer = _normalization(draw, kind)
        else:
            if kind == "conv2d" and rank == 4:
                continue  # one conv2d: its width is the features axis, not the last
            layer, length, width = draw(_conv_front(kind, length, width))
            rank = 4 if kind == "conv2d" else 3
            width = layer["filters"] if kind == "conv1d" else width
        layers.append(layer)
    return layers or [{"type": "dropout", "rate": 0.0}]


@st.composite
def _head_layers(draw: st.DrawFn) -> list[Data]:
    """A head as a list of layers that work on any rank: Dense, Dropout, normalization,
    Activation."""
    kinds = (
        "dense",
        "dropout",
        "batch_normalization",
        "layer_normalization",
        "activation",
    )
    activations = (*ACTIVATIONS, "softmax")
    layers = []
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3)):
        layer: Data = {"type": kind}
        if kind == "dense":
            layer = _dense(draw, draw(_head_units), activations)
        elif kind == "dropout":
            layer["rate"] = draw(st.sampled_from((0.0, 0.2)))
        elif kind == "activation":
            layer["activation"] = draw(st.sampled_from(activations))
        else:
            layer = _normalization(draw, kind)
        layers.append(layer)
    return layers


@st.composite
def _step(draw: st.DrawFn) -> Step:
    """Vector features, or a ConvLSTM step of rank 1 to 3: small spatial dims + channels."""
    rank = draw(st.sampled_from((0, 0, 0, 1, 2, 3)))
    if rank == 0:
        return (draw(st.integers(1, 4)),)
    spatial = draw(
        st.lists(st.integers(1, 4 if rank < 3 else 3), min_size=rank, max_size=rank)
    )
    return (*spatial, draw(st.integers(1, 2)))


def _input(draw: st.DrawFn, step: Step, batch_size: int | None, dtype: object) -> Data:
    given: Data = {}
    _put(given, "batch_size", batch_size if batch_size else draw(_maybe(st.none())))
    _put(given, "timesteps", draw(_maybe(st.integers(1, 4), null=True, omit=1)))
    if len(step) > 1:
        given["shape"] = list(step)
    elif draw(st.integers(0, 3)) == 0:  # tokens, embedded in as many features
        given["vocabulary"] = draw(st.integers(1, 20))
        given["embedding"] = step[0]
        _put(given, "mask_zero", draw(_maybe(st.booleans())))
    else:
        given["features"] = step[0]
    _put(given, "dtype", dtype if dtype != "float32" else draw(_maybe(st.just(dtype))))
    return given


def _head_keys(draw: st.DrawFn, name: str) -> Data:
    spec: Data = {"name": name}
    _put(spec, "description", draw(_maybe(descriptions)))
    return spec


@st.composite
def short_specs(draw: st.DrawFn) -> Data:
    """A short-form spec: one input, one block."""
    step = draw(_step())
    batch_size = draw(st.sampled_from((None, 1, 2, 3)))
    dtype = draw(st.sampled_from(DTYPES))
    spec = _head_keys(draw, draw(identifiers))
    spec["input"] = _input(draw, step, batch_size, dtype)
    classes = _classes(spec["input"]) if draw(st.integers(0, 2)) == 0 else None
    block, drawn = draw(
        _block(
            spec["name"],
            step,
            batch_fixed=batch_size is not None,
            long_form=False,
            timesteps=spec["input"].get("timesteps"),
            classes=classes,
            window=classes is not None,
            masked=spec["input"].get("mask_zero") is True,
        )
    )
    spec |= block
    _sections(draw, spec, {"sequence": spec["input"]}, [spec], [drawn])
    return spec


def _classes(given: Data) -> int | None:
    """The classes an input's steps are: its vocabulary, or its one-hot features."""
    return given.get("vocabulary", given.get("features"))


def _sections(
    draw: st.DrawFn, spec: Data, inputs: Data, blocks: list[Data], drawn: list[Drawn]
) -> None:
    """Maybe a `training` section, and a `decoding` one where the model generates."""
    by_name = {info.name: info for info in drawn}
    outputs = spec.get("outputs") or [drawn[-1].name]
    trained = [by_name[name] for name in outputs]
    if any(_losses(block) for block in trained) and _tame(inputs, blocks):
        _put(spec, "training", draw(_maybe(_training(trained))))
    generates = _generator(inputs, blocks, drawn, outputs)
    if generates and not (generates[2] and generates[1] < 2):  # padding only: no start
        _put(spec, "decoding", draw(_maybe(_decoding(*generates), omit=1)))


def _tame(inputs: Data, blocks: list[Data]) -> bool:
    """Whether the model's outputs stay finite on the smoke test's random data, as the
    training step asserts: not so in float16 (a sum overflows at 65504) or through an
    exponential cell activation (exp of exp). Such specs are valid: reported."""
    if any(given.get("dtype") == "float16" for given in inputs.values()):
        return False
    cells = [cell for block in blocks for cell in block["cells"]]
    keys = ("activation", "recurrent_activation")
    return not any(cell.get(key) == "exponential" for cell in cells for key in keys)


# losses by what they read (docs/training.md)
REGRESSION = ("mse", "mae", "huber")
CLASSIFYING = ("sparse_categorical_crossentropy", "categorical_crossentropy")


def _losses(block: Drawn) -> list[str]:
    """The losses that can read a block's output."""
    if block.two_outputs:
        return []
    losses = list(REGRESSION)
    if block.width is None:  # conv cells: no head
        return losses
    if block.head_end in ("softmax", "linear") and block.width >= 2:
        losses += CLASSIFYING
        if block.output is not None:  # a sequence of class scores
            losses.append("ctc")
    if block.head_end in ("sigmoid", "linear"):
        losses.append("binary_crossentropy")
    return losses


def _one_loss(losses: list[str]) -> st.SearchStrategy[str]:
    """One of `losses`: as often a regression loss (every head takes one, whatever its
    width and activation, softmax included) as one that reads classes, where one can."""
    scoring = [loss for loss in losses if loss not in REGRESSION]
    every = st.sampled_from(losses)
    if not scoring:
        return every
    return st.one_of(every, st.sampled_from(scoring), st.sampled_from(REGRESSION))


@st.composite
def _training(draw: st.DrawFn, outputs: list[Drawn]) -> Data:
    """A `training` section whose losses suit the outputs they train."""
    options = {block.name: _losses(block) for block in outputs}
    trainable = [name for name, losses in options.items() if losses]
    shared = [
        loss
        for loss in LOSSES
        if len(trainable) == len(outputs)
        and all(loss in losses for losses in options.values())
    ]
    if shared and draw(st.booleans()):
        loss: str | Data = draw(_one_loss(shared))
        used = {loss}
    else:
        names = draw(st.lists(st.sampled_from(trainable), min_size=1, unique=True))
        loss = {name: draw(_one_loss(options[name])) for name in names}
        used = set(loss.values())
    training: Data = {"loss": loss}
    _put(training, "optimizer", draw(_maybe(st.sampled_from(tuple(OPTIMIZERS)))))
    rates = st.one_of(
        st.sampled_from((0.001, 0.01, 0.1, 1.0, 10.0)), st.floats(1e-4, 10.0)
    )
    _put(training, "learning_rate", draw(_maybe(rates, null=True)))
    suiting = [m for m, losses in METRICS.items() if used <= set(losses)]
    metrics = (
        st.lists(st.sampled_from(suiting), unique=True) if suiting else st.just([])
    )
    _put(training, "metrics", draw(_maybe(metrics)))
    return training


@st.composite
def _decoding(draw: st.DrawFn, kind: str, classes: int, padded: bool) -> Data:
    """A `decoding` section for a model that generates `classes` classes of `kind`;
    a `padded` decoder (mask_zero) starts from a class other than 0, its padding."""
    decoding: Data = {}
    class_ids = st.integers(0, classes - 1)
    if kind == "decoder":
        starts = st.integers(1, classes - 1) if padded else class_ids
        _put(decoding, "start", draw(_maybe(starts, null=True)))
    else:  # window generation continues the classes it is given: no start
        _put(decoding, "start", draw(_maybe(st.none(), omit=3)))
    _put(decoding, "stop", draw(_maybe(class_ids, null=True)))
    _put(decoding, "max_length", draw(_maybe(st.integers(1, 30))))
    return decoding


def _generator(
    inputs: Data, blocks: list[Data], drawn: list[Drawn], outputs: list[str]
) -> tuple[str, int, bool] | None:
    """Whether the model generates classes (docs/decoding.md): ("decoder" or "window",
    how many classes, whether the decoder's input has mask_zero), or None. Written from the docs, not from rnnspec/spec/decoding.py.
    """
    info = {d.name: d for d in drawn}
    handed = [b for b in blocks if isinstance(b.get("initial_state"), dict)]
    if len(handed) == 1:  # the steppable decoder, if it is one
        block = handed[0]
        given = inputs.get(block.get("input", "sequence"))
        steppable = (
            given is not None
            and not info[block["name"]].bidirectional
            and block.get("stateful") is not True
            and block.get("go_backwards") is not True
            and block.get("return_state") is True
            and not any(_reads_steps(layer) for layer in block.get("front", []))
        )
        if steppable:
            classes = _classes(given) if "shape" not in given else None
            scores = info[block["name"]].head_end != "none"
            if classes and scores and info[block["name"]].width == classes:
                return "decoder", classes, given.get("mask_zero") is True
            return None
    if len(inputs) != 1 or len(outputs) != 1:
        return None
    (given,) = inputs.values()
    block = next(b for b in blocks if b["name"] == outputs[0])
    last = info[outputs[0]]
    if "shape" in given or last.head_end == "none" or last.width != _classes(given):
        return None
    if any(
        b.get("stateful") is True or b.get("initial_state") == "input" for b in blocks
    ):
        return None
    one_vector = block.get("return_sequences") is not True
    return (
        ("window", last.width, False) if one_vector and not last.return_state else None
    )


def _reads_steps(layer: Data) -> bool:
    """A front conv whose kernel or stride along time is over 1 (docs/long-form.md:
    such a decoder is not stepped)."""
    if not str(layer.get("type", "")).startswith("conv"):
        return False
    first = [
        value[0] if isinstance(value, list) else value
        for value in (layer.get("kernel_size", 1), layer.get("strides", 1))
    ]
    return max(first) > 1


def _bridges(source: Drawn, step: Step) -> list[str]:
    """The bridges that can hand `source`'s state to a block reading `step`."""
    if source.conv != (len(step) > 1):
        return []
    if source.conv:
        if step != source.step:
            return []
        return ["none", "concat"] if source.bidirectional else ["none"]
    if not source.bidirectional:
        return ["none", "project"]
    return ["none", "project", "concat", "per_layer"]


@st.composite
def long_specs(draw: st.DrawFn, seq2seq: bool = False) -> Data:
    """A long-form spec: one or two inputs, one to three blocks, hand-overs and heads;
    every block feeds an output (Keras drops the rest), as does every head.
    `seq2seq`: an encoder that returns its sequence and state, and a decoder on the
    second input that starts from it, mostly attends over it and scores its classes."""
    n_inputs = 2 if seq2seq else draw(st.integers(1, 2))
    n_blocks = 2 if seq2seq else draw(st.integers(n_inputs, 3))
    names = draw(
        st.lists(
            identifiers,
            min_size=1 + n_inputs + n_blocks,
            max_size=1 + n_inputs + n_blocks,
            unique=True,
        )
    )
    spec = _head_keys(draw, names[0])
    input_names, block_names = names[1 : 1 + n_inputs], names[1 + n_inputs :]
    batch_size = draw(st.sampled_from((None, 1, 2)))
    dtype = draw(st.sampled_from(DTYPES))
    vectors = st.builds(lambda n: (n,), st.integers(1, 4))
    steps = {name: draw(vectors if seq2seq else _step()) for name in input_names}
    spec["inputs"] = {
        name: _input(draw, steps[name], batch_size, dtype) for name in input_names
    }
    blocks: list[Data] = []
    drawn: list[Drawn] = []
    unused = list(input_names)
    for index, name in enumerate(block_names):
        readable = [d for d in drawn if d.output is not None]
        # one vector out (return_sequences false): read repeated, as RepeatVector does
        repeatable = [d for d in drawn if d.output is None and d.width and not d.conv]
        choices = (
            unused
            if len(unused) >= n_blocks - index
            else input_names + [d.name for d in readable + repeatable]
        )
        given = input_names[index] if seq2seq else draw(st.sampled_from(choices))
        if given in unused:
            unused.remove(given)
        repeat = None
        if given in steps:
            step = steps[given]
            timesteps = spec["inputs"][given].get("timesteps")
        elif any(d.name == given for d in readable):
            step = next(d.output for d in readable if d.name == given)
            timesteps = None  # a front above may have changed it
        else:
            step = (next(d.width for d in repeatable if d.name == given),)
            repeat = timesteps = draw(st.integers(1, 4))
        options = [(d, b) for d in drawn if d.return_state for b in _bridges(d, step)]
        handed = st.sampled_from(options) if options else st.nothing()
        source, bridge = draw(
            handed
            if seq2seq and index
            else st.one_of(st.just((None, None)), handed, handed)
        )
        classes = None  # a decoder whose head scores its input's classes
        steer = seq2seq or draw(st.integers(0, 2)) > 0
        if source is not None and given in steps and steer:
            classes = _classes(spec["inputs"][given])
        memories = tuple(
            d
            for d in drawn
            if d.output is not None
            and d.width is not None
            and not _mask_blocked(spec["inputs"], blocks, d.name)
        )
        block, info = draw(
            _block(
                name,
                step,
                batch_fixed=batch_size is not None,
                long_form=True,
                timesteps=timesteps,
                source=source,
                bridge=bridge,
                memories=memories,
                classes=classes,
                encoder=seq2seq and not index,
                masked=any(
                    given.get("mask_zero") is True for given in spec["inputs"].values()
                ),
            )
        )
        blocks.append({"name": name, "input": given, **block})
        _put(blocks[-1], "repeat", repeat if repeat is not None else OMIT)
        drawn.append(info)
    spec["blocks"] = blocks
    if not seq2seq and draw(st.integers(0, 3)) == 0:
        _start_from_vector(draw, spec, names)
    outputs = st.lists(
        st.sampled_from(block_names), min_size=1, max_size=len(block_names), unique=True
    )
    _put(spec, "outputs", draw(_maybe(outputs, null=True)))
    missing = _unused(blocks, spec.get("outputs") or [block_names[-1]])
    if missing:  # Keras would drop them: make them outputs
        given = spec.get("outputs") or [block_names[-1]]
        spec["outputs"] = [*given, *(name for name in block_names if name in missing)]
    _sections(draw, spec, spec["inputs"], blocks, drawn)
    return spec


def _start_from_vector(draw: st.DrawFn, spec: Data, taken: list[str]) -> None:
    """Maybe an input with no time axis (`sequence: false`) whose Dense projection
    starts a vector block's state, as image captioning's decoder starts from the
    image's features: `initial_state: {from: <input>, bridge: project}`."""
    free = [
        block
        for block in spec["blocks"]
        if block.get("initial_state") in (None, "zeros", "ones", "random", "none")
        and block.get("stateful") is not True
        and block["cells"][0]["type"] in VECTOR_CELLS
        and len({cell["units"] for cell in block["cells"]}) == 1  # one Dense for all
    ]
    name = draw(identifiers)
    if not free or name in taken:
        return
    given: Data = {"features": draw(st.integers(1, 4)), "sequence": False}
    first = next(iter(spec["inputs"].values()))
    _put(given, "batch_size", first.get("batch_size", OMIT))
    _put(given, "dtype", first.get("dtype", OMIT))
    spec["inputs"][name] = given
    hand_over: Data = {"from": name, "bridge": "project"}
    _put(hand_over, "activation", draw(_maybe(st.sampled_from(ACTIVATIONS))))
    draw(st.sampled_from(free))["initial_state"] = hand_over


def _mask_blocked(inputs: Data, blocks: list[Data], name: str) -> bool:
    """Whether a block's output cannot be a memory because it comes from a token input
    with mask_zero through a front, repeat or head, which the mask cannot pass."""
    by_name = {block["name"]: block for block in blocks}
    changed = False
    while name in by_name:
        block = by_name[name]
        changed |= any(block.get(key) for key in ("front", "repeat", "head"))
        name = block["input"]
    return changed and inputs[name].get("mask_zero") is True


def _unused(blocks: list[Data], outputs: list[str]) -> set[str]:
    """The blocks no output depends on, and those whose head nothing reads."""
    needed = set(outputs)
    for block in reversed(blocks):
        if block["name"] in needed:
            needed.add(block["input"])
            if isinstance(block.get("initial_state"), dict):
                needed.add(block["initial_state"]["from"])
            if block.get("attention"):
                needed.add(block["attention"]["over"])
    read = {block["input"] for block in blocks} | set(outputs)
    read |= {block["attention"]["over"] for block in blocks if block.get("attention")}
    return {
        block["name"]
        for block in blocks
        if block["name"] not in needed
        or (bool(block.get("head")) and block["name"] not in read)
    }


def specs() -> st.SearchStrategy[Data]:
    """Either form."""
    return st.one_of(short_specs(), long_specs(), long_specs(seq2seq=True))


def drawn_options(spec: Data) -> set[str]:
    """The layer options and losses a drawn spec uses that the counts report: proof
    that the strategy draws them (`make fuzz` prints `valid with <option>`)."""
    found: set[str] = set()
    blocks = spec.get("blocks") or [spec]
    for block in blocks:
        layers = list(block.get("front") or [])
        head = block.get("head")
        layers += head if isinstance(head, list) else []
        for layer in layers:
            kind = layer["type"]
            if kind in ("conv1d", "conv2d") or kind.endswith("normalization"):
                found.add(kind)
            if kind == "conv1d" and layer.get("padding") == "causal":
                found.add("causal conv1d")
                if layer.get("strides", 1) > 1:
                    found.add("causal conv1d with strides")
        hand_over = block.get("initial_state")
        if isinstance(hand_over, dict):
            found.add(f"bridge {hand_over.get('bridge', 'none')}")
            if hand_over.get("activation"):
                found.add("bridge project with an activation")
        found |= {key for key in ("repeat", "go_backwards") if block.get(key)}
    inputs = spec.get("inputs", {}).values()
    found |= {
        "input with sequence: false" for i in inputs if i.get("sequence") is False
    }
    return found | _regression_heads(spec, blocks)


def _regression_heads(spec: Data, blocks: list[Data]) -> set[str]:
    """`regression loss on a 1-unit head`, `... softmax head`: such heads trained."""
    loss = (spec.get("training") or {}).get("loss")
    if loss is None:
        return set()
    outputs = spec.get("outputs") or [blocks[-1].get("name", spec.get("name"))]
    given = loss if isinstance(loss, dict) else dict.fromkeys(outputs, loss)
    found = set()
    for block in blocks:
        if given.get(block.get("name", spec.get("name"))) not in REGRESSION:
            continue
        head = block.get("head")
        if not head:
            continue
        width, end = _after_head(head, 0)
        found |= {"regression loss on a 1-unit head"} if width == 1 else set()
        found |= {"regression loss on a softmax head"} if end == "softmax" else set()
        if width == 1 and end == "softmax":
            found.add("regression loss on a 1-unit softmax head")
    return found


# --- text forms -------------------------------------------------------------------


def to_yaml(data: Data, *, flow: bool | None = False, unicode: bool = True) -> str:
    text = yaml.safe_dump(
        data, sort_keys=False, default_flow_style=flow, allow_unicode=unicode
    )
    if unicode and yaml.safe_load(text) != data:
        # PyYAML writes NEL, LS and PS as they are in a quoted string, where YAML
        # reads them as line breaks (folded to a space): escape them instead
        return to_yaml(data, flow=flow, unicode=False)
    return text


def to_json(data: Data, *, indent: int | None = 2, ascii: bool = False) -> str:
    return json.dumps(data, indent=indent, ensure_ascii=ascii) + "\n"


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    if isinstance(value, dict):
        pairs = (
            f"{_toml_key(k)} = {_toml_value(v)}"
            for k, v in value.items()
            if v is not None
        )
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"no TOML for {value!r}")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _is_table(value: object) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
    )


def to_toml(data: Data, *, tables: bool = True) -> str:
    """TOML, which has no null: a null key is left out, which means the same (every
    key that takes null defaults to it). `tables`: [sub.tables] and [[arrays]] of
    them, else every nested value inline."""
    lines: list[str] = []

    def table(data: Data, path: tuple[str, ...]) -> None:
        nested = []
        for key, value in data.items():
            if value is None:
                continue
            if tables and _is_table(value):
                nested.append((key, value))
            else:
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, value in nested:
            name = ".".join(map(_toml_key, (*path, key)))
            for item in [value] if isinstance(value, dict) else value:
                lines.extend(
                    ["", f"[{name}]" if isinstance(value, dict) else f"[[{name}]]"]
                )
                table(item, (*path, key))

    table(data, ())
    return "\n".join(lines).lstrip("\n") + "\n"


@st.composite
def texts(draw: st.DrawFn, data: Data, kind: str) -> str:
    """`data` as `kind` text, in one of the styles people write."""
    if kind == "yaml":
        return to_yaml(
            data,
            flow=draw(st.sampled_from((False, None, True))),
            unicode=draw(st.booleans()),
        )
    if kind == "json":
        return to_json(
            data, indent=draw(st.sampled_from((2, None, 4))), ascii=draw(st.booleans())
        )
    data = _without_nulls(data)  # TOML has no null: a null key means its default
    if draw(st.booleans()):
        return tomli_w.dumps(data, multiline_strings=draw(st.booleans()))
    return to_toml(data, tables=draw(st.booleans()))


def _without_nulls(data: object) -> Any:
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_nulls(v) for v in data if v is not None]
    return data


# --- broken texts -----------------------------------------------------------------

_VALUE = re.compile(r"(?<=[:=\[,]) ?([^\s,\[\]{}:=#][^,\[\]{}\n#]*)")
ODD_VALUES = (
    "null", "~", "true", "yes", "0", "-1", "1.5", "-0.0", ".inf", ".nan", "nan", "inf",
    "1e999", "-1e999", "0x10", "0o7", "1_000", '"str"', "''", "[]", "{}", "[1, 2]",
    "{a: 1}", "2024-01-01", "1979-05-27T07:32:00Z", "12:30:00", "07:32:00",
    "!!binary aGVsbG8=", "!!set {a, b}", "!!python/name:os.system",
    "!!python/object/apply:os.system ['true']", "!!omap [a: 1]", "!!timestamp 2001-12-14",
    "!!float 1", "!!int '3'", "!custom 1", "&a 1", "*a", "*missing", "<<: {x: 1}",
    '"\\ud800"', '"\\x00"', "\x00", "\U0001f600", "\u202e", "\ufeff", "\u2028", "\x85",
    "１２", "9" * 19, "9" * 20, "1" + "0" * 400, "9" * 4301, "-" + "9" * 5000, "1e-400",
    "64x", "-", "?", "|", ">", "%", "@", "`", "'unclosed", '"unclosed', "{unclosed",
)  # fmt: skip
PLAUSIBLE_VALUES = (
    *INITIALIZERS, "softmax", "tanh", *VECTOR_CELLS, *CONV_RANK, "cells", "layers", "rnn",
    "fused", *MERGE_MODES, *INITIAL_STATES, "valid", "same", "project", *DTYPES, "int8",
    "{from: encoder}", "{from: x, bridge: concat}", "{merge_mode: none}", "[3, 3]",
    "[1, 1, 1, 1]", "[]", "{units: 2}", "65536", "65537", "100000", "4096", "keras",
    "np", "model", "main", "output", "sequence", "initial_state", "_", "encoder_lstm",
    "encoder_output", "decoder_lstm_h", "initial_decoder_lstm_h", "repeat_over_batch",
    *SCORES, *CONCATS, *LOSSES, *OPTIMIZERS, *METRICS, "{over: encoder, score: dot}",
    "{loss: mse}", "{start: 0, stop: 1}", "[accuracy, accuracy]", "1e-9", "10.5",
    "START", "MAX_LENGTH", "reset_states", "TRAINED", "decoder_attention",
)  # fmt: skip
KEYS = (
    "name", "description", "input", "inputs", "blocks", "outputs", "cells", "stacking",
    "layer", "bidirectional", "merge_mode", "return_sequences", "return_state",
    "stateful", "initial_state", "head", "from", "bridge", "batch_size", "timesteps",
    "features", "shape", "dtype", "type", "units", "filters", "kernel_size", "padding",
    "strides", "activation", "recurrent_activation", "use_bias", "dropout",
    "recurrent_dropout", "unit_forget_bias", "reset_after", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "__proto__", "Name", "units ",
    "attention", "over", "score", "project", "concat", "vector", "training", "loss",
    "optimizer", "learning_rate", "metrics", "decoding", "start", "stop", "max_length",
)  # fmt: skip
_KEY = re.compile(r'(?m)(?:^|[{,]|\[\[?)\s*"?([A-Za-z_][A-Za-z0-9_]*)"?\s*[:=]')
INSERTS = (
    "{", "}", "[", "]", ":", ",", '"', "'", "#", "&", "*", "!", "|", ">", "-", "?", "%",
    "\n", "\t", " ", "\r", "\x00", "\x7f", "\x1b", "\ufeff", "\ud7ff", "\U0010ffff",
    "é", "\u0301", "\u200b", "=", "\\", "\\u", "<<: *a\n", "---\n", "...\n", "[[x]]\n",
)  # fmt: skip


def _nest(depth: int, kind: str) -> str:
    if kind == "toml" or depth % 2:
        return "[" * depth + "1" + "]" * depth
    return "{a: " * depth + "1" + "}" * depth


def _alias_bomb(levels: int, width: int) -> str:
    """A YAML billion-laughs key, `width ** levels` leaves when expanded."""
    lines = ["bomb0: &b0 [x]"]
    for level in range(1, levels + 1):
        lines.append(
            f"bomb{level}: &b{level} [" + ", ".join([f"*b{level - 1}"] * width) + "]"
        )
    return "\n".join(lines) + "\n"


@st.composite
def mutations(draw: st.DrawFn, text: str, kind: str) -> bytes:
    """`text` with one to three random edits; bytes, since some edits are not UTF-8."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(
            st.sampled_from(
                ("delete", "insert", "replace", "value", "value", "plausible", "key",
                 "huge", "nest", "tag",
                 "duplicate", "unicode", "nul", "alias", "truncate", "empty", "newlines",
                 "tabs", "bomb")
            )
        )  # fmt: skip
        if how == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif how == "insert":
            text = (
                text[:at]
                + draw(st.one_of(st.sampled_from(INSERTS), st.text(max_size=4)))
                + text[at:]
            )
        elif how == "replace":
            text = text[:at] + draw(st.characters(codec="utf-8")) + text[at + 1 :]
        elif how == "key":
            found = list(_KEY.finditer(text))
            if not found:
                continue
            match = draw(st.sampled_from(found))
            key = draw(st.sampled_from(KEYS))
            text = text[: match.start(1)] + key + text[match.end(1) :]
        elif how in ("value", "plausible", "huge", "nest", "tag", "alias"):
            found = list(_VALUE.finditer(text))
            if not found:
                continue
            match = draw(st.sampled_from(found))
            new = {
                "value": lambda: draw(st.sampled_from(ODD_VALUES)),
                "plausible": lambda: draw(st.sampled_from(PLAUSIBLE_VALUES)),
                "huge": lambda: draw(
                    st.sampled_from(
                        (
                            "9" * 19,
                            "1" + "0" * 30,
                            "9" * 4301,
                            "1e308",
                            "-" + "9" * 40,
                            "2" * 100000,
                        )
                    )
                ),
                "nest": lambda: _nest(
                    draw(st.sampled_from((10, 100, 1000, 5000))), kind
                ),
                "tag": lambda: draw(
                    st.sampled_from(
                        (
                            "!!str ",
                            "!!int ",
                            "!!float ",
                            "!!bool ",
                            "!!null ",
                            "!!seq ",
                            "!!map ",
                            "!foo ",
                            "!!python/tuple ",
                        )
                    )
                )
                + match[1],
                "alias": lambda: draw(st.sampled_from(("&a ", "*a ", "&a [*a] ")))
                + match[1],
            }[how]()
            text = text[: match.start(1)] + new + text[match.end(1) :]
        elif how == "duplicate":
            lines = text.splitlines(keepends=True) or [""]
            line = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[: line + 1] + [lines[line]] + lines[line + 1 :])
        elif how == "unicode":
            text = (
                text[:at]
                + draw(
                    st.sampled_from(
                        (
                            "\ufeff",
                            "\u2028",
                            "\x85",
                            "é",
                            "\U0001f600",
                            "\u202e",
                            "\u200b",
                            "１",
                        )
                    )
                )
                + text[at:]
            )
        elif how == "nul":
            text = text[:at] + "\x00" + text[at:]
        elif how == "truncate":
            text = text[:at]
        elif how == "empty":
            text = draw(
                st.sampled_from(
                    (
                        "",
                        " ",
                        "\n",
                        "# only a comment\n",
                        "---\n",
                        "null\n",
                        "[]",
                        "{}",
                        "0",
                        '""',
                        "\ufeff",
                    )
                )
            )
        elif how == "newlines":
            text = text.replace("\n", draw(st.sampled_from(("\r\n", "\r", "\n\n"))))
        elif how == "tabs":
            text = re.sub(r"(?m)^  ", "\t", text)
        elif how == "bomb":  # small enough to expand in well under a second today
            text = _alias_bomb(draw(st.integers(1, 4)), draw(st.integers(2, 8))) + text
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 15)) == 0:  # not UTF-8 at all
        at = draw(st.integers(0, len(data)))
        data = (
            data[:at]
            + draw(st.sampled_from((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff")))
            + data[at:]
        )
    return data


# --- broken new sections (attention, training, decoding) ----------------------------

_BIG = 10**30
_BAD = {  # key -> values of the wrong type, unknown names, out of range
    "over": ("nowhere", 3, ["x"], "", "Encoder"),
    "score": ("luong", "bahdanau", "Dot", 1, True),
    "project": ("yes", 1, [True]),
    "concat": ("both", "context", 0),
    "vector": (
        {"units": 0}, {"units": -1}, {"units": 70000}, {"activation": "tanh"},
        {"units": 2, "activation": "nope"}, {"units": 2, "use_bias": True}, "tanh", 4,
    ),
    "loss": (
        "nll", "MSE", {"nowhere": "mse"}, {}, ["mse"], 3, "ctc",
        "sparse_categorical_crossentropy", "binary_crossentropy", "categorical_crossentropy",
    ),
    "optimizer": ("adamx", "Adam", 1, {"name": "adam"}),
    "learning_rate": (
        0, -1, 0.0, 10.5, 1e308, float("nan"), float("inf"), "0.1", True, _BIG,
    ),
    "metrics": (
        ["accuracy", "accuracy"], ["f1"], "accuracy", ["mse"], ["accuracy"], ["mae"],
        ["accuracy", "mse", "mae", "mse"], [1],
    ),
    "start": (-1, 65536, 1.5, "0", True, _BIG, 20, 5, 1),
    "stop": (-1, 65536, 1.5, "0", False, _BIG, 20, 5, 1),
    "max_length": (0, -3, 1.5, 65537, "20", _BIG),
    "section": ("adam", [], 1, True, "encoder"),
}  # fmt: skip


@st.composite
def broken_sections(draw: st.DrawFn, spec: Data) -> Data:
    """`spec` with its attention, training or decoding broken (or added where it does
    not fit): a value of the wrong type, an unknown name, out of range, an unknown key.
    """
    spec = copy.deepcopy(spec)
    blocks = spec.get("blocks") or [spec]  # the short form: attention is unknown
    names = [block.get("name") for block in blocks] + list(spec.get("inputs", {}))
    where = draw(st.sampled_from(("attention", "training", "decoding")))
    if where == "attention":
        block = draw(st.sampled_from(blocks))
        over = (
            names[0] if names[0] != block.get("name") else draw(st.sampled_from(names))
        )
        section = block.setdefault("attention", {"over": over, "score": "dot"})
        keys = ("over", "score", "project", "concat", "vector")
    elif where == "training":
        section = spec.setdefault("training", {"loss": "mse"})
        keys = ("loss", "optimizer", "learning_rate", "metrics")
    else:
        section = spec.setdefault("decoding", {})
        keys = ("start", "stop", "max_length")
    key = draw(st.sampled_from((*keys, "unknown", "section")))
    if key == "unknown":
        section[draw(st.sampled_from(("epochs", "beam_width", "heads", "Loss")))] = 1
    elif key == "section":
        holder = block if where == "attention" else spec
        holder[where] = draw(st.sampled_from(_BAD["section"]))
    elif key == "over":
        section["over"] = draw(st.sampled_from((*_BAD["over"], *names)))
    elif key == "loss" and draw(st.booleans()):  # a known loss for a named block
        section["loss"] = {
            draw(st.sampled_from(names)): draw(st.sampled_from(tuple(LOSSES)))
        }
    else:
        section[key] = draw(st.sampled_from(_BAD[key]))
    return spec
