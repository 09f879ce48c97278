"""Long-form specs: every graph against the same model written by hand in Keras.

The generated modules are imported in-process (TensorFlow is imported once). Each
example and each wiring variant has a twin in tests/support/graph_twins.py, written
with keras.layers directly from the spec and from Keras' own contracts. Every tensor
the twin returns is named, by hand, with the name the module must give it. With the
generated model's weights (copied layer by layer, by name), the same inputs and the
same initial state, every returned tensor, outputs and states alike, must have the
same numbers as the twin's tensor of that name. The encoder of
`build_inference_models()` must hand over the twin's bridged state, and stepping the
one-step decoder must reproduce the full model.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

import keras
import numpy as np
import pytest

from rnnspec import load_spec, make_plan

from ..conftest import GRAPH_EXAMPLES, ROOT
from ..support.compare_models import (
    MIXED,
    TOLERANCE,
    assert_params_counted,
    call,
    copy_weights,
    loose,
    numbers,
)
from ..support.graph_twins import TWINS, Twin
from ..support.modules import load_spec_module

SPECS = ROOT / "tests" / "data" / "specs"
# more wiring, and names that look like generated ones but make none twice
VARIANTS = sorted((SPECS / "graphs").glob("*.yaml")) + sorted(
    (SPECS / "names").glob("ok_*.yaml")
)
# one graph in each dtype but float32: heads, bridges and cells in the spec's policy
DTYPE_GRAPHS = sorted((SPECS / "dtypes").glob("graph_*.yaml"))
ALL_GRAPHS = GRAPH_EXAMPLES + VARIANTS + DTYPE_GRAPHS


def test_every_graph_has_a_hand_written_twin() -> None:
    assert sorted(spec.stem for spec in ALL_GRAPHS) == sorted(TWINS)


# -- running both ---------------------------------------------------------------------


def some_data(twin: Twin, batch: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded values for every input of the twin, by name: sequences of a different
    length each where the length is free, state inputs, and the twin's constants."""
    rng = np.random.default_rng(seed)
    dtype = "float32" if twin.dtype in MIXED else twin.dtype
    data = {}
    for index, given in enumerate(twin.inputs):
        if given.name in twin.constants:
            data[given.name] = twin.constants[given.name](batch)
            continue
        shape = [batch, *given.shape[1:]]
        if len(shape) > 2 and shape[1] is None:
            shape[1] = 4 + index
        data[given.name] = rng.standard_normal(shape).astype(dtype)
    return data


def module_and_twin(spec: Path, folder: Path) -> tuple[ModuleType, keras.Model, Twin]:
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(spec, folder)
    model = module.build_model()
    twin = TWINS[spec.stem]()
    copy_weights(model, twin.model)
    return module, model, twin


@pytest.mark.parametrize("spec", ALL_GRAPHS, ids=lambda p: p.stem)
def test_every_returned_tensor_equals_the_twins_by_name(
    spec: Path, tmp_path: Path
) -> None:
    """Outputs and states alike: a state returned under another tensor's name (forward
    for backward, h for c, one cell's for another's) or from another hand-over fails."""
    module, model, twin = module_and_twin(spec, tmp_path)
    assert model.count_params() == twin.model.count_params()
    assert_params_counted(spec, model)
    assert module.RETURNED == list(twin.returned)  # the names, in Keras' order
    batch = module.BATCH_SIZE or 3
    data = some_data(twin, batch, seed=1)
    returned = call(model, data)
    want = call(twin.model, data)
    got = dict(zip(module.RETURNED, keras.tree.flatten(returned), strict=True))
    for name in module.RETURNED:
        np.testing.assert_allclose(
            numbers(got[name]),
            numbers(want[name]),
            err_msg=name,
            **TOLERANCE[twin.dtype],
        )
    steps = {name: data[name].shape[1] for name in module.TIMESTEPS}
    module.check_returned(returned, batch, steps)


# No one-step decoder: several blocks returned with none starting from another
# (chained_blocks, time_distributed_stack), or a bidirectional decoder, which cannot run one step at a time.
NOT_STEPPED = {
    "chained_blocks",
    "time_distributed_stack",
    "bidi_to_bidi",
    "project_bidi_bidi",
    "graph_bfloat16_project",
}
STEPPED = [spec for spec in ALL_GRAPHS if spec.stem not in NOT_STEPPED]


@pytest.mark.parametrize(
    "spec", [s for s in ALL_GRAPHS if s.stem in NOT_STEPPED], ids=lambda p: p.stem
)
def test_graphs_without_a_steppable_decoder_offer_no_inference_models(
    spec: Path, tmp_path: Path
) -> None:
    module = load_spec_module(spec, tmp_path)
    assert not hasattr(module, "build_inference_models")
    assert not hasattr(module, "greedy_decode")


def test_chained_blocks_state_size_per_block(tmp_path: Path) -> None:
    module = load_spec_module(
        ROOT / "examples" / "seq2seq" / "chained_blocks.yaml", tmp_path
    )
    assert module.STATE_SIZE == {"features": 32, "tracker": (8, 8)}


@pytest.mark.parametrize("spec", STEPPED, ids=lambda p: p.stem)
def test_the_encoder_hands_over_the_twins_state(spec: Path, tmp_path: Path) -> None:
    """build_inference_models()'s encoder returns the decoder's initial state: the
    twin's bridged tensors (a concat bridge joins forward, then backward)."""
    module, model, twin = module_and_twin(spec, tmp_path)
    assert twin.handover
    encoder_model, _ = module.build_inference_models(model)
    data = some_data(twin, module.BATCH_SIZE or 2, seed=4)
    got = keras.tree.flatten(call(encoder_model, data))
    want = keras.tree.flatten(call(keras.Model(twin.inputs, twin.handover), data))
    assert len(got) == len(want)
    for index, (mine, theirs) in enumerate(zip(got, want)):
        np.testing.assert_allclose(
            numbers(mine),
            numbers(theirs),
            err_msg=f"state {index}",
            **TOLERANCE[twin.dtype],
        )


@pytest.mark.parametrize("spec", STEPPED, ids=lambda p: p.stem)
def test_inference_models_step_through_the_same_numbers(
    spec: Path, tmp_path: Path
) -> None:
    """Feeding the decoder step model the true inputs, one step at a time, from the
    encoder's state, reproduces the full model's decoder output and final state."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(spec, tmp_path)
    model = module.build_model()
    encoder_model, decoder_model = module.build_inference_models(model)
    twin = TWINS[spec.stem]()
    data = some_data(twin, module.BATCH_SIZE or 2, seed=2)
    full = dict(zip(module.RETURNED, keras.tree.flatten(call(model, data))))
    states = keras.tree.flatten(call(encoder_model, data))
    decoder = decoder_model.name.removesuffix("_step")
    target = data[decoder_model.inputs[0].name]
    expected = numbers(full[f"{decoder}_output"])
    plan = make_plan(load_spec(spec))
    sequences = plan.block(decoder).layers[-1].return_sequences
    for t in range(target.shape[1]):
        output, *states = decoder_model(
            [keras.ops.convert_to_tensor(target[:, t : t + 1]), *states]
        )
        if sequences:
            np.testing.assert_allclose(
                numbers(output)[:, 0], expected[:, t], **loose(twin.dtype)
            )
    if not sequences:  # the last step's output only
        np.testing.assert_allclose(numbers(output), expected, **loose(twin.dtype))
    names = [name for name in module.RETURNED if name.startswith(f"{decoder}_")]
    for name, state in zip(names[1:], states, strict=True):
        np.testing.assert_allclose(
            numbers(state), numbers(full[name]), err_msg=name, **loose(twin.dtype)
        )


@pytest.mark.parametrize("spec", VARIANTS + DTYPE_GRAPHS, ids=lambda p: p.stem)
def test_graph_variants_smoke_test_prints_every_returned_tensor(
    spec: Path, tmp_path: Path, capsys
) -> None:
    """main() runs and prints one `name: shape` line per returned tensor, in a shape
    that the twin's tensor of that name can have (one batch size in all lines)."""
    keras.backend.clear_session(free_memory=False)
    module = load_spec_module(spec, tmp_path)
    module.main()
    lines = capsys.readouterr().out.splitlines()[: len(module.RETURNED)]
    printed = [line.split(": ", 1) for line in lines]
    assert [name for name, _ in printed] == module.RETURNED
    twin = TWINS[spec.stem]()
    shapes = [ast.literal_eval(shape) for _, shape in printed]
    assert len({shape[0] for shape in shapes}) == 1
    for (name, _), shape in zip(printed, shapes):
        expected = tuple(twin.returned[name].shape)
        assert len(shape) == len(expected), name
        assert all(want in (None, got) for want, got in zip(expected, shape)), name
