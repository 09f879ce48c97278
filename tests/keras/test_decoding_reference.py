"""Decoding against references written here, not against the module's own loop.

Beam search is held against a plain beam search over hypotheses (lists of classes),
each scored by the full Keras model run on the whole hypothesis at once (teacher
forcing): beams that finish at different steps and change rank must keep their
finished state. A decoder attending over a masked memory decodes a padded source as it
decodes the source cut before its padding: the one-step decoder gets numpy arrays,
which carry no Keras mask, so only the mask the module builds can hide the padding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import pytest

from .test_attention import VARIANTS, data, spec_text
from .test_decoding import CLOSE, Case, encode, make_case
from ..support.compare_models import call, numbers
from ..support.modules import load_spec_module


def next_log_probabilities(case: Case, rows: list[int], prefixes: np.ndarray):
    """(len(rows), classes): the full model's log-probabilities of the class after
    each prefix (one a row, all of one length), for example rows[i]'s source."""
    module, generator = case.module, case.plan.generator
    start = np.full((len(rows), 1), module.START)
    fed = np.concatenate([start, prefixes], axis=1).astype("int32")
    given = {name: array[rows] for name, array in case.data.items()}
    returned = call(case.model, {**given, generator.input: encode(case, fed)})
    name = case.plan.block(generator.block).output[0]
    scores = numbers(returned[module.RETURNED.index(name)])[:, -1]
    if np.all(scores >= 0) and np.allclose(scores.sum(axis=-1), 1.0):
        return np.log(scores)  # the head gives probabilities, by Keras' numbers
    return numbers(keras.ops.log_softmax(scores, axis=-1))


@dataclass
class Hypothesis:
    classes: list[int]
    score: float
    finished: bool


@dataclass
class Reference:
    """Per example its best hypotheses, best first; and whether a finished one
    changed rank while another of its example was still going."""

    beams: list[list[Hypothesis]]
    moved_while_mixed: bool = field(default=False)


def reference_beam_search(
    case: Case, width: int, max_length: int, stop: int
) -> Reference:
    """Every hypothesis grows by every class (a finished one only by stop, at no
    cost); each example keeps its `width` best, ties in the order they were made."""
    ref = Reference([[Hypothesis([], 0.0, False)] for _ in range(case.batch)])
    for _ in range(max_length):
        rows = [b for b, beams in enumerate(ref.beams) for _ in beams]
        prefixes = np.array([h.classes for beams in ref.beams for h in beams], int)
        logs = iter(next_log_probabilities(case, rows, prefixes.reshape(len(rows), -1)))
        for b, beams in enumerate(ref.beams):
            made = []  # (hypothesis, its parent's rank)
            for rank, hyp in enumerate(beams):
                scores = next(logs)
                if hyp.finished:
                    made.append(
                        (Hypothesis([*hyp.classes, stop], hyp.score, True), rank)
                    )
                    continue
                for c, score in enumerate(scores):
                    grown = Hypothesis([*hyp.classes, c], hyp.score + score, c == stop)
                    made.append((grown, rank))
            kept = sorted(made, key=lambda pair: -pair[0].score)[:width]
            mixed = len({hyp.finished for hyp, _ in kept}) == 2
            moved = any(
                h.classes[-2:] == [stop, stop] and parent != rank  # finished before
                for rank, (h, parent) in enumerate(kept)
            )
            ref.moved_while_mixed |= mixed and moved
            ref.beams[b] = [hyp for hyp, _ in kept]
        if all(h.finished for beams in ref.beams for h in beams):
            break
    return ref


@pytest.fixture(scope="module")
def tokens_case(tmp_path_factory) -> Case:
    return make_case("seq2seq_tokens", tmp_path_factory.mktemp("tokens"))


def test_beam_search_is_the_reference_beam_search(tokens_case: Case) -> None:
    """Every stop class, two widths: the module's best beam and its score are the
    reference's; some of these runs have finished beams moving between ranks while
    others go on (the case a finished flag left behind its beam gets wrong)."""
    case, exercised = tokens_case, False
    for width in (3, 4):
        for stop in range(case.classes):
            chosen, scores = case.module.beam_search_decode(
                case.model, case.given, beam_width=width, max_length=6, stop=stop
            )
            ref = reference_beam_search(case, width, 6, stop)
            best = np.array([beams[0].classes for beams in ref.beams])
            where = f"beam_width={width}, stop={stop}"
            np.testing.assert_array_equal(chosen, best, err_msg=where)
            want = [beams[0].score for beams in ref.beams]
            np.testing.assert_allclose(scores, want, **CLOSE, err_msg=where)
            exercised |= ref.moved_while_mixed
    assert exercised


# -- a masked memory ------------------------------------------------------------------


def as_tuple(decoded) -> tuple:
    """greedy_decode() returns the classes, beam_search_decode() classes and scores."""
    return decoded if isinstance(decoded, tuple) else (decoded,)


def test_decoding_a_padded_source_is_decoding_the_cut_source(tmp_path: Path) -> None:
    """Greedy and beam decoding (numpy arrays between steps) of a source padded with
    token 0 give the classes and scores of the same source without its padding."""
    keras.backend.clear_session(free_memory=False)
    spec = tmp_path / "masked.yaml"
    text = spec_text("masked", **VARIANTS["masked_additive"], decoding=True)
    spec.write_text(text, "utf-8")
    module = load_spec_module(spec, tmp_path)
    keras.utils.set_random_seed(4)
    model = module.build_model()
    source, _ = data(seed=6, source=9, pad=4)
    padded, cut = source, source[:, :5]
    for how in (module.greedy_decode, module.beam_search_decode):
        got = how(model, padded, max_length=5, stop=None)
        want = how(model, cut, max_length=5, stop=None)
        for mine, theirs in zip(as_tuple(got), as_tuple(want), strict=True):
            np.testing.assert_allclose(mine, theirs, **CLOSE)
    # the one-step decoder itself, its memory and mask as numpy arrays
    encoder_model, decoder_model = module.build_inference_models(model)
    steps = np.full((3, 1), module.START, "int32")
    outputs = []
    for given in (padded, cut):
        encoded = keras.tree.flatten(encoder_model(given))
        carried = [keras.ops.convert_to_numpy(t) for t in encoded]
        assert carried[1].dtype == bool and carried[1].shape == given.shape  # the mask
        out = decoder_model([keras.ops.convert_to_tensor(a) for a in [steps, *carried]])
        outputs.append(numbers(keras.tree.flatten(out)[0]))
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-5, atol=1e-6)
