"""The cell registry agrees with the spec's cell models and with Keras' classes."""

from __future__ import annotations

import keras

from rnnspec import project
from rnnspec.cells import CELLS, VECTOR_TYPES
from rnnspec.spec.models import CELL_MODELS


def test_every_spec_cell_type_is_registered_and_no_other() -> None:
    assert list(CELLS) == list(CELL_MODELS)


def test_registered_classes_are_keras_classes_with_the_registered_state() -> None:
    for kind in CELLS.values():
        layer = getattr(keras.layers, kind.keras_layer)
        assert issubclass(layer, keras.layers.RNN), kind.type
        if kind.keras_cell is None:  # ConvLSTM: no public cell
            assert kind.rank and not kind.stackable
            continue
        cell = getattr(keras.layers, kind.keras_cell)(3)
        sizes = cell.state_size if isinstance(cell.state_size, list) else [3]
        assert len(sizes) == len(kind.roles), kind.type
        expected = tuple(sizes) if len(sizes) > 1 else sizes[0]
        assert kind.state_size(((3,),) * len(kind.roles)) == expected


def test_the_copier_cells_question_offers_the_vector_cells() -> None:
    assert project.CELL_TYPES == VECTOR_TYPES == ("simple_rnn", "gru", "lstm")
    assert project.cells_error("minimal_rnn")
    assert not project.cells_error(",".join(VECTOR_TYPES))
