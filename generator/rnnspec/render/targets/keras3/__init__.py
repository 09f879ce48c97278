"""Keras 3: the target every module is rendered for today.

Its templates (templates/: one module template and its partials) lay a model plan out
as a self-contained module that imports keras and numpy only; its worker imports
`keras` once before running modules.
"""

from __future__ import annotations

from .. import Target

TARGET = Target(name="keras3", templates=f"{__name__}", preload=("keras",))
