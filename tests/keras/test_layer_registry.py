"""The layer registry (rnnspec/spec/layers/) against Keras itself: for each family,
one functional model holds a branch per case, built from each spec layer's own Keras
class and arguments (`keras_args()`); every branch's output shape must be the one the
registry states without Keras (None where the length is unknown), and every layer's
count_params() the registry's `params()`. Where the registry refuses a layer, Keras
must refuse it too."""

from __future__ import annotations

import keras
import pytest
from pydantic import TypeAdapter

from rnnspec.spec.around import plan_head
from rnnspec.spec.initializers import INITIALIZER_MODELS
from rnnspec.spec.layers import AroundLayer, KerasLayer
from rnnspec.spec.limits import RuleError

LAYER = TypeAdapter(AroundLayer)
TIME = "timesteps"  # the named time axis; its length is known only where SIZES says
SIZES = {TIME: 12}


def layer(**keys) -> KerasLayer:
    return LAYER.validate_python(keys)


def keras_layer(spec: KerasLayer, name: str) -> keras.layers.Layer:
    args, keywords = spec.keras_args()
    return getattr(keras.layers, spec.keras_class)(*args, **dict(keywords), name=name)


def resolved(shape: tuple, sizes: dict) -> tuple:
    """The registry's shape as Keras states it: names become their length or None."""
    return tuple(sizes.get(d) if isinstance(d, str) else d for d in shape)


# (the layer's keys, its input's shape after batch); TIME: the named time axis
FAMILIES = {
    "core": [
        ({"type": "dense", "units": 5, "use_bias": False}, (TIME, 3)),
        ({"type": "dense", "units": 4}, (7, 6, 2)),
        ({"type": "batch_normalization"}, (TIME, 6)),
        ({"type": "layer_normalization"}, (TIME, 6)),
        ({"type": "spatial_dropout1d", "rate": 0.2}, (TIME, 6)),
        ({"type": "masking", "mask_value": -1.0}, (TIME, 6)),
    ],
    "conv": [
        ({"type": "conv1d", "filters": 3, "kernel_size": 3, "strides": 2}, (TIME, 4)),
        (
            {"type": "conv1d", "filters": 3, "kernel_size": 4, "padding": "causal"},
            (TIME, 4),
        ),
        (
            {
                "type": "conv2d",
                "filters": 2,
                "kernel_size": [3, 2],
                "strides": [2, 1],
                "padding": "same",
            },
            (TIME, 9, 1),
        ),
        (
            {"type": "conv3d", "filters": 2, "kernel_size": 2, "strides": [1, 2, 2]},
            (TIME, 6, 6, 1),
        ),
    ],
    "pooling": [
        ({"type": "max_pooling1d"}, (TIME, 4)),
        (
            {
                "type": "average_pooling1d",
                "pool_size": 3,
                "strides": 1,
                "padding": "same",
            },
            (TIME, 4),
        ),
        (
            {"type": "max_pooling2d", "pool_size": [2, 3], "padding": "same"},
            (TIME, 7, 2),
        ),
        (
            {"type": "average_pooling2d", "pool_size": 2, "strides": [1, 2]},
            (TIME, 8, 2),
        ),
        ({"type": "max_pooling3d", "pool_size": [1, 2, 2]}, (TIME, 6, 6, 1)),
        ({"type": "average_pooling3d", "pool_size": 2, "strides": 1}, (TIME, 4, 4, 2)),
        ({"type": "global_max_pooling1d"}, (TIME, 4)),
        ({"type": "global_average_pooling1d", "keepdims": True}, (TIME, 4)),
        ({"type": "global_max_pooling2d", "keepdims": True}, (TIME, 5, 3)),
        ({"type": "global_average_pooling2d"}, (TIME, 5, 3)),
        ({"type": "global_max_pooling3d"}, (TIME, 4, 4, 2)),
        ({"type": "global_average_pooling3d", "keepdims": True}, (TIME, 4, 4, 2)),
    ],
    "reshaping": [
        ({"type": "reshape", "target_shape": [-1, 12]}, (TIME, 4, 3)),
        ({"type": "reshape", "target_shape": [6, -1]}, (TIME, 4, 3)),
        ({"type": "reshape", "target_shape": [4, 3, 2]}, (2, 12)),
        ({"type": "flatten"}, (TIME, 4, 3)),
        ({"type": "flatten"}, (5, 4)),
        ({"type": "permute", "dims": [2, 1]}, (TIME, 4)),
        ({"type": "permute", "dims": [1, 3, 2]}, (TIME, 4, 3)),
        ({"type": "repeat_vector", "n": 3}, (5,)),
    ],
}


@pytest.mark.parametrize("sizes", [SIZES, {}], ids=["fixed length", "free length"])
@pytest.mark.parametrize("family", FAMILIES)
def test_each_layer_makes_the_shape_and_weights_keras_makes(family: str, sizes: dict):
    keras.backend.clear_session(free_memory=False)
    inputs, outputs, stated = [], [], []
    for index, (keys, step) in enumerate(FAMILIES[family]):
        spec = layer(**keys)
        shape = ("batch_size", *step)
        given = keras.Input(shape=resolved(step, sizes), name=f"input_{index}")
        made = keras_layer(spec, f"layer_{index}")(given)
        inputs.append(given)
        outputs.append(made)
        stated.append((spec, shape))
    model = keras.Model(inputs, outputs)
    for index, (made, (spec, shape)) in enumerate(zip(outputs, stated)):
        want = resolved(
            spec.output_shape(shape, (), sizes), sizes | {"batch_size": None}
        )
        assert tuple(made.shape) == want, (spec.type, shape)
        count = model.get_layer(f"layer_{index}").count_params()
        assert count == spec.params(resolved(shape, sizes)), spec.type


# (the layer's keys, its input's shape after batch, the key the registry refuses)
REFUSED = [
    ({"type": "max_pooling1d", "pool_size": 5}, (4, 3), "pool_size"),
    ({"type": "average_pooling2d", "pool_size": [2, 4]}, (6, 3, 1), "pool_size"),
    ({"type": "global_max_pooling2d"}, (6, 3), "type"),
    ({"type": "max_pooling1d"}, (6, 3, 1), "type"),
    ({"type": "conv1d", "filters": 2, "kernel_size": 5}, (4, 3), "kernel_size"),
    ({"type": "reshape", "target_shape": [5, -1]}, (4, 3), "target_shape"),
    ({"type": "reshape", "target_shape": [2, 5]}, (4, 3), "target_shape"),
    ({"type": "reshape", "target_shape": [-1, -1]}, (4, 3), "target_shape"),
    ({"type": "permute", "dims": [1, 3]}, (4, 3), "dims"),
    ({"type": "permute", "dims": [2, 1]}, (4, 3, 2), "type"),
    ({"type": "repeat_vector", "n": 2}, (4, 3), "type"),
]


@pytest.mark.parametrize(
    "keys, step, key", REFUSED, ids=[f"{k['type']}-{s}" for k, s, _ in REFUSED]
)
def test_the_registry_refuses_what_keras_refuses(keys: dict, step: tuple, key: str):
    spec = layer(**keys)
    with pytest.raises(RuleError) as refused:
        spec.output_shape(("batch_size", *step), ("front", 0), {})
    assert refused.value.path == ("front", 0, key)
    with pytest.raises((ValueError, TypeError)):
        keras_layer(spec, "refused")(keras.Input(shape=step))


def test_keras_passes_a_mask_on_exactly_where_the_registry_says():
    """keeps_mask: the layer's output carries the mask of a Masking before it."""
    keras.backend.clear_session(free_memory=False)
    cases = [keys for family in FAMILIES.values() for keys, step in family]
    for index, keys in enumerate(cases):
        spec = layer(**keys)
        step = next(s for k, s in sum(FAMILIES.values(), []) if k == keys)
        given = keras.Input(shape=resolved(step, SIZES))
        masked = keras.layers.Masking()(given)
        made = keras_layer(spec, f"mask_{index}")(masked)
        kept = getattr(made, "_keras_mask", None) is not None
        assert kept == spec.keeps_mask, spec.type


INITIALIZER_KEYS = {
    "constant": {"value": 0.5},
    "identity": {"gain": 2.0},
    "orthogonal": {"gain": 0.5, "seed": 1},
    "random_normal": {"mean": 0.1, "stddev": 0.001, "seed": 2},
    "truncated_normal": {"stddev": 0.2},
    "random_uniform": {"minval": -0.1, "maxval": 0.2, "seed": 3},
    "variance_scaling": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"},
    "glorot_uniform": {"seed": 4},
}


@pytest.mark.parametrize("kind", INITIALIZER_MODELS)
def test_an_initializer_is_written_as_the_keras_object_with_its_arguments(kind: str):
    """The module's text of each initializer, evaluated, is Keras' class with the
    spec's arguments in its config."""
    keys = INITIALIZER_KEYS.get(kind, {})
    given = INITIALIZER_MODELS[kind].model_validate({"type": kind, **keys})
    made = eval(repr(given.keras_object()), {"keras": keras})  # noqa: S307
    assert isinstance(made, keras.initializers.Initializer)
    assert type(made).__name__ == given.keras_object().keras_class
    config = made.get_config()  # Keras 3's Identity leaves its gain out of it
    assert {key: config.get(key, getattr(made, key, None)) for key in keys} == keys


# A layer's kernel and bias with each initializer Keras refuses by rank.
WEIGHTED = [
    ({"type": "dense", "units": 3}, (TIME, 4)),
    ({"type": "conv1d", "filters": 2, "kernel_size": 2}, (TIME, 4)),
    ({"type": "conv2d", "filters": 2, "kernel_size": 2}, (TIME, 4, 1)),
]


@pytest.mark.parametrize("keys, step", WEIGHTED, ids=[k["type"] for k, _ in WEIGHTED])
@pytest.mark.parametrize("name", ["identity", "orthogonal"])
@pytest.mark.parametrize("key", ["kernel_initializer", "bias_initializer"])
def test_a_layer_refuses_an_initializer_exactly_where_keras_does(
    keys: dict, step: tuple, name: str, key: str
):
    spec = layer(**keys, **{key: name})
    try:
        plan_head([spec], ("batch_size", *step), "", ("head",), SIZES)
        accepted = True
    except RuleError as error:
        assert error.path == ("head", 0, key)
        accepted = False
    try:
        keras_layer(spec, "initialized")(keras.Input(shape=resolved(step, SIZES)))
        built = True
    except ValueError:
        built = False
    assert accepted == built
