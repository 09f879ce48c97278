"""What a target cannot build as the spec means it, refused when the spec is loaded.

The spec means Keras 3 (the keras3 target). Another target refuses, at its key, a
value its Keras would reject or compute differently, so that a module never runs with
other numbers than the spec's. Which values those are is the target's own data
(rnnspec/targets/NAME/); the rules that read it are here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.limits import Path, RuleError
from ..targets import DEFAULT, NAMES, Target, get_target

if TYPE_CHECKING:
    from ..spec.models import LongForm, ShortForm

ACTIVATION_KEYS = ("activation", "recurrent_activation")


def check_target(spec: ShortForm | LongForm, target: str) -> None:
    """Raise RuleError at the first activation `target` refuses, or the first key its
    Keras cannot build (an unknown target refuses nothing here: rendering refuses it).
    """
    if target not in NAMES:
        return
    facts = get_target(target)
    if facts.stateful_conv_float32:
        _check_stateful_conv(spec, facts)
    refused = facts.refused_activations
    for path, value in _activations(spec.model_dump(by_alias=True), ()):
        if value in refused:
            raise RuleError(
                path,
                f"activation {value} on target {target}: {refused[value]}; expected "
                f"another activation, or the {DEFAULT} target",
            )


def _activations(data: Any, path: Path) -> list[tuple[Path, str]]:
    """Every activation name in dumped spec data, with its key path."""
    if isinstance(data, dict):
        found = [
            ((*path, key), value)
            for key, value in data.items()
            if key in ACTIVATION_KEYS and isinstance(value, str)
        ]
        for key, value in data.items():
            found += _activations(value, (*path, key))
        return found
    if isinstance(data, list):
        return [
            item
            for i, value in enumerate(data)
            for item in _activations(value, (*path, i))
        ]
    return []


def _check_stateful_conv(spec: ShortForm | LongForm, facts: Target) -> None:
    """A target whose ConvLSTM layers keep a stateful state in float32 whatever their
    dtype (Keras 2's), and then fail on any other."""
    if hasattr(spec, "blocks"):
        dtype = next(iter(spec.inputs.values())).dtype
        blocks = [(("blocks", i), block) for i, block in enumerate(spec.blocks)]
    else:
        dtype, blocks = spec.input.dtype, [((), spec)]
    for where, block in blocks:
        if block.stateful and block.is_conv and dtype != "float32":
            raise RuleError(
                (*where, "stateful"),
                f"stateful {block.cells[0].type} cells with dtype {dtype} on target "
                f"{facts.name}: {facts.stateful_conv_float32}; expected stateful: "
                f"false, dtype float32, or the {DEFAULT} target",
            )
