"""The spec's `decoding` section: the class a decoder starts from, the class that ends a
sequence and the most steps (rnnspec/check/decoding.py finds the block that generates
classes and checks the section against it).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .limits import MAX_SIZE
from .values import Size

DEFAULT_START = 0
DEFAULT_MAX_LENGTH = 20


class Decoding(BaseModel):
    """The spec's `decoding` section."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    start: int | None = Field(
        default=None,
        ge=0,
        lt=MAX_SIZE,
        description="the class a decoder's first step feeds (default 0, or 1 where "
        "its input has mask_zero: 0 is then padding); not for window or one-step "
        "generation, which continue the classes they are given",
    )
    stop: int | None = Field(
        default=None,
        ge=0,
        lt=MAX_SIZE,
        description="the class that ends a sequence (default: none does)",
    )
    max_length: Size = Field(
        default=DEFAULT_MAX_LENGTH, description="the most classes decoded (default 20)"
    )
