"""Drawn cells (vector and ConvLSTM) with their options, the shapes of their states,
and `Drawn`: what the strategy knows of a block it drew."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from rnnspec.spec.values import ACTIVATIONS

from .values import (
    CONV_CELLS,
    CONV_RANK,
    VECTOR_CELLS,
    Data,
    Step,
    initializers,
    maybe,
    put,
    rates,
)


def _options(draw: st.DrawFn, cell: Data, kind: str) -> None:
    """The optional per-cell keys, each left out, null or drawn."""
    activations = st.sampled_from(ACTIVATIONS)
    kernels = initializers(2 + CONV_RANK.get(kind, 0))  # a conv kernel: window + 2
    keys: dict[str, st.SearchStrategy] = {
        "activation": activations,
        "use_bias": st.booleans(),
        "dropout": rates,
        "recurrent_dropout": rates,
        "kernel_initializer": kernels,
        "recurrent_initializer": kernels,
        "bias_initializer": initializers(1),
    }
    if kind != "simple_rnn":
        keys["recurrent_activation"] = activations
    if kind == "gru":
        keys["reset_after"] = st.booleans()
    if kind not in ("simple_rnn", "gru"):
        keys["unit_forget_bias"] = st.booleans()
    for key, values in keys.items():
        put(cell, key, draw(maybe(values, null=True)))
    if kind == "gru" and cell.get("reset_after") is not False:
        # with reset_after (Keras' default) a GRU's bias is a matrix: orthogonal fits
        put(cell, "bias_initializer", draw(maybe(st.just("orthogonal"))))


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
    head_values: str = "none"  # layers.head_values: what decides class decoding

    @property
    def conv(self) -> bool:
        return len(self.step) > 1


def conv_out(cell: Data, spatial: Step) -> Step:
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


def one_or_per_dim(draw: st.DrawFn, values: list[int]) -> int | list[int]:
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
        cell["kernel_size"] = one_or_per_dim(draw, kernel)
        put(cell, "padding", draw(maybe(st.sampled_from(("valid", "same")))))
        strides = [draw(st.integers(1, min(2, size))) for size in spatial]
        put(cell, "strides", draw(maybe(st.just(one_or_per_dim(draw, strides)))))
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


def state_shapes(cells: list[Data], step: Step) -> tuple[tuple[Step, ...], ...]:
    """Per cell, the shape of each state tensor; the last is the top cell's output."""
    states = []
    for cell in cells:
        if "filters" in cell:
            step = (*conv_out(cell, step[:-1]), cell["filters"])
        else:
            step = (cell["units"],)
        states.append((step,) * (1 if cell["type"] in ("simple_rnn", "gru") else 2))
    return tuple(states)


def block_cells(
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
            spatial = conv_out(cells[-1], spatial)
        return cells
    if source is None:
        return [draw(_vector_cell()) for _ in range(draw(st.integers(1, 3)))]
    if bridge == "broadcast":  # the top cell's state starts every cell: its kind, width
        top = source.states[-1]
        kinds = ("simple_rnn", "gru") if len(top) == 1 else ("lstm",)
        count = draw(st.integers(1, 3))
        return [draw(_vector_cell(kinds, top[0][0])) for _ in range(count)]
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
