"""Decoding: greedy, sampled and beam-search decoding against the full Keras model.

Every decoder of a generated module steps the one-step model (or, for window
generation, the model on the last steps). What it chooses is checked against the full
model that Keras runs on the whole chosen sequence at once (teacher forcing): greedy
decoding is the full model's argmax fed back, a beam's score is the sum of the full
model's log-probabilities of its classes, beam width 1 is greedy, and a tiny temperature
samples greedily. The `decoding` section's rules are refused at their key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan
from rnnspec.read.load import SpecError
from rnnspec.plan.model import ModelPlan

from ..conftest import ROOT
from ..support.compare_models import call, numbers
from ..support.modules import load_spec_module
from ..unit.test_graph_errors import expected_error

SPECS = ROOT / "tests" / "data" / "specs" / "decoding"
MODELS = {
    "lstm_seq2seq": ROOT / "examples" / "seq2seq" / "lstm_seq2seq.yaml",  # one-hot
    # batch of 4; the example has no decoding section: with_decoding() gives it one
    "gru_to_lstm": ROOT / "examples" / "seq2seq" / "gru_to_lstm.yaml",
    "seq2seq_tokens": SPECS / "seq2seq_tokens.yaml",  # tokens, logits
    "text_generation": ROOT / "examples" / "published" / "text_generation.yaml",
    "window_tokens": SPECS / "window_tokens.yaml",  # window of any length
    "onestep_tokens": SPECS / "onestep_tokens.yaml",  # a language model, 2 layers
    "onestep_one_hot": SPECS / "onestep_one_hot.yaml",  # 7 steps, starts from ones
}
PROMPT = 3  # a language model's prompt: its classes, then 5 decoded fill 7 steps
CLOSE = {"rtol": 1e-4, "atol": 1e-4}  # one step at a time adds up rounding differently


@dataclass
class Case:
    module: ModuleType
    model: keras.Model
    plan: ModelPlan
    given: object  # the encoder's inputs, the window's prefix or the prompt
    data: dict[str, np.ndarray]  # the encoder inputs by name
    length: int  # how many classes to decode: the decoder input's length if fixed

    @property
    def batch(self) -> int:
        return next(iter(self.data.values())).shape[0]

    @property
    def classes(self) -> int:
        return self.plan.generator.classes


def with_decoding(spec: Path, folder: Path) -> Path:
    """`spec`, or where it has no `decoding` section a copy with an empty one: a module
    has decoders only where its spec asks."""
    text = spec.read_text(encoding="utf-8")
    if "\ndecoding:" in text:
        return spec
    copy = folder / spec.name
    copy.write_text(text + "decoding: {}\n", encoding="utf-8")
    return copy


def make_case(name: str, folder: Path) -> Case:
    spec = with_decoding(MODELS[name], folder)
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(spec, folder)
    keras.utils.set_random_seed(3)
    model = module.build_model()
    plan = make_plan(load_spec(spec))
    generator = plan.generator
    rng = np.random.default_rng(7)
    batch = plan.batch_size or 3
    given_input = plan.input(generator.input)
    if generator.kind == "window":
        prefix = rng.integers(0, generator.classes, (batch, given_input.timesteps or 5))
        return Case(module, model, plan, prefix, {"prefix": prefix}, 5)
    if generator.kind == "onestep":
        prompt = rng.integers(0, generator.classes, (batch, PROMPT))
        return Case(module, model, plan, prompt, {"prompt": prompt}, 5)
    data = {}
    for given in plan.encoder_inputs:
        steps = (given.timesteps or 6,) if given.sequence else ()
        if given.vocabulary:
            data[given.name] = rng.integers(0, given.vocabulary, (batch, *steps))
        else:
            shape = (batch, *steps, *given.step_shape)
            data[given.name] = rng.standard_normal(shape).astype("float32")
    arrays = list(data.values())
    given = arrays[0] if len(arrays) == 1 else arrays
    return Case(module, model, plan, given, data, given_input.timesteps or 5)


@pytest.fixture(scope="module", params=sorted(MODELS))
def case(request, tmp_path_factory) -> Case:
    return make_case(request.param, tmp_path_factory.mktemp(request.param))


def full_log_probabilities(case: Case, chosen: np.ndarray) -> np.ndarray:
    """(batch, length, classes): the full model's log-probabilities before each chosen
    class, with every class before it fed in at once (the window: the last steps)."""
    generator = case.plan.generator
    if generator.kind == "window":
        timesteps = case.plan.input(generator.input).timesteps
        steps = []
        for t in range(chosen.shape[1]):
            window = np.concatenate([case.given, chosen[:, :t]], axis=1)
            window = window[:, -timesteps:] if timesteps else window
            steps.append(numbers(case.model(encode(case, window))))
        scores = np.stack(steps, axis=1)
    elif generator.kind == "onestep":
        # the language model on the prompt and every chosen class but the last, at
        # once: its outputs from the prompt's last step on score the chosen ones
        fed = np.concatenate([case.given, chosen[:, :-1]], axis=1)
        returned = case.model(encode(case, fed))
        scores = numbers(returned[0])[:, case.given.shape[1] - 1 :]
    else:
        start = np.full((case.batch, 1), case.module.START)
        fed = np.concatenate([start, chosen[:, :-1]], axis=1)
        returned = call(case.model, {**case.data, generator.input: encode(case, fed)})
        name = case.plan.block(generator.block).output[0]
        scores = numbers(returned[case.module.RETURNED.index(name)])
    # Keras' own numbers say which the head gives: probabilities, or logits
    if np.all(scores >= 0) and np.allclose(scores.sum(axis=-1), 1.0):
        return np.log(scores)
    return numbers(keras.ops.log_softmax(scores, axis=-1))


def encode(case: Case, classes: np.ndarray) -> np.ndarray:
    """Classes as the model's input takes them: token ids, or one-hot vectors."""
    if case.plan.generator.feedback == "token":
        return classes.astype("int32")
    return np.eye(case.classes, dtype="float32")[classes]


def decode(case: Case, how, **options):
    return how(case.model, case.given, max_length=case.length, stop=None, **options)


def test_greedy_decoding_is_the_full_models_argmax_fed_back(case: Case) -> None:
    chosen = decode(case, case.module.greedy_decode)
    assert chosen.shape == (case.batch, case.length)
    want = full_log_probabilities(case, chosen).argmax(axis=-1)
    np.testing.assert_array_equal(chosen, want)


def test_beam_width_one_is_greedy(case: Case) -> None:
    greedy = decode(case, case.module.greedy_decode)
    beam, _ = decode(case, case.module.beam_search_decode, beam_width=1)
    np.testing.assert_array_equal(beam, greedy)


def test_sampling_at_a_tiny_temperature_is_greedy(case: Case) -> None:
    greedy = decode(case, case.module.greedy_decode)
    sampled = decode(case, case.module.sample_decode, temperature=1e-6)
    np.testing.assert_array_equal(sampled, greedy)


def test_beam_scores_are_the_full_models_summed_log_probabilities(case: Case) -> None:
    chosen, scores = decode(case, case.module.beam_search_decode, beam_width=3)
    assert chosen.shape == (case.batch, case.length) and scores.shape == (case.batch,)
    each = full_log_probabilities(case, chosen)
    picked = np.take_along_axis(each, chosen[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(scores, picked.sum(axis=1), **CLOSE)
    greedy = decode(case, case.module.greedy_decode)
    greedy_picked = np.take_along_axis(
        full_log_probabilities(case, greedy), greedy[..., None], axis=-1
    )
    # with 3 beams, the best beam is at least as likely as greedy's on these models
    assert np.all(scores >= greedy_picked[..., 0].sum(axis=1) - 1e-4)


@pytest.mark.parametrize("name", ["lstm_seq2seq", "window_tokens"])
def test_sampling_is_reproducible_with_a_seed(name: str, tmp_path: Path) -> None:
    case = make_case(name, tmp_path)
    case.length = 8
    first = decode(case, case.module.sample_decode, seed=11)
    np.testing.assert_array_equal(
        decode(case, case.module.sample_decode, seed=11), first
    )
    other = decode(case, case.module.sample_decode, seed=12)
    assert not np.array_equal(other, first)


def test_max_length_is_respected(tmp_path: Path) -> None:
    case = make_case("seq2seq_tokens", tmp_path)
    module = case.module
    assert (module.START, module.STOP, module.MAX_LENGTH) == (1, 2, 6)
    for how in (module.greedy_decode, module.sample_decode):
        assert how(case.model, case.given, max_length=4, stop=None).shape == (3, 4)
        assert how(case.model, case.given).shape[1] <= 6
    chosen, _ = module.beam_search_decode(
        case.model, case.given, max_length=4, stop=None
    )
    assert chosen.shape == (3, 4)


@pytest.mark.parametrize("name", ["seq2seq_tokens", "text_generation"])
def test_a_stop_class_ends_a_sequence(name: str, tmp_path: Path) -> None:
    """The stop class that greedy decoding first chooses for example 0 (at its second
    step or later) ends that example there: the same classes before, then only stop."""
    case = make_case(name, tmp_path)
    case.length = 6
    free = decode(case, case.module.greedy_decode)
    stop = int(free[0, 1])
    for how in (case.module.greedy_decode, case.module.beam_search_decode):
        stopped = how(case.model, case.given, max_length=6, stop=stop)
        chosen = stopped[0] if isinstance(stopped, tuple) else stopped
        assert chosen.shape[1] <= 6
        for row in chosen:
            hits = np.flatnonzero(row == stop)
            if hits.size:
                assert np.all(row[hits[0] :] == stop)
        first = np.flatnonzero(free[0] == stop)[0]
        if how is case.module.greedy_decode:
            np.testing.assert_array_equal(chosen[0, : first + 1], free[0, : first + 1])
            ends = [np.flatnonzero(row == stop) for row in chosen]
            if all(hit.size for hit in ends):  # every example stopped: no more steps
                assert chosen.shape[1] == max(hit[0] for hit in ends) + 1


def test_a_finished_beams_score_stops_at_its_stop_class(tmp_path: Path) -> None:
    case = make_case("seq2seq_tokens", tmp_path)
    stop = case.module.STOP
    chosen, scores = case.module.beam_search_decode(
        case.model, case.given, beam_width=3, max_length=6
    )
    each = full_log_probabilities(case, chosen)
    picked = np.take_along_axis(each, chosen[..., None], axis=-1)[..., 0]
    for row, score, logs in zip(chosen, scores, picked):
        hits = np.flatnonzero(row == stop)
        end = hits[0] + 1 if hits.size else row.size
        np.testing.assert_allclose(score, logs[:end].sum(), **CLOSE)


def test_the_first_step_feeds_start_unless_told(tmp_path: Path) -> None:
    case = make_case("seq2seq_tokens", tmp_path)
    module = case.module
    default = module.greedy_decode(case.model, case.given, stop=None)
    start = np.full(case.batch, module.START)
    told = module.greedy_decode(case.model, case.given, first_step=start, stop=None)
    np.testing.assert_array_equal(told, default)
    assert module.START == 1
    other = module.greedy_decode(
        case.model, case.given, first_step=start * 0, stop=None
    )
    fed = np.concatenate([np.zeros((case.batch, 1), int), other[:, :-1]], axis=1)
    returned = call(case.model, {**case.data, "target": fed.astype("int32")})
    np.testing.assert_array_equal(other, numbers(returned[0]).argmax(axis=-1))


def test_defaults_of_an_empty_decoding_section(tmp_path: Path) -> None:
    module = load_spec_module(with_decoding(MODELS["gru_to_lstm"], tmp_path), tmp_path)
    assert (module.START, module.STOP, module.MAX_LENGTH) == (0, None, 20)
    assert module.CLASSES == 16  # its head's units
    window = load_spec_module(MODELS["window_tokens"], tmp_path)
    assert (window.STOP, window.MAX_LENGTH, window.CLASSES) == (None, 20, 9)
    assert not hasattr(window, "START")  # it continues the prefix it is given
    text = load_spec_module(MODELS["text_generation"], tmp_path)
    assert text.MAX_LENGTH == 400


def test_without_a_decoding_section_a_module_has_no_decoders(
    tmp_path: Path, capsys
) -> None:
    """The example's head scores its input's classes, but its spec asks for no
    decoders: it has none, and main() runs one step of the one-step decoder, whose
    shapes are the full model's for one time step."""
    module = load_spec_module(MODELS["gru_to_lstm"], tmp_path)
    assert make_plan(load_spec(MODELS["gru_to_lstm"])).generator is None
    assert hasattr(module, "build_inference_models")
    for name in ("greedy_decode", "sample_decode", "beam_search_decode", "START"):
        assert not hasattr(module, name), name
    module.main()
    printed = capsys.readouterr().out
    assert "decoder_step_output: (4, 1, 16)" in printed
    assert "decoder_step_lstm_h: (4, 256)" in printed


def test_a_decoder_that_feeds_back_its_output_has_no_decoders(
    tmp_path: Path, capsys
) -> None:
    """It cannot have a decoding section (refuse_decoder_feeds_output.yaml): it keeps
    its inference models, and main() steps them once."""
    spec = ROOT / "tests" / "data" / "specs" / "graphs" / "conv_handover.yaml"
    module = load_spec_module(spec, tmp_path)
    assert make_plan(load_spec(spec)).generator is None
    assert hasattr(module, "build_inference_models")
    assert not hasattr(module, "greedy_decode") and not hasattr(module, "START")
    module.main()
    assert "dec_step_output: (2, 1, 8, 8, 4)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "spec", sorted(SPECS.glob("refuse_*.yaml")), ids=lambda p: p.stem
)
def test_decoding_mistakes_are_refused_at_their_key(spec: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).replace(f"{spec}:", "") == expected_error(spec)


def test_a_masked_decoder_starts_from_class_1(tmp_path: Path) -> None:
    """Under mask_zero class 0 is padding, a step the decoder's layers skip: START is
    1 unless the spec says otherwise, and the first class greedy decoding picks is the
    full model's for that start."""
    text = (SPECS / "seq2seq_tokens.yaml").read_text(encoding="utf-8")
    text = text.replace("embedding: 8}", "embedding: 8, mask_zero: true}")
    spec = tmp_path / "masked.yaml"
    spec.write_text(text.replace("start: 1, ", ""), encoding="utf-8")
    module = load_spec_module(spec, tmp_path)
    assert module.START == 1
    keras.utils.set_random_seed(3)
    model = module.build_model()
    source = np.random.default_rng(7).integers(1, 13, (3, 5)).astype("int32")
    first = module.greedy_decode(model, source, max_length=1, stop=None)
    start = np.full((3, 1), module.START, dtype="int32")
    returned = call(model, {"source": source, "target": start})
    np.testing.assert_array_equal(first, numbers(returned[0]).argmax(axis=-1))
