"""The golden modules that `make test` runs on JAX, PyTorch and Keras 2 (all of them
run there in `make test-all`): few, and together every feature family, each family
where it is cheapest; tests/unit/test_sample.py checks the cover from their specs."""

from __future__ import annotations

SAMPLE = (
    "nmt_attention",  # a graph: a state handed over, attention, training, decoding
    "stacked_gru_layers",  # stacked, bidirectional
    "conv_lstm2d",  # convolutional
    "stateful_lstm",  # stateful, reset_states
    "video_classification",  # a mask input
    "mnist_hierarchical_rnn",  # time_distributed
    "babi_memnn",  # layer nodes: embeddings of raw tokens, dot, add, permute, concat
)
