"""One drawn recurrent block: its cells, direction, outputs, state, hand-over,
front, attention and head."""

from __future__ import annotations

from hypothesis import strategies as st

from rnnspec.spec.values import ACTIVATIONS, LAYER_ACTIVATIONS

from .cells import Drawn, block_cells, state_shapes
from .layers import after_head, class_head, dense_heads, front_layers, head_layers
from .layers import head_values
from .values import (
    CONCATS,
    INITIAL_STATES,
    MERGE_MODES,
    OMIT,
    SCORES,
    Data,
    Step,
    maybe,
    put,
)


@st.composite
def recurrent_block(
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
    cells = block_cells(draw, step, source, bridge)
    block: Data = {"cells": cells}
    if conv:
        put(block, "stacking", draw(maybe(st.just("layers"))))
        put(block, "layer", draw(maybe(st.just("fused"), null=True)))
    else:
        # Keras 3.15: a masked RNN(StackedRNNCells) of one LSTM cell fails (its state
        # comes back unnested); rnnspec refuses it (docs/long-form.md)
        lone_lstm = masked and [cell["type"] for cell in cells] == ["lstm"]
        stacking = st.sampled_from(("layers",) if lone_lstm else ("layers", "cells"))
        put(block, "stacking", draw(maybe(stacking, omit=1)))
        forms = ("rnn",) if block.get("stacking") == "cells" else ("rnn", "fused")
        put(block, "layer", draw(maybe(st.sampled_from(forms), null=True, omit=1)))
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
        put(block, "bidirectional", draw(maybe(st.just(False))))
    flags = (OMIT, True, True, False) if long_form else (OMIT, True, False)
    attend = bool(memories) and not conv and merge_mode != "none"
    attend = attend and draw(st.booleans())
    return_sequences = draw(st.sampled_from((OMIT, False) if window else flags))
    return_sequences = True if attend else return_sequences
    return_state = draw(st.sampled_from((OMIT, False) if window else flags))
    if (classes and not window) or encoder:
        return_state = True
    return_sequences = True if encoder else return_sequences
    put(block, "return_sequences", return_sequences)
    # Keras 3.15: RNN(StackedRNNCells) on a masked sequence fails without an initial
    # state ("The two structures don't have the same nested structure"); reported
    masked_cells = masked and block.get("stacking") == "cells"
    stateful = (
        draw(st.sampled_from((OMIT, False) if window else (OMIT, False, True)))
        if batch_fixed and source is None and not encoder and not masked_cells
        else OMIT
    )
    put(block, "stateful", stateful)
    if stateful is True and bidirectional and return_state is True:
        return_state = False  # Keras 3.15's Bidirectional cannot return stateful states
    put(block, "return_state", return_state)
    if source is not None:
        hand_over: Data = {"from": source.name}
        put(
            hand_over,
            "bridge",
            bridge if bridge != "none" else draw(maybe(st.just("none"))),
        )
        if bridge == "project":  # the Dense layers' activation
            activations = st.sampled_from(ACTIVATIONS)
            put(hand_over, "activation", draw(maybe(activations, null=True, omit=1)))
        block["initial_state"] = hand_over
    elif stateful is True:
        put(block, "initial_state", draw(maybe(st.just("none"), null=True)))
    else:
        modes = [mode for mode in INITIAL_STATES if not (window and mode == "input")]
        if masked_cells:
            modes.remove("none")
        mode = st.sampled_from(modes)
        if masked_cells and long_form:  # its default is none
            put(block, "initial_state", draw(mode))
        else:
            put(block, "initial_state", draw(maybe(mode, null=True, omit=1)))
    states = state_shapes(cells, step)
    top = states[-1][0]
    output = None
    width = None
    if merge_mode != "none":
        top = (*top[:-1], top[-1] * 2) if merge_mode == "concat" else top
        width = None if conv else top[-1]
    if return_sequences is True and merge_mode != "none":
        output = top
    if not bidirectional and not conv and not (classes and not window):
        put(block, "go_backwards", draw(maybe(st.booleans())))
    if block.get("stacking", "layers") == "layers" and len(cells) > 1:
        rate = st.sampled_from((0.0, 0.25, 0.5))
        put(block, "dropout_between_layers", draw(maybe(rate, null=True, omit=2)))
    if not conv:
        put(block, "front", draw(maybe(front_layers(step[0], timesteps), omit=2)))
    if attend and width:
        # input feeding runs one cell, one direction, forward, unmasked
        feedable = len(cells) == 1 and not bidirectional and not masked
        feedable = feedable and stateful is not True and not block.get("go_backwards")
        block["attention"], width = draw(_attention(memories, width, feedable))
        output = (width,)
    head_end = values = "none"
    if not conv and merge_mode != "none":
        heads = st.one_of(dense_heads(), head_layers())
        if classes:
            head = draw(class_head(classes))
        else:
            head = draw(maybe(heads, null=True, omit=0 if long_form else 2))
        put(block, "head", head)
        width, head_end = after_head(head, width)  # type: ignore[arg-type]
        values = head_values(head)
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
        values,
    )
    return block, drawn


@st.composite
def _attention(
    draw: st.DrawFn, memories: tuple[Drawn, ...], width: int, feedable: bool = False
) -> tuple[Data, int]:
    """An `attention` key over one of `memories` for a block `width` wide, and the
    width of what it makes (docs/attention.md); input feeding (no vector: the cell's
    output is the block's) where the block is `feedable`."""
    memory = draw(st.sampled_from(memories))
    assert memory.width is not None
    given: Data = {"over": memory.name, "score": draw(st.sampled_from(SCORES))}
    if memory.width != width:
        given["project"] = True  # without it the widths must be equal
    else:
        put(given, "project", draw(maybe(st.booleans())))
    put(given, "concat", draw(maybe(st.sampled_from(CONCATS))))
    vector = st.fixed_dictionaries(
        {"units": st.integers(1, 5)},
        optional={"activation": st.sampled_from(LAYER_ACTIVATIONS)},
    )
    if feedable and draw(st.booleans()):
        given["feeding"] = True
        put(given, "restart", draw(maybe(st.booleans())))
        return given, width
    put(given, "vector", draw(maybe(vector, null=True)))
    made = given["vector"]["units"] if given.get("vector") else memory.width + width
    return given, made
