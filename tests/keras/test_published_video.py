"""keras-io's video classification against its twin: keras-team/keras-io,
examples/vision/video_classification.py, whose frames are padded to MAX_SEQ_LENGTH
and masked by a bool input:

    frame_masks = np.zeros(shape=(num_samples, MAX_SEQ_LENGTH), dtype="bool")
    ...
            temp_frame_mask[i, :length] = 1  # 1 = not masked, 0 = masked

    frame_features_input = keras.Input((MAX_SEQ_LENGTH, NUM_FEATURES))
    mask_input = keras.Input((MAX_SEQ_LENGTH,), dtype="bool")
    x = keras.layers.GRU(16, return_sequences=True)(
        frame_features_input, mask=mask_input
    )
    x = keras.layers.GRU(8)(x)
    x = keras.layers.Dropout(0.4)(x)
    x = keras.layers.Dense(8, activation="relu")(x)
    output = keras.layers.Dense(len(class_vocab), activation="softmax")(x)

    rnn_model = keras.Model([frame_features_input, mask_input], output)
    rnn_model.compile(
        loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"]
    )

with MAX_SEQ_LENGTH = 20, NUM_FEATURES = 2048 (InceptionV3's pooled features) and
the published data's 5 classes: the page's "99,909 trainable parameters"."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from ..conftest import ROOT
from ..support.compare_models import (
    TOLERANCE,
    assert_params_counted,
    call,
    copy_weights,
    numbers,
)
from ..support.graph_twins import Input, Twin
from ..support.modules import load_spec_module

L = keras.layers
SPEC = ROOT / "examples" / "published" / "video_classification.yaml"
MAX_SEQ_LENGTH, NUM_FEATURES, CLASSES = 20, 2048, 5


def video_classification() -> Twin:
    """The published sequence model, its layers named as the module names them."""
    frames = Input("frames", (MAX_SEQ_LENGTH, NUM_FEATURES))
    mask = Input("frame_mask", (MAX_SEQ_LENGTH,), dtype="bool")
    x = L.GRU(16, return_sequences=True, name="video_gru_1")(frames, mask=mask)
    x = L.GRU(8, name="video_gru_2")(x)
    x = L.Dropout(0.4, name="video_head_1")(x)
    x = L.Dense(8, activation="relu", name="video_head_2")(x)
    output = L.Dense(CLASSES, activation="softmax", name="video_head_3")(x)
    return Twin([frames, mask], {"video_output": output})


def _gru(units: int, features: int) -> int:
    """Keras 3's GRU (reset_after): three gates' kernel, recurrent kernel, 2 biases."""
    return 3 * (features * units + units * units + 2 * units)


TWINS = {"video_classification": video_classification}
# two GRUs, then Dense(8) and Dense(5): kernels and biases
PARAMS = {
    "video_classification": _gru(16, NUM_FEATURES)
    + _gru(8, 16)
    + 8 * 8
    + 8
    + 8 * CLASSES
    + CLASSES
}


def padded(rng: np.random.Generator, lengths: list[int]) -> dict[str, np.ndarray]:
    """Published-style data: each video's frames, then zeros up to MAX_SEQ_LENGTH, and
    the mask True on its real frames only."""
    batch = len(lengths)
    frames = np.zeros((batch, MAX_SEQ_LENGTH, NUM_FEATURES), "float32")
    mask = np.zeros((batch, MAX_SEQ_LENGTH), "bool")
    for i, length in enumerate(lengths):
        frames[i, :length] = rng.random((length, NUM_FEATURES))
        mask[i, :length] = 1  # 1 = not masked, 0 = masked
    return {"frames": frames, "frame_mask": mask}


def _built(folder: Path):
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    module = load_spec_module(SPEC, folder)
    return module, module.build_model()


def test_the_video_model_counts_and_computes_as_its_twin(tmp_path: Path) -> None:
    """Equal parameters (the page's 99,909), equal outputs with copied weights on
    padded, masked videos, and one training step under the published compile."""
    module, model = _built(tmp_path)
    twin = video_classification()
    assert PARAMS["video_classification"] == 99_909
    count = model.count_params()
    assert count == twin.model.count_params() == PARAMS["video_classification"]
    assert_params_counted(SPEC, model)
    copy_weights(model, twin.model)
    rng = np.random.default_rng(5)
    data = padded(rng, [20, 13, 4, 1])
    got, want = call(model, data), call(twin.model, data)
    np.testing.assert_allclose(
        numbers(got), numbers(want["video_output"]), **TOLERANCE["float32"]
    )
    training = module.compile_model(module.build_training_model(model))
    assert isinstance(training.optimizer, keras.optimizers.Adam)
    assert isinstance(training.loss, keras.losses.SparseCategoricalCrossentropy)
    labels = rng.integers(0, CLASSES, 4)
    loss = training.train_on_batch([data["frames"], data["frame_mask"]], labels)
    assert np.all(np.isfinite(numbers(keras.tree.flatten(loss)[0])))


def test_masked_frames_do_not_change_the_scores(tmp_path: Path) -> None:
    """What the mask is for: frames past a video's length, whatever they hold, give
    the scores of the video alone (a GRU run on its real frames only); without the
    mask they would count."""
    _, model = _built(tmp_path)
    rng = np.random.default_rng(7)
    data = padded(rng, [20, 9, 3])
    noisy = dict(data, frames=data["frames"].copy())
    noisy["frames"][~data["frame_mask"]] = rng.normal(size=(20 - 9 + 20 - 3, 2048))
    scores = numbers(call(model, data))
    np.testing.assert_allclose(numbers(call(model, noisy)), scores, rtol=1e-6)
    alone = model.get_layer("video_gru_1")(data["frames"][1:2, :9])
    second = model.get_layer("video_gru_2")(alone)
    head = model.get_layer("video_head_3")(model.get_layer("video_head_2")(second))
    np.testing.assert_allclose(numbers(head)[0], scores[1], **TOLERANCE["float32"])
    unmasked = dict(noisy, frame_mask=np.ones_like(data["frame_mask"]))
    assert not np.allclose(numbers(call(model, unmasked)), scores, rtol=1e-3)
