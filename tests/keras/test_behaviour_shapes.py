"""The generated shape checks refuse wrong shapes, not only accept right ones.

For specs under tests/data/specs/behaviour/shapes/ and a long-form example, the module is
rendered fresh, its model is run once to learn the real shapes of what it returns, and
then `check_returned` is fed numpy arrays of those shapes (it must pass) and of wrong
ones, one at a time: every axis one too large (batch, time, units, spatial), a rank
too many or too few, and two tensors swapped. Each must raise an AssertionError whose
message names the tensor and both shapes. `check_shape` is checked on its own too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import keras

from rnnspec import load_spec, render_module  # noqa: E402

from ..conftest import ROOT  # noqa: E402
from ..support.modules import load_module  # noqa: E402

SPECS = sorted(
    (ROOT / "tests" / "data" / "specs" / "behaviour" / "shapes").glob("*.yaml")
) + [
    ROOT / "examples" / "seq2seq" / "lstm_seq2seq.yaml",
    ROOT / "examples" / "seq2seq" / "chained_blocks.yaml",
]
DYNAMIC_BATCH, DYNAMIC_TIME = 3, 5  # the sizes of dynamic axes in the run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Per spec: the module, the real shapes it returns, and the batch and timesteps
    of that run, as check_returned takes them."""
    found = {}
    folder = tmp_path_factory.mktemp("modules")
    for path in SPECS:
        keras.backend.clear_session(free_memory=False)
        module = load_module(render_module(load_spec(path)), folder, path.stem)
        model = module.build_model()
        rng = np.random.default_rng(0)
        inputs = []
        for tensor in model.inputs:  # dynamic dims: the batch, then time
            batch, *rest = tensor.shape
            shape = (batch or DYNAMIC_BATCH, *(size or DYNAMIC_TIME for size in rest))
            inputs.append(rng.standard_normal(shape).astype("float32"))
        returned = keras.tree.flatten(model(inputs if len(inputs) > 1 else inputs[0]))
        shapes = [tuple(int(size) for size in tensor.shape) for tensor in returned]
        batch_size = module.BATCH_SIZE or DYNAMIC_BATCH
        if isinstance(module.TIMESTEPS, dict):  # the long form: one length an input
            timesteps = {k: v or DYNAMIC_TIME for k, v in module.TIMESTEPS.items()}
        else:
            timesteps = module.TIMESTEPS or DYNAMIC_TIME
        found[path.stem] = (module, shapes, batch_size, timesteps)
    return found


def zeros(shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    return [np.zeros(shape, "float32") for shape in shapes]


def wrong_shapes(shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """Each axis one too large (0: batch; 1: time for a sequence, else units or a
    spatial dim; last: units or filters), and one rank too many or too few."""
    wrong = {
        f"axis {axis}": shape[:axis] + (shape[axis] + 1,) + shape[axis + 1 :]
        for axis in range(len(shape))
    }
    wrong["rank + 1"] = (*shape, 1)
    wrong["rank - 1"] = shape[:-1]
    return wrong


def assert_refused(module, returned, batch_size, timesteps, name, expected, got):
    with pytest.raises(AssertionError) as raised:
        module.check_returned(returned, batch_size, timesteps)
    message = str(raised.value)
    assert (
        name in message and str(expected) in message and str(got) in message
    ), f"the message must name {name}, {expected} and {got}: {message!r}"


def test_the_specs_cover_the_cases(runs):
    """Sequences and last outputs, vector and spatial states, the long form."""
    ranks = {len(shape) for _, shapes, _, _ in runs.values() for shape in shapes}
    assert ranks >= {2, 3, 4, 5}
    assert any(isinstance(run[3], dict) for run in runs.values())
    assert any(len(run[1]) >= 5 for run in runs.values())


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_right_shapes_pass(runs, path: Path):
    module, shapes, batch_size, timesteps = runs[path.stem]
    assert len(shapes) == len(module.RETURNED)
    module.check_returned(zeros(shapes), batch_size, timesteps)
    module.check_returned(zeros(shapes))  # the module's own sizes; None matches any


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_wrong_shapes_fail_with_names(runs, path: Path):
    module, shapes, batch_size, timesteps = runs[path.stem]
    for index, (name, shape) in enumerate(zip(module.RETURNED, shapes)):
        for what, wrong in wrong_shapes(shape).items():
            returned = zeros(shapes)
            returned[index] = np.zeros(wrong, "float32")
            try:
                assert_refused(
                    module, returned, batch_size, timesteps, name, shape, wrong
                )
            except BaseException as error:
                raise AssertionError(f"{name}, {what}: {error}") from None


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_swapped_tensors_fail(runs, path: Path):
    """Two returned tensors in each other's place: the first one checked is named."""
    module, shapes, batch_size, timesteps = runs[path.stem]
    pairs = [
        (i, j)
        for i in range(len(shapes))
        for j in range(i + 1, len(shapes))
        if shapes[i] != shapes[j]
    ]
    assert pairs
    for i, j in pairs:
        returned = zeros(shapes)
        returned[i], returned[j] = returned[j], returned[i]
        name = module.RETURNED[i]
        assert_refused(
            module, returned, batch_size, timesteps, name, shapes[i], shapes[j]
        )


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_dynamic_sizes_still_check_the_rest(runs, path: Path):
    """With batch_size=None and timesteps=None the other axes are still checked."""
    module, shapes, _, timesteps = runs[path.stem]
    any_time = {k: None for k in timesteps} if isinstance(timesteps, dict) else None
    returned = zeros([(shape[0] + 4, *shape[1:]) for shape in shapes])
    module.check_returned(returned, None, any_time)
    for index, (name, shape) in enumerate(zip(module.RETURNED, shapes)):
        wrong = (*shape[:-1], shape[-1] + 1)
        bad = list(returned)
        bad[index] = np.zeros(wrong, "float32")
        with pytest.raises(AssertionError, match=name):
            module.check_returned(bad, None, any_time)


def test_check_shape(runs):
    """None matches any size; the rank and every other size must match."""
    check_shape = runs["lstm_vector"][0].check_shape
    for expected in [(2, 3), (None, 3), (2, None), (None, None)]:
        check_shape("x", np.zeros((2, 3)), expected)
    for actual, expected in [
        ((2, 4), (2, 3)),
        ((3, 3), (2, 3)),
        ((2, 4), (None, 3)),
        ((2, 3, 1), (2, 3)),
        ((2, 3, 1), (None, None)),
        ((2,), (2, 3)),
        ((3, 2), (2, 3)),
        ((), (None,)),
    ]:
        with pytest.raises(AssertionError) as raised:
            check_shape("state_h", np.zeros(actual), expected)
        message = str(raised.value)
        assert "state_h" in message and str(expected) in message
        assert str(actual) in message
