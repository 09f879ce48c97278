"""The Python names a long-form module writes for a spec, and the check that a spec's
names make each one once.

Input names become Python variables (and Keras layer names) as they are; block names
are the prefix of every name a block makes: its layers, outputs and states, their
state inputs, its head and its bridges. A name that another input or block makes
would shadow it, and the module would fail when run; such a spec is refused at load
time instead. A name that is also one of the module's own (`keras`, `model`, `main`,
...) is the spec's: the module renames its own (rnnspec/plan/names.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..spec.limits import Path, RuleError
from .shapes import input_mask, input_tensor

if TYPE_CHECKING:
    from ..spec.models import LongForm
    from .inputs import InputShape
    from .nodes import NodeShape
    from .shapes import BlockShape

# Keras names a layer that is given no name after its class: RepeatOverBatch's.
AUTO_NAMED = re.compile(r"repeat_over_batch(_\d+)?")


def block_names(block: BlockShape) -> dict[str, str]:
    """The Python names a block makes, each with what it is."""
    names: dict[str, str] = {}
    if block.repeated:
        names[block.repeat_layer] = "RepeatVector layer"
        names[block.input] = "repeated input"
    for layer in block.layers:
        names[layer.name] = "layer"
        names |= {name: "output" for name, _ in layer.outputs}
        if layer.dropout:
            names[layer.dropout_layer] = "Dropout layer"
            names[layer.feeds] = "dropped output"
        for state in layer.states:
            names[state.name] = "state"
            names[f"initial_{state.name}"] = "state input"
    names[block.output[0]] = "output"
    if block.projection:  # a Dense layer of the input its state starts from
        names[block.projection.name] = "project bridge"
        names[block.projection.output] = "projected input"
    for where, layers in (("front", block.front), ("head", block.head)):
        for layer in layers:  # the old single Dense head is "its head"
            names[layer.name] = where if layer.path == ("head",) else f"{where} layer"
            names.setdefault(layer.output, f"{where} output")
    for bridge in block.bridges:
        if not bridge.direct:
            names[bridge.variable] = "bridged state"
        if bridge.concat_layer:
            names[bridge.concat_layer] = "concat bridge"
        if bridge.dense_layer:
            names[bridge.dense_layer] = "project bridge"
    if block.feedback:
        names[block.feedback.layer] = "FeedBack layer"
    if block.attention:
        for name, what in block.attention.names.items():
            names.setdefault(name, what)
    return names


def spec_names(
    inputs: Iterable[InputShape],
    blocks: Iterable[BlockShape],
    nodes: Iterable[NodeShape] = (),
) -> set[str]:
    """Every Python name the spec's inputs, blocks and nodes make in the module."""
    names: set[str] = set()
    for given in inputs:
        names |= {given.name, given.tensor}
        if given.embedding:
            names.add(given.embedding_layer)
        if given.mask_zero:
            names.add(given.mask)
    for block in blocks:
        names |= set(block_names(block))
    for node in nodes:
        names |= set(node.names)
    return names


def _own(name: str) -> str | None:
    """Why the module has this name itself, or None: a Keras layer name it leaves to
    Keras (a Python name of its own it renames instead)."""
    if AUTO_NAMED.fullmatch(name):
        return f"Keras names the module's RepeatOverBatch layers {name} and alike"
    return None


def check_names(
    spec: LongForm, blocks: list[BlockShape], nodes: Iterable[NodeShape] = ()
) -> None:
    """Refuse an input, block or node name that makes a name the module already has."""
    taken: dict[str, tuple[Path, str]] = {}  # name -> its owner's path, and who
    for name in spec.inputs:
        path = ("inputs", name)
        if why := _own(name):
            raise RuleError(
                path, f'{why}; expected another input name, got "{name}"', at_key=True
            )
        taken[name] = (path, f"input {name}")
    for name, given in spec.inputs.items():
        if given.embedding is None:
            continue
        mask = (input_mask(name),) if given.mask_zero else ()
        for made in (f"{name}_embedding", input_tensor(name, given), *mask):
            path = ("inputs", name)
            clash = _own(made) or (
                f"which is also {taken[made][1]}" if made in taken else None
            )
            if clash:
                raise RuleError(
                    path,
                    f"input {name} would make the Python name {made} for its "
                    f"embedding, {clash}; expected another input name, "
                    f'got "{name}"',
                    at_key=True,
                )
            taken[made] = (path, f"input {name}'s embedding")
    made_by = {block.name: ("block", block_names(block)) for block in blocks}
    made_by |= {node.name: ("node", node.names) for node in nodes}
    for entry in spec.entries:
        kind, names = made_by[entry.name]
        path = spec.path_of(entry.name) + ("name",)
        for name, what in names.items():
            made = f"{kind} {entry.name} would make the Python name {name} (its {what})"
            if _own(name):
                raise RuleError(
                    path,
                    f"{made}, {_own(name)}; expected another "
                    f'{kind} name, got "{entry.name}"',
                )
            if name not in taken:
                taken[name] = (path, f"{kind} {entry.name}'s {what}")
                continue
            owner, who = taken[name]
            if owner[0] == "inputs":  # the input took an entry's name: blame the input
                raise RuleError(
                    owner,
                    f"{who} is also the Python name of {kind} {entry.name}'s {what}"
                    f'; expected another input name, got "{owner[1]}"',
                    at_key=True,
                )
            raise RuleError(
                path,
                f"{made}, which is also {who}; expected another {kind} name, "
                f'got "{entry.name}"',
            )
