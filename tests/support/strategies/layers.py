"""Drawn layers around the cells: fronts (Dense, Dropout, normalization, conv1d,
conv2d, pooling, reshape) and heads (one Dense or a list of layers, some scoring
classes); Dense and conv layers with initializers."""

from __future__ import annotations

from hypothesis import strategies as st

from rnnspec.spec.values import ACTIVATIONS

from .cells import conv_out, one_or_per_dim
from .values import OMIT, Data, initializers, maybe, put


def after_head(head: object, width: int) -> tuple[int, str]:
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


def head_values(head: object) -> str:
    """What a head's values are, as docs/decoding.md reads them: the activation of its
    last layer that is not a dropout (linear for none: logits), or "none" without a
    head."""
    if isinstance(head, dict):
        return head.get("activation") or "linear"
    if not isinstance(head, list) or not head:
        return "none"
    kept = [layer for layer in head if layer["type"] != "dropout"]
    return (kept[-1].get("activation") if kept else None) or "linear"


@st.composite
def class_head(draw: st.DrawFn, classes: int) -> Data | list[Data]:
    """A head that scores `classes` classes: probabilities or logits."""
    activation = draw(maybe(st.sampled_from(("softmax", "linear")), null=True))
    if draw(st.booleans()):
        head: Data = {"units": classes}
        put(head, "activation", activation)
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
def dense_heads(draw: st.DrawFn) -> Data:
    head: Data = {"units": draw(_head_units)}
    scores = st.sampled_from(("softmax", "sigmoid", "linear"))  # what losses read
    activations = st.one_of(scores, st.sampled_from((*ACTIVATIONS, "softmax")))
    put(head, "activation", draw(maybe(activations, null=True)))
    put(head, "use_bias", draw(maybe(st.booleans(), null=True)))
    return head


def _normalization(draw: st.DrawFn, kind: str) -> Data:
    """A batch or layer normalization with its optional keys (momentum, epsilon)."""
    layer: Data = {"type": kind}
    fractions = st.sampled_from((0.001, 0.01, 0.5, 0.9, 0.99))
    if kind == "batch_normalization":
        put(layer, "momentum", draw(maybe(fractions, null=True)))
    put(layer, "epsilon", draw(maybe(fractions, null=True)))
    return layer


def _dense(draw: st.DrawFn, units: int, activations: tuple[str, ...]) -> Data:
    layer: Data = {"type": "dense", "units": units}
    put(layer, "activation", draw(maybe(st.sampled_from(activations), null=True)))
    put(layer, "use_bias", draw(maybe(st.booleans(), null=True)))
    _initialized(draw, layer, 2)
    return layer


def _initialized(draw: st.DrawFn, layer: Data, kernel_rank: int) -> None:
    put(layer, "kernel_initializer", draw(maybe(initializers(kernel_rank), omit=4)))
    put(layer, "bias_initializer", draw(maybe(initializers(1), omit=4)))


@st.composite
def _pool_front(
    draw: st.DrawFn, rank: int, length: int | None
) -> tuple[Data, int | None]:
    """A pooling over time (rank 3), or over time alone of a conv2d's output (rank 4:
    pool_size [n, 1]), and the time length it leaves: unknown (None) stays unknown."""
    axes = rank - 2
    layer: Data = {
        "type": draw(st.sampled_from(("max", "average"))) + f"_pooling{axes}d"
    }
    pool = draw(st.integers(1, min(3, length) if length else 3))
    stride = draw(st.integers(1, 2))
    if axes == 1:  # Keras 3's average pooling takes no default pool_size
        average = layer["type"].startswith("average")
        put(layer, "pool_size", pool if average else draw(maybe(st.just(pool))))
        pool = layer.get("pool_size", 2)  # Keras' default
        put(layer, "strides", draw(maybe(st.just(stride))))
        stride = layer.get("strides", pool)  # Keras' default: pool_size
    else:
        layer |= {"pool_size": [pool, 1], "strides": [stride, 1]}
    padding = draw(st.sampled_from(("valid", "same")))
    put(layer, "padding", draw(maybe(st.just(padding))))
    padding = layer.get("padding", "valid")
    if length is not None and padding == "valid" and pool > length:
        layer["padding"] = padding = "same"
    if length is not None:
        time = {"kernel_size": pool, "strides": stride, "padding": padding}
        length = conv_out(time, (length,))[0]
    return layer, length


@st.composite
def _conv_front(
    draw: st.DrawFn, kind: str, length: int | None, width: int
) -> tuple[Data, int | None, int]:
    """A conv1d (over time) or conv2d (over time and features) front layer, and the
    time length and features it leaves. Where the length is not fixed (`length`
    None) it stays unknown."""
    paddings = {"conv1d": ("valid", "same", "causal"), "conv2d": ("valid", "same")}
    padding = draw(st.sampled_from(paddings[kind]))
    k_time = draw(st.integers(1, min(3, length) if length else 3))
    stride = draw(st.integers(1, 2))
    layer: Data = {"type": kind, "filters": draw(st.integers(1, 3))}
    features = width
    if kind == "conv2d":
        k_features = draw(st.integers(1, min(2, width)))
        layer["kernel_size"] = one_or_per_dim(draw, [k_time, k_features])
        if stride > 1:
            layer["strides"] = one_or_per_dim(draw, [stride, 1])
        if padding == "valid":
            features = width - k_features + 1
    else:
        layer["kernel_size"] = k_time
        put(layer, "strides", stride if stride > 1 else draw(maybe(st.just(1))))
    put(
        layer,
        "padding",
        padding if padding != "valid" else draw(maybe(st.just(padding))),
    )
    put(layer, "activation", draw(maybe(st.sampled_from(ACTIVATIONS))))
    put(layer, "use_bias", draw(maybe(st.booleans())))
    _initialized(draw, layer, {"conv1d": 3, "conv2d": 4}[kind])
    if length is not None:  # causal pads the start only: the length same gives
        keeps = "valid" if padding == "valid" else "same"
        time = {"kernel_size": k_time, "strides": stride, "padding": keeps}
        length = conv_out(time, (length,))[0]
    return layer, length, features


@st.composite
def front_layers(draw: st.DrawFn, features: int, timesteps: int | None) -> list[Data]:
    """Layers before a vector block's cells: on its (batch, time, features) sequence,
    a conv2d's (batch, time, features', filters) after it until the cells (rnnspec
    reshapes it back). `timesteps`: the sequence's fixed length, else None."""
    kinds = st.sampled_from(
        ("dense", "dropout", "spatial_dropout1d", "layer_normalization",
         "batch_normalization", "activation", "conv1d", "conv2d", "pooling")
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
        elif kind == "pooling":
            layer, length = draw(_pool_front(rank, length))
        else:
            if kind == "conv2d" and rank == 4:
                continue  # one conv2d: its width is the features axis, not the last
            layer, length, width = draw(_conv_front(kind, length, width))
            rank = 4 if kind == "conv2d" else 3
            width = layer["filters"] if kind == "conv1d" else width
        layers.append(layer)
    return layers or [{"type": "dropout", "rate": 0.0}]


@st.composite
def head_layers(draw: st.DrawFn) -> list[Data]:
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
