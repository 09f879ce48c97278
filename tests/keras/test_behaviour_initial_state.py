"""Initial-state values, checked against the spec rather than against the module.

For each spec under tests/data/specs/behaviour/initial_state/ the test works out, from the
spec alone, the arrays `make_initial_state()` must return (zeros, ones, or the
documented seeded draws: `np.random.default_rng(0)`, then one `standard_normal` a state
tensor in Keras' flat order) and compares them value for value. Then it checks what the
model does with them: a reference model built straight from the spec (tests/support/reference.py,
which does not import the generator), given the generated model's weights and the
test's own initial arrays, must return the same numbers as the generated model, so a
module that ignores or mis-builds its initial state fails. With `batch_size: null` the
state is one sequence's, repeated over the batch (here, 3). Long-form specs
(tests/data/specs/behaviour/initial_state_graph/) are checked the same way: one entry a
block, drawn from one generator in block order, and hand-overs through each bridge.

Modules are rendered fresh from the specs (never read from tests/golden/) and run
in-process, so TensorFlow is imported once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import keras

from rnnspec import load_spec, render_module  # noqa: E402
from ..support import reference as ref  # noqa: E402

from ..conftest import ROOT  # noqa: E402
from ..support.modules import load_module  # noqa: E402

SPECS = sorted(
    (ROOT / "tests" / "data" / "specs" / "behaviour" / "initial_state").glob("*.yaml")
)
DYNAMIC_BATCH = 3  # the batch a batch_size: null model is run with


def cell_states(cell: dict, spatial: tuple[int, ...]) -> tuple[list, tuple]:
    """One cell's state shapes (h, or h and c) and the spatial shape it passes up."""
    if cell["type"].startswith("conv_lstm"):
        rank = len(spatial)

        def per_dim(key: str, default: int) -> list[int]:
            value = cell.get(key, default)
            return list(value) if isinstance(value, list) else [value] * rank

        strides = per_dim("strides", 1)
        if cell.get("padding", "valid") == "same":
            spatial = tuple(
                -(-size // stride) for size, stride in zip(spatial, strides)
            )
        else:
            spatial = tuple(
                (size - kernel) // stride + 1
                for size, kernel, stride in zip(
                    spatial, per_dim("kernel_size", 0), strides
                )
            )
        shape = (*spatial, cell["filters"])
    else:
        shape = (cell["units"],)
    count = 2 if cell["type"] == "lstm" or cell["type"].startswith("conv_lstm") else 1
    return [shape] * count, spatial


def state_structure(spec: dict) -> list:
    """The nested state shapes (without batch) that `initial_state=` takes, from the
    spec as shared/spec-format.md describes it: [h] or [h, c] a cell, nested per cell
    for stacking: cells, forward then backward, one entry a layer when there are several.
    """
    opts = ref.options(spec)
    directions = 2 if opts.merge_mode else 1
    spatial = tuple(opts.step_shape[:-1])
    per_layer = []
    for group in opts.groups:
        per_cell = []
        for cell in group:
            shapes, spatial = cell_states(cell, spatial)
            per_cell.append(shapes)
        if opts.stacking == "cells":
            layer = [list(states) for _ in range(directions) for states in per_cell]
        else:
            layer = [shape for _ in range(directions) for shape in per_cell[0]]
        per_layer.append(layer)
    return per_layer[0] if len(per_layer) == 1 else per_layer


def filled(structure: list, batch_size: int, fill: str, dtype: str, rng) -> list:
    """Arrays of the given nested shapes; random ones drawn in flat order from `rng`."""

    def make(shape: tuple[int, ...]) -> np.ndarray:
        full = (batch_size, *shape)
        if fill == "random":
            return rng.standard_normal(full).astype(dtype)
        return {"zeros": np.zeros, "ones": np.ones}[fill](full, dtype)

    def walk(tree):
        return [walk(item) for item in tree] if isinstance(tree, list) else make(tree)

    return walk(structure)


def array_dtype(dtype: str) -> str:
    return "float64" if dtype == "float64" else "float32"


def expected_state(spec: dict, batch_size: int) -> list:
    """The arrays the spec's initial_state asks for (random: from the module's SEED)."""
    opts = ref.options(spec)
    rng = np.random.default_rng(0)
    dtype = array_dtype(opts.dtype)
    return filled(state_structure(spec), batch_size, opts.initial_state, dtype, rng)


def assert_same_arrays(got, want, where: str = "state") -> None:
    """Same nesting (lists), same shapes, dtypes and values."""
    if isinstance(want, list):
        assert isinstance(got, (list, tuple)), f"{where}: expected a list, got {got!r}"
        assert len(got) == len(want), f"{where}: expected {len(want)} entries"
        for index, (a, b) in enumerate(zip(got, want)):
            assert_same_arrays(a, b, f"{where}[{index}]")
        return
    assert isinstance(got, np.ndarray), f"{where}: expected a numpy array"
    assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
    np.testing.assert_array_equal(got, want, err_msg=where)


def numbers(tensors) -> list[np.ndarray]:
    return [
        keras.ops.convert_to_numpy(keras.ops.cast(tensor, "float64"))
        for tensor in keras.tree.flatten(tensors)
    ]


def assert_named_outputs_mean_their_direction(spec: dict, values: dict) -> None:
    """merge_mode none names its outputs per direction: forward_output ends with
    the forward top cell's h, backward_output starts with the backward one's."""
    opts = ref.options(spec)
    if opts.merge_mode != "none" or not opts.return_state:
        return
    cells = opts.cells
    top = cells[0]["type"] if len(cells) == 1 else f"{cells[-1]['type']}_{len(cells)}"
    for direction, step in (("forward", -1), ("backward", 0)):
        output = values[f"{direction}_output"]
        if opts.return_sequences:
            output = output[:, step]
        np.testing.assert_allclose(
            output, values[f"{direction}_{top}_h"], rtol=1e-5, atol=1e-6
        )


def assert_symbolic_shapes_are_real(model, x) -> None:
    """Every layer's symbolic output shape is the shape it computes (None: any)."""
    layers = [
        layer
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    symbolic = keras.tree.flatten([layer.output for layer in layers])
    inputs = model.inputs if len(model.inputs) > 1 else model.inputs[0]
    real = keras.tree.flatten(keras.Model(inputs, symbolic)(x))
    for tensor, computed in zip(symbolic, real, strict=True):
        expected, got = tuple(tensor.shape), tuple(computed.shape)
        assert len(expected) == len(got) and all(
            size is None or size == actual for size, actual in zip(expected, got)
        ), f"{tensor.name}: symbolic shape {expected}, computed {got}"


@pytest.fixture(autouse=True)
def _fresh_keras():
    keras.backend.clear_session(free_memory=False)


def test_the_specs_cover_the_cases():
    """zeros, ones and random; fixed and dynamic batches; every cell type and form."""
    specs = [yaml.safe_load(path.read_text()) for path in SPECS]
    opts = [ref.options(spec) for spec in specs]
    assert {(o.initial_state, o.batch_size is None) for o in opts} >= {
        (fill, dynamic) for fill in ("ones", "random") for dynamic in (False, True)
    } | {("zeros", True)}
    assert {cell["type"] for o in opts for cell in o.cells} >= {
        "lstm",
        "gru",
        "simple_rnn",
        "conv_lstm2d",
    }
    assert {o.stacking for o in opts} == {"cells", "layers"}
    assert {o.merge_mode for o in opts} >= {None, "concat", "none"}


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_make_initial_state_values(path: Path, tmp_path: Path):
    """make_initial_state() returns exactly the arrays the spec asks for."""
    spec = yaml.safe_load(path.read_text())
    module = load_module(render_module(load_spec(path)), tmp_path, path.stem)
    batch_size = spec["input"]["batch_size"]
    if batch_size is None:
        # one sequence's state for the model, and any batch size on request
        assert_same_arrays(module.make_initial_state(1), expected_state(spec, 1))
        batch_size = DYNAMIC_BATCH
        made = module.make_initial_state(batch_size)
    else:
        made = module.make_initial_state()
    assert_same_arrays(made, expected_state(spec, batch_size))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_model_starts_from_that_state(path: Path, tmp_path: Path):
    """The generated model returns what a hand-built model returns from the test's
    own initial arrays, with the same weights and input."""
    spec = yaml.safe_load(path.read_text())
    opts = ref.options(spec)
    module = load_module(render_module(load_spec(path)), tmp_path, path.stem)
    model = module.build_model()

    state_shapes = ref.map_shapes(
        lambda shape: (opts.batch_size, *shape), state_structure(spec)
    )
    reference, _, _ = ref.reference_model(opts, state_shapes)
    reference.set_weights(model.get_weights())

    batch_size = opts.batch_size or DYNAMIC_BATCH
    x = ref.random_sequence(opts, batch_size, opts.timesteps or 5, seed=3)
    if opts.batch_size is None:  # one sequence's state, repeated over the batch
        state = keras.tree.map_structure(
            lambda array: np.repeat(array, batch_size, axis=0),
            expected_state(spec, 1),
        )
    else:
        state = expected_state(spec, batch_size)
    got = numbers(model(x))
    want = numbers(reference([x, *keras.tree.flatten(state)]))
    assert len(got) == len(want) == len(module.RETURNED)
    for name, a, b in zip(module.RETURNED, got, want):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=name)
    assert_named_outputs_mean_their_direction(spec, dict(zip(module.RETURNED, got)))
    assert_symbolic_shapes_are_real(model, x)

    if opts.initial_state != "zeros":  # the state made a difference
        zeros = keras.tree.map_structure(np.zeros_like, state)
        from_zeros = numbers(reference([x, *keras.tree.flatten(zeros)]))
        assert not np.allclose(got[0], from_zeros[0])


# -- the long form: one entry a block that starts from a state of its own --------------

GRAPH_SPECS = sorted(
    (ROOT / "tests" / "data" / "specs" / "behaviour" / "initial_state_graph").glob(
        "*.yaml"
    )
)
OWN_STATE = ("zeros", "ones", "random", "input")


def state_keys(spec: dict) -> list[tuple[str, int, str]]:
    """(direction, cell, role) of every state in flat order; a cell is counted in its
    stack, or by its layer for stacking: layers (stacks hand over cell to cell)."""
    opts = ref.options(spec)
    directions = ("forward", "backward") if opts.merge_mode else ("",)
    keys = []
    for index, group in enumerate(opts.groups):
        for direction in directions:
            for place, cell in enumerate(group):
                two = cell["type"] == "lstm" or cell["type"].startswith("conv_lstm")
                roles = ("h", "c") if two else ("h",)
                number = place if opts.stacking == "cells" else index
                keys += [(direction, number, role) for role in roles]
    return keys


def leaves(structure: list) -> list[tuple[int, ...]]:
    """The shapes of a nested structure, flat (lists nest, tuples are leaves)."""
    if isinstance(structure, list):
        return [shape for item in structure for shape in leaves(item)]
    return [structure]


def pack(structure: list, flat: list) -> list:
    """Flat tensors nested like `structure` (lists nest, tuples are leaves)."""
    items = iter(flat)

    def walk(tree):
        return [walk(item) for item in tree] if isinstance(tree, list) else next(items)

    return walk(structure)


def hand_over(source: dict[tuple, object], spec: dict, bridge: str) -> list:
    """The target's initial state from the source's final states, as the long form
    documents it: none as they are; concat joins forward and backward; project maps
    the matching role (or the only h) of the same direction (or both) with a Dense."""
    flat = []
    for key, shape in zip(state_keys(spec), leaves(state_structure(spec))):
        direction, cell, role = key
        if bridge == "none":
            flat.append(source[key])
            continue
        if bridge == "concat":
            parts = [source[("forward", cell, role)], source[("backward", cell, role)]]
            flat.append(keras.layers.Concatenate()(parts))
            continue
        roles = [k for k in source if k[1:] == (cell, role)] or [
            k for k in source if k[1:] == (cell, "h")
        ]
        parts = [source[k] for k in roles if k[0] == direction] or [
            source[k] for k in roles
        ]
        joined = parts[0] if len(parts) == 1 else keras.layers.Concatenate()(parts)
        flat.append(keras.layers.Dense(shape[-1])(joined))
    return pack(state_structure(spec), flat)


def reference_graph(graph: dict) -> tuple[keras.Model, dict[str, dict]]:
    """The long-form spec built by hand: each block's layers (tests/support/reference.py) on
    a model input or the output of the block it reads, its own initial state taken as
    inputs or handed over from another block. Returns the model and each block as a
    short-form spec dict."""
    batch_size = next(iter(graph["inputs"].values()))["batch_size"]
    tensors = {
        name: keras.Input(
            shape=(given["timesteps"], given["features"]),
            batch_size=batch_size,
            name=name,
        )
        for name, given in graph["inputs"].items()
    }
    inputs, returned, blocks, final = list(tensors.values()), {}, {}, {}
    for block in graph["blocks"]:
        x = tensors[block["input"]]
        spec = {
            **block,
            "input": {
                "batch_size": batch_size,
                "timesteps": x.shape[1],
                "features": x.shape[-1],
            },
        }
        opts = ref.options(spec)
        initial = None
        mode = block.get("initial_state", "none")
        if isinstance(mode, dict):
            initial = hand_over(final[mode["from"]], spec, mode.get("bridge", "none"))
        elif mode in OWN_STATE:
            shapes = ref.map_shapes(
                lambda shape: (batch_size, *shape), state_structure(spec)
            )
            initial = ref.state_inputs(shapes, batch_size, opts.dtype)
            inputs.extend(keras.tree.flatten(initial))
        outputs = ref.run(ref.make_layers(opts), opts, x, initial)
        tensors[block["name"]], returned[block["name"]] = outputs[0], outputs
        blocks[block["name"]] = spec
        if opts.return_state:
            states = outputs[2 if opts.merge_mode == "none" else 1 :]
            final[block["name"]] = dict(zip(state_keys(spec), states, strict=True))
    names = graph.get("outputs") or [graph["blocks"][-1]["name"]]
    return keras.Model(inputs, [t for name in names for t in returned[name]]), blocks


def expected_graph_state(blocks: dict[str, dict], batch_size: int) -> dict:
    """Per block with a state of its own, in block order, from one generator: an
    input block's state is drawn like a random one (values to feed the model)."""
    rng = np.random.default_rng(0)
    expected = {}
    for name, spec in blocks.items():
        mode = spec.get("initial_state")
        if mode in OWN_STATE:
            fill = "random" if mode == "input" else mode
            dtype = array_dtype(spec["input"].get("dtype", "float32"))
            structure = state_structure(spec)
            expected[name] = filled(structure, batch_size, fill, dtype, rng)
    return expected


def assert_same_blocks(got: dict, want: dict) -> None:
    assert isinstance(got, dict) and list(got) == list(want)
    for name in want:
        assert_same_arrays(got[name], want[name], name)


@pytest.mark.parametrize("path", GRAPH_SPECS, ids=lambda p: p.stem)
def test_graph_blocks_start_from_their_state(path: Path, tmp_path: Path):
    """make_initial_state()'s values per block, and the model's numbers against the
    hand-built model given the test's own arrays."""
    graph = yaml.safe_load(path.read_text())
    module = load_module(render_module(load_spec(path)), tmp_path, path.stem)
    model = module.build_model()
    reference, blocks = reference_graph(graph)
    assert [w.shape for w in model.weights] == [w.shape for w in reference.weights]
    reference.set_weights(model.get_weights())

    batch_size = module.BATCH_SIZE or DYNAMIC_BATCH
    assert_same_blocks(
        module.make_initial_state(batch_size), expected_graph_state(blocks, batch_size)
    )
    if module.BATCH_SIZE is None:  # one sequence's state, repeated over the batch
        assert_same_blocks(
            module.make_initial_state(1), expected_graph_state(blocks, 1)
        )
        state = keras.tree.map_structure(
            lambda array: np.repeat(array, batch_size, axis=0),
            expected_graph_state(blocks, 1),
        )
    else:
        state = expected_graph_state(blocks, batch_size)

    rng = np.random.default_rng(5)
    sequences = [
        rng.standard_normal(
            (batch_size, given["timesteps"] or 5, given["features"])
        ).astype("float32")
        for given in graph["inputs"].values()
    ]
    fed = [  # the model's own inputs: sequences, then the states of input blocks
        *sequences,
        *(
            array
            for name, spec in blocks.items()
            if spec.get("initial_state") == "input"
            for array in keras.tree.flatten(state[name])
        ),
    ]
    got = numbers(model(fed if len(fed) > 1 else fed[0]))
    want = numbers(reference([*sequences, *keras.tree.flatten(list(state.values()))]))
    assert len(got) == len(want) == len(module.RETURNED)
    for name, a, b in zip(module.RETURNED, got, want):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=name)
    assert_symbolic_shapes_are_real(model, fed if len(fed) > 1 else fed[0])
