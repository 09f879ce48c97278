"""The plan and the generated modules against real Keras, over a matrix of specs.

Every expectation comes from Keras itself: `tests/support/reference.py` builds the layers a
Keras user would write for each spec, independently of the generator, and the tests
compare the plan's state sizes, structures and returned shapes, and the generated
module's model, with what those real layers do, symbolically and eagerly.

The generated modules are imported in-process, so TensorFlow is imported once.
"""

from __future__ import annotations

import importlib.util
import itertools
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pytest
from pydantic import ValidationError

from rnnspec import make_plan, render_module
from rnnspec.render.format import format_whole
from rnnspec.run.report import describe_plan
from rnnspec.check.checked import Spec
from rnnspec.spec.limits import RuleError
from rnnspec.spec.models import INITIALIZERS
from ..support import reference as ref

# -- the matrix ----------------------------------------------------------------------


@dataclass
class Case:
    id: str
    spec: dict


def vec(batch=2, timesteps=4, features=3, dtype=None):
    source = {"batch_size": batch, "timesteps": timesteps, "features": features}
    if dtype:
        source["dtype"] = dtype
    return source


def grid(shape, batch=2, timesteps=3):
    return {"batch_size": batch, "timesteps": timesteps, "shape": shape}


def lstm(units=4, **kw):
    return {"type": "lstm", "units": units, **kw}


def gru(units=3, **kw):
    return {"type": "gru", "units": units, **kw}


def srnn(units=2, **kw):
    return {"type": "simple_rnn", "units": units, **kw}


def conv(rank, filters=2, kernel_size=3, **kw):
    return {
        "type": f"conv_lstm{rank}d",
        "filters": filters,
        "kernel_size": kernel_size,
        **kw,
    }


def case(id, input, cells, **spec):
    return Case(id, {"name": id, "input": input, "cells": cells, **spec})


SEQ_STATE = dict(return_sequences=True, return_state=True)

CASES = [
    # one vector cell, fused and generic, all four return combinations
    case("simple_rnn_fused", vec(), [srnn()]),
    case("gru_fused_seq_state", vec(), [gru()], **SEQ_STATE),
    case("lstm_fused_seq", vec(), [lstm()], return_sequences=True),
    case("lstm_fused_state", vec(), [lstm()], return_state=True),
    case("simple_rnn_rnn_seq_state", vec(), [srnn(3)], layer="rnn", **SEQ_STATE),
    case("gru_rnn_state", vec(), [gru()], layer="rnn", return_state=True),
    case(
        "lstm_rnn_seq_ones",
        vec(),
        [lstm()],
        layer="rnn",
        return_sequences=True,
        initial_state="ones",
    ),
    case("gru_rnn_plain", vec(), [gru(5)], layer="rnn"),
    # initial states, fixed and dynamic batch and timesteps
    case("lstm_random", vec(), [lstm()], initial_state="random", **SEQ_STATE),
    case("gru_input", vec(), [gru()], initial_state="input", return_state=True),
    case(
        "lstm_input_dynamic",
        vec(None, None),
        [lstm()],
        initial_state="input",
        **SEQ_STATE,
    ),
    case("lstm_none", vec(), [lstm()], initial_state="none", **SEQ_STATE),
    case(
        "simple_rnn_ones_dynamic",
        vec(None, None),
        [srnn()],
        initial_state="ones",
        **SEQ_STATE,
    ),
    case(
        "gru_random_dynamic_batch",
        vec(None, 4),
        [gru()],
        initial_state="random",
        return_state=True,
    ),
    case("lstm_zeros_dynamic_time", vec(2, None), [lstm()], return_sequences=True),
    case(
        "layers_dynamic_zeros_saved", vec(None, 4), [gru(), lstm()], return_state=True
    ),
    # stateful
    case("lstm_stateful", vec(), [lstm()], stateful=True, **SEQ_STATE),
    case(
        "gru_stateful_stacked_cells",
        vec(),
        [gru(), lstm(2)],
        stacking="cells",
        stateful=True,
        **SEQ_STATE,
    ),
    case("stateful_layers", vec(), [srnn(), lstm()], stateful=True, return_state=True),
    case(
        "lstm_stateful_bidirectional",
        vec(),
        [lstm(3)],
        stateful=True,
        bidirectional=True,
        return_sequences=True,
    ),
    # stacking: cells
    case("cells_lstm_lstm", vec(), [lstm(4), lstm(3)], stacking="cells", **SEQ_STATE),
    case(
        "cells_gru_lstm_simple",
        vec(),
        [gru(), lstm(), srnn()],
        stacking="cells",
        **SEQ_STATE,
    ),
    case(
        "cells_lstm_gru_input",
        vec(),
        [lstm(), gru()],
        stacking="cells",
        initial_state="input",
        return_state=True,
    ),
    case(
        "cells_simple_simple", vec(), [srnn(3), srnn(2)], stacking="cells", layer="rnn"
    ),
    case(
        "cells_dynamic_random",
        vec(None, None),
        [gru(), lstm(2)],
        stacking="cells",
        initial_state="random",
        **SEQ_STATE,
    ),
    case(
        "cells_dropout",
        vec(),
        [lstm(dropout=0.2, recurrent_dropout=0.1), gru(dropout=0.3)],
        stacking="cells",
        return_state=True,
    ),
    # one single-state cell in a stack: one state tensor, unpacked as a one-tuple
    case("cells_gru_single_state", vec(), [gru()], stacking="cells", return_state=True),
    case(
        "cells_simple_rnn_single_state_input",
        vec(None, None),
        [srnn(3)],
        stacking="cells",
        initial_state="input",
        **SEQ_STATE,
    ),
    case(
        "cells_gru_gru_none",
        vec(),
        [gru(reset_after=False), gru(2)],
        stacking="cells",
        initial_state="none",
        return_state=True,
    ),
    # stacking: layers
    case("layers_lstm_gru", vec(), [lstm(), gru()], **SEQ_STATE),
    case(
        "layers_gru_lstm_simple_input",
        vec(),
        [gru(), lstm(), srnn()],
        initial_state="input",
        return_state=True,
    ),
    case(
        "layers_rnn_gru_lstm",
        vec(),
        [gru(), lstm()],
        layer="rnn",
        return_sequences=True,
    ),
    case(
        "layers_dynamic_ones",
        vec(None, None),
        [lstm(), srnn()],
        initial_state="ones",
        **SEQ_STATE,
    ),
    case(
        "layers_rnn_random_none_state",
        vec(),
        [srnn(), gru()],
        layer="rnn",
        initial_state="random",
    ),
    # bidirectional, every merge mode
    case("bidi_gru_concat", vec(), [gru()], bidirectional=True, **SEQ_STATE),
    case(
        "bidi_lstm_sum",
        vec(),
        [lstm()],
        bidirectional={"merge_mode": "sum"},
        return_state=True,
    ),
    case(
        "bidi_lstm_mul",
        vec(),
        [lstm()],
        bidirectional={"merge_mode": "mul"},
        return_sequences=True,
    ),
    case("bidi_simple_ave", vec(), [srnn(3)], bidirectional={"merge_mode": "ave"}),
    case(
        "bidi_lstm_none",
        vec(),
        [lstm()],
        bidirectional={"merge_mode": "none"},
        **SEQ_STATE,
    ),
    case("bidi_gru_none_plain", vec(), [gru()], bidirectional={"merge_mode": "none"}),
    case(
        "bidi_cells_lstm_gru",
        vec(),
        [lstm(), gru()],
        stacking="cells",
        bidirectional=True,
        **SEQ_STATE,
    ),
    case(
        "bidi_cells_none",
        vec(),
        [gru(), lstm(2)],
        stacking="cells",
        bidirectional={"merge_mode": "none"},
        return_state=True,
    ),
    case(
        "bidi_layers_input",
        vec(),
        [lstm(), lstm(2)],
        bidirectional=True,
        initial_state="input",
        return_state=True,
    ),
    case(
        "bidi_rnn_gru_ave_input",
        vec(None, None),
        [gru()],
        layer="rnn",
        bidirectional={"merge_mode": "ave"},
        initial_state="input",
        **SEQ_STATE,
    ),
    case(
        "bidi_dynamic_random",
        vec(None, 4),
        [lstm(), gru()],
        bidirectional={"merge_mode": "sum"},
        initial_state="random",
        **SEQ_STATE,
    ),
    # conv_lstm
    case("conv1d_valid", grid([6, 2]), [conv(1)], **SEQ_STATE),
    case(
        "conv1d_same_s2",
        grid([7, 3]),
        [conv(1, strides=2, padding="same")],
        return_state=True,
    ),
    case(
        "conv1d_valid_s2_list",
        grid([7, 2]),
        [conv(1, kernel_size=[3], strides=[2])],
        return_state=True,
        initial_state="ones",
    ),
    case("conv2d_valid", grid([6, 5, 2]), [conv(2)], **SEQ_STATE),
    case(
        "conv2d_same_mixed",
        grid([6, 5, 3]),
        [conv(2, kernel_size=[3, 2], strides=[2, 1], padding="same")],
        initial_state="input",
        return_state=True,
    ),
    case(
        "conv2d_layers_input",
        grid([7, 6, 2]),
        [conv(2, 3), conv(2, 2, kernel_size=2, strides=2)],
        initial_state="input",
        **SEQ_STATE,
    ),
    case("conv3d_valid", grid([5, 5, 5, 1]), [conv(3, 2, 2)]),
    case(
        "conv3d_same_s2",
        grid([5, 6, 5, 2]),
        [conv(3, 2, [3, 2, 3], strides=2, padding="same")],
        **SEQ_STATE,
    ),
    case(
        "conv2d_bidi_concat",
        grid([5, 5, 2]),
        [conv(2)],
        bidirectional=True,
        return_state=True,
        initial_state="random",
    ),
    case(
        "conv2d_bidi_none",
        grid([5, 5, 2]),
        [conv(2)],
        bidirectional={"merge_mode": "none"},
        **SEQ_STATE,
    ),
    case(
        "conv2d_dynamic",
        grid([6, 6, 2], None, None),
        [conv(2, padding="same")],
        **SEQ_STATE,
    ),
    case(
        "conv2d_stateful", grid([5, 5, 2]), [conv(2)], stateful=True, return_state=True
    ),
    case(
        "conv1d_layers_options",
        grid([8, 2]),
        [
            conv(1, activation="relu", unit_forget_bias=False, use_bias=False),
            conv(1, recurrent_activation="hard_sigmoid"),
        ],
        return_state=True,
    ),
    # dtypes
    case(
        "float64_cells_lstm",
        vec(dtype="float64"),
        [lstm(), lstm(2)],
        stacking="cells",
        initial_state="random",
        **SEQ_STATE,
    ),
    case(
        "bfloat16_gru",
        vec(dtype="bfloat16"),
        [gru()],
        return_state=True,
        initial_state="ones",
    ),
    case(
        "float16_cells_input",
        vec(dtype="float16"),
        [lstm(), srnn()],
        stacking="cells",
        initial_state="input",
        return_state=True,
    ),
    case(
        "float64_dynamic_random",
        vec(None, None, dtype="float64"),
        [gru(), lstm()],
        initial_state="random",
        **SEQ_STATE,
    ),
    case(
        "float64_bidi_lstm",
        vec(dtype="float64"),
        [lstm()],
        bidirectional=True,
        **SEQ_STATE,
    ),
    case(  # RNN(cell) in Bidirectional: the wrapper, both copies and their cells
        "float16_rnn_bidi_gru",
        vec(dtype="float16"),
        [gru()],
        layer="rnn",
        bidirectional=True,
        initial_state="random",
        **SEQ_STATE,
    ),
    case(  # RNN(cell) layers over a dynamic batch: the repeated state too
        "bfloat16_rnn_layers_dynamic",
        vec(None, 4, dtype="bfloat16"),
        [lstm(), srnn()],
        layer="rnn",
        initial_state="ones",
        return_state=True,
    ),
    case(
        "float64_conv1d_input",
        {**grid([6, 2]), "dtype": "float64"},
        [conv(1)],
        initial_state="input",
        **SEQ_STATE,
    ),
    case(
        "bfloat16_bidi_cells",
        vec(dtype="bfloat16"),
        [gru(), lstm()],
        stacking="cells",
        bidirectional={"merge_mode": "none"},
        return_state=True,
    ),
    # optional cell keys
    case(
        "gru_options",
        vec(),
        [
            gru(
                activation="relu",
                recurrent_activation="hard_sigmoid",
                use_bias=False,
                reset_after=False,
            )
        ],
        return_state=True,
    ),
    case(
        "lstm_options",
        vec(),
        [
            lstm(
                unit_forget_bias=False,
                kernel_initializer="he_normal",
                recurrent_initializer="glorot_uniform",
                bias_initializer="ones",
            )
        ],
        **SEQ_STATE,
    ),
    case(
        "simple_rnn_dropout",
        vec(),
        [srnn(activation="relu", dropout=0.2, recurrent_dropout=0.2)],
        layer="rnn",
        **SEQ_STATE,
    ),
]


PARAMS = [pytest.param(c, id=c.id) for c in CASES]


# -- fixtures and helpers ------------------------------------------------------------


def fresh_keras() -> None:
    """Reset Keras' global state (names, graph) between cases; skip the slow gc."""
    keras.backend.clear_session(free_memory=False)


@pytest.fixture
def _fresh_keras():
    fresh_keras()


_counter = itertools.count()


def load_module(source: str, directory: Path):
    """Import a generated module from a file, in-process."""
    name = f"rnnspec_generated_{next(_counter)}"
    path = directory / f"{name}.py"
    path.write_text(source)
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def substitute(dims, batch_size, timesteps) -> tuple:
    table = {"batch_size": batch_size, "timesteps": timesteps}
    return tuple(table.get(dim, dim) if isinstance(dim, str) else dim for dim in dims)


def plan_shapes(plan, batch_size, timesteps) -> list[tuple]:
    return [substitute(dims, batch_size, timesteps) for _, dims in plan.returns]


def tensor_shapes(tensors) -> list[tuple]:
    return [tuple(tensor.shape) for tensor in keras.tree.flatten(tensors)]


def pipeline(c: Case):
    spec = Spec.model_validate(c.spec)
    return spec, make_plan(spec)


def eager_initial_state(module, opts: ref.Options, batch_size: int):
    """The values the generated model starts from, for a batch of `batch_size`."""
    if opts.initial_state == "none":
        return None
    if opts.batch_size is None and opts.initial_state != "input":
        # one sequence's fixed state, repeated over the batch
        return keras.tree.map_structure(
            lambda a: np.repeat(a, batch_size, axis=0), module.make_initial_state(1)
        )
    return module.make_initial_state(batch_size)


def close(dtype: str) -> dict:
    return {
        "bfloat16": {"rtol": 2e-2, "atol": 2e-2},
        "float64": {"rtol": 1e-12, "atol": 1e-14},
    }.get(dtype, {"rtol": 1e-5, "atol": 1e-6})


# -- the tests -----------------------------------------------------------------------


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
        structure = _plan_state_shapes(plan.blocks[0].initial_state, opts.batch_size)
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
        structure = _plan_state_shapes(plan.blocks[0].initial_state, batch_size)
        initial = ref.map_shapes(lambda shape: np.ones(shape, "float32"), structure)
    eager = ref.run(layers, opts, x, initial)
    assert tensor_shapes(eager) == plan_shapes(plan, batch_size, timesteps)

    # Keras' own initial-state structure (get_initial_state of the built layers)
    keras_structure = ref.shapes(ref.keras_initial_state(layers, batch_size))
    assert (
        _plan_state_shapes(plan.blocks[0].initial_state, batch_size) == keras_structure
    )
    assert [state.batch_shape for state in plan.blocks[0].state_tensors] == [
        ("batch_size", *shape[1:]) for shape in _flat_shapes(keras_structure)
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


def _plan_state_shapes(tree, batch_size):
    if isinstance(tree, list):
        return [_plan_state_shapes(item, batch_size) for item in tree]
    return (batch_size, *tree.shape)


def _flat_shapes(tree):
    if isinstance(tree, list):
        return [shape for item in tree for shape in _flat_shapes(item)]
    return [tree]


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
    assert ref.shapes(made) == _plan_state_shapes(
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

    state_shapes = _plan_state_shapes(plan.blocks[0].initial_state, opts.batch_size)
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


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", PARAMS)
def test_same_numbers(c: Case, tmp_path: Path):
    """The generated model and the reference model, with the same weights, the same
    input and the same initial state, return the same numbers."""
    spec, plan = pipeline(c)
    opts = ref.options(c.spec)
    module = load_module(render_module(spec), tmp_path)
    batch_size, timesteps = plan.smoke_batch_size, plan.smoke_timesteps
    model = module.build_model()
    state_shapes = _plan_state_shapes(plan.blocks[0].initial_state, opts.batch_size)
    # the reference takes the state as inputs whenever the spec has one
    reference, _, _ = ref.reference_model(
        opts, state_shapes if opts.initial_state != "none" else None
    )
    reference.set_weights(model.get_weights())
    x = ref.random_sequence(opts, batch_size, timesteps, seed=7)
    initial = eager_initial_state(module, opts, batch_size)
    flat_initial = [] if initial is None else keras.tree.flatten(initial)
    # twice: a stateful layer must carry the same state on in both models
    calls = []
    for _ in range(2 if opts.stateful else 1):
        got = model([x, *flat_initial] if opts.initial_state == "input" else x)
        expected = reference([x, *flat_initial])
        got, expected = keras.tree.flatten(got), keras.tree.flatten(expected)
        calls.append(keras.ops.convert_to_numpy(keras.ops.cast(got[0], "float32")))
        assert len(got) == len(expected) == len(plan.returns)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(keras.ops.cast(a, "float64")),
                keras.ops.convert_to_numpy(keras.ops.cast(b, "float64")),
                **close(opts.dtype),
            )
    if opts.stateful:  # the generated layer did carry its state on
        assert not np.allclose(calls[0], calls[1])
    if opts.return_state:
        _named_h_is_the_output(plan, opts, got)


def _numpy(tensor) -> np.ndarray:
    return keras.ops.convert_to_numpy(keras.ops.cast(tensor, "float64"))


def _named_h_is_the_output(plan, opts: ref.Options, returned: list) -> None:
    """The names mean what Keras returns: the top cell's `h` of each direction is the
    top output at that direction's last step, and no other state of the top layer is."""
    values = {name: _numpy(tensor) for (name, _), tensor in zip(plan.returns, returned)}
    top = plan.blocks[0].layers[-1]
    outputs = [_numpy(tensor) for tensor in returned[: len(top.outputs)]]
    if opts.merge_mode is None:
        directions = [("", outputs[0], -1)]
    elif opts.merge_mode == "none":
        directions = [("forward_", outputs[0], -1), ("backward_", outputs[1], 0)]
    elif opts.merge_mode == "concat":
        half = outputs[0].shape[-1] // 2
        output = outputs[0]
        directions = [
            ("forward_", output[..., :half], -1),
            ("backward_", output[..., half:], 0),
        ]
    else:
        return  # sum, mul, ave: the directions cannot be told apart
    for prefix, output, step in directions:
        # Bidirectional flips the backward sequence: its last step is at time 0
        last = output[:, step] if opts.return_sequences else output
        name = f"{prefix}{top.cells[-1].name}_h"
        np.testing.assert_allclose(values[name], last, **close(opts.dtype))
        for other in top.states:
            if other.name != name and values[other.name].shape == last.shape:
                assert not np.allclose(values[other.name], last), other.name


def dtype_of(tensor) -> str:
    return keras.backend.standardize_dtype(tensor.dtype)


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", PARAMS)
def test_output_dtypes(c: Case, tmp_path: Path):
    """Every returned tensor is in the spec's dtype (the compute dtype of its policy),
    symbolically and eagerly, as with the reference layers."""
    spec, plan = pipeline(c)
    opts = ref.options(c.spec)
    expected = [opts.dtype] * len(plan.returns)
    _, _, outputs = ref.reference_model(opts)
    assert [dtype_of(o) for o in outputs] == expected  # Keras can do it

    module = load_module(render_module(spec), tmp_path)
    model = module.build_model()
    assert [dtype_of(o) for o in model.outputs] == expected
    batch_size, timesteps = plan.smoke_batch_size, plan.smoke_timesteps
    x = ref.random_sequence(opts, batch_size, timesteps)
    initial = eager_initial_state(module, opts, batch_size)
    got = model(
        [x, *keras.tree.flatten(initial)] if opts.initial_state == "input" else x
    )
    assert [dtype_of(t) for t in keras.tree.flatten(got)] == expected


INITIALIZED_CELLS = {
    "simple_rnn": (vec(), srnn()),
    "gru": (vec(), gru()),
    "gru_reset_before": (vec(), gru(reset_after=False)),
    "lstm": (vec(), lstm()),
    "lstm_no_forget_bias": (vec(), lstm(unit_forget_bias=False)),
    "conv_lstm1d": (grid([5, 2]), conv(1)),
    "conv_lstm3d": (grid([4, 4, 4, 1]), conv(3, kernel_size=2)),
}


@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("kind", INITIALIZED_CELLS)
def test_the_spec_takes_exactly_the_initializers_keras_builds(kind: str):
    """For every initializer and every argument, the spec refuses it exactly when the
    real Keras layer fails to build with it (orthogonal needs a tensor of rank >= 2)."""
    source, cell = INITIALIZED_CELLS[kind]
    refused = []
    for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        for name in INITIALIZERS:
            spec = {"name": "init", "input": source, "cells": [{**cell, key: name}]}
            try:
                Spec.model_validate(spec)
                accepted = True
            except (RuleError, ValidationError):
                accepted = False
            opts = ref.options(spec)
            try:
                ref.run(ref.make_layers(opts), opts, ref.random_sequence(opts, 2, 3))
                built = True
            except ValueError:
                built = False
            assert accepted == built, (key, name)
            refused += [] if accepted else [(key, name)]
    rank_two_bias = kind == "gru"  # reset_after: two biases, (2, 3 * units)
    assert refused == ([] if rank_two_bias else [("bias_initializer", "orthogonal")])


STATEFUL_BIDI_STATE = {
    "name": "stateful_bidi_state",
    "input": vec(),
    "cells": [lstm(3)],
    "bidirectional": True,
    "stateful": True,
    "return_state": True,
}


@pytest.mark.usefixtures("_fresh_keras")
def test_keras_cannot_return_stateful_bidirectional_states():
    """Keras 3.15's Bidirectional fails on stateful + return_state (compute_mask
    multiplies a generator), symbolically and eagerly: the reference proves it."""
    opts = ref.options(STATEFUL_BIDI_STATE)
    with pytest.raises(TypeError, match="generator"):
        ref.run(ref.make_layers(opts), opts, ref.sequence_input(opts))
    fresh_keras()
    with pytest.raises(TypeError, match="generator"):
        ref.run(ref.make_layers(opts), opts, ref.random_sequence(opts, 2, 4))


def test_stateful_bidirectional_states_are_refused():
    with pytest.raises(RuleError, match="cannot return the states of a stateful layer"):
        Spec.model_validate(STATEFUL_BIDI_STATE)


SAVED = [
    "lstm_random",
    "gru_random_dynamic_batch",
    "layers_dynamic_zeros_saved",
    "lstm_input_dynamic",
    "cells_lstm_gru_input",
    "bidi_cells_lstm_gru",
    "conv2d_bidi_concat",
]


# Keras' own saving converts its variables with np.array(x, copy=False) under numpy 2
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
@pytest.mark.usefixtures("_fresh_keras")
@pytest.mark.parametrize("c", [p for p in PARAMS if p.values[0].id in SAVED])
def test_save_and_load(c: Case, tmp_path: Path):
    """A generated model is a keras.Model like any other: it saves, loads and computes
    the same numbers, initial state included."""
    spec, plan = pipeline(c)
    opts = ref.options(c.spec)
    module = load_module(render_module(spec), tmp_path)
    model = module.build_model()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    batch_size, timesteps = plan.smoke_batch_size, plan.smoke_timesteps
    x = ref.random_sequence(opts, batch_size, timesteps)
    initial = eager_initial_state(module, opts, batch_size)
    inputs = [x, *keras.tree.flatten(initial)] if opts.initial_state == "input" else x
    for a, b in zip(
        keras.tree.flatten(model(inputs)), keras.tree.flatten(loaded(inputs))
    ):
        np.testing.assert_allclose(_numpy(a), _numpy(b), **close(opts.dtype))
