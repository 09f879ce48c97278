"""Running a generated model next to a model written by hand: weights copied by
layer name, inputs by name, numbers compared within each dtype's tolerance, and the
plan's parameter count checked against Keras'."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from rnnspec import load_spec, make_plan
from rnnspec.run.report import describe_plan

TOLERANCE = {
    "float32": {"rtol": 1e-5, "atol": 1e-6},
    "float64": {"rtol": 1e-12, "atol": 1e-13},
    "float16": {"rtol": 1e-2, "atol": 1e-2},
    "bfloat16": {"rtol": 2e-2, "atol": 2e-2},
}
MIXED = {"float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


def copy_weights(model: keras.Model, twin: keras.Model) -> None:
    """The generated model's weights into the twin, layer by layer, by name: both have
    the same layers with weights, and no other."""
    weighted = {layer.name for layer in twin.layers if layer.weights}
    assert weighted == {layer.name for layer in model.layers if layer.weights}
    for layer in twin.layers:
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())


def call(model: keras.Model, data: dict[str, np.ndarray]):
    """Run a model on the data of its inputs, by name."""
    arrays = [data[x.name] for x in model.inputs]
    return model(arrays if len(arrays) > 1 else arrays[0])


def numbers(tensor) -> np.ndarray:
    return keras.ops.convert_to_numpy(keras.ops.cast(tensor, "float64"))


def loose(dtype: str) -> dict:
    """One step at a time adds up rounding differently."""
    return TOLERANCE["bfloat16"] if dtype in MIXED else {"rtol": 1e-4, "atol": 1e-5}


def assert_params_counted(spec: Path, model: keras.Model) -> None:
    """The plan counts the model's weights without Keras; `rnnspec check` prints them."""
    plan = make_plan(load_spec(spec))
    assert plan.params == model.count_params()
    assert (
        describe_plan(plan)
        .splitlines()[-1]
        .startswith(f"parameters: {model.count_params():,}")
    )
