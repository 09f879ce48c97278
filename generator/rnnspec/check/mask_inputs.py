"""Mask inputs: a bool input `{masks: <input>}` of shape (batch, timesteps), True where
a step of a float sequence input is real. The blocks reading that input get it as
`mask=` (Keras then passes it on as it does an Embedding's mask_zero mask), so the
rules here keep it one: a float sequence input, its length, read by no block itself,
and through front layers that keep a mask."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..spec.limits import Path, RuleError
from ..spec.problems import hinted

if TYPE_CHECKING:
    from ..spec.layers import AroundLayer
    from ..spec.models import InputSpec, LongForm
    from ..spec.normalise import ModelSpec

# the keys a mask input takes besides `masks`: its shape is (batch_size, timesteps)
MASK_KEYS = ("masks", "timesteps", "batch_size")


def masked_by(inputs: dict[str, InputSpec]) -> dict[str, str]:
    """Each masked input's mask input, by the masked input's name."""
    return {given.masks: name for name, given in inputs.items() if given.masks}


def mask_input_of(spec: LongForm | ModelSpec, name: str) -> str | None:
    """The mask input of the input `name`, if it has one."""
    return masked_by(spec.inputs).get(name)


def check_mask_inputs(spec: LongForm) -> None:
    """Every mask input names a float sequence input before it, masks it alone, has
    its length and batch size, and no block reads it."""
    names = list(spec.inputs)
    seen: dict[str, str] = {}
    for name, given in spec.inputs.items():
        if given.masks is None:
            continue
        _check_keys(name, given)
        target = _target(spec, name, given.masks, names)
        if target in seen:
            raise RuleError(
                ("inputs", name, "masks"),
                f"input {target} already has the mask input {seen[target]}: expected "
                "one mask input an input",
            )
        seen[target] = name
        _check_length(spec, name, given, target)
    for block in spec.blocks:
        where = spec.path_of(block.name)
        if block.input in seen.values():
            masked = spec.inputs[block.input].masks
            raise RuleError(
                where + ("input",),
                f"input {block.input} is a mask input (of {masked}), which no block "
                f"reads: expected input: {masked} (its blocks get the mask)",
            )
        if block.input in seen:
            _check_front(block.front, where, block.input)
    for node in spec.nodes:
        for position, name in enumerate(node.reads):
            if name in seen or name in seen.values():
                at = ("input", position) if isinstance(node.input, list) else ("input",)
                raise RuleError(
                    spec.path_of(node.name) + at,
                    f"input {name} has a mask input, or is one, and a layer node "
                    "passes no mask on: expected blocks to read it (layers before their "
                    "recurrent layers go in their front)",
                )


def _check_keys(name: str, given: InputSpec) -> None:
    for key in type(given).model_fields:
        if key not in MASK_KEYS and key in given.model_fields_set:
            raise RuleError(
                ("inputs", name, key),
                f"a mask input is (batch_size, timesteps) of bool, True on a real step "
                f"of {given.masks}: expected no {key} (only {', '.join(MASK_KEYS)})",
            )


def _target(spec: LongForm, name: str, masks: str, names: list[str]) -> str:
    """The input a mask input masks, checked: a float sequence input above it."""
    where = ("inputs", name, "masks")
    others = [other for other in names if not spec.inputs[other].masks]
    if masks not in spec.inputs:
        raise RuleError(
            where,
            hinted(
                f"expected the input it masks ({', '.join(others)}), got {masks!r}",
                masks,
                others,
            ),
        )
    given = spec.inputs[masks]
    if masks == name or given.masks is not None:
        raise RuleError(
            where,
            f"expected a float sequence input ({', '.join(others)}), got {masks!r}, "
            + ("itself" if masks == name else "a mask input"),
        )
    if given.vocabulary is not None or given.embedding is not None:
        raise RuleError(
            where,
            f"input {masks} is tokens, whose padding Keras masks with mask_zero: "
            f"expected mask_zero: true on {masks} and no mask input, or a float "
            "sequence input",
        )
    if not given.sequence:
        raise RuleError(
            where,
            f"input {masks} is one vector per example (sequence: false), with no steps "
            "to mask: expected a sequence input",
        )
    if names.index(masks) > names.index(name):
        raise RuleError(
            where,
            f"a mask input comes after the input it masks (the first input sets the "
            f"module's batch size and dtype): expected {name} below {masks} in inputs",
        )
    return masks


def _check_length(spec: LongForm, name: str, given: InputSpec, target: str) -> None:
    masked = spec.inputs[target]
    for key in ("timesteps", "batch_size"):
        if key in given.model_fields_set and getattr(given, key) != getattr(
            masked, key
        ):
            raise RuleError(
                ("inputs", name, key),
                f"a mask input has the {key} of the input it masks: expected "
                f"{json.dumps(getattr(masked, key))} like {target} (or no {key}), got "
                f"{json.dumps(getattr(given, key))}",
            )


def _check_front(front: list[AroundLayer], where: Path, masked: str) -> None:
    """Keras passes a mask through the layers that keep it; any other would change
    the steps the mask is of."""
    for position, layer in enumerate(front):
        if layer.makes_mask or not layer.keeps_mask:
            does = (
                "makes a mask of its own in place of it"
                if layer.makes_mask
                else "passes no mask on (its steps are no longer the mask's)"
            )
            raise RuleError(
                where + ("front", position, "type"),
                f"input {masked} has a mask input, and {layer.type} {does}: expected "
                "front layers that keep the mask (dense, dropout, normalization, ...), "
                "or the block reading another input",
            )
