"""Keras 3: the target every module is rendered for by default, and what the spec means.

Its templates (templates/: one module template and its partials) lay a model plan out
as a self-contained module that imports keras and numpy only; its worker imports
`keras` once before running modules, on the backend its KERAS_BACKEND names. It
refuses nothing and writes no default out: the spec's values are Keras 3's.
"""

from __future__ import annotations

from .. import Target

_TENSORFLOW = (
    "tensorflow-cpu>=2.18; sys_platform == 'linux'",
    "tensorflow>=2.18; sys_platform != 'linux'",
)

TARGET = Target(
    name="keras3",
    templates=f"{__name__}",
    preload=("keras",),
    eager=("tensorflow.config.run_functions_eagerly",),
    backends=("tensorflow", "jax", "torch"),  # the backends rnnspec is tested on
    # keras and one backend's CPU build, nothing else
    dependencies={
        "tensorflow": ("keras>=3.10", *_TENSORFLOW),
        "jax": ("keras>=3.10", "jax[cpu]>=0.4.34"),
        "torch": ("keras>=3.10", "torch>=2.4"),
    },
    extras=("tensorflow", "jax", "torch"),  # pyproject.toml's optional-dependencies
)
