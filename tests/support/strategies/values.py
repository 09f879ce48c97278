"""The pools a drawn spec picks from, and how a key is left out, nulled or drawn."""

from __future__ import annotations

import keyword
from typing import Any

from hypothesis import strategies as st

from rnnspec.plan.names import OWN_NAMES
from rnnspec.spec.models import CONV_RANK, INITIALIZERS

Data = dict[str, Any]
Step = tuple[int, ...]  # one time step: (features,) or (*spatial, channels)

VECTOR_CELLS = ("simple_rnn", "gru", "lstm")
CONV_CELLS = {rank: kind for kind, rank in CONV_RANK.items()}
MERGE_MODES = ("concat", "sum", "mul", "ave", "none")
SCORES = ("additive", "dot")
CONCATS = ("context_first", "output_first")
INITIAL_STATES = ("zeros", "ones", "random", "input", "none")
DTYPES = ("float32", "float64", "float16", "bfloat16")
# Keras' Orthogonal initializer needs a 2-D shape; a bias is 1-D (refused by the spec),
# except a GRU's with reset_after.
BIAS_INITIALIZERS = tuple(name for name in INITIALIZERS if name != "orthogonal")
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
