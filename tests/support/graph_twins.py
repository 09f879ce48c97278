"""The hand-written twins of the long-form graphs (tests/keras/test_graph.py): each
example's and wiring variant's model written with keras.layers directly from the spec
and from Keras' own contracts (a Bidirectional layer returns the forward layer's
states, then the backward layer's; an LSTM returns h, then c; `RNN(StackedRNNCells)`
returns its states cell by cell; a concat bridge joins forward then backward). Every
tensor a twin returns is named, by hand, with the name the module must give it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np

from .compare_models import MIXED

L = keras.layers


@dataclass
class Twin:
    """A hand-written model: its inputs by name, every returned tensor by name, and
    the tensors the decoder's initial state is made of (in the decoder's state order).
    """

    inputs: list
    returned: dict[str, keras.KerasTensor]
    handover: list = field(default_factory=list)
    constants: dict[str, Callable[[int], np.ndarray]] = field(default_factory=dict)
    dtype: str = "float32"

    @property
    def model(self) -> keras.Model:
        return keras.Model(self.inputs, self.returned)


def Input(name: str, shape: tuple, batch: int | None = None, dtype="float32"):
    return keras.Input(shape=shape, batch_size=batch, dtype=dtype, name=name)


def lstm_seq2seq() -> Twin:
    """The recurrent part of Keras' character-level translation example."""
    encoder_tokens = Input("encoder_tokens", (None, 71))
    decoder_tokens = Input("decoder_tokens", (None, 93))
    _, h, c = L.LSTM(256, return_state=True, name="encoder_lstm")(encoder_tokens)
    decoder = L.LSTM(256, return_sequences=True, return_state=True, name="decoder_lstm")
    hidden, dh, dc = decoder(decoder_tokens, initial_state=[h, c])
    output = L.Dense(93, activation="softmax", name="decoder_head")(hidden)
    returned = {"decoder_output": output, "decoder_lstm_h": dh, "decoder_lstm_c": dc}
    return Twin([encoder_tokens, decoder_tokens], returned, [h, c])


def bidirectional_concat() -> Twin:
    source, target = Input("source", (20, 32)), Input("target", (15, 40))
    encoder = L.Bidirectional(L.LSTM(128, return_state=True), name="encoder_lstm")
    _, fh, fc, bh, bc = encoder(source)  # Keras: forward h, c, then backward h, c
    state = [
        L.Concatenate(name="decoder_lstm_h_concat")([fh, bh]),
        L.Concatenate(name="decoder_lstm_c_concat")([fc, bc]),
    ]
    decoder = L.LSTM(256, return_sequences=True, return_state=True, name="decoder_lstm")
    hidden, h, c = decoder(target, initial_state=state)
    output = L.Dense(40, activation="softmax", name="decoder_head")(hidden)
    returned = {"decoder_output": output, "decoder_lstm_h": h, "decoder_lstm_c": c}
    return Twin([source, target], returned, state)


def gru_to_lstm() -> Twin:
    source, target = Input("source", (12, 16), 4), Input("target", (10, 16), 4)
    _, h = L.GRU(128, return_state=True, name="encoder_gru")(source)
    state = [
        L.Dense(256, name="decoder_lstm_h_project")(h),
        L.Dense(256, name="decoder_lstm_c_project")(h),
    ]
    decoder = L.LSTM(256, return_sequences=True, return_state=True, name="decoder_lstm")
    hidden, dh, dc = decoder(target, initial_state=state)
    output = L.Dense(16, name="decoder_head")(hidden)
    returned = {"decoder_output": output, "decoder_lstm_h": dh, "decoder_lstm_c": dc}
    return Twin([source, target], returned, state)


def stacked_seq2seq() -> Twin:
    source, target = Input("source", (None, 24)), Input("target", (None, 30))
    lower = L.LSTM(64, return_sequences=True, return_state=True, name="encoder_lstm_1")
    x, h1, c1 = lower(source)
    _, h2, c2 = L.LSTM(32, return_state=True, name="encoder_lstm_2")(x)
    decoder = L.RNN(
        L.StackedRNNCells([L.LSTMCell(64), L.LSTMCell(32)]),
        return_sequences=True,
        return_state=True,
        name="decoder_rnn",
    )
    hidden, *states = decoder(target, initial_state=[[h1, c1], [h2, c2]])
    dh1, dc1, dh2, dc2 = keras.tree.flatten(states)  # cell by cell, h then c
    returned = {
        "decoder_output": L.Dense(30, activation="softmax", name="decoder_head")(
            hidden
        ),
        "decoder_lstm_1_h": dh1,
        "decoder_lstm_1_c": dc1,
        "decoder_lstm_2_h": dh2,
        "decoder_lstm_2_c": dc2,
    }
    return Twin([source, target], returned, [h1, c1, h2, c2])


def chained_blocks() -> Twin:
    frames = Input("frames", (16, 12))
    h0, c0 = Input("initial_tracker_lstm_h", (8,)), Input(
        "initial_tracker_lstm_c", (8,)
    )
    features, fh, bh = L.Bidirectional(
        L.GRU(32, return_sequences=True, return_state=True),
        merge_mode="sum",
        name="features_gru",
    )(frames)
    tracker = L.LSTM(8, return_sequences=True, return_state=True, name="tracker_lstm")
    hidden, h, c = tracker(features, initial_state=[h0, c0])
    returned = {
        "features_output": features,
        "features_forward_gru_h": fh,
        "features_backward_gru_h": bh,
        "tracker_output": L.Dense(4, activation="sigmoid", name="tracker_head")(hidden),
        "tracker_lstm_h": h,
        "tracker_lstm_c": c,
    }
    return Twin([frames, h0, c0], returned)


def bidi_to_bidi() -> Twin:
    src, tgt = Input("src", (None, 5)), Input("tgt", (None, 6))
    encoder = L.Bidirectional(
        L.GRU(4, return_state=True), merge_mode="sum", name="enc_gru"
    )
    _, fh, bh = encoder(src)
    decoder = L.Bidirectional(
        L.GRU(4, return_sequences=True, return_state=True), name="dec_gru"
    )
    # Bidirectional splits initial_state in half: the forward layer's, the backward's
    output, dfh, dbh = decoder(tgt, initial_state=[fh, bh])
    returned = {
        "dec_output": output,
        "dec_forward_gru_h": dfh,
        "dec_backward_gru_h": dbh,
    }
    return Twin([src, tgt], returned)


def conv_handover() -> Twin:
    past, future = Input("past", (3, 8, 8, 2), 2), Input("future", (2, 8, 8, 2), 2)
    options = dict(filters=4, kernel_size=3, padding="same", return_state=True)
    _, h, c = L.ConvLSTM2D(**options, name="enc_conv_lstm2d")(past)
    decoder = L.ConvLSTM2D(**options, return_sequences=True, name="dec_conv_lstm2d")
    output, dh, dc = decoder(future, initial_state=[h, c])
    returned = {"dec_output": output, "dec_conv_lstm2d_h": dh, "dec_conv_lstm2d_c": dc}
    return Twin([past, future], returned, [h, c])


def dynamic_zeros_gru_dec() -> Twin:
    """enc starts from ones (one sequence's, for every sequence of the batch); the
    project bridge maps its h to dec's h."""
    tgt, src, ones = Input("tgt", (None, 3)), Input("src", (None, 5)), Input("h0", (4,))
    encoder = L.SimpleRNN(4, return_state=True, name="enc_simple_rnn")
    enc_output, enc_h = encoder(src, initial_state=[ones])
    start = L.Dense(8, name="dec_gru_h_project")(enc_h)
    hidden, dec_h = L.GRU(8, return_state=True, name="dec_gru")(
        tgt, initial_state=[start]
    )
    returned = {
        "enc_output": enc_output,
        "enc_simple_rnn_h": enc_h,
        "dec_output": L.Dense(3, name="dec_head")(hidden),
        "dec_gru_h": dec_h,
    }
    constants = {"h0": lambda batch: np.ones((batch, 4), "float32")}
    return Twin([tgt, src, ones], returned, [start], constants)


def project_bidi_bidi() -> Twin:
    """float64 everywhere; each direction's LSTM h and c projected from the GRU
    encoder's h of the same direction."""
    f64 = "float64"
    src, tgt = Input("src", (None, 5), dtype=f64), Input("tgt", (None, 6), dtype=f64)
    encoder = L.Bidirectional(
        L.GRU(4, return_state=True, dtype=f64), dtype=f64, name="enc_gru"
    )
    _, fh, bh = encoder(src)
    state = [
        L.Dense(7, dtype=f64, name=f"dec_{direction}_lstm_{role}_project")(h)
        for direction, h in (("forward", fh), ("backward", bh))
        for role in ("h", "c")
    ]
    decoder = L.Bidirectional(
        L.LSTM(7, return_sequences=True, return_state=True, dtype=f64),
        merge_mode="ave",
        dtype=f64,
        name="dec_lstm",
    )
    output, dfh, dfc, dbh, dbc = decoder(tgt, initial_state=state)
    returned = {
        "dec_output": output,
        "dec_forward_lstm_h": dfh,
        "dec_forward_lstm_c": dfc,
        "dec_backward_lstm_h": dbh,
        "dec_backward_lstm_c": dbc,
    }
    return Twin([src, tgt], returned, dtype=f64)


def single_state_stacked() -> Twin:
    src, tgt = Input("src", (5, 4), 2), Input("tgt", (4, 3), 2)
    encoder = L.RNN(
        L.StackedRNNCells([L.SimpleRNNCell(6)]), return_state=True, name="enc_rnn"
    )
    _, *states = encoder(src)
    (h,) = keras.tree.flatten(states)
    decoder = L.RNN(
        L.StackedRNNCells([L.GRUCell(6)]),
        return_sequences=True,
        return_state=True,
        name="dec_rnn",
    )
    hidden, *states = decoder(tgt, initial_state=[[h]])
    (dh,) = keras.tree.flatten(states)
    output = L.Dense(3, use_bias=False, name="dec_head")(hidden)
    return Twin([src, tgt], {"dec_output": output, "dec_gru_h": dh}, [h])


def broadcast_lstm_cells() -> Twin:
    """bridge: broadcast: the encoder's top LSTM layer's [h, c] starts every cell of
    the decoder's stack (Keras takes a stack's state nested per cell)."""
    src, tgt = Input("src", (5, 4)), Input("tgt", (4, 3))
    x = L.LSTM(3, return_sequences=True, name="enc_lstm_1")(src)
    _, h, c = L.LSTM(6, return_state=True, name="enc_lstm_2")(x)
    cells = [L.LSTMCell(6) for _ in range(3)]
    decoder = L.RNN(
        L.StackedRNNCells(cells),
        return_sequences=True,
        return_state=True,
        name="dec_rnn",
    )
    hidden, *states = decoder(tgt, initial_state=[[h, c], [h, c], [h, c]])
    h1, c1, h2, c2, h3, c3 = keras.tree.flatten(states)  # cell by cell, h then c
    returned = {
        "dec_output": L.Dense(3, name="dec_head")(hidden),
        "dec_lstm_1_h": h1,
        "dec_lstm_1_c": c1,
        "dec_lstm_2_h": h2,
        "dec_lstm_2_c": c2,
        "dec_lstm_3_h": h3,
        "dec_lstm_3_c": c3,
    }
    return Twin([src, tgt], returned, [h, c, h, c, h, c])


def stacked_bidi_concat(dtype: str = "float32") -> Twin:
    """Each decoder layer starts from its encoder cell's forward and backward state,
    joined forward first; the encoder's own state is a model input."""
    policy = MIXED.get(dtype, dtype)
    src, tgt = Input("src", (6, 5), 2, dtype), Input("tgt", (4, 6), 2, dtype)
    names = [
        f"initial_enc_{direction}_{cell}"
        for direction in ("forward", "backward")
        for cell in ("lstm_1_h", "lstm_1_c", "gru_2_h")
    ]
    starts = {
        name: Input(name, (3 if "gru" in name else 4,), 2, dtype) for name in names
    }
    f_lh, f_lc, f_gh, b_lh, b_lc, b_gh = starts.values()
    cells = [L.LSTMCell(4, dtype=policy), L.GRUCell(3, dtype=policy)]
    encoder = L.Bidirectional(
        L.RNN(L.StackedRNNCells(cells, dtype=policy), return_state=True, dtype=policy),
        dtype=policy,
        name="enc_rnn",
    )
    _, *states = encoder(
        src, initial_state=[[f_lh, f_lc], [f_gh], [b_lh, b_lc], [b_gh]]
    )
    fh1, fc1, fh2, bh1, bc1, bh2 = keras.tree.flatten(states)
    joined = {
        name: L.Concatenate(dtype=policy, name=f"dec_{name}_concat")(
            [forward, backward]
        )
        for name, forward, backward in (
            ("lstm_1_h", fh1, bh1),
            ("lstm_1_c", fc1, bc1),
            ("gru_2_h", fh2, bh2),
        )
    }
    options = dict(return_sequences=True, return_state=True, dtype=policy)
    lower = L.LSTM(8, **options, name="dec_lstm_1")
    x, h1, c1 = lower(tgt, initial_state=[joined["lstm_1_h"], joined["lstm_1_c"]])
    upper = L.GRU(6, **options, name="dec_gru_2")
    hidden, h2 = upper(x, initial_state=[joined["gru_2_h"]])
    head = L.Dense(6, activation="softmax", dtype=policy, name="dec_head")
    returned = {
        "dec_output": head(hidden),
        "dec_lstm_1_h": h1,
        "dec_lstm_1_c": c1,
        "dec_gru_2_h": h2,
    }
    inputs = [src, tgt, *starts.values()]
    return Twin(inputs, returned, list(joined.values()), dtype=dtype)


def graph_float16_stacked() -> Twin:
    return stacked_bidi_concat("float16")


def graph_float64_concat() -> Twin:
    f64 = "float64"
    src, tgt = Input("src", (5, 4), dtype=f64), Input("tgt", (6, 3), dtype=f64)
    encoder = L.Bidirectional(
        L.RNN(L.SimpleRNNCell(3, dtype=f64), return_state=True, dtype=f64),
        dtype=f64,
        name="enc_simple_rnn",
    )
    _, fh, bh = encoder(src)
    start = L.Concatenate(dtype=f64, name="dec_simple_rnn_h_concat")([fh, bh])
    decoder = L.RNN(
        L.SimpleRNNCell(6, dtype=f64),
        return_sequences=True,
        return_state=True,
        dtype=f64,
        name="dec_simple_rnn",
    )
    hidden, h = decoder(tgt, initial_state=[start])
    returned = {
        "dec_output": L.Dense(2, dtype=f64, name="dec_head")(hidden),
        "dec_simple_rnn_h": h,
    }
    return Twin([src, tgt], returned, [start], dtype=f64)


def graph_bfloat16_project() -> Twin:
    """enc starts from ones; each direction's h and c of the decoder is projected from
    the one-directional GRU's h; post reads the decoder's output (its head's)."""
    mixed = "mixed_bfloat16"
    src, tgt = Input("src", (5, 4), dtype="bfloat16"), Input(
        "tgt", (3, 2), dtype="bfloat16"
    )
    ones = Input("h0", (4,))
    encoder = L.GRU(4, return_state=True, dtype=mixed, name="enc_gru")
    _, h = encoder(src, initial_state=[ones])
    state = [
        L.Dense(5, dtype=mixed, name=f"dec_{direction}_lstm_{role}_project")(h)
        for direction in ("forward", "backward")
        for role in ("h", "c")
    ]
    decoder = L.Bidirectional(
        L.RNN(
            L.LSTMCell(5, dtype=mixed),
            return_sequences=True,
            return_state=True,
            dtype=mixed,
        ),
        merge_mode="sum",
        dtype=mixed,
        name="dec_lstm",
    )
    hidden, fh, fc, bh, bc = decoder(tgt, initial_state=state)
    output = L.Dense(3, dtype=mixed, name="dec_head")(hidden)
    cells = [L.SimpleRNNCell(2, dtype=mixed), L.GRUCell(2, dtype=mixed)]
    post = L.RNN(
        L.StackedRNNCells(cells, dtype=mixed),
        return_sequences=True,
        dtype=mixed,
        name="post_rnn",
    )
    returned = {
        "dec_output": output,
        "dec_forward_lstm_h": fh,
        "dec_forward_lstm_c": fc,
        "dec_backward_lstm_h": bh,
        "dec_backward_lstm_c": bc,
        "post_output": post(output),
    }
    constants = {"h0": lambda batch: np.ones((batch, 4), "float32")}
    return Twin([src, tgt, ones], returned, [], constants, "bfloat16")


def ok_near_misses() -> Twin:
    """bfloat16: every layer in mixed_bfloat16; tracker starts from zeros, probe from
    a state input; b's h and c are projected from enc's h and c."""
    mixed = "mixed_bfloat16"
    sequence = Input("enc_lstm_2", (5, 4), dtype="bfloat16")
    tgt = Input("tgt", (4, 6), dtype="bfloat16")
    probe_h = Input("initial_probe_simple_rnn_h", (2,), dtype="bfloat16")
    zeros = Input("zeros", (3,))
    options = dict(return_sequences=True, return_state=True, dtype=mixed)
    encoded, h, c = L.LSTM(8, **options, name="enc_lstm")(sequence)
    state = [
        L.Dense(8, dtype=mixed, name="b_lstm_h_project")(h),
        L.Dense(8, dtype=mixed, name="b_lstm_c_project")(c),
    ]
    hidden, bh, bc = L.LSTM(8, **options, name="b_lstm")(tgt, initial_state=state)
    tracker = L.GRU(3, dtype=mixed, name="tracker_gru")
    probe = L.SimpleRNN(2, dtype=mixed, name="probe_simple_rnn")
    head = L.Dense(6, activation="softmax", dtype=mixed, name="b_head")
    returned = {
        "b_output": head(hidden),
        "b_lstm_h": bh,
        "b_lstm_c": bc,
        "tracker_output": tracker(encoded, initial_state=[zeros]),
        "probe_output": probe(encoded, initial_state=[probe_h]),
    }
    constants = {"zeros": lambda batch: np.zeros((batch, 3), "float32")}
    return Twin([sequence, tgt, probe_h, zeros], returned, state, constants, "bfloat16")


def time_distributed_stack() -> Twin:
    """Blocks in keras.layers.TimeDistributed, as mnist_hierarchical_rnn wraps its
    row LSTM: words inside each sentence, then sentences, then the document."""
    document = Input("document", (None, 5, 3))
    words = L.TimeDistributed(
        L.Bidirectional(L.LSTM(6, return_sequences=True), merge_mode="concat"),
        name="words_lstm_1",
    )(document)
    words = L.TimeDistributed(
        L.Bidirectional(L.GRU(4, return_sequences=True)), name="words_gru_2"
    )(words)
    cells = L.StackedRNNCells([L.GRUCell(4), L.SimpleRNNCell(3)])
    sentences = L.TimeDistributed(L.RNN(cells), name="sentences_rnn")(words)
    sentences = L.Dense(5, activation="tanh", name="sentences_head")(sentences)
    summary = L.LSTM(6, go_backwards=True, name="summary_lstm")(sentences)
    returned = {"sentences_output": sentences, "summary_output": summary}
    return Twin([document], returned)


TWINS = {
    twin.__name__: twin
    for twin in (
        lstm_seq2seq,
        bidirectional_concat,
        gru_to_lstm,
        stacked_seq2seq,
        chained_blocks,
        bidi_to_bidi,
        conv_handover,
        dynamic_zeros_gru_dec,
        project_bidi_bidi,
        single_state_stacked,
        broadcast_lstm_cells,
        stacked_bidi_concat,
        time_distributed_stack,
        ok_near_misses,
        graph_float64_concat,
        graph_float16_stacked,
        graph_bfloat16_project,
    )
}
