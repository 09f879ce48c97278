"""What crosses the blocks of a long-form spec, and the rules it keeps.

Inputs and blocks by name, what each block reads, and every block a model output needs;
each block's shapes come from rnnspec/check/shapes.py and its hand-over from
rnnspec/check/handover.py. `check_wiring` is the long form's rule (every mistake a
`RuleError` at its key), and returns the shapes it computed; `block_shapes` computes
them for the short form's one block, whose rules rnnspec/check/rules.py checks.
Either way they are computed once, when the spec is loaded (rnnspec/check/checked.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable

from .handover import check_hand_over, check_projection, source_of, with_bridges
from ..spec.limits import MAX_ALL_CELLS, Path, RuleError
from ..spec.problems import hinted
from .shapes import BlockShape, input_from, recurrent_input, shape_of, upstream_of
from .wrapped import check_time_distributed

if TYPE_CHECKING:
    from ..spec.normalise import ModelSpec
    from ..spec.models import GraphBlock, LongForm, InputSpec

BlockCheck = Callable[["GraphBlock", "InputSpec", Path, Path], None]


def needed(outputs: Iterable[str], blocks: Sequence[GraphBlock]) -> set[str]:
    """The output blocks and every block and input they depend on: through the input
    they read, the state they start from, or the sequence they attend over."""
    names = set(outputs)
    for block in reversed(blocks):
        if block.name in names:
            names.add(block.input)
            if block.initial_state_mode == "from":
                names.add(block.initial_state.source)  # type: ignore[union-attr]
            if block.attention is not None:
                names.add(block.attention.over)
    return names


def block_shapes(model: ModelSpec) -> list[BlockShape]:
    """Every block's shapes, in order, for a checked spec."""
    shapes: list[BlockShape] = []
    for block in model.blocks:
        shape = shape_of(model, block, shapes, model.keyed)
        shapes.append(with_bridges(shape, block, shapes, model))
    return shapes


def check_wiring(spec: LongForm, check_block: BlockCheck) -> list[BlockShape]:
    """Check names, inputs and each block (with `check_block`) and what it takes from
    the blocks above; return every block's shapes."""
    _check_cell_count(spec)
    _check_names(spec)
    first = next(iter(spec.inputs.values()))
    for name, given in spec.inputs.items():
        for key in ("batch_size", "dtype"):
            if getattr(given, key) != getattr(first, key):
                raise RuleError(
                    ("inputs", name, key),
                    f"all inputs share one {key}: expected {json.dumps(getattr(first, key))} "
                    f"like the first input, got {json.dumps(getattr(given, key))}",
                )
        if not given.sequence:
            _check_vector(name, given)
    shapes: list[BlockShape] = []
    for index, block in enumerate(spec.blocks):
        where: Path = ("blocks", index)
        upstream = upstream_of(block, shapes)
        if upstream is None:
            given, input_path = spec.inputs[block.input], ("inputs", block.input)
        else:
            given = input_from(block, upstream, where, spec)
            input_path = where + ("input",)
        with _at(where):
            if block.front:
                given, input_path = recurrent_input(
                    spec, block, given, shapes
                ), where + ("front",)
        if block.time_distributed:  # its layers read the inner steps
            given = check_time_distributed(block, given, where)
        check_block(block, given, where, input_path)
        with _at(where):
            shape = shape_of(spec, block, shapes)
        if block.initial_state_mode == "from":
            kind = block.initial_state.bridge  # type: ignore[union-attr]
            if block.initial_state.source in spec.inputs:  # type: ignore[union-attr]
                check_projection(block, shape, kind, where + ("initial_state",))
            else:
                source = source_of(block, shapes)
                check_hand_over(
                    source, shape, kind, where + ("initial_state",), block.initial_state  # type: ignore[arg-type]
                )
        shapes.append(with_bridges(shape, block, shapes, spec))
    return shapes


def _check_vector(name: str, given: InputSpec) -> None:
    """An input of one vector per example: features, and nothing about time."""
    for key in ("timesteps", "shape", "vocabulary", "embedding"):
        if getattr(given, key) is not None:
            raise RuleError(
                ("inputs", name, key),
                f"input {name} is one vector per example (sequence: false): expected "
                f"features and no {key}",
            )
    if given.features is None:
        raise RuleError(("inputs", name), f"expected features for input {name}")


@contextmanager
def _at(where: Path) -> Iterator[None]:
    """A RuleError raised inside, with its path taken from `where`."""
    try:
        yield
    except RuleError as error:
        raise RuleError(
            where + error.path, error.message, at_key=error.at_key
        ) from None


def _check_cell_count(spec: LongForm) -> None:
    """All blocks together have at most MAX_ALL_CELLS cells."""
    total = 0
    for index, block in enumerate(spec.blocks):
        total += len(block.cells)
        if total > MAX_ALL_CELLS:
            raise RuleError(
                ("blocks", index, "cells"),
                f"expected at most {MAX_ALL_CELLS} cells in all blocks together, "
                f"got {total} up to this block",
            )


def _check_names(spec: LongForm) -> None:
    seen: dict[str, str] = {name: "an input" for name in spec.inputs}
    names = {*spec.inputs, *(block.name for block in spec.blocks)}
    for index, block in enumerate(spec.blocks):
        where: Path = ("blocks", index)
        if block.name in seen:
            raise RuleError(
                where + ("name",),
                f"names must be unique: {block.name!r} is already {seen[block.name]}",
            )
        if block.input not in seen:
            raise RuleError(
                where + ("input",),
                hinted(
                    f"expected a name from inputs or a block above "
                    f"({', '.join(seen)}), got {block.input!r}",
                    block.input,
                    () if block.input in names else seen,  # a block below: no hint
                ),
            )
        source = getattr(block.initial_state, "source", None)
        vector = source in spec.inputs and not spec.inputs[source].sequence
        if source is not None and seen.get(source) != "a block" and not vector:
            above = [name for name, what in seen.items() if what == "a block"]
            raise RuleError(
                where + ("initial_state", "from"),
                f"block {block.name} can start only from a block above it, got {source!r}"
                + (
                    ", an input, which has no final state"
                    if source in seen
                    else hinted("", source, () if source in names else above)
                ),
            )
        if block.input in spec.inputs and not spec.inputs[block.input].sequence:
            raise RuleError(
                where + ("input",),
                f"input {block.input} is one vector per example (sequence: false) and a "
                f"block reads a sequence: expected a sequence, or {block.input} in "
                f"initial_state: {{from: {block.input}, bridge: project}}",
            )
        seen[block.name] = "a block"
    blocks = [block.name for block in spec.blocks]
    for index, name in enumerate(spec.outputs or []):
        if name not in blocks:
            raise RuleError(
                ("outputs", index),
                hinted(
                    f"expected a block name ({', '.join(blocks)}), got {name!r}",
                    name,
                    blocks,
                ),
            )
    used = {block.input for block in spec.blocks} | {
        getattr(block.initial_state, "source", None) for block in spec.blocks
    }
    for name in spec.inputs:
        if name not in used:
            raise RuleError(("inputs", name), f"input {name!r} feeds no block")
