"""Mask inputs (`{masks: <input>}`): every mistake refused at its key, and the plan
passing the mask where Keras cannot fill it in, as it passes mask_zero's. No Keras here:
tests/keras/test_mask_inputs.py runs the modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnspec import load_spec, make_plan, render_module
from rnnspec.read.load import SpecError

from ..conftest import ROOT

MASKS = ROOT / "tests" / "data" / "specs" / "masks"
VIDEO = ROOT / "examples" / "published" / "video_classification.yaml"


def expected_error(spec: Path) -> str:
    """The error a spec file must give, from its first line: `# expect: ...`."""
    first = spec.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), spec
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize(
    "spec", sorted(MASKS.glob("refuse_*.yaml")), ids=lambda p: p.stem
)
def test_mask_input_mistakes_are_refused_at_their_key(spec: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).replace(f"{spec}:", "") == expected_error(spec)


def test_a_mask_input_is_a_bool_input_of_its_input_s_length() -> None:
    plan = make_plan(load_spec(MASKS / "valid_chain.yaml"))
    frames, mask = plan.inputs
    assert (mask.masks, mask.mask_input, frames.mask_input) == (
        "frames",
        None,
        "frame_mask",
    )
    assert mask.step_shape == () and mask.timesteps is frames.timesteps is None
    assert mask.smoke_timesteps == frames.smoke_timesteps  # one length in main()
    assert frames.mask == "frame_mask"  # what mask= gets: the input itself


def test_only_the_block_reading_the_input_passes_the_mask_without_a_state() -> None:
    """Keras cannot fill in a mask the input tensor has not got: the block that reads
    it passes it; a block reading that block's sequence gets it from Keras, unless
    it is called with its initial state too (then mask= as for mask_zero)."""
    plan = make_plan(load_spec(MASKS / "valid_chain.yaml"))
    lower, upper = plan.blocks
    assert lower.masked and upper.masked
    assert plan.passed_mask(lower) is plan.input("frames")
    assert upper.passes_state and plan.passed_mask(upper) is plan.input("frames")
    assert plan.model_masks == []  # nothing to compute: the mask is a model input
    source = render_module(load_spec(MASKS / "valid_chain.yaml"))
    assert source.count("mask=frame_mask") == 2  # lower's layer, upper's stack
    assert "compute_mask" not in source


def test_the_published_video_model_passes_the_mask_to_its_first_gru_only() -> None:
    source = render_module(load_spec(VIDEO))
    assert "video_gru_1(frames, mask=frame_mask)" in source
    assert source.count("mask=") == 1
    assert 'dtype="bool",\n        name="frame_mask"' in source


def test_the_encoder_model_takes_the_mask_and_attention_uses_it() -> None:
    plan = make_plan(load_spec(MASKS / "valid_attention.yaml"))
    attention = plan.block("decoder").attention
    assert attention.mask_input == "src_mask" and attention.mask_from == "src"
    assert [given.name for given in plan.encoder_inputs] == ["src", "src_mask"]
    source = render_module(load_spec(MASKS / "valid_attention.yaml"))
    assert source.count("decoder_memory_mask = src_mask") == 2  # model, encoder model
    assert "not_equal" not in source


MASKED_DECODER = """\
name: masked_decoder
inputs:
  src: {timesteps: 7, features: 6}
  tgt: {timesteps: 5, features: 4}
  tgt_mask: {masks: tgt}
blocks:
  - name: encoder
    input: src
    cells: [{type: lstm, units: 8}]
    return_state: true
  - name: decoder
    input: tgt
    cells: [{type: lstm, units: 8}]
    return_sequences: true
    return_state: true
    initial_state: {from: encoder}
"""


def test_a_decoder_reading_a_masked_input_is_not_stepped(write) -> None:
    """build_inference_models() steps one step of the decoder's input; a mask input
    of one step is not offered yet, so such a decoder has none (the same spec without
    the mask input has one)."""
    plan = make_plan(load_spec(write("masked.yaml", MASKED_DECODER)))
    assert plan.input("tgt").mask_input == "tgt_mask" and plan.block("decoder").masked
    assert plan.decoder is None
    unmasked = MASKED_DECODER.replace("  tgt_mask: {masks: tgt}\n", "")
    assert make_plan(load_spec(write("plain.yaml", unmasked))).decoder == "decoder"


def test_the_decoders_feed_the_encoder_its_mask() -> None:
    """A token decoder attending over masked frames: the encoder model, which the
    decoders and the smoke test call, takes the frames and their mask."""
    spec = load_spec(MASKS / "valid_seq2seq_decoding.yaml")
    plan = make_plan(spec)
    assert plan.decoder == "decoder" and plan.generator is not None
    assert plan.encoder_model_inputs == ["src", "src_mask"]
    source = render_module(spec)
    assert "encoder_inputs = [src, src_mask]" in source
