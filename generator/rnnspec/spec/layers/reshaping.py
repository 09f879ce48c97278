"""Layers that move values between axes: Reshape, Flatten, Permute, RepeatVector
(keras/src/layers/reshaping). Keras passes no mask through them."""

from __future__ import annotations

from math import prod
from typing import Annotated, Literal

from pydantic import Field

from ..limits import MAX_SIZE, Path, RuleError
from ..values import Size
from .base import Dim, KerasLayer, Shape, check_rank, known, show

TargetDim = Annotated[int, Field(ge=-1, le=MAX_SIZE)]


class Reshape(KerasLayer):
    """keras.layers.Reshape(target_shape): every axis but batch; one of them may be
    -1, which Keras works out from the input's size (None where that is unknown)."""

    keras_class = "Reshape"
    positional = "target_shape"
    type: Literal["reshape"]
    target_shape: Annotated[list[TargetDim], Field(min_length=1, max_length=4)]

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        target = self.target_shape
        at = where + ("target_shape",)
        if target.count(-1) > 1 or 0 in target:
            raise RuleError(
                at,
                "Keras reshapes into sizes of 1 or more with at most one -1 (the size "
                f"it works out): got {target}",
            )
        lengths = [known(size, sizes) for size in shape[1:]]
        rest = prod(size for size in target if size != -1)
        if None in lengths:
            return (shape[0], *self._open(shape, target, lengths, rest))
        total = prod(lengths)  # type: ignore[arg-type]
        if -1 not in target and total != rest or total % rest:
            raise RuleError(
                at,
                f"reshape keeps every value: {show(shape)} holds {total} per example, "
                f"which does not fit {target}: expected "
                + (
                    f"sizes besides the -1 whose product divides {total}"
                    if -1 in target
                    else f"sizes whose product is {total}, or -1 for one of them"
                ),
            )
        return (shape[0], *(total // rest if size == -1 else size for size in target))

    @staticmethod
    def _open(shape: Shape, target: list[int], lengths: list, rest: int) -> list[Dim]:
        """The target where the input's size is unknown: -1 stays unknown, except a
        leading -1 over the same steps (the other sizes unchanged), which keeps the
        input's time axis."""
        same_step = None not in lengths[1:] and prod(lengths[1:]) == rest
        if target[0] == -1 and same_step:
            return [shape[1], *target[1:]]
        return [None if size == -1 else size for size in target]

    def mixes_steps(self) -> bool:
        return True

    def steps_reason(self) -> str:
        return "this reshape may move values between steps"


class Flatten(KerasLayer):
    """Every axis but batch into one: (batch, a, b) -> (batch, a * b)."""

    keras_class = "Flatten"
    type: Literal["flatten"]

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        lengths = [known(size, sizes) for size in shape[1:]]
        return (shape[0], None if None in lengths else prod(lengths))  # type: ignore[arg-type]

    def mixes_steps(self) -> bool:
        return True

    def steps_reason(self) -> str:
        return "this flatten joins every step"


class Permute(KerasLayer):
    """Reorders the axes after batch: `dims` numbers them from 1 (Keras' rule)."""

    keras_class = "Permute"
    positional = "dims"
    type: Literal["permute"]
    dims: Annotated[list[Size], Field(min_length=1, max_length=4)]

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise RuleError(
                where + ("dims",),
                "Keras' permutation numbers every axis after batch once, from 1: "
                f"expected an order of 1 to {len(self.dims)}, got {self.dims}",
            )
        what = f"reorders {len(self.dims)} axes after batch"
        check_rank(self, shape, len(self.dims) + 1, where, what)
        return (shape[0], *(shape[axis] for axis in self.dims))

    def mixes_steps(self) -> bool:
        return self.dims[0] != 1

    def steps_reason(self) -> str:
        return "this permute moves the time axis"


class RepeatVector(KerasLayer):
    """Repeats a vector `n` times: (batch, features) -> (batch, n, features)."""

    keras_class = "RepeatVector"
    positional = "n"
    type: Literal["repeat_vector"]
    n: Size

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        check_rank(self, shape, 2, where, "repeats one vector per example")
        return (shape[0], self.n, shape[1])
