"""Initializers as Keras has them: a name (`glorot_uniform`), or an object with its
arguments (`{type: random_normal, stddev: 0.001}`), written out in the module as the
Keras object (`keras.initializers.RandomNormal(stddev=0.001)`), which Keras 3 and
Keras 2 (tf_keras) both have under the same name.

Keras refuses only two initializers by the shape of the weight: `identity` makes a
matrix (a weight of rank 2), `orthogonal` a weight of rank 2 or more (`check_rank`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field

from .limits import Path, RuleError

Number = Annotated[float, Field(allow_inf_nan=False)]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]


@dataclass(frozen=True)
class KerasObject:
    """A Keras object as the module writes it; its repr() is that code. The class and
    keys come from this module's models, the values through repr()."""

    family: str  # "initializers"
    keras_class: str  # "RandomNormal"
    keywords: tuple[tuple[str, object], ...]

    def __repr__(self) -> str:
        return self.code()

    def code(self, keras: str = "keras") -> str:
        """Its construction, `keras` naming the keras module (the module's own name
        for it: rnnspec/plan/names.py)."""
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.keywords)
        return f"{keras}.{self.family}.{self.keras_class}({arguments})"


class _Initializer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    type: str

    def keras_object(self) -> KerasObject:
        """keras.initializers.<its class>(<the keys the user set>)."""
        keywords = tuple(
            (key, getattr(self, key))
            for key in type(self).model_fields
            if key != "type" and getattr(self, key) is not None
        )
        return KerasObject("initializers", KERAS_CLASS[self.type], keywords)


class Constant(_Initializer):
    type: Literal["constant"]
    value: Number | None = None


class Plain(_Initializer):
    """Initializers without arguments."""

    type: Literal["zeros", "ones"]


class Identity(_Initializer):
    """A matrix (rank 2), square or not, times `gain`."""

    type: Literal["identity"]
    gain: Number | None = None


class Orthogonal(_Initializer):
    type: Literal["orthogonal"]
    gain: Number | None = None
    seed: Seed | None = None


class Normal(_Initializer):
    type: Literal["random_normal", "truncated_normal"]
    mean: Number | None = None
    stddev: Number | None = None
    seed: Seed | None = None


class Uniform(_Initializer):
    type: Literal["random_uniform"]
    minval: Number | None = None
    maxval: Number | None = None
    seed: Seed | None = None


class Scaled(_Initializer):
    """The variance-scaling family whose scale, mode and distribution Keras fixes."""

    type: Literal[
        "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
        "lecun_uniform",
    ]  # fmt: skip
    seed: Seed | None = None


class VarianceScaling(_Initializer):
    type: Literal["variance_scaling"]
    scale: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = None
    mode: Literal["fan_in", "fan_out", "fan_avg"] | None = None
    distribution: (
        Literal["truncated_normal", "untruncated_normal", "uniform"] | None
    ) = None
    seed: Seed | None = None


InitializerObject = Annotated[
    Union[
        Constant, Plain, Identity, Orthogonal, Normal, Uniform, Scaled, VarianceScaling
    ],
    Field(discriminator="type"),
]
_MODELS = {
    name: model
    for model in get_args(get_args(InitializerObject)[0])
    for name in get_args(model.model_fields["type"].annotation)
}
KERAS_CLASS = {
    "constant": "Constant", "zeros": "Zeros", "ones": "Ones", "identity": "Identity",
    "orthogonal": "Orthogonal", "random_normal": "RandomNormal",
    "truncated_normal": "TruncatedNormal", "random_uniform": "RandomUniform",
    "glorot_uniform": "GlorotUniform", "glorot_normal": "GlorotNormal",
    "he_normal": "HeNormal", "he_uniform": "HeUniform", "lecun_normal": "LecunNormal",
    "lecun_uniform": "LecunUniform", "variance_scaling": "VarianceScaling",
}  # fmt: skip
# Keras' initializers, in the order the spec has always listed them. By name, all but
# constant: Keras 3 builds keras.initializers.get("constant") from a config without its
# value, and fails (KeyError: 'value'); {type: constant} writes Constant().
TYPES = (
    "zeros", "ones", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "lecun_uniform", "lecun_normal", "orthogonal", "random_normal", "random_uniform",
    "truncated_normal", "variance_scaling", "identity", "constant",
)  # fmt: skip
NAMES = TYPES[:-1]
VECTOR_NAMES = tuple(name for name in NAMES if name not in ("orthogonal", "identity"))
# type -> the model of its keys, in the order of TYPES
INITIALIZER_MODELS: dict[str, type[_Initializer]] = {
    name: _MODELS[name] for name in TYPES
}
Initializer = Union[Literal[NAMES], InitializerObject]  # type: ignore[valid-type]


def type_of(initializer: Initializer) -> str:
    return initializer if isinstance(initializer, str) else initializer.type


def check_rank(
    initializer: Initializer | None, rank: int, where: Path, weight: str
) -> None:
    """Refuse, with Keras' reason, an initializer Keras cannot build for a weight of
    `rank` (`weight`: that weight in words, "an LSTM's bias (units * 4,)")."""
    kind = type_of(initializer) if initializer is not None else None
    if kind == "identity" and rank != 2:
        raise RuleError(
            where,
            f'identity makes a matrix (Keras: "Identity matrix initializer can only be '
            f'used for 2D matrices"), and {weight} has rank {rank}: expected another '
            "initializer, got identity",
        )
    if kind == "orthogonal" and rank < 2:
        raise RuleError(
            where,
            f'orthogonal needs a matrix (Keras: "The tensor to initialize must be at '
            f'least two-dimensional"), and {weight} has rank {rank}: expected another '
            "initializer, got orthogonal",
        )
