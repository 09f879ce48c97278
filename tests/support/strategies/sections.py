"""Drawn `training` and `decoding` sections, each where the model it is drawn for
can take one (docs/training.md, docs/decoding.md)."""

from __future__ import annotations

from hypothesis import strategies as st

from rnnspec.spec.training import LOSSES, METRICS, OPTIMIZERS

from .cells import Drawn
from .values import Data, maybe, put


def classes_of(given: Data) -> int | None:
    """The classes an input's steps are: its vocabulary, or its one-hot features."""
    return given.get("vocabulary", given.get("features"))


def add_sections(
    draw: st.DrawFn, spec: Data, inputs: Data, blocks: list[Data], drawn: list[Drawn]
) -> None:
    """Maybe a `training` section, and a `decoding` one where the model generates."""
    by_name = {info.name: info for info in drawn}
    outputs = spec.get("outputs") or [drawn[-1].name]
    trained = [by_name[name] for name in outputs]
    if any(_losses(block) for block in trained) and _tame(inputs, blocks):
        put(spec, "training", draw(maybe(_training(trained, _open(inputs, blocks)))))
    generates = _generator(inputs, blocks, drawn, outputs, spec.get("training"))
    if generates and not (generates[2] and generates[1] < 2):  # padding only: no start
        put(spec, "decoding", draw(maybe(_decoding(*generates), omit=1)))


def _open(inputs: Data, blocks: list[Data]) -> bool:
    """Whether a loss may skip up to 3 steps: every input of open length (the smoke
    test gives it steps enough) or 4 steps or more, and no layer or repeat that
    changes the length (a strided front, `repeat: N`)."""
    lengths = [given.get("timesteps") for given in inputs.values()]
    changed = any(block.get("front") or block.get("repeat") for block in blocks)
    return not changed and all(size is None or size >= 4 for size in lengths)


def _tame(inputs: Data, blocks: list[Data]) -> bool:
    """Whether the model's outputs stay finite on the smoke test's random data, as the
    training step asserts: not so in float16 (a sum overflows at 65504) or through an
    exponential cell activation (exp of exp). Such specs are valid: reported."""
    if any(given.get("dtype") == "float16" for given in inputs.values()):
        return False
    cells = [cell for block in blocks for cell in block["cells"]]
    keys = ("activation", "recurrent_activation")
    return not any(cell.get(key) == "exponential" for cell in cells for key in keys)


# losses by what they read (docs/training.md)
REGRESSION = ("mse", "mae", "huber")
CLASSIFYING = ("sparse_categorical_crossentropy", "categorical_crossentropy")


def _losses(block: Drawn) -> list[str]:
    """The losses that can read a block's output."""
    if block.two_outputs:
        return []
    losses = list(REGRESSION)
    if block.width is None:  # conv cells: no head
        return losses
    if block.head_end in ("softmax", "linear") and block.width >= 2:
        losses += CLASSIFYING
        if block.output is not None:  # a sequence of class scores
            losses.append("ctc")
    if block.head_end in ("sigmoid", "linear"):
        losses.append("binary_crossentropy")
    return losses


def _one_loss(losses: list[str]) -> st.SearchStrategy[str]:
    """One of `losses`: as often a regression loss (every head takes one, whatever its
    width and activation, softmax included) as one that reads classes, where one can."""
    scoring = [loss for loss in losses if loss not in REGRESSION]
    every = st.sampled_from(losses)
    if not scoring:
        return every
    return st.one_of(every, st.sampled_from(scoring), st.sampled_from(REGRESSION))


@st.composite
def _training(draw: st.DrawFn, outputs: list[Drawn], skips: bool) -> Data:
    """A `training` section whose losses suit the outputs they train; where `skips`,
    a loss written as a mapping may skip steps."""
    options = {block.name: _losses(block) for block in outputs}
    trainable = [name for name, losses in options.items() if losses]
    shared = [
        loss
        for loss in LOSSES
        if len(trainable) == len(outputs)
        and all(loss in losses for losses in options.values())
    ]
    if shared and draw(st.booleans()):
        loss: str | Data = draw(_one_loss(shared))
        used = {loss}
    else:
        names = draw(st.lists(st.sampled_from(trainable), min_size=1, unique=True))
        chosen = {name: draw(_one_loss(options[name])) for name in names}
        used = set(chosen.values())
        by_name = {block.name: block for block in outputs}
        loss = {
            name: draw(_loss_options(by_name[name], kind, skips))
            for name, kind in chosen.items()
        }
    training: Data = {"loss": loss}
    put(training, "optimizer", draw(maybe(st.sampled_from(tuple(OPTIMIZERS)))))
    rates = st.one_of(
        st.sampled_from((0.001, 0.01, 0.1, 1.0, 10.0)), st.floats(1e-4, 10.0)
    )
    put(training, "learning_rate", draw(maybe(rates, null=True)))
    suiting = [m for m, losses in METRICS.items() if used <= set(losses)]
    metrics = (
        st.lists(st.sampled_from(suiting), unique=True) if suiting else st.just([])
    )
    put(training, "metrics", draw(maybe(metrics)))
    return training


@st.composite
def _loss_options(draw: st.DrawFn, block: Drawn, loss: str, skips: bool) -> str | Data:
    """The loss, or maybe a mapping that leaves padding steps out or skips the first
    steps, where the output is a sequence of steps (docs/training.md)."""
    sequence = block.output is not None and not block.conv and block.width is not None
    if loss == "ctc" or not sequence or not draw(st.booleans()):
        return loss
    written: Data = {"type": loss}
    paddings = (
        st.integers(0, block.width - 1)  # type: ignore[operator]
        if loss == "sparse_categorical_crossentropy"
        else st.sampled_from((0, -1, 0.5))
    )
    put(written, "padding", draw(maybe(paddings, omit=1)))
    if skips:
        put(written, "skip_steps", draw(maybe(st.integers(1, 3), omit=1)))
    return written


@st.composite
def _decoding(draw: st.DrawFn, kind: str, classes: int, padded: bool) -> Data:
    """A `decoding` section for a model that generates `classes` classes of `kind`;
    a `padded` decoder (mask_zero) starts from a class other than 0, its padding."""
    decoding: Data = {}
    class_ids = st.integers(0, classes - 1)
    if kind == "decoder":
        starts = st.integers(1, classes - 1) if padded else class_ids
        put(decoding, "start", draw(maybe(starts, null=True)))
    else:  # window and one-step generation continue the classes given: no start
        put(decoding, "start", draw(maybe(st.none(), omit=3)))
    put(decoding, "stop", draw(maybe(class_ids, null=True)))
    put(decoding, "max_length", draw(maybe(st.integers(1, 30))))
    return decoding


def _scores(block: Drawn, training: Data | None) -> bool:
    """Whether a block's head scores classes (docs/decoding.md): a softmax, or logits
    that no regression loss trains; any other head gives real values."""
    if block.head_values == "softmax":
        return True
    if block.head_values != "linear":
        return False
    loss = (training or {}).get("loss")
    if isinstance(loss, dict):
        loss = loss.get(block.name)
    if isinstance(loss, dict):
        loss = loss["type"]
    return loss not in REGRESSION


def _generator(
    inputs: Data,
    blocks: list[Data],
    drawn: list[Drawn],
    outputs: list[str],
    training: Data | None,
) -> tuple[str, int, bool] | None:
    """Whether the model generates classes (docs/decoding.md): ("decoder", "window"
    or "onestep", how many classes, whether the decoder's input has mask_zero), or
    None. Written from the docs, not from rnnspec/spec/decoding.py.
    """
    info = {d.name: d for d in drawn}
    handed = [b for b in blocks if isinstance(b.get("initial_state"), dict)]
    if len(handed) == 1:  # the steppable decoder, if it is one
        block = handed[0]
        given = inputs.get(block.get("input", "sequence"))
        steppable = (
            given is not None
            and not info[block["name"]].bidirectional
            and block.get("stateful") is not True
            and block.get("go_backwards") is not True
            and block.get("return_state") is True
            and not any(_reads_steps(layer) for layer in block.get("front", []))
        )
        if steppable:
            classes = classes_of(given) if "shape" not in given else None
            scores = _scores(info[block["name"]], training)
            if classes and scores and info[block["name"]].width == classes:
                return "decoder", classes, given.get("mask_zero") is True
            return None
    if len(inputs) != 1 or len(outputs) != 1:
        return None
    (given,) = inputs.values()
    block = next(b for b in blocks if b["name"] == outputs[0])
    last = info[outputs[0]]
    if "shape" in given or not _scores(last, training):
        return None
    if last.width != classes_of(given):
        return None
    if any(
        b.get("stateful") is True or b.get("initial_state") == "input" for b in blocks
    ):
        return None
    if block.get("return_sequences") is not True:  # one vector
        return ("window", last.width, False) if not last.return_state else None
    # a language model: one block returning its sequence and state, stepped forwards
    steppable = (
        len(blocks) == 1
        and last.return_state
        and not last.bidirectional
        and block.get("go_backwards") is not True
        and not any(_reads_steps(layer) for layer in block.get("front", []))
    )
    return ("onestep", last.width, False) if steppable else None


def _reads_steps(layer: Data) -> bool:
    """A front conv whose kernel or stride along time is over 1 (docs/long-form.md:
    such a decoder is not stepped)."""
    if not str(layer.get("type", "")).startswith("conv"):
        return False
    first = [
        value[0] if isinstance(value, list) else value
        for value in (layer.get("kernel_size", 1), layer.get("strides", 1))
    ]
    return max(first) > 1
