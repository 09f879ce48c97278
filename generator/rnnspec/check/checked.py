"""The two forms of a spec, checked: their keys (rnnspec/spec/models.py), then the rules
across keys and blocks (rnnspec/check/rules.py), training's and decoding's, as the
models' validators, so that a loaded spec is a valid one. A rule that fails raises
`RuleError` with the key path it is about, so the loader can point at it.

The check runs once, and what it computed is kept: `Checked`, the spec's model spec
with each block's shapes and hand-overs, the training plan and the decoder. `normalise`
gives it back for a checked spec, and the plan (rnnspec/plan/model.py) builds on it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import cast

from pydantic import model_validator

from . import rules
from .decoding import Generator, check_decoding, feedback_of, generator_of
from .decoding import steppable_decoder
from ..settle import settle
from .inputs import InputShape, input_shapes
from .names import spec_names
from .nodes import NodeShape
from .shapes import BlockShape
from ..spec.models import LongForm, ShortForm
from ..spec.normalise import ModelSpec, normalise
from .training import TrainedOutput, TrainingPlan, plan_training
from .wiring import needed


@dataclass(frozen=True, kw_only=True)
class Checked(ModelSpec):
    """A checked spec's model spec, with what its check found: every block's shapes
    and hand-overs (`BlockShape`: layers, bridges, attention), how it trains, and the
    decoder build_inference_models() steps and how it generates classes."""

    input_shapes: tuple[InputShape, ...]
    shapes: tuple[BlockShape, ...]
    node_shapes: tuple[NodeShape, ...]  # every layer node's, in order
    used: frozenset[str]  # the blocks and inputs the outputs depend on
    training_plan: TrainingPlan | None
    decoder: str | None  # the block stepped one time step at a time, if any
    encoder: frozenset[str]  # what the decoder's initial state and memory depend on
    feedback: str  # what that decoder's loop feeds back ("" without one)
    teacher_forced: TrainedOutput | None  # its trained output, fed its own classes
    generator: Generator | None  # None without a `decoding` section
    python_names: frozenset[str]  # every Python name the inputs and blocks make


def check_model(
    spec: ShortForm | LongForm,
    shapes: list[BlockShape],
    nodes: list[NodeShape] | None = None,
) -> Checked:
    """Training's and decoding's rules on the shapes the rules computed (`nodes`: the
    layer nodes'); what the whole check found."""
    model = normalise(spec)
    training = plan_training(model, shapes, nodes or ())  # rules raise at their keys
    generator = generator_of(model, shapes)
    check_decoding(model, generator, shapes)
    decoder = steppable_decoder(model)
    by_name = {shape.name: shape for shape in shapes}
    feedback = feedback_of(model, by_name[decoder]) if decoder else ""
    forced = training and feedback in ("token", "one_hot")
    inputs = input_shapes(model)
    found = Checked(
        **{field.name: getattr(model, field.name) for field in fields(ModelSpec)},
        input_shapes=inputs,
        shapes=tuple(shapes),
        node_shapes=tuple(nodes or ()),
        used=frozenset(needed(model.outputs, model.entries)),
        training_plan=training,
        decoder=decoder,
        encoder=_encoder(model, decoder),
        feedback=feedback,
        teacher_forced=training.teacher_forced(decoder) if forced else None,
        # decoders only where the spec asks for them (its `decoding` section)
        generator=generator if model.decoding is not None else None,
        python_names=frozenset(spec_names(inputs, shapes, nodes or ())),
    )
    return settle(found)  # its derived values too: the plan computes none of them


def _encoder(model: ModelSpec, decoder: str | None) -> frozenset[str]:
    """The blocks and inputs that `decoder`'s initial state and memory depend on."""
    if decoder is None:
        return frozenset()
    block = next(block for block in model.blocks if block.name == decoder)
    memory = [block.attention.over] if block.attention else []
    source = block.initial_state.source  # type: ignore[union-attr]
    return frozenset(needed([source, *memory], model.blocks))


def checked(spec: ShortForm | LongForm | ModelSpec) -> Checked:
    """What the check of a checked spec found; `normalise` gives it for the spec, and a
    model spec so given is it."""
    return cast(Checked, normalise(spec))


class Spec(ShortForm):
    """One recurrent block: the short form of `shared/spec-format.md`."""

    @model_validator(mode="after")
    def _rules(self) -> Spec:
        self._model = check_model(self, rules.check_spec(self))
        return self


class GraphSpec(LongForm):
    """The long form: named inputs and recurrent blocks that hand state to each other."""

    @model_validator(mode="after")
    def _rules(self) -> GraphSpec:
        self._model = check_model(self, *rules.check_graph(self))
        return self
