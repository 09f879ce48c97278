"""What a page says about the module's extras, as plain values: resetting a stateful
model, decoding classes, training.

Each part is read from the plan (`plan.stateful_layers`, `plan.generator`,
`plan.training`) and each printed line from the run's output, never from an example's
name; the words are in rnnspec/docs/templates/extras.md.jinja.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..plan.model import ModelPlan
from .output import DECODED, RESET_LINE, TRAINING_LINE, decode_lines

BEAM_WIDTH = 2  # the beam width main() decodes with


@dataclass(frozen=True)
class Reset:
    """reset_states(model) and the line main() printed after checking it."""

    layers: list[str]  # STATEFUL_LAYERS
    line: str


@dataclass(frozen=True)
class Printed:
    name: str
    shape: str  # as the run printed it


@dataclass(frozen=True)
class Decoding:
    """The decoders of a model that generates classes (rnnspec/spec/decoding.py)."""

    kind: str  # decoder | window
    block: str  # the block whose head scores the classes
    input: str  # the input whose steps are classes
    classes: int
    feedback: str  # token | one_hot
    probabilities: bool  # the head ends in softmax; else logits
    start: int | None  # START; None for window generation
    stop: int | None  # STOP
    max_length: int  # MAX_LENGTH
    argument: str  # what the decoders take after the model: encoder_inputs | prefix
    window: int | None  # window generation: the input's fixed timesteps, if any
    decoded: int  # how many classes main() decoded
    beam_width: int  # main()'s beam width
    printed: list[Printed]  # the decoders' lines, greedy_decode first


@dataclass(frozen=True)
class TrainedRow:
    block: str
    tensor: str
    shape: str | None  # as the run printed it (a returned tensor)
    loss: str  # the spec's name
    keras_loss: str  # the Keras class, or the module's ctc_loss
    from_logits: bool | None  # None: a regression loss
    metrics: list[str]  # Keras metric classes


@dataclass(frozen=True)
class Training:
    optimizer: str  # Keras' class
    learning_rate: float | None  # None: the optimizer's default
    outputs: list[TrainedRow]
    forced: str | None  # the decoder trained by teacher_forcing()
    forced_input: str | None  # the input teacher_forcing() gives it
    ctc: bool  # the module defines ctc_loss
    line: str


def reset_part(plan: ModelPlan) -> Reset | None:
    if not plan.stateful:
        return None
    return Reset([layer.name for layer in plan.stateful_layers], RESET_LINE)


def decoding_part(plan: ModelPlan, printed: dict[str, str]) -> Decoding | None:
    gen = plan.generator
    if gen is None:
        return None
    given = plan.input(gen.input)
    return Decoding(
        kind=gen.kind,
        block=gen.block,
        input=gen.input,
        classes=gen.classes,
        feedback=gen.feedback,
        probabilities=gen.probabilities,
        start=gen.start if gen.kind == "decoder" else None,
        stop=gen.stop,
        max_length=gen.max_length,
        argument={"decoder": "encoder_inputs", "onestep": "prompt"}.get(
            gen.kind, "prefix"
        ),
        window=given.timesteps if gen.kind == "window" else None,
        decoded=DECODED,
        beam_width=BEAM_WIDTH,
        printed=[Printed(name, printed[name]) for name, _ in decode_lines()],
    )


def training_part(plan: ModelPlan, printed: dict[str, str]) -> Training | None:
    training = plan.training
    if training is None:
        return None
    forced = plan.teacher_forced
    decoder = plan.block(plan.decoder) if forced and plan.decoder else None
    return Training(
        optimizer=training.optimizer,
        learning_rate=training.learning_rate,
        outputs=[
            TrainedRow(
                output.block,
                output.name,
                printed.get(output.name),
                output.loss,
                output.keras_loss,
                output.from_logits,
                [keras_class for _, keras_class in output.metrics],
            )
            for output in training.outputs
        ],
        forced=decoder.name if decoder else None,
        forced_input=decoder.model_input if decoder else None,
        ctc=training.ctc,
        line=TRAINING_LINE,
    )
