"""The plan and the generated modules against real Keras, over a matrix of specs.

Every expectation comes from Keras itself: `tests/support/reference.py` builds the layers a
Keras user would write for each spec, independently of the generator, and the tests
compare the plan's state sizes, structures and returned shapes, and the generated
module's model, with what those real layers do, symbolically and eagerly.

The cases are in tests/data/cases/keras_matrix.yaml; the same numbers, dtypes and
saving are in test_keras_matrix_numbers.py. The tests marked `backends` here also run
on JAX and PyTorch (tests/backends/test_backends.py). The generated modules are
imported in-process, so TensorFlow is imported once.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from rnnspec import render_module
from rnnspec.render.format import format_whole
from rnnspec.run.report import describe_plan
from rnnspec.check.checked import Spec

from ..support import reference as ref
from ..support.keras_matrix import (
    CASES,
    PARAMS,
    SAVED,
    Case,
    eager_initial_state,
    flat_shapes,
    fresh_keras,
    pipeline,
    plan_shapes,
    plan_state_shapes,
    substitute,
    tensor_shapes,
)
from ..support.modules import load_module


def test_matrix_is_wide():
    """The matrix covers what the brief asks for."""
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert 40 <= len(CASES) <= 70
    assert len(SAVED) >= 6
    opts = [ref.options(c.spec) for c in CASES]
    assert {cell["type"] for o in opts for cell in o.cells} == set(ref.FUSED)
    assert {o.merge_mode for o in opts} == {None, "concat", "sum", "mul", "ave", "none"}
    assert {o.initial_state for o in opts} == {
        "zeros",
        "ones",
        "random",
        "input",
        "none",
    }
    assert {(o.return_sequences, o.return_state) for o in opts} == set(
        itertools.product([False, True], repeat=2)
    )
    assert {o.dtype for o in opts} >= {"float32", "float64", "bfloat16"}


@pytest.mark.parametrize("c", PARAMS)
def test_black(c: Case):
    """Every generated module is already black-formatted with the project's settings."""
    source = render_module(Spec.model_validate(c.spec))
    assert format_whole(source) == source


@pytest.mark.backends  # also on JAX and PyTorch: tests/backends/test_backends.py
@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", PARAMS)
def test_state_size(c: Case):
    """plan.state_size is Keras' state_size (ConvLSTM: the returned states' shapes)."""
    _, plan = pipeline(c)
    opts = ref.options(c.spec)
    assert plan.state_size == ref.probe_state_size(opts)
    flat_cells = [cell for layer in plan.blocks[0].layers for cell in layer.cells]
    assert len(flat_cells) == len(opts.cells)
    if not opts.is_conv:
        for cell_plan, cell in zip(flat_cells, opts.cells):
            assert cell_plan.state_size == ref.to_tuples(
                ref.make_cell(cell, opts).state_size
            )


@pytest.mark.backends
@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", PARAMS)
def test_keras_returns(c: Case):
    """The real layers return what plan.returns says, symbolically and eagerly, and
    take the initial state in plan.blocks[0].initial_state's structure."""
    _, plan = pipeline(c)
    opts = ref.options(c.spec)
    layers = ref.make_layers(opts)
    sequence = ref.sequence_input(opts)

    # symbolic, with state inputs in the plan's structure when the spec has one
    initial = None
    if opts.initial_state != "none":
        structure = plan_state_shapes(plan.blocks[0].initial_state, opts.batch_size)
        initial = ref.state_inputs(structure, opts.batch_size, opts.dtype)
    symbolic = ref.run(layers, opts, sequence, initial)
    assert tensor_shapes(symbolic) == plan_shapes(plan, opts.batch_size, opts.timesteps)

    # eager, on fresh layers (a stateful layer keeps its batch size)
    fresh_keras()
    layers = ref.make_layers(opts)
    batch_size, timesteps = opts.batch_size or 3, opts.timesteps or 5
    x = ref.random_sequence(opts, batch_size, timesteps)
    initial = None
    if opts.initial_state != "none":
        structure = plan_state_shapes(plan.blocks[0].initial_state, batch_size)
        initial = ref.map_shapes(lambda shape: np.ones(shape, "float32"), structure)
    eager = ref.run(layers, opts, x, initial)
    assert tensor_shapes(eager) == plan_shapes(plan, batch_size, timesteps)

    # Keras' own initial-state structure (get_initial_state of the built layers)
    keras_structure = ref.shapes(ref.keras_initial_state(layers, batch_size))
    assert (
        plan_state_shapes(plan.blocks[0].initial_state, batch_size) == keras_structure
    )
    assert [state.batch_shape for state in plan.blocks[0].state_tensors] == [
        ("batch_size", *shape[1:]) for shape in flat_shapes(keras_structure)
    ]

    # every state's name and role say which direction, cell and Keras role it is
    cells = opts.cells
    expected = []
    for direction, index, role in ref.state_descriptors(layers, batch_size):
        cell = (
            cells[index]["type"]
            if len(cells) == 1
            else f"{cells[index]['type']}_{index + 1}"
        )
        prefix = f"{direction}_" if direction else ""
        expected.append((f"{prefix}{cell}_{role}", role))
    assert [
        (state.name, state.role) for state in plan.blocks[0].state_tensors
    ] == expected


@pytest.mark.backends
@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", PARAMS)
def test_generated_module(c: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """The generated module against the plan and the reference model: STATE_SIZE,
    RETURNED, make_initial_state(), the model's inputs, outputs and parameters, and
    main()'s lines, which must be the shapes of a real eager run."""
    spec, plan = pipeline(c)
    opts = ref.options(c.spec)
    module = load_module(render_module(spec), tmp_path)

    assert module.STATE_SIZE == plan.state_size
    assert module.RETURNED == [name for name, _ in plan.returns]
    some_batch = opts.batch_size or 3
    made = module.make_initial_state(some_batch)
    assert tensor_shapes(made) == [
        substitute(state.batch_shape, some_batch, None)
        for state in plan.blocks[0].state_tensors
    ]
    assert ref.shapes(made) == plan_state_shapes(
        plan.blocks[0].initial_state, some_batch
    )

    model = module.build_model()
    assert tensor_shapes(model.outputs) == plan_shapes(
        plan, opts.batch_size, opts.timesteps
    )
    if opts.initial_state == "input":
        assert len(model.inputs) == 1 + len(plan.blocks[0].state_tensors)
    else:
        assert len(model.inputs) == 1

    state_shapes = plan_state_shapes(plan.blocks[0].initial_state, opts.batch_size)
    reference, _, _ = ref.reference_model(
        opts, state_shapes if opts.initial_state != "none" else None
    )
    assert model.count_params() == reference.count_params()
    assert [w.shape for w in model.weights] == [w.shape for w in reference.weights]
    # the plan counts the weights without Keras, and `rnnspec check` prints them
    assert plan.params == model.count_params()
    assert (
        describe_plan(plan)
        .splitlines()[-1]
        .startswith(f"parameters: {model.count_params():,}")
    )

    # main(): one `name: shape` line per returned tensor, as a real eager run gives
    capsys.readouterr()
    module.main()
    printed = capsys.readouterr().out.splitlines()
    batch_size, timesteps = plan.smoke_batch_size, plan.smoke_timesteps
    fresh_keras()
    eager_layers = ref.make_layers(opts)
    x = ref.random_sequence(opts, batch_size, timesteps)
    eager = ref.run(
        eager_layers, opts, x, eager_initial_state(module, opts, batch_size)
    )
    reset = ["reset_states: the first batch again gives the same numbers"]
    assert printed == [
        f"{name}: {shape}"
        for name, shape in zip(module.RETURNED, tensor_shapes(eager), strict=True)
    ] + (reset if opts.stateful else [])
