"""A hand-written reference: real Keras layers built straight from a spec dict.

Nothing here imports the generator. It reads the spec dict the way
`shared/spec-format.md` describes it and builds the layers a Keras user would write,
so the tests can compare the plan and the generated module with what Keras does.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

CELLS = {
    "simple_rnn": keras.layers.SimpleRNNCell,
    "gru": keras.layers.GRUCell,
    "lstm": keras.layers.LSTMCell,
}
FUSED = {
    "simple_rnn": keras.layers.SimpleRNN,
    "gru": keras.layers.GRU,
    "lstm": keras.layers.LSTM,
    "conv_lstm1d": keras.layers.ConvLSTM1D,
    "conv_lstm2d": keras.layers.ConvLSTM2D,
    "conv_lstm3d": keras.layers.ConvLSTM3D,
}
MIXED = {"float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


@dataclass
class Options:
    """The spec dict's keys with the defaults of spec-format.md filled in."""

    cells: list[dict]
    stacking: str
    form: str
    merge_mode: str | None  # "concat", ..., "none"; None: one direction
    return_sequences: bool
    return_state: bool
    stateful: bool
    initial_state: str
    batch_size: int | None
    timesteps: int | None
    step_shape: tuple[int, ...]
    dtype: str

    @property
    def policy(self) -> str:
        return MIXED.get(self.dtype, self.dtype)

    @property
    def is_conv(self) -> bool:
        return self.cells[0]["type"].startswith("conv_lstm")

    @property
    def groups(self) -> list[list[dict]]:
        """The cells of each recurrent layer, bottom to top."""
        if self.stacking == "cells":
            return [self.cells]
        return [[cell] for cell in self.cells]


def options(spec: dict) -> Options:
    stacking = spec.get("stacking", "layers")
    bidirectional = spec.get("bidirectional", False)
    if bidirectional is True:
        merge_mode = "concat"
    elif bidirectional:
        merge_mode = bidirectional.get("merge_mode", "concat")
    else:
        merge_mode = None
    stateful = spec.get("stateful", False)
    source = spec["input"]
    step = tuple(source["shape"]) if "shape" in source else (source["features"],)
    return Options(
        cells=spec["cells"],
        stacking=stacking,
        form=spec.get("layer") or ("rnn" if stacking == "cells" else "fused"),
        merge_mode=merge_mode,
        return_sequences=spec.get("return_sequences", False),
        return_state=spec.get("return_state", False),
        stateful=stateful,
        initial_state=spec.get("initial_state") or ("none" if stateful else "zeros"),
        batch_size=source.get("batch_size"),
        timesteps=source.get("timesteps"),
        step_shape=step,
        dtype=source.get("dtype", "float32"),
    )


def cell_kwargs(cell: dict) -> dict:
    return {key: value for key, value in cell.items() if key != "type"}


def make_cell(cell: dict, opts: Options) -> keras.layers.Layer:
    return CELLS[cell["type"]](**cell_kwargs(cell), dtype=opts.policy)


def make_layers(opts: Options, **overrides) -> list[keras.layers.Layer]:
    """One Keras recurrent layer per group, wrapped in Bidirectional where asked."""
    layers = []
    for index, group in enumerate(opts.groups):
        top = index == len(opts.groups) - 1
        kwargs = dict(
            return_sequences=opts.return_sequences if top else True,
            return_state=opts.return_state,
            stateful=opts.stateful,
            dtype=opts.policy,
        )
        kwargs.update(overrides)
        if opts.stacking == "cells":
            cells = [make_cell(cell, opts) for cell in group]
            # the stack is a layer too: left at float32, it casts a float64 step down
            stack = keras.layers.StackedRNNCells(cells, dtype=opts.policy)
            layer = keras.layers.RNN(stack, **kwargs)
        elif opts.form == "rnn":
            layer = keras.layers.RNN(make_cell(group[0], opts), **kwargs)
        else:
            layer = FUSED[group[0]["type"]](**cell_kwargs(group[0]), **kwargs)
        if opts.merge_mode is not None:
            merge = None if opts.merge_mode == "none" else opts.merge_mode
            # the wrapper casts its outputs to its own compute dtype: give it the policy too
            layer = keras.layers.Bidirectional(
                layer, merge_mode=merge, dtype=opts.policy
            )
        layers.append(layer)
    return layers


def sequence_input(opts: Options) -> keras.KerasTensor:
    return keras.Input(
        shape=(opts.timesteps, *opts.step_shape),
        batch_size=opts.batch_size,
        dtype=opts.dtype,
    )


def every_layer(model: keras.Model) -> list[tuple[str, keras.layers.Layer]]:
    """Every layer of a built model with the layers Keras keeps inside others: a
    TimeDistributed's layer, a Bidirectional's forward and backward layers, an RNN's cell (fused layers have one
    too) and a StackedRNNCells' cells; each with a path that says where it is."""
    found, seen = [], set()
    todo = [(layer.name, layer) for layer in model.layers]
    while todo:
        path, layer = todo.pop(0)
        if id(layer) in seen:  # a cell both a custom layer and its RNN hold
            continue
        seen.add(id(layer))
        found.append((path, layer))
        inner = []
        if not type(layer).__module__.startswith("keras"):  # the module's own layers
            sublayers = layer._flatten_layers(include_self=False, recursive=False)
            inner += [(sub.name, sub) for sub in sublayers]
        if isinstance(layer, keras.layers.Bidirectional):
            inner += [("forward_layer", layer.forward_layer)]
            inner += [("backward_layer", layer.backward_layer)]
        if isinstance(layer, keras.layers.TimeDistributed):
            inner += [("layer", layer.layer)]
        if isinstance(layer, keras.layers.RNN):
            inner += [("cell", layer.cell)]
        if isinstance(layer, keras.layers.StackedRNNCells):
            inner += [(f"cells[{i}]", cell) for i, cell in enumerate(layer.cells)]
        todo += [(f"{path}.{name}", sub) for name, sub in inner]
    return found


def is_cell(layer: keras.layers.Layer) -> bool:
    """One recurrent cell (LSTMCell, ConvLSTMCell, ...), not a layer or a stack of them."""
    return hasattr(layer, "state_size") and not isinstance(
        layer, (keras.layers.RNN, keras.layers.StackedRNNCells)
    )


def directions(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    if isinstance(layer, keras.layers.Bidirectional):
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


def keras_initial_state(layers: list[keras.layers.Layer], batch_size: int) -> list:
    """Keras' own initial-state structure (built layers): forward then backward, one a layer."""
    per_layer = [
        [
            state
            for part in directions(layer)
            for state in part.get_initial_state(batch_size)
        ]
        for layer in layers
    ]
    return per_layer[0] if len(per_layer) == 1 else per_layer


def state_descriptors(layers: list[keras.layers.Layer], batch_size: int) -> list[tuple]:
    """(direction, cell index in the spec, role) for every state, in Keras' flat order:
    layer by layer, forward then backward, cell by cell, and [h, c] within a cell."""
    found = []
    first = 0
    for layer in layers:
        count = 0
        for part in directions(layer):
            direction = (
                ""
                if len(directions(layer)) == 1
                else ("backward" if part.go_backwards else "forward")
            )
            cell = part.cell
            cells = (
                cell.cells if isinstance(cell, keras.layers.StackedRNNCells) else [cell]
            )
            states = part.get_initial_state(batch_size)
            per_cell = states if len(cells) > 1 else [states]
            for index, cell_states in enumerate(per_cell):
                for role, _ in zip(("h", "c"), cell_states, strict=False):
                    found.append((direction, first + index, role))
            count = len(cells)
        first += count
    return found


def run(
    layers: list[keras.layers.Layer], opts: Options, sequence, initial_state=None
) -> list:
    """Call the layers in a chain; return [output(s), *states of every layer], flat."""
    states = []
    outputs = sequence
    for index, layer in enumerate(layers):
        kwargs = {}
        if initial_state is not None:
            state = initial_state[index] if len(layers) > 1 else initial_state
            kwargs["initial_state"] = carried(layer, state)
        returned = layer(outputs, **kwargs)
        if opts.return_state:
            count = 2 if opts.merge_mode == "none" else 1
            outputs, layer_states = returned[:count], returned[count:]
            outputs = outputs[0] if count == 1 else list(outputs)
            states.extend(keras.tree.flatten(layer_states))
        else:
            outputs = returned
    return [*keras.tree.flatten(outputs), *states]


def carried(layer: keras.layers.Layer, state):
    """The state as the layer takes it on every backend. StackedRNNCells.call hands a
    lone one-state cell's h back unwrapped, and JAX's lax.scan needs the carry to come
    out as it went in: RNN(StackedRNNCells([GRUCell])) takes [h], not [[h]]."""
    rnn = getattr(layer, "forward_layer", layer)  # Bidirectional: both alike
    cells = getattr(getattr(rnn, "cell", None), "cells", None)
    if cells and len(cells) == 1 and isinstance(cells[0].state_size, int):
        return keras.tree.flatten(state)
    return state


def state_inputs(structure, batch_size: int | None, dtype: str):
    """A keras.Input per state, in the given structure of shapes."""
    return map_shapes(
        lambda shape: keras.Input(shape=shape[1:], batch_size=batch_size, dtype=dtype),
        structure,
    )


def map_shapes(function, structure):
    """Map over a structure of shapes: lists nest, tuples are the shapes (the leaves)."""
    if isinstance(structure, list):
        return [map_shapes(function, item) for item in structure]
    return function(structure)


def reference_model(opts: Options, state_shapes=None):
    """A functional model of the reference layers; state shapes (nested) make state inputs."""
    layers = make_layers(opts)
    sequence = sequence_input(opts)
    inputs = [sequence]
    initial_state = None
    if state_shapes is not None and opts.initial_state != "none":
        initial_state = state_inputs(state_shapes, opts.batch_size, opts.dtype)
        inputs.extend(keras.tree.flatten(initial_state))
    outputs = run(layers, opts, sequence, initial_state)
    return keras.Model(inputs, outputs), layers, outputs


def probe_state_size(opts: Options):
    """Keras' state_size per layer; for ConvLSTM (state_size -1) the returned states' shapes."""
    if opts.is_conv:
        layers = make_layers(
            opts, return_sequences=True, return_state=True, stateful=False
        )
        sequence = sequence_input(opts)
        outputs = sequence
        per_layer = []
        for layer in layers:
            layer = directions(layer)[0]
            outputs, *states = layer(outputs)
            per_layer.append(tuple(tuple(state.shape[1:]) for state in states))
    else:
        layers = make_layers(opts)
        per_layer = [
            to_tuples(directions(layer)[0].cell.state_size) for layer in layers
        ]
    return per_layer[0] if len(per_layer) == 1 else tuple(per_layer)


def to_tuples(value):
    if isinstance(value, (list, tuple)):
        return tuple(to_tuples(item) for item in value)
    return int(value)


def shapes(tree):
    """The shapes of a nested structure of arrays, with lists everywhere."""
    if isinstance(tree, (list, tuple)):
        return [shapes(item) for item in tree]
    return tuple(tree.shape)


def random_sequence(
    opts: Options, batch_size: int, timesteps: int, seed: int = 1
) -> np.ndarray:
    dtype = "float32" if opts.dtype in MIXED else opts.dtype
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch_size, timesteps, *opts.step_shape)).astype(dtype)
