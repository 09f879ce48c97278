"""The model's inputs as the module builds them: keras.Input's shape, the Embedding
of token inputs and the name of their mask, and the smoke test's length of each."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from ..spec.layers.base import keras_value
from .mask_inputs import masked_by
from .shapes import input_mask, input_tensor
from ..spec.training import smoke_steps_at_least
from .stack import smoke_timesteps

if TYPE_CHECKING:
    from ..spec.normalise import ModelSpec


@dataclass(frozen=True)
class InputShape:
    """A model input, and what blocks read of it."""

    name: str
    timesteps: int | None
    step_shape: tuple[int, ...]  # one time step: (features,), (*spatial, channels), ()
    smoke_timesteps: int
    tensor: str  # what blocks read: the input, or its embedding's output
    vocabulary: int | None = None  # integer tokens in [0, vocabulary)
    embedding: int | None = None  # each token's vector size
    mask_zero: bool = False
    sequence: bool = True  # False: one vector per example, no time axis
    # its Embedding's initializer as the module writes it (a name or a Keras object)
    embeddings_initializer: object = None
    masks: str | None = None  # a mask input: the input whose steps it marks real
    mask_input: str | None = None  # the mask input of this one, if it has one

    @cached_property
    def shape(self) -> tuple[int | None, ...]:
        """What keras.Input(shape=...) takes: (timesteps, *one step)."""
        return (self.timesteps, *self.step_shape)

    @cached_property
    def embedding_layer(self) -> str:
        return f"{self.name}_embedding"

    @cached_property
    def mask(self) -> str:
        """The Python name of its mask, with mask_zero or a mask input (True: a real
        step): its mask input, or the one its Embedding computes."""
        return self.mask_input or input_mask(self.name)

    @cached_property
    def features(self) -> tuple[int, ...]:
        """One step as blocks read it: a token's embedding, or the step itself."""
        return (self.embedding,) if self.embedding else self.step_shape

    @cached_property
    def params(self) -> int:
        return (self.vocabulary or 0) * (self.embedding or 0)


def input_shapes(model: ModelSpec) -> tuple[InputShape, ...]:
    """Each of the model's inputs, in order."""
    least = smoke_steps_at_least(model.training)
    smoke = {
        name: smoke_timesteps(given.timesteps, index, least)
        for index, (name, given) in enumerate(model.inputs.items())
    }
    masks = masked_by(model.inputs)
    return tuple(
        InputShape(
            name,
            model.inputs[given.masks or name].timesteps,  # a mask input's: its input's
            () if given.embedding else given.step_shape,
            smoke[given.masks or name],
            input_tensor(name, given),
            given.vocabulary,
            given.embedding,
            given.mask_zero,
            given.sequence,
            keras_value(given.embeddings_initializer),
            given.masks,
            masks.get(name),
        )
        for name, given in model.inputs.items()
    )
