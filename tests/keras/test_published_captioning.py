"""The init-inject image-captioning decoder against the published notebook's model.

Hvass-Labs/TensorFlow-Tutorials 22_Image_Captioning.ipynb, at commit ae4aaa1aa7b9 (the
last before "Updated to TensorFlow 2"): VGG16's fc2 transfer values (4096) go through
Dense(512, tanh, name='decoder_transfer_map'), whose output is the initial state of
each of three GRU(512, return_sequences=True) layers over Embedding(10000, 128) of
decoder_input; Dense(10000, activation='linear', name='decoder_output') scores the
next word. keras-team/keras#11520 shares one Dense the same way
(`initial_state=[init_state, init_state]`). The twin is the notebook's code with its
names and its float `Input(shape=(None,))`; weights copy over by CAPTIONING_NAMES.

Where the spec and the notebook part: the notebook's TF 1.x GRU defaulted to
reset_after=False, while the spec's GRU, and the notebook's `GRU(state_size, ...)` read
by Keras 3, have reset_after=True (two biases a gate: 3 * 512 more weights a layer);
and the TensorFlow 2 version of the notebook (1e901d01) made decoder_output a softmax,
where the spec keeps the linear logits.

A variant written here with small sizes and `return_state: true` has
build_inference_models(): its encoder model gives the twin's Dense(tanh) of the image
for every state, and one decoder step is the twin run on one token.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import keras
import numpy as np

from ..conftest import ROOT
from ..support.compare_models import assert_params_counted
from ..support.graph_twins import Twin
from ..support.modules import load_spec_module
from .test_published import assert_close, copy_mapped, model_of

Input, Dense, GRU, Embedding = (
    keras.layers.Input,
    keras.layers.Dense,
    keras.layers.GRU,
    keras.layers.Embedding,
)
SPEC = ROOT / "examples" / "published" / "image_captioning.yaml"
TRANSFER, STATE, EMBEDDING, WORDS = 4096, 512, 128, 10000  # fc2; the notebook's sizes


def gru_params(inputs: int, units: int) -> int:
    """A GRU with reset_after=True: three gates, each a kernel, a recurrent kernel and
    two biases."""
    return 3 * units * (inputs + units + 2)


def image_captioning(
    transfer_values_size: int = TRANSFER,
    state_size: int = STATE,
    embedding_size: int = EMBEDDING,
    num_words: int = WORDS,
) -> Twin:
    """The notebook's decoder model, connect_decoder() included."""
    transfer_values_input = Input(
        shape=(transfer_values_size,), name="transfer_values_input"
    )
    decoder_transfer_map = Dense(
        state_size, activation="tanh", name="decoder_transfer_map"
    )
    decoder_input = Input(shape=(None,), name="decoder_input")
    decoder_embedding = Embedding(
        input_dim=num_words, output_dim=embedding_size, name="decoder_embedding"
    )
    decoder_gru1 = GRU(state_size, name="decoder_gru1", return_sequences=True)
    decoder_gru2 = GRU(state_size, name="decoder_gru2", return_sequences=True)
    decoder_gru3 = GRU(state_size, name="decoder_gru3", return_sequences=True)
    decoder_dense = Dense(num_words, activation="linear", name="decoder_output")

    initial_state = decoder_transfer_map(transfer_values_input)
    net = decoder_embedding(decoder_input)
    net = decoder_gru1(net, initial_state=initial_state)
    net = decoder_gru2(net, initial_state=initial_state)
    net = decoder_gru3(net, initial_state=initial_state)
    decoder_output = decoder_dense(net)
    return Twin(
        [transfer_values_input, decoder_input],
        {"decoder_output": decoder_output},
        [initial_state],
    )


# generated layer -> the notebook's layer
CAPTIONING_NAMES = {
    "decoder_project": "decoder_transfer_map",
    "decoder_input_embedding": "decoder_embedding",
    "decoder_gru_1": "decoder_gru1",
    "decoder_gru_2": "decoder_gru2",
    "decoder_gru_3": "decoder_gru3",
    "decoder_head": "decoder_output",
}
CAPTIONING_INPUTS = {
    "transfer_values": "transfer_values_input",
    "decoder_input": "decoder_input",
}
TWINS = {"image_captioning": image_captioning}
PARAMS = {
    "image_captioning": (TRANSFER + 1) * STATE  # decoder_transfer_map
    + WORDS * EMBEDDING
    + gru_params(EMBEDDING, STATE)
    + 2 * gru_params(STATE, STATE)
    + (STATE + 1) * WORDS,  # decoder_output
}
# The spec with small sizes, returning the decoder's states.
SMALL = {
    "transfer_values_size": 12,
    "state_size": 8,
    "embedding_size": 6,
    "num_words": 20,
}
SMALL_SPEC = """\
name: init_inject_small
inputs:
  transfer_values: {sequence: false, features: 12}
  decoder_input: {timesteps: null, vocabulary: 20, embedding: 6}
blocks:
  - name: decoder
    input: decoder_input
    cells:
      - {type: gru, units: 8}
      - {type: gru, units: 8}
      - {type: gru, units: 8}
    return_sequences: true
    return_state: true
    initial_state: {from: transfer_values, bridge: project, activation: tanh}
    head: {units: 20}
"""
STATES = ["decoder_gru_1_h", "decoder_gru_2_h", "decoder_gru_3_h"]


def test_the_count_is_the_notebooks_arithmetic() -> None:
    """With TF 1.x's reset_after=False it would be 3 * 3 * 512 fewer."""
    assert PARAMS["image_captioning"] == 12_645_648


# -- running both ---------------------------------------------------------------------


def built(
    spec: Path, folder: Path, sizes: dict[str, int] | None = None
) -> tuple[ModuleType, keras.Model, Twin]:
    """The generated module, its model, and the twin (of the given sizes) holding the
    model's weights."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(spec, folder)
    model = module.build_model()
    twin = image_captioning(**(sizes or {}))
    copy_mapped(model, twin.model, CAPTIONING_NAMES)
    return module, model, twin


def some_data(
    batch: int, length: int, transfer: int, words: int, seed: int
) -> dict[str, np.ndarray]:
    """Seeded inputs by the generated names: transfer values of a ReLU layer (fc2), and
    captions in [1, words) padded with 0s after their end (pad_sequences(...,
    padding='post')), the first row the shortest."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, words, (batch, length))
    tokens[0, length // 2 :] = 0
    tokens[1:, -1] = words - 1  # the last id is in range too
    return {
        "transfer_values": rng.exponential(1.0, (batch, transfer)).astype("float32"),
        "decoder_input": tokens.astype("int32"),
    }


def twin_run(twin: Twin, data: dict[str, np.ndarray]) -> list:
    """The twin's logits, then each GRU layer's output sequence, on the data."""
    model = twin.model
    outputs = [twin.returned["decoder_output"]] + [
        model.get_layer(f"decoder_gru{i}").output for i in (1, 2, 3)
    ]
    named = {CAPTIONING_INPUTS[name]: array for name, array in data.items()}
    return keras.Model(twin.inputs, outputs)([named[x.name] for x in twin.inputs])


def test_image_captioning_counts_the_notebooks_parameters(tmp_path: Path) -> None:
    _, model, twin = built(SPEC, tmp_path)
    count = PARAMS["image_captioning"]
    assert model.count_params() == twin.model.count_params() == count
    assert_params_counted(SPEC, model)


def test_image_captioning_scores_the_twins_next_words(tmp_path: Path) -> None:
    module, model, twin = built(SPEC, tmp_path)
    assert module.RETURNED == list(twin.returned) == ["decoder_output"]
    assert tuple(model.output.shape) == tuple(twin.returned["decoder_output"].shape)
    assert [x.name for x in twin.inputs] == list(CAPTIONING_INPUTS.values())
    data = some_data(batch=3, length=9, transfer=TRANSFER, words=WORDS, seed=1)
    got = model([data[x.name] for x in model.inputs])
    want = twin_run(twin, data)[0]
    assert tuple(got.shape) == (3, 9, WORDS)
    assert_close(got, want, "decoder_output")
    module.check_returned(got, 3, {"decoder_input": 9})


def small(tmp_path: Path) -> tuple[ModuleType, keras.Model, Twin]:
    spec = tmp_path / "init_inject_small.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    return built(spec, tmp_path, SMALL)


def test_init_inject_states_are_each_layers_last_output(tmp_path: Path) -> None:
    """With return_state: true, the output is the twin's and each GRU layer's state is
    the twin's layer output at the last step."""
    module, model, twin = small(tmp_path)
    assert module.RETURNED == ["decoder_output", *STATES]
    assert module.STATE_SIZE == {"decoder": (8, 8, 8)}
    data = some_data(batch=3, length=6, transfer=12, words=20, seed=2)
    got = dict(zip(module.RETURNED, model([data[x.name] for x in model.inputs])))
    logits, *sequences = twin_run(twin, data)
    assert_close(got["decoder_output"], logits, "decoder_output")
    for name, sequence in zip(STATES, sequences, strict=True):
        assert_close(got[name], sequence[:, -1], name)


def test_init_inject_encoder_model_maps_the_image_for_every_state(
    tmp_path: Path,
) -> None:
    """The encoder model returns decoder_transfer_map's tanh of the transfer values,
    once for each of the three layers' states."""
    module, model, twin = small(tmp_path)
    encoder_model, _ = module.build_inference_models(model)
    data = some_data(batch=2, length=1, transfer=12, words=20, seed=3)
    states = keras.tree.flatten(encoder_model(data["transfer_values"]))
    mapped = model_of(twin.inputs[:1], twin.handover)(data["transfer_values"])
    assert len(states) == 3
    for name, state in zip(STATES, states, strict=True):
        assert_close(state, keras.tree.flatten(mapped)[0], f"initial {name}")


def test_init_inject_one_decoder_step_is_the_twin_on_one_token(
    tmp_path: Path,
) -> None:
    """From the encoder model's states, one step of decoder_model on the first token
    equals the whole twin run on that token alone: its logits, and each GRU layer's
    output as that layer's next state."""
    module, model, twin = small(tmp_path)
    encoder_model, decoder_model = module.build_inference_models(model)
    data = some_data(batch=3, length=1, transfer=12, words=20, seed=4)
    states = keras.tree.flatten(encoder_model(data["transfer_values"]))
    first = keras.ops.convert_to_tensor(data["decoder_input"])
    output, *next_states = decoder_model([first, *states])
    logits, *sequences = twin_run(twin, data)
    assert tuple(output.shape) == (3, 1, 20)
    assert_close(output, logits, "decoder_output")
    for name, state, sequence in zip(STATES, next_states, sequences, strict=True):
        assert_close(state, sequence[:, 0], name)
