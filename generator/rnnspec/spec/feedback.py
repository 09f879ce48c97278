"""A block's `feedback` key: autoregressive real-valued prediction, as the
tensorflow/docs time-series tutorial's `FeedBack` model does it (rnnspec/check/feedback.py
checks it against the block; docs/decoding.md).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# The loop over the steps is a Python loop, unrolled when Keras traces the model: a
# bound keeps the traced graph (and its build time) small.
MAX_FEEDBACK_STEPS = 1024


class Feedback(BaseModel):
    """The block's `feedback` key."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    steps: int = Field(
        ge=1,
        le=MAX_FEEDBACK_STEPS,
        description="the predictions the block returns, (batch, steps, features): the "
        "first from its cell warmed up over the input, each next one from the cell fed "
        "the prediction before it",
    )
