"""The budget every spec keeps, so that its model builds and runs on an ordinary machine.

Each key has its own bound (`limits.MAX_SIZE`, ...); here are the bounds on what keys
make together: the model's weights (`limits.MAX_PARAMS`) and the values of each tensor
of one batch (`limits.MAX_VALUES`), with the smoke test's batch size and timesteps where
the spec leaves them open. A spec over budget is refused at load time, pointing at the
part that weighs most. Sizes come from Keras' state rules (rnnspec/check/stack.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import TYPE_CHECKING, Union

from ..spec.limits import MAX_PARAMS, MAX_VALUES, Path, RuleError
from .stack import Dim, LayerPlan, resolve_dims

if TYPE_CHECKING:
    from ..spec.models import InputSpec
    from .nodes import NodeShape
    from .shapes import BlockShape

Timesteps = Union[int, dict[str, int]]


@dataclass
class Parts:
    """What a model weighs: (key path, count, what) per part; (key path, dims, what)
    per tensor of one batch."""

    weights: list[tuple[Path, int, str]] = field(default_factory=list)
    tensors: list[tuple[Path, tuple[Dim, ...], str]] = field(default_factory=list)

    def add_input(self, path: Path, what: str, time: str, given: InputSpec) -> None:
        self.tensors.append((path, ("batch_size", time, *given.step_shape), what))
        if given.vocabulary is not None and given.embedding is not None:
            weights = given.vocabulary * given.embedding
            self.weights.append((path + ("embedding",), weights, f"{what}'s embedding"))

    def add_stack(
        self,
        where: Path,
        owner: str,
        layers: tuple[LayerPlan, ...],
        block: BlockShape | None = None,
    ) -> None:
        """A stack's cells (a block's head and bridge too) and the tensors they make;
        `owner` names them: "" or "block enc's "."""
        index = 0
        for layer in layers:
            for position, cell in enumerate(layer.cells):
                path = where + ("cells", index, cell.kind.size_key)
                what = f"{owner}cell {cell.name}"
                self.weights.append((path, layer.cell_params[position], what))
                if position == len(layer.cells) - 1:  # inner cells return steps
                    for name, dims in layer.outputs:
                        self.tensors.append((path, dims, f"the tensor {name}"))
                index += 1
        if block is None:
            return
        for layer in block.front + block.head:
            dense_keys = layer.path == ("head",)  # a head given as one Dense's keys
            path = where + layer.path + (("units",) if dense_keys else ())
            what = f"{owner}head" if dense_keys else f"{owner}layer {layer.name}"
            self.weights.append((path, layer.params, what))
            self.tensors.append((path, layer.shape, f"the tensor {layer.output}"))
        bridge = where + ("initial_state", "bridge")
        self.weights.append((bridge, block.bridge_params, f"{owner}bridge"))

    def add_node(self, where: Path, node: NodeShape) -> None:
        """A layer node's merge and layers, and the tensors they make."""
        for layer in (node.merge, *node.layers):
            if layer is not None:
                path = where + layer.path
                self.weights.append((path, layer.params, f"layer {layer.name}"))
                self.tensors.append((path, layer.shape, f"the tensor {layer.output}"))

    def check(self, batch: int, timesteps: Timesteps) -> None:
        """Raise RuleError when the weights, or one tensor of a batch, are too many:
        weights first, then the tensors in order."""
        total = sum(count for _, count, _ in self.weights)
        if total > MAX_PARAMS:
            path, count, what = max(self.weights, key=lambda part: part[1])
            raise RuleError(
                path,
                f"the model would have {total:,} parameters, {count:,} of them in {what}; "
                f"expected at most {MAX_PARAMS:,}",
            )
        for path, dims, what in self.tensors:
            shape = tuple(
                int(size or 0) for size in resolve_dims(dims, batch, timesteps)
            )
            if prod(shape) > MAX_VALUES:
                raise RuleError(
                    path,
                    f"one batch of {what} would hold {prod(shape):,} values "
                    f"(shape {shape}); expected at most {MAX_VALUES:,}: a smaller "
                    "batch_size, timesteps or size",
                )
