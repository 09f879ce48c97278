"""The layers around a recurrent block, as the module builds them: a block may put
layers before its recurrent layers (`front`) and after them (`head`). Each layer type's
keys, Keras class, shape rule and weights are the layer registry's
(rnnspec/spec/layers/); this module chains them, names them and adds the reshapes a
conv2d front needs. A rule Keras would break at build time is a `RuleError` here, at
the layer's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .initializers import check_rank
from .layers import MASK_KEEPING, KerasLayer, Shape, show
from .limits import Path, RuleError


@dataclass(frozen=True)
class AroundPlan:
    """One layer around a block, as the module builds it."""

    name: str  # the Keras layer's name and its Python variable
    keras_class: str  # "Dense", or "Reshape" for the reshapes conv2d needs
    args: tuple[object, ...]  # positional arguments, as Python data
    keywords: tuple[tuple[str, object], ...]
    output: str  # the Python name of its output
    shape: Shape  # its output's shape, batch first
    params: int
    path: Path = ()  # its key in the block: ("head", 1); ("head",) for a Dense's keys
    wrapped: bool = False  # in keras.layers.TimeDistributed: run on each step alone

    @cached_property
    def keeps_mask(self) -> bool:
        """Whether Keras passes its input's mask on to its output."""
        return self.keras_class in MASK_KEEPING

    @cached_property
    def brief(self) -> str:
        """For the module's header: its class, arguments and activation only,
        "Dense(93, softmax)"."""
        activation = [str(v) for k, v in self.keywords if k == "activation"]
        call = f"{self.keras_class}({', '.join([*map(str, self.args), *activation])})"
        return f"TimeDistributed({call})" if self.wrapped else call


def check_softmax_width(activation: str | None, shape: Shape, where: Path) -> None:
    """Refuse a softmax over one value (`shape`: the layer's output): it is 1 whatever
    its input, so the layer's output is constant and no weight before it ever changes,
    trained under any loss or not trained at all."""
    if activation == "softmax" and shape[-1] == 1:
        raise RuleError(
            where + ("activation",),
            "softmax over one value is always 1 (a constant output whatever the input, "
            "and no gradient for any weight before it): expected 2 units or more, or "
            "activation sigmoid for one probability, got softmax over 1",
        )


def plan_front(
    layers: list[KerasLayer],
    shape: Shape,
    prefix: str,
    vector_cells: bool,
    where: Path,
    sizes: dict[str, int],
) -> tuple[AroundPlan, ...]:
    """The front's layers on the block's input; a conv2d on (batch, time, features)
    gains a channel axis first, and before vector cells its output becomes time steps
    of features * filters again (keras.layers.Reshape, as speech models do). Its
    output must still be a sequence of steps of known size."""
    plans: list[AroundPlan] = []
    for index, (layer, name) in enumerate(
        zip(layers, _names(f"{prefix}front", layers))
    ):
        if layer.adds_channel_axis and len(shape) == 3:
            shape = (*shape, 1)
            plans.append(_reshape(f"{name}_expand", shape))
        plans.append(
            _plan(layer, name, f"{name}_output", shape, where + (index,), sizes)
        )
        shape = plans[-1].shape
    if layers:
        _check_sequence(layers[-1], shape, where + (len(layers) - 1,))
    _check_mask_kept(layers, where)
    if vector_cells and len(shape) == 4:
        flat = (shape[0], shape[1], int(shape[2]) * int(shape[3]))  # type: ignore[arg-type]
        plans.append(_reshape(f"{prefix}front_flatten", flat))
    return tuple(plans)


def _check_sequence(layer: KerasLayer, shape: Shape, where: Path) -> None:
    """Refuse, at the front's last layer, an output the recurrent layers cannot read:
    no time axis, or steps of a size unknown at load time."""
    if len(shape) < 3:
        raise RuleError(
            where + ("type",),
            f"the recurrent layers read a sequence (batch, time, ...), and this "
            f"{layer.type} makes {show(shape)}: expected a front that ends in a "
            "sequence",
        )
    if not all(isinstance(size, int) for size in shape[2:]):
        raise RuleError(
            where + ("type",),
            f"the recurrent layers need the size of each step, and this {layer.type} "
            f"makes {show(shape)}: expected steps of known size (a fixed "
            "input.timesteps, or a reshape that keeps time as its -1)",
        )


def _check_mask_kept(layers: list[KerasLayer], where: Path) -> None:
    """Refuse a layer after a masking one that drops its mask: Keras 3 would drop it
    silently, Keras 2 refuses ("does not support masking")."""
    masking = next((i for i, layer in enumerate(layers) if layer.makes_mask), None)
    if masking is None:
        return
    for index, layer in enumerate(layers[masking + 1 :], masking + 1):
        if not layer.keeps_mask:
            raise RuleError(
                where + (index, "type"),
                f"{layer.type} passes no mask on, so the masking layer before it would "
                "mask nothing: expected masking after it, or layers that keep the mask "
                f"({', '.join(sorted(MASK_KEEPING))})",
            )


def masks_steps(layers: list[KerasLayer]) -> bool:
    """Whether a layer of a front masks steps (the recurrent layers skip them)."""
    return any(layer.makes_mask for layer in layers)


def plan_head(
    layers: list[KerasLayer],
    shape: Shape,
    prefix: str,
    where: Path,
    sizes: dict[str, int],
    listed: bool = True,
) -> tuple[AroundPlan, ...]:
    """The head's layers on the block's top output; the last one makes its output.
    Unlisted, the head is one Dense layer given by its keys at `where`."""
    names = _names(f"{prefix}head", layers)
    outputs = [f"{name}_output" for name in names[:-1]] + [f"{prefix}output"]
    return plan_chain(layers, shape, names, outputs, where, sizes, listed)


def plan_chain(
    layers: list[KerasLayer],
    shape: Shape,
    names: Sequence[str],
    outputs: Sequence[str],
    where: Path,
    sizes: dict[str, int],
    listed: bool = True,
) -> tuple[AroundPlan, ...]:
    """Layers called one on the other's output, each under its name; a layer's output
    is `outputs`' entry, or `<name>_output` past their end."""
    plans: list[AroundPlan] = []
    for index, (layer, name) in enumerate(zip(layers, names)):
        output = outputs[index] if index < len(outputs) else f"{name}_output"
        at = where + (index,) if listed else where
        plans.append(_plan(layer, name, output, shape, at, sizes))
        shape = plans[-1].shape
    return tuple(plans)


def _names(base: str, layers: list[KerasLayer]) -> list[str]:
    """One layer takes the base name; several are numbered from 1."""
    if len(layers) == 1:
        return [base]
    return [f"{base}_{index}" for index in range(1, len(layers) + 1)]


def _plan(
    layer: KerasLayer,
    name: str,
    output: str,
    shape: Shape,
    where: Path,
    sizes: dict[str, int],
) -> AroundPlan:
    args, keywords = layer.keras_args()
    for key, rank, weight in layer.initialized():
        check_rank(getattr(layer, key), rank, where + (key,), weight)
    made = layer.output_shape(shape, where, sizes)
    check_softmax_width(getattr(layer, "activation", None), made, where)
    if layer.weighted and not isinstance(shape[-1], int):
        raise RuleError(
            where + ("type",),
            f"{layer.type}'s weights are sized by its input's last axis, which is not "
            f"known here {show(shape)}: expected a fixed input.timesteps",
        )
    return AroundPlan(
        name,
        layer.keras_class,
        args,
        keywords,
        output,
        made,
        layer.params(shape),
        where,
    )


def _reshape(name: str, shape: Shape) -> AroundPlan:
    """keras.layers.Reshape to `shape`, its time axis left to Keras (-1)."""
    target = (-1, *shape[2:])
    return AroundPlan(name, "Reshape", (target,), (), f"{name}_output", shape, 0)
