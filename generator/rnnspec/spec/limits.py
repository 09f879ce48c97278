"""The bounds every spec keeps, and the error a rule across keys raises.

Upper bounds, so that every valid spec builds and runs on an ordinary CPU machine.
"""

from __future__ import annotations

from typing import Union

# Units, filters, features, input dims, timesteps, batch_size, kernels and strides:
MAX_SIZE = 65_536
MAX_CELLS = 64  # cells of one block
MAX_BLOCKS = 64  # blocks (and inputs) of a long-form spec
# Cells of all blocks together: black formats some 1,000 lines of a module a second.
MAX_ALL_CELLS = 256
# Weights of the whole model: 400 MB in float32. Keras' default orthogonal recurrent
# initializer costs O(units**3): an LSTM of 4,000 units (64M weights) takes 1.5 min
# to build on a busy 2-core machine.
MAX_PARAMS = 100_000_000
MAX_VALUES = 2**28  # values of one tensor of a batch (1 GiB in float32)

Path = tuple[Union[str, int], ...]


class RuleError(Exception):
    """A rule across keys is broken; `path` is the key the message is about."""

    def __init__(self, path: Path, message: str, *, at_key: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.at_key = at_key  # point at the key (a name chosen as a key), not its value
