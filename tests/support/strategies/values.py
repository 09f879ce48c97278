"""The pools a drawn spec picks from, and how a key is left out, nulled or drawn."""

from __future__ import annotations

import keyword
from typing import Any

from hypothesis import strategies as st

from rnnspec.plan.names import OWN_NAMES
from rnnspec.spec.initializers import NAMES as INITIALIZERS
from rnnspec.spec.initializers import TYPES, VECTOR_NAMES
from rnnspec.spec.models import CONV_RANK

Data = dict[str, Any]
Step = tuple[int, ...]  # one time step: (features,) or (*spatial, channels)

VECTOR_CELLS = ("simple_rnn", "gru", "lstm")
CONV_CELLS = {rank: kind for kind, rank in CONV_RANK.items()}
MERGE_MODES = ("concat", "sum", "mul", "ave", "none")
SCORES = ("additive", "dot")
CONCATS = ("context_first", "output_first")
INITIAL_STATES = ("zeros", "ones", "random", "input", "none")
DTYPES = ("float32", "float64", "float16", "bfloat16")
# Keras' Orthogonal initializer needs a 2-D shape, Identity exactly 2-D; a bias is 1-D
# (refused by the spec), except a GRU's with reset_after.
BIAS_INITIALIZERS = VECTOR_NAMES
NAME_POOL = ("source", "target", "frames", "encoder", "decoder", "tracker", "x", "mid")
# Names the generated module has for itself (the spec keeps them, the module renames
# its own: rnnspec/plan/names.py) and input names published code uses.
CLASHING = (
    *(name for name in OWN_NAMES if name.islower()),  # a spec's names are lower case
    *("encoder_inputs", "decoder_inputs", "sequence", "inputs", "x"),
)
FORMATS = ("yaml", "json", "toml")
SUFFIX = {"yaml": ".yaml", "json": ".json", "toml": ".toml"}

OMIT = object()  # a key left out of the spec: its default


_NUMBERS = st.sampled_from((-0.5, 0.0, 0.001, 0.05, 1, 1.5))
_SEEDS = st.integers(0, 2**31 - 1)
# An initializer object's keys, each a strategy for its value.
_INITIALIZER_KEYS: dict[str, dict[str, st.SearchStrategy]] = {
    "constant": {"value": _NUMBERS},
    "identity": {"gain": _NUMBERS},
    "orthogonal": {"gain": _NUMBERS, "seed": _SEEDS},
    "random_normal": {"mean": _NUMBERS, "stddev": _NUMBERS, "seed": _SEEDS},
    "truncated_normal": {"mean": _NUMBERS, "stddev": _NUMBERS, "seed": _SEEDS},
    "random_uniform": {"minval": _NUMBERS, "maxval": _NUMBERS, "seed": _SEEDS},
    "variance_scaling": {
        "scale": st.sampled_from((0.1, 1.0, 2)),
        "mode": st.sampled_from(("fan_in", "fan_out", "fan_avg")),
        "distribution": st.sampled_from(
            ("truncated_normal", "untruncated_normal", "uniform")
        ),
        "seed": _SEEDS,
    },
}


@st.composite
def initializers(draw: st.DrawFn, rank: int) -> Any:
    """An initializer Keras builds for a weight of `rank`: a name, or an object with
    some of its keys (identity only for a matrix, orthogonal for rank 2 or more)."""
    types = [
        name
        for name in TYPES
        if (name != "identity" or rank == 2) and (name != "orthogonal" or rank >= 2)
    ]
    name = draw(st.sampled_from(types))
    if name in INITIALIZERS and draw(st.booleans()):
        return name
    given: Data = {"type": name}
    plain = name in ("zeros", "ones")
    keys = _INITIALIZER_KEYS.get(name, {} if plain else {"seed": _SEEDS})
    for key, values in keys.items():
        put(given, key, draw(maybe(values)))
    return given


def maybe(
    value: st.SearchStrategy, *, null: bool = False, omit: int = 2
) -> st.SearchStrategy:
    """A key's value, OMIT (shrinks to this; `omit` times as likely as a value), or
    null where null means the default."""
    choices = [st.just(OMIT)] * omit + [value]
    return st.one_of(*choices, *([st.none()] if null else []))


def put(data: Data, key: str, value: object) -> None:
    if value is not OMIT:
        data[key] = value


identifiers = st.one_of(
    st.sampled_from(NAME_POOL),
    st.sampled_from(CLASHING),
    st.from_regex(r"[a-z][a-z0-9_]{0,9}", fullmatch=True).filter(
        lambda name: not keyword.iskeyword(name)
    ),
)
rates = st.one_of(st.sampled_from((0.0, 0.1, 0.5)), st.floats(0.0, 0.95))
descriptions = st.text(st.characters(codec="utf-8"), max_size=40)
