"""Layer nodes: the long form's non-recurrent layers, anywhere in its graph.

A node reads one named tensor (an input, a block's output, another node) or several,
merged as Keras' merging layers do (`concatenate` on an axis, `add`, `multiply`,
`average`, `dot` over axes), then runs its `layers` in order (the layer registry's,
rnnspec/spec/layers/, and `embedding` for an input of raw tokens). Its output is
named after it: a block, a node or the model's outputs read it by that name. The
shapes and rules across nodes are rnnspec/check/nodes.py's.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from .layers import LAYER_MODELS, AroundLayer
from .layers.core import Embedding
from .limits import MAX_CELLS
from .values import Identifier

MERGES = {  # merge type -> Keras' merging layer
    "concatenate": "Concatenate",
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
    "dot": "Dot",
}
MAX_MERGED = 16  # tensors one node merges
Axis = Annotated[int, Field(ge=-5, le=5)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Concatenate(_Strict):
    type: Literal["concatenate"]
    axis: Axis = Field(default=-1, description="the axis they are joined along")


class Elementwise(_Strict):
    """add, subtract, multiply, average, maximum, minimum: tensors of one shape."""

    type: Literal["add", "subtract", "multiply", "average", "maximum", "minimum"]


class Dot(_Strict):
    """keras.layers.Dot: the dot product of two tensors over one axis of each."""

    type: Literal["dot"]
    axes: Axis | Annotated[list[Axis], Field(min_length=2, max_length=2)] = Field(
        description="the axis of each tensor summed over: one for both, or [a, b]"
    )
    normalize: bool | None = Field(
        default=None, description="L2-normalise along the axes first (cosine)"
    )


MergeSpec = Annotated[Union[Concatenate, Elementwise, Dot], Field(discriminator="type")]
MergeName = Literal[
    "concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum"
]
NodeLayer = Annotated[Union[AroundLayer, Embedding], Field(discriminator="type")]
NODE_LAYER_MODELS = {**LAYER_MODELS, "embedding": Embedding}  # type -> its keys


class LayerNode(_Strict):
    """A named tensor made by non-recurrent layers from one named tensor, or from
    several merged."""

    name: Identifier
    input: (
        Identifier
        | Annotated[list[Identifier], Field(min_length=2, max_length=MAX_MERGED)]
    ) = Field(
        description="a name from inputs, a block or a node above; or several, merged"
    )
    merge: MergeName | MergeSpec | None = Field(
        default=None,
        description="how several inputs become one: concatenate (on the last axis), "
        "add, subtract, multiply, average, maximum, minimum, or {type: concatenate, "
        "axis: N} / {type: dot, axes: N or [a, b]}",
    )
    layers: list[NodeLayer] = Field(
        default=[],
        max_length=MAX_CELLS,
        description="the layers it runs, in order, on its input (or the merge)",
    )
    time_distributed: bool = Field(
        default=False,
        description="wrap each layer in keras.layers.TimeDistributed: it runs on "
        "each step (axis 1) of a sequence alone",
    )

    @property
    def reads(self) -> tuple[str, ...]:
        """The names it reads, in order."""
        return tuple(self.input) if isinstance(self.input, list) else (self.input,)

    @property
    def merge_spec(self) -> Concatenate | Elementwise | Dot | None:
        """The merge as a mapping: a name alone is its type with Keras' defaults."""
        if isinstance(self.merge, str):
            if self.merge == "concatenate":
                return Concatenate(type="concatenate")
            return Elementwise(type=self.merge)
        return self.merge


def entry_kind(value: object) -> str:
    """Which kind of long-form entry a mapping is: a recurrent block has cells; a node
    has layers or a merge (anything else is taken for a block, to name its cells)."""
    if isinstance(value, dict):
        node = "cells" not in value and ("layers" in value or "merge" in value)
        return "node" if node else "block"
    return "node" if isinstance(value, LayerNode) else "block"
