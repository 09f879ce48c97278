"""The Keras matrix (tests/keras/test_keras_matrix*.py): its cases, read from
tests/data/cases/keras_matrix.yaml, and what its tests share: the spec's plan, the
shapes it says, the initial state a generated module starts from, the tolerances."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import pytest
import yaml

from rnnspec import make_plan
from rnnspec.check.checked import Spec

from ..conftest import ROOT
from . import reference as ref

CASES_FILE = ROOT / "tests" / "data" / "cases" / "keras_matrix.yaml"


@dataclass
class Case:
    id: str
    spec: dict


def read_cases() -> list[Case]:
    """Every case, in the file's order; a case's id is also its spec's name."""
    given = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return [Case(id, {"name": id, **spec}) for id, spec in given.items()]


CASES = read_cases()
PARAMS = [pytest.param(c, id=c.id) for c in CASES]

SAVED = [
    "lstm_random",
    "gru_random_dynamic_batch",
    "layers_dynamic_zeros_saved",
    "lstm_input_dynamic",
    "cells_lstm_gru_input",
    "bidi_cells_lstm_gru",
    "conv2d_bidi_concat",
]


def fresh_keras() -> None:
    """Reset Keras' global state (names, graph) between cases; skip the slow gc."""
    keras.backend.clear_session(free_memory=False)


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


def plan_state_shapes(tree, batch_size):
    if isinstance(tree, list):
        return [plan_state_shapes(item, batch_size) for item in tree]
    return (batch_size, *tree.shape)


def flat_shapes(tree):
    if isinstance(tree, list):
        return [shape for item in tree for shape in flat_shapes(item)]
    return [tree]


def as_numpy(tensor) -> np.ndarray:
    return keras.ops.convert_to_numpy(keras.ops.cast(tensor, "float64"))
