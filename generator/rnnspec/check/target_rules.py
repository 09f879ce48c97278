"""What a target cannot build as the spec means it, refused when the spec is loaded.

The spec means Keras 3 (the keras3 target). Another target refuses, at its key, a
value its Keras would reject or compute differently, so that a module never runs with
other numbers than the spec's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.limits import Path, RuleError

if TYPE_CHECKING:
    from ..spec.models import LongForm, ShortForm

DEFAULT = "keras3"
ACTIVATION_KEYS = ("activation", "recurrent_activation")
# tf_keras 2.21 (Keras 2), keras-team/tf-keras tf_keras/activations.py
KERAS2_ACTIVATIONS = {
    "hard_sigmoid": "Keras 2 computes it as clip(0.2 * x + 0.5, 0, 1), Keras 3 as "
    "relu6(x + 3) / 6, so the numbers would differ",
    "hard_silu": "Keras 2 has no hard_silu",
    "hard_tanh": "Keras 2 has no hard_tanh",
    "log_sigmoid": "Keras 2 has no log_sigmoid",
}
REFUSED = {"tf_keras": KERAS2_ACTIVATIONS}


def check_target(spec: ShortForm | LongForm, target: str) -> None:
    """Raise RuleError at the first activation `target` refuses, or the first key its
    Keras cannot build."""
    if target == "tf_keras":
        _check_keras2_stateful_conv(spec)
    refused = REFUSED.get(target, {})
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


def _check_keras2_stateful_conv(spec: ShortForm | LongForm) -> None:
    """Keras 2's ConvLSTM layers keep a stateful state in float32 whatever their dtype
    (tf_keras ConvRNN.reset_states: backend.zeros), and then fail on any other."""
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
                f"tf_keras: Keras 2 keeps a stateful ConvLSTM's state in float32 "
                f"whatever the dtype, and its step then fails; expected stateful: "
                f"false, dtype float32, or the {DEFAULT} target",
            )
