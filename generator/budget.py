"""The budget every spec keeps, so that its model builds and runs on an ordinary machine.

Each key has its own bound (`spec.MAX_SIZE`, ...); here are the bounds on what keys
make together: the model's weights (`spec.MAX_PARAMS`) and the values of each tensor
of one batch (`spec.MAX_VALUES`), with the smoke test's batch size and timesteps where
the spec leaves them open. A spec over budget is refused at load time, pointing at the
part that weighs most.
"""

from __future__ import annotations

from math import prod
from typing import Iterator

from .graph import BlockPlan, GraphPlan
from .plan import CellPlan, Dim, LayerPlan, Plan, Stack, resolve_dims
from .spec import MAX_PARAMS, MAX_VALUES, Path, RuleError


def check_budget(plan: Plan | GraphPlan) -> None:
    """Raise RuleError when the weights, or one tensor of a batch, are too many."""
    weights = list(_weights(plan))
    total = sum(count for _, count, _ in weights)
    if total > MAX_PARAMS:
        path, count, what = max(weights, key=lambda part: part[1])
        raise RuleError(
            path,
            f"the model would have {total:,} parameters, {count:,} of them in {what}; "
            f"expected at most {MAX_PARAMS:,}",
        )
    for path, shape, what in _tensors(plan):
        if prod(shape) > MAX_VALUES:
            raise RuleError(
                path,
                f"one batch of {what} would hold {prod(shape):,} values "
                f"(shape {shape}); expected at most {MAX_VALUES:,}: a smaller "
                "batch_size, timesteps or size",
            )


def _stacks(plan: Plan | GraphPlan) -> list[tuple[Path, str, Stack]]:
    """Each stack of layers, the path of its keys, and how to name its parts."""
    if isinstance(plan, GraphPlan):
        return [
            (("blocks", index), f"block {block.name}'s ", block)
            for index, block in enumerate(plan.blocks)
        ]
    return [((), "", plan)]


def _cells(layers: tuple[LayerPlan, ...]) -> Iterator[tuple[Path, LayerPlan, int]]:
    """Each cell's size key (cells[i].units), its layer and its place in the layer."""
    index = 0
    for layer in layers:
        for position, cell in enumerate(layer.cells):
            yield ("cells", index, _size_key(cell)), layer, position
            index += 1


def _size_key(cell: CellPlan) -> str:
    return "units" if cell.keras_cell else "filters"


def _weights(plan: Plan | GraphPlan) -> Iterator[tuple[Path, int, str]]:
    for where, owner, stack in _stacks(plan):
        for path, layer, position in _cells(stack.layers):
            what = f"{owner}cell {layer.cells[position].name}"
            yield where + path, layer.cell_params[position], what
        if isinstance(stack, BlockPlan):
            yield where + ("head", "units"), stack.head_params, f"{owner}head"
            bridge = where + ("initial_state", "bridge")
            yield bridge, stack.bridge_params, f"{owner}bridge"


def _tensors(plan: Plan | GraphPlan) -> Iterator[tuple[Path, tuple[int, ...], str]]:
    """Every input, layer output and head output of one batch."""
    batch = plan.batch_size or plan.smoke_batch_size
    timesteps = plan.smoke_timesteps  # the spec's, or the smoke test's where open

    def sizes(dims: tuple[Dim, ...]) -> tuple[int, ...]:
        return tuple(int(size or 0) for size in resolve_dims(dims, batch, timesteps))

    if isinstance(plan, GraphPlan):
        for given in plan.inputs:
            shape = (batch, plan.smoke_timesteps[given.name], *given.step_shape)
            yield ("inputs", given.name), shape, f"input {given.name}"
    else:
        yield ("input",), (batch, plan.smoke_timesteps, *plan.step_shape), "the input"
    for where, _, stack in _stacks(plan):
        for path, layer, position in _cells(stack.layers):
            if position == len(layer.cells) - 1:  # a stack's inner cells return steps
                for name, dims in layer.outputs:
                    yield where + path, sizes(dims), f"the tensor {name}"
        if isinstance(stack, BlockPlan) and stack.head is not None:
            name, dims = stack.output
            yield where + ("head", "units"), sizes(dims), f"the tensor {name}"
