"""Fixtures of the Keras tier."""

import pytest

from ..support.keras_matrix import fresh_keras


@pytest.fixture
def _fresh_keras():
    fresh_keras()
