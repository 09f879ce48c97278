"""tf_keras: the modules rendered for Keras 2 (the `tf_keras` package, TensorFlow 2.16+).

Its templates/ holds only what differs from keras3's, which fill in the rest: ops.jinja
(imports, nested structures and tensor functions through TensorFlow, constant initial
states as tensors of the compute dtype, a stack's masked initial state as Keras 2's
StackedRNNCells takes it,
additive attention built on the query's width, the CTC losses) and stateful.jinja (Keras 2's own reset_states()).
Its worker imports tensorflow and `tf_keras` once before running modules.
"""

from __future__ import annotations

from .. import Target

TARGET = Target(
    name="tf_keras",
    templates=f"{__name__}",
    preload=("tensorflow", "tf_keras"),
    base="rnnspec.render.targets.keras3",
)
