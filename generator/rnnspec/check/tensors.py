"""The named tensors a layer node reads (`Tensor`, rnnspec/check/nodes.py): an input
as keras.Input (or its embedding) makes it, or a block's output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .nodes import Tensor
from .shapes import BlockShape, input_tensor, output_masked

if TYPE_CHECKING:
    from ..spec.models import InputSpec


def input_read(name: str, given: InputSpec) -> Tensor:
    """An input as nodes read it: a vector, raw tokens, or a sequence of steps."""
    if not given.sequence:
        return Tensor(name, ("batch_size", given.features), name)
    time = f"timesteps[{name!r}]"
    if given.vocabulary is not None and given.embedding is None:
        return Tensor(name, ("batch_size", time), name, tokens=True)
    shape = ("batch_size", time, *given.step_shape)
    return Tensor(input_tensor(name, given), shape, name, masked=given.mask_zero)


def block_read(block: BlockShape) -> Tensor:
    """A block's output as nodes read it."""
    name, shape = block.output
    split = block.layers[-1].merge_mode == "none"
    return Tensor(name, shape, block.model_input, output_masked(block), split=split)
