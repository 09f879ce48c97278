"""tf_keras: the modules rendered for Keras 2 (the `tf_keras` package, TensorFlow 2.16+).

Its templates/ holds only what differs from keras3's, which fill in the rest: ops.jinja
(imports, nested structures and tensor functions through TensorFlow, constant initial
states as tensors of the compute dtype, a stack's masked initial state as Keras 2's
StackedRNNCells takes it,
additive attention built on the query's width, the CTC losses) and stateful.jinja (Keras 2's own reset_states()).
Its worker imports tensorflow and `tf_keras` once before running modules, on
TensorFlow only (tf_keras reads no KERAS_BACKEND). Below: what Keras 2 would refuse or
compute differently, refused when the spec is loaded, and its defaults that differ
from Keras 3's, which every module writes out.
"""

from __future__ import annotations

from .. import Target

# tf_keras 2.21 (Keras 2), keras-team/tf-keras tf_keras/activations.py
KERAS2_ACTIVATIONS = {
    "hard_sigmoid": "Keras 2 computes it as clip(0.2 * x + 0.5, 0, 1), Keras 3 as "
    "relu6(x + 3) / 6, so the numbers would differ",
    "hard_silu": "Keras 2 has no hard_silu",
    "hard_tanh": "Keras 2 has no hard_tanh",
    "log_sigmoid": "Keras 2 has no log_sigmoid",
}
# Keras class -> each argument whose default differs between Keras 2 (tf_keras 2.x)
# and Keras 3, as (Keras 2's default, Keras 3's). Every other class a module builds
# (the cells, RNN, Bidirectional, Dense, Embedding, the layers around a block, the
# attention layers) has the same defaults in both: tests/test_keras_defaults.py.
KERAS2_DEFAULTS: dict[str, dict[str, tuple[object, object]]] = {
    "ConvLSTM1D": {"recurrent_activation": ("hard_sigmoid", "sigmoid")},
    "ConvLSTM2D": {"recurrent_activation": ("hard_sigmoid", "sigmoid")},
    "ConvLSTM3D": {"recurrent_activation": ("hard_sigmoid", "sigmoid")},
}

TARGET = Target(
    name="tf_keras",
    templates=f"{__name__}",
    preload=("tensorflow", "tf_keras"),
    eager=("tensorflow.config.run_functions_eagerly",),
    backends=("tensorflow",),
    # tf_keras' own metadata requires `tensorflow` (not tensorflow-cpu), so a project
    # asks for that one too, rather than both
    dependencies={"tensorflow": ("tf_keras>=2.16", "tensorflow>=2.16")},
    base="rnnspec.targets.keras3",
    refused_activations=KERAS2_ACTIVATIONS,
    # tf_keras ConvRNN.reset_states: backend.zeros, whatever the layer's dtype
    stateful_conv_float32="Keras 2 keeps a stateful ConvLSTM's state in float32 "
    "whatever the dtype, and its step then fails",
    differing_defaults=KERAS2_DEFAULTS,
)
