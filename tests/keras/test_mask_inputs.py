"""Mask inputs on real Keras (TensorFlow): what a masked step holds changes nothing
the model computes, through a front, a second block, attention and the training
loss, exactly as an Embedding's mask_zero mask does; and the mask is what does it
(all True, the same steps count)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from ..conftest import ROOT
from ..support.compare_models import call, numbers
from ..support.modules import load_spec_module

MASKS = ROOT / "tests" / "data" / "specs" / "masks"


def _built(spec: Path, folder: Path):
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    module = load_spec_module(spec, folder)
    return module, module.build_model()


def _padded(rng, lengths: list[int], steps: int, features: int):
    """Each sequence's steps, then zeros; the mask True on its real steps."""
    mask = np.arange(steps)[None, :] < np.array(lengths)[:, None]
    values = rng.standard_normal((len(lengths), steps, features)).astype("float32")
    return np.where(mask[:, :, None], values, 0).astype("float32"), mask


def _noisy(values: np.ndarray, mask: np.ndarray, rng) -> np.ndarray:
    """The same data with other numbers on every masked step."""
    noise = rng.standard_normal(values.shape).astype("float32") * 3
    return np.where(mask[:, :, None], values, noise)


def test_attention_leaves_out_the_masked_steps_of_its_memory(tmp_path: Path) -> None:
    _, model = _built(MASKS / "valid_attention.yaml", tmp_path)
    rng = np.random.default_rng(1)
    src, mask = _padded(rng, [7, 4, 2], 7, 6)
    tgt = rng.standard_normal((3, 5, 4)).astype("float32")
    data = {"src": src, "src_mask": mask, "tgt": tgt}
    first = numbers(call(model, data)[0])
    noisy = dict(data, src=_noisy(src, mask, rng))
    np.testing.assert_allclose(numbers(call(model, noisy)[0]), first, rtol=1e-6)
    everything = dict(noisy, src_mask=np.ones_like(mask))
    assert not np.allclose(numbers(call(model, everything)[0]), first, rtol=1e-3)


def test_the_mask_reaches_a_block_below_and_the_training_loss(tmp_path: Path) -> None:
    """valid_chain: a Dense front, a bidirectional block, a stack below it that starts
    from its own state (mask= passed) and a head; the mse loss counts real steps only,
    as Keras counts them for mask_zero."""
    module, model = _built(MASKS / "valid_chain.yaml", tmp_path)
    rng = np.random.default_rng(2)
    frames, mask = _padded(rng, [9, 5, 1], 9, 5)
    data = {"frames": frames, "frame_mask": mask}
    out = numbers(call(model, data))
    noisy = dict(data, frames=_noisy(frames, mask, rng))
    np.testing.assert_allclose(numbers(call(model, noisy)), out, rtol=1e-6)
    training = module.compile_model(module.build_training_model(model))
    targets = rng.standard_normal(out.shape).astype("float32")
    other = np.where(mask[:, :, None], targets, 100.0).astype("float32")
    arrays = [frames, mask]
    loss = float(numbers(training.test_on_batch(arrays, targets)))
    assert np.isclose(float(numbers(training.test_on_batch(arrays, other))), loss)
    unmasked = [frames, np.ones_like(mask)]
    assert float(numbers(training.test_on_batch(unmasked, other))) > 10 * loss


def test_a_one_cell_stack_takes_the_mask_from_keras_zeros(tmp_path: Path) -> None:
    """RNN(StackedRNNCells) of one GRU cell, batch 4: masked steps keep the state."""
    _, model = _built(MASKS / "valid_one_cell_stack.yaml", tmp_path)
    rng = np.random.default_rng(3)
    frames, mask = _padded(rng, [6, 4, 2, 1], 6, 3)
    data = {"frames": frames, "frame_mask": mask}
    output, state = (numbers(x) for x in call(model, data))
    noisy = dict(data, frames=_noisy(frames, mask, rng))
    np.testing.assert_allclose(numbers(call(model, noisy)[1]), state, rtol=1e-6)
    for row, length in enumerate([6, 4, 2, 1]):  # the state: the last real step's
        np.testing.assert_allclose(state[row], output[row, length - 1], rtol=1e-6)
