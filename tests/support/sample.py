"""The golden modules that `make test` runs on JAX, PyTorch and Keras 2 (all of them
run there in `make test-all`): a few small ones that together cover every feature
family; tests/unit/test_sample.py checks the cover from their specs."""

from __future__ import annotations

SAMPLE = (
    "gru",  # plain: one block, one cell
    "stacked_lstm",  # stacked cells
    "bidirectional_lstm",  # bidirectional
    "conv_lstm2d",  # convolutional
    "gru_to_lstm",  # a graph: one block starts from another's state
    "nmt_attention",  # attention, training, decoding
    "stateful_streaming",  # stateful, training
    "text_generation",  # decoding a model's own output
)
