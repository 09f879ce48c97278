"""The `attention` key: shapes, parameters and numbers against Keras itself.

Each variant (additive or dot score, with or without projections, attention vector,
head, masked memory) is rendered, imported and built: its parameter count must be
Keras' count_params(), every returned tensor the shape the plan gives, its numbers
those of a twin written here with keras.layers (same weights), and stepping the
one-step decoder of build_inference_models() through the target must give the full
model's output at every step. The refusals are the specs in tests/data/specs/wiring/
(attention_*.yaml), run by tests/unit/test_graph_errors.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan
from rnnspec.read.load import SpecError
from rnnspec.plan.model import resolve_dims
from rnnspec.run.report import describe_plan

from ..support.compare_models import copy_weights, numbers
from ..support.modules import load_spec_module

L = keras.layers
SOURCE, TARGET = 13, 11  # vocabularies


def spec_text(
    name: str,
    attention: str,
    *,
    units: int = 16,
    decoder: int = 16,
    cell: str = "gru",
    head: bool = True,
    mask: bool = False,
    decoding: bool = False,
) -> str:
    """An encoder-decoder whose decoder attends over the encoder's outputs; `decoding`:
    with an empty decoding section, for a head that scores the target's tokens."""
    return (
        f"""\
name: {name}
inputs:
  source: {{timesteps: null, vocabulary: {SOURCE}, embedding: 6, mask_zero: {str(mask).lower()}}}
  target: {{timesteps: null, vocabulary: {TARGET}, embedding: 5}}
blocks:
  - name: encoder
    input: source
    cells: [{{type: {cell}, units: {units}}}]
    return_sequences: true
    return_state: true
  - name: decoder
    input: target
    cells: [{{type: {cell}, units: {decoder}}}]
    return_sequences: true
    return_state: true
    initial_state: {{from: encoder{", bridge: project" if units != decoder else ""}}}
    attention: {attention}
"""
        + (f"    head: {{units: {TARGET}, activation: softmax}}\n" if head else "")
        + ("decoding: {}\n" if decoding else "")
    )


VARIANTS = {
    "additive": dict(attention="{over: encoder, score: additive}"),
    "dot": dict(attention="{over: encoder, score: dot}"),
    "additive_projected_vector": dict(
        attention="{over: encoder, score: additive, project: true, "
        "vector: {units: 12, activation: tanh}}",
        units=16,
        decoder=20,
    ),
    "dot_projected_output_first": dict(
        attention="{over: encoder, score: dot, project: true, concat: output_first, "
        "vector: {units: 9}}",
        units=8,
        decoder=10,
        head=False,
    ),
    "lstm_dot_no_head": dict(
        attention="{over: encoder, score: dot}", cell="lstm", head=False
    ),
    "masked_additive": dict(
        attention="{over: encoder, score: additive, project: true}", mask=True
    ),
}


def twin(name: str, options: dict, batch: int | None = None) -> keras.Model:
    """The same model written with keras.layers: Keras' own masks where the source has
    mask_zero (the Embedding's mask reaches the attention by itself)."""
    text = options["attention"]
    cell = L.GRU if options.get("cell", "gru") == "gru" else L.LSTM
    units, width = options.get("units", 16), options.get("decoder", 16)
    source = keras.Input((None,), dtype="int32", name="source")
    target = keras.Input((None,), dtype="int32", name="target")
    embedded = L.Embedding(
        SOURCE, 6, mask_zero=options.get("mask", False), name="source_embedding"
    )(source)
    memory, *states = cell(
        units,
        return_sequences=True,
        return_state=True,
        name="encoder_" + cell.__name__.lower(),
    )(embedded)
    if units != width:
        role = ("h",) if cell is L.GRU else ("h", "c")
        states = [
            L.Dense(width, name=f"decoder_{cell.__name__.lower()}_{r}_project")(s)
            for r, s in zip(role, states)
        ]
    hidden, *final = cell(
        width,
        return_sequences=True,
        return_state=True,
        name="decoder_" + cell.__name__.lower(),
    )(L.Embedding(TARGET, 5, name="target_embedding")(target), initial_state=states)
    project = "project: true" in text
    query, keys = hidden, memory
    if "additive" in text:
        if project:
            query = L.Dense(width, use_bias=False, name="decoder_attention_query")(
                hidden
            )
            keys = L.Dense(width, use_bias=False, name="decoder_attention_key")(memory)
        context = L.AdditiveAttention(name="decoder_attention")([query, memory, keys])
    else:
        if project:
            keys = L.Dense(width, use_bias=False, name="decoder_attention_key")(memory)
        context = L.Attention(name="decoder_attention")([query, memory, keys])
    pair = [hidden, context] if "output_first" in text else [context, hidden]
    out = L.Concatenate(name="decoder_attention_concat")(pair)
    if "vector" in text:
        size = int(text.split("vector: {units: ")[1].split(",")[0].split("}")[0])
        act = "tanh" if "tanh" in text else None
        out = L.Dense(
            size, activation=act, use_bias=False, name="decoder_attention_vector"
        )(out)
    if options.get("head", True):
        out = L.Dense(TARGET, activation="softmax", name="decoder_head")(out)
    return keras.Model([source, target], [out, *final], name=name)


def data(seed: int, batch: int = 3, source: int = 7, target: int = 5, pad: int = 0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, SOURCE, (batch, source)).astype("int32")
    if pad:
        tokens[:, source - pad :] = 0
    return tokens, rng.integers(0, TARGET, (batch, target)).astype("int32")


@pytest.fixture(params=sorted(VARIANTS), name="variant")
def fixture_variant(request, tmp_path: Path):
    name = request.param
    keras.backend.clear_session(free_memory=False)
    spec = tmp_path / f"{name}.yaml"
    options = VARIANTS[name]
    decoding = options.get("head", True)  # the decoders, wherever the head allows them
    spec.write_text(spec_text(name, **options, decoding=decoding), encoding="utf-8")
    module = load_spec_module(spec, tmp_path)
    return name, spec, module, module.build_model()


def test_params_and_shapes_are_keras(variant) -> None:
    name, spec, module, model = variant
    plan = make_plan(load_spec(spec))
    assert plan.params == model.count_params()
    assert f"parameters: {model.count_params():,}" in describe_plan(plan)
    assert "attention over encoder" in describe_plan(plan)
    source, target = data(seed=1, batch=3, target=5)
    returned = keras.tree.flatten(model([source, target]))
    assert len(returned) == len(plan.returns)
    for got, (tensor, dims) in zip(returned, plan.returns):
        want = resolve_dims(dims, 3, {"source": 7, "target": 5})
        assert tuple(got.shape) == want, tensor


def test_numbers_equal_the_twin(variant) -> None:
    name, _, _, model = variant
    mine = twin(name, VARIANTS[name])
    copy_weights(model, mine)
    source, target = data(seed=2, pad=3 if VARIANTS[name].get("mask") else 0)
    for got, want in zip(
        keras.tree.flatten(model([source, target])),
        keras.tree.flatten(mine([source, target])),
    ):
        np.testing.assert_allclose(numbers(got), numbers(want), rtol=1e-5, atol=1e-6)


def step_through(module, model, source, target) -> None:
    """The one-step decoder, fed the encoder's memories and state and the true
    targets, gives the full model's output at every step, and its final state."""
    encoder_model, decoder_model = module.build_inference_models(model)
    full = keras.tree.flatten(model([source, target]))
    encoded = keras.tree.flatten(encoder_model(source))
    memories = len(decoder_model.inputs) - len(full)  # less the step and the states
    fixed, states = encoded[:memories], encoded[memories:]
    for t in range(target.shape[1]):
        output, *states = decoder_model(
            [keras.ops.convert_to_tensor(target[:, t : t + 1]), *fixed, *states]
        )
        np.testing.assert_allclose(
            numbers(output), numbers(full[0][:, t : t + 1]), rtol=1e-5, atol=1e-6
        )
    for got, want in zip(states, full[1:]):
        np.testing.assert_allclose(numbers(got), numbers(want), rtol=1e-5, atol=1e-6)


def test_stepping_the_decoder_gives_the_full_models_numbers(variant) -> None:
    name, spec, module, model = variant
    plan = make_plan(load_spec(spec))
    assert plan.decoder == "decoder"
    assert plan.memories[0] == "encoder_output"
    assert len(plan.memories) == (2 if VARIANTS[name].get("mask") else 1)
    source, target = data(seed=3, pad=2 if VARIANTS[name].get("mask") else 0)
    step_through(module, model, source, target)


def test_a_masked_memory_ignores_its_padding(tmp_path: Path) -> None:
    """With mask_zero, padded source tokens change nothing: the decoder's outputs for
    a padded source equal those for the source cut before its padding, in the full
    model and step by step."""
    keras.backend.clear_session(free_memory=False)
    spec = tmp_path / "masked.yaml"
    spec.write_text(spec_text("masked", **VARIANTS["masked_additive"]), "utf-8")
    module = load_spec_module(spec, tmp_path)
    model = module.build_model()
    source, target = data(seed=5, source=8, pad=3)
    padded = keras.tree.flatten(model([source, target]))
    cut = keras.tree.flatten(model([source[:, :5], target]))
    for got, want in zip(padded, cut):
        np.testing.assert_allclose(numbers(got), numbers(want), rtol=1e-5, atol=1e-6)
    step_through(module, model, source, target)
    # without the mask, padding would change the numbers: the test can fail
    unmasked = tmp_path / "unmasked.yaml"
    options = dict(VARIANTS["masked_additive"], mask=False)
    unmasked.write_text(spec_text("unmasked", **options), "utf-8")
    other = load_spec_module(unmasked, tmp_path).build_model()
    other.set_weights(model.get_weights())
    assert not np.allclose(
        numbers(other([source, target])[0]), numbers(other([source[:, :5], target])[0])
    )


def test_the_memory_block_is_needed_through_attention_alone() -> None:
    """A block read only by attention is part of the model (not refused as unused)."""
    text = spec_text("s", "{over: encoder, score: dot}").replace(
        "    initial_state: {from: encoder}\n", ""
    )
    plan = make_plan(load_spec_text(text))
    assert [b.name for b in plan.model_blocks] == ["encoder", "decoder"]
    assert plan.decoder is None  # no hand-over: nothing to step


def test_a_masked_memory_through_a_front_is_refused() -> None:
    text = spec_text("s", "{over: encoder, score: dot}", mask=True).replace(
        "    input: source\n",
        "    input: source\n    front: [{type: dense, units: 6}]\n",
    )
    with pytest.raises(SpecError, match="expected no front on block encoder"):
        load_spec_text(text)


def load_spec_text(text: str):

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spec.yaml"
        path.write_text(text, encoding="utf-8")
        return load_spec(path)


BIDIRECTIONAL = """\
name: bidirectional_memory
inputs:
  source: {batch_size: 3, timesteps: 6, features: 4}
  target: {batch_size: 3, timesteps: 5, features: 4}
blocks:
  - name: encoder
    input: source
    cells: [{type: lstm, units: 8}]
    bidirectional: true
    return_sequences: true
    return_state: true
  - name: decoder
    input: target
    cells: [{type: lstm, units: 16}]
    return_sequences: true
    return_state: true
    initial_state: {from: encoder, bridge: concat}
    attention: {over: encoder, score: dot}
    head: [{type: dense, units: 4}]
"""


def test_a_bidirectional_memory_steps_through_the_same_numbers(tmp_path: Path) -> None:
    """Forward and backward outputs joined (16 values a step) are the memory of a
    decoder of 16 units; fixed batch and lengths, vector inputs."""
    keras.backend.clear_session(free_memory=False)
    spec = tmp_path / "bidirectional_memory.yaml"
    spec.write_text(BIDIRECTIONAL, encoding="utf-8")
    module = load_spec_module(spec, tmp_path)
    model = module.build_model()
    assert make_plan(load_spec(spec)).params == model.count_params()
    rng = np.random.default_rng(7)
    source = rng.standard_normal((3, 6, 4)).astype("float32")
    target = rng.standard_normal((3, 5, 4)).astype("float32")
    step_through(module, model, source, target)


def test_the_smoke_test_decodes_through_the_attention(variant, capsys) -> None:
    """main() runs the model and decodes with the one-step decoder: the memories are
    carried from step to step, whichever decoder the head allows."""
    name, spec, module, _ = variant
    module.main()
    printed = capsys.readouterr().out
    plan = make_plan(load_spec(spec))
    if plan.generator is not None:
        assert "beam_search_decode: (2, 3)" in printed
    else:
        assert "decoder_step_output: (2, 1, " in printed
