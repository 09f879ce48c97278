"""Settled results: every value a stage derives, computed in that stage.

The check's results and the plan's classes derive values in
`functools.cached_property`s. `settle` computes each of them once, at the end of the
stage that made them (the check pass, `make_plan`), so that later stages read stored
values only: no check code runs while planning, no check or planning code while a
template renders (a cached value is an instance attribute; reading it calls nothing).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from functools import cached_property
from typing import Any, TypeVar

T = TypeVar("T")


def settle(value: T) -> T:
    """`value`, with the cached properties of every dataclass in it computed."""
    _settle(value, set())
    return value


def extended(base: object, cls: type[T], **more: Any) -> T:
    """A `cls` (a dataclass extending `base`'s class) with `base`'s fields, the values
    settled on `base` (not computed again), and `more`'s fields."""
    made = cls(**{f.name: getattr(base, f.name) for f in fields(base)}, **more)
    vars(made).update(  # frozen: a cached property's value is set in the __dict__
        {name: vars(base)[name] for name in _cached(type(base)) if name in vars(base)}
    )
    return made


def _settle(value: object, seen: set[int]) -> None:
    if isinstance(value, (tuple, list)):
        for item in value:
            _settle(item, seen)
    elif isinstance(value, dict):
        for item in value.values():
            _settle(item, seen)
    elif is_dataclass(value) and not isinstance(value, type) and id(value) not in seen:
        seen.add(id(value))
        for field in fields(value):
            _settle(getattr(value, field.name), seen)
        for name in _cached(type(value)):
            _settle(getattr(value, name), seen)


def _cached(cls: type) -> list[str]:
    """The names of `cls`'s cached properties, its bases' included."""
    return [
        name
        for klass in cls.__mro__
        for name, member in vars(klass).items()
        if isinstance(member, cached_property)
    ]
