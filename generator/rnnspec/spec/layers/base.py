"""What every layer type of the registry answers, as a Keras layer does: its class and
arguments, the shape it makes of its input (`compute_output_shape`), its weights
(`count_params()`), whether it passes a mask on and whether it reads several steps.

Shapes are batch first; a dim is a size, the name of a dynamic dim ("batch_size",
"timesteps") or None (unknown until the model runs). A shape Keras would refuse at
build time is a `RuleError` at the layer's key.
"""

from __future__ import annotations

from typing import Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict

from ..limits import Path, RuleError

Dim = Union[int, str, None]
Shape = tuple[Dim, ...]
Keywords = tuple[tuple[str, object], ...]
_AXIS_WORDS = ["time", "height", "width"]


class KerasLayer(BaseModel):
    """One layer of the spec: its keys are Keras' arguments of `keras_class`."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    type: str
    keras_class: ClassVar[str]
    positional: ClassVar[str | None] = None  # Keras' first positional argument
    keeps_mask: ClassVar[bool] = False  # passes its input's Keras mask on
    makes_mask: ClassVar[bool] = False  # computes a mask of its own (Masking)
    # reads a (batch, time, features) sequence as one channel: (batch, time, features, 1)
    adds_channel_axis: ClassVar[bool] = False

    def keras_args(self) -> tuple[tuple[object, ...], Keywords]:
        """Keras' positional and keyword arguments; unset keys are Keras' defaults
        and are not passed."""
        values = {key: keras_value(getattr(self, key)) for key in self._set_keys()}
        args = (values.pop(self.positional),) if self.positional in values else ()
        return args, tuple(values.items())

    def _set_keys(self) -> list[str]:
        return [
            key
            for key in type(self).model_fields
            if key != "type" and getattr(self, key) is not None
        ]

    def output_shape(self, shape: Shape, where: Path, sizes: dict[str, int]) -> Shape:
        """What it makes of a tensor of `shape`; `sizes`: the known length of each
        named dim."""
        return shape

    def params(self, shape: Shape) -> int:
        """Its weights when it reads a tensor of `shape`: Keras' count_params()."""
        return 0

    @property
    def weighted(self) -> bool:
        """Whether it has weights sized by its input's last axis."""
        return False

    def initialized(self) -> tuple[tuple[str, int, str], ...]:
        """Its initializer keys, each with the rank of its weight and the weight in
        words: Keras refuses identity and orthogonal by rank."""
        return ()

    def mixes_steps(self) -> bool:
        """Whether its output at one time step reads other steps: it cannot run one
        step at a time."""
        return False

    def steps_reason(self) -> str:
        """Why it reads several steps, for a refusal."""
        return f"this {self.type} reads several steps"


def keras_value(value: Any) -> object:
    """A key's value as Keras takes it: a list as a tuple, an initializer as its Keras
    object."""
    if isinstance(value, list):
        return tuple(value)
    if hasattr(value, "keras_object"):
        return value.keras_object()
    return value


def check_rank(
    layer: KerasLayer, shape: Shape, ranks: int, where: Path, what: str
) -> None:
    """Refuse, at its type, a layer that reads tensors of rank `ranks` (Keras'
    InputSpec(ndim=...)) on a tensor of another rank; `what`: what it does, in words."""
    if len(shape) != ranks:
        raise RuleError(
            where + ("type",),
            f"{layer.type} {what}: expected a tensor of rank {ranks} here, got "
            f"rank {len(shape)} {show(shape)}",
        )


def axes_words(axes: int) -> str:
    """(batch, time, height, channels) for 2 axes."""
    return f"(batch, {', '.join(_AXIS_WORDS[:axes])}, channels)"


def known(size: Dim, sizes: dict[str, int]) -> int | None:
    """A dim's length where it is known: a size, or a named dim's known length."""
    if isinstance(size, str):
        return sizes.get(size)
    return size


def per_axis(value: int | list[int], axes: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, list) else (value,) * axes


def window_length(size: int, window: int, stride: int, padding: str) -> int:
    """Keras' output length of a window (a kernel, a pool) moved over `size`."""
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - window) // stride + 1


def windowed(
    layer: KerasLayer,
    shape: Shape,
    windows: tuple[tuple[int, int], ...],
    padding: str,
    where: Path,
    sizes: dict[str, int],
    window_key: str,
    window_word: str,
) -> list[Dim]:
    """The lengths of the axes after shape[0] that a window moves over, `windows`:
    (window, stride) per axis. An axis whose length is unknown stays unknown (None)
    where the window changes it, and keeps its name where it does not."""
    lengths: list[Dim] = []
    for axis, (size, (window, stride)) in enumerate(zip(shape[1:], windows)):
        if stride == 1 and (padding in ("same", "causal") or window == 1):
            lengths.append(size)
            continue
        length = known(size, sizes)
        if length is None:
            lengths.append(None)
            continue
        made = window_length(length, window, stride, padding)
        if made < 1:
            raise RuleError(
                where + (window_key,),
                f"{layer.type}'s {window_word} {window} is longer than axis {axis + 1} "
                f"({length}) with padding: valid: expected a smaller {window_key} or "
                "padding: same",
            )
        lengths.append(made)
    return lengths


def show(shape: Shape) -> str:
    """A shape in words: (batch, time, 8, 8, 1)."""
    words = {"batch_size": "batch"}

    def word(dim: Dim) -> str:
        if dim is None:
            return "None"
        return str(dim) if isinstance(dim, int) else words.get(str(dim), "time")

    return "(" + ", ".join(map(word, shape)) + ")"
