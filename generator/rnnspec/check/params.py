"""Parameter counts, as Keras 3.15's `build()` makes the weights (keras/src/layers/rnn/).

A cell of `g` gates (SimpleRNN 1, GRU 3, LSTM 4) and `u` units on `n` input features
has a kernel `(n, g*u)`, a recurrent kernel `(u, g*u)` and a bias `(g*u,)`, or
`(2, g*u)` for a GRU with `reset_after` (Keras' default); a ConvLSTM of `f` filters
has kernels `(*kernel_size, n, 4f)` and `(*kernel_size, f, 4f)` and a bias `(4f,)`;
`Bidirectional` holds two copies of its layer; a Dense layer of `u` units on `n`
features has `n*u + u`. The tests hold every count against `model.count_params()`.
"""

from __future__ import annotations

from math import prod


def recurrent_params(
    gates: int,
    size: int,
    features: int,
    *,
    use_bias: bool = True,
    bias_rows: int = 1,
    kernel_size: tuple[int, ...] = (),
) -> int:
    """One cell of `gates` gates (rnnspec/cells.py) and `size` units (or filters)
    that reads `features` values (or channels) a step; `bias_rows` is 2 for a GRU with
    reset_after; `kernel_size` is a ConvLSTM's window, () for a vector cell."""
    weights = prod(kernel_size) * gates * size * (features + size)
    if not use_bias:
        return weights
    return weights + gates * size * bias_rows


def dense_params(features: int, units: int, use_bias: bool = True) -> int:
    """A keras.layers.Dense of `units` on `features`."""
    return features * units + (units if use_bias else 0)
