"""Broken new sections: a valid drawn spec (tests/support/strategies/) with one place in
training, decoding, attention, a front or head list, a token input, a hand-over
(bridge), repeat, go_backwards or a mask input broken one way, as `mutations()` breaks cells and
inputs in the text: a value of a wrong type, an unknown key, a missing key, a name
swapped for another name of the spec, or a section added where it does not fit.

`section_mutants()` draws (spec, place, kind); tests/unit/test_section_mutants.py renders
each and wants a located error (or a module) from `render` and `check`, never a
traceback.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from hypothesis import strategies as st

from .strategies import Data, specs

PLACES = (
    "training", "decoding", "attention", "front", "head", "token input", "bridge",
    "repeat", "go_backwards", "mask input",
)  # fmt: skip
WRONG_TYPES: dict[str, Any] = {
    "list": [1, "x"],
    "mapping": {"a": 1},
    "null": None,
    "string": "nope",
    "bool": True,
    "float": 1.5,
    "huge int": 10**30,
    "int64 edge": 2**63,
    "negative": -1,
    "zero": 0,
    "nan": math.nan,
    "empty list": [],
    "empty mapping": {},
}
KINDS = (
    "wrong type", "unknown key", "missing key", "swapped name", "swapped keys",
    "misplaced",
)  # fmt: skip
UNKNOWN_KEYS = ("epochs", "beam_width", "Loss", "unit", "__proto__", "units ", "from_")
# names a hand edit confuses: layer types, losses, bridges, keys of other sections
OTHER_NAMES = (
    "dense", "conv1d", "conv2d", "conv3d", "dropout", "layer_normalization",
    "activation", "lstm", "mse", "ctc", "huber", "accuracy", "adam", "project",
    "per_layer", "broadcast", "concat", "none", "causal", "softmax", "dot", "additive",
    "sequence", "inputs", "blocks", "model", "main",
)  # fmt: skip
# a plausible section to add where a spec has none, so that every place is reached
ADDED: dict[str, Any] = {
    "training": {"loss": "mse"},
    "decoding": {"max_length": 3},
    "front": [{"type": "dense", "units": 2}],
    "head": [{"type": "dense", "units": 2, "activation": "softmax"}],
    "repeat": 2,
    "go_backwards": True,
}

Target = tuple[Any, Any]  # (the dict or list that holds it, its key or index)


def _blocks(spec: Data) -> list[Data]:
    return spec.get("blocks") or [spec]


def _inputs(spec: Data) -> list[Data]:
    return list(spec["inputs"].values()) if "inputs" in spec else [spec["input"]]


def _names(spec: Data) -> list[str]:
    """Every name the spec gives: its own, its inputs', its blocks'."""
    return [
        spec["name"],
        *spec.get("inputs", {}),
        *(b["name"] for b in spec.get("blocks", [])),
    ]


def _within(holder: Any, key: Any) -> list[Target]:
    """The place itself and, where it is a mapping or list, each of its entries and
    their entries, one level more."""
    found: list[Target] = [(holder, key)]
    value = holder[key]
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value) if isinstance(value, list) else ()
    )
    for child_key, child in children:
        found.append((value, child_key))
        if isinstance(child, dict):
            found += [(child, k) for k in child]
    return found


def _targets(draw: st.DrawFn, spec: Data, place: str) -> list[Target]:
    """The places under `place` that can be broken, the section added where missing."""
    blocks = _blocks(spec)
    if place in ("training", "decoding"):
        section = spec.setdefault(place, copy.deepcopy(ADDED[place]))
        if isinstance(section.get("loss"), str) and draw(st.booleans()):
            output = (spec.get("outputs") or _names(spec))[-1]
            section["loss"] = {output: section["loss"]}  # the same loss, mapped
        return _within(spec, place)
    if place == "mask input":
        return _mask_targets(draw, spec)
    if place == "token input":
        given = draw(st.sampled_from(_inputs(spec)))
        if "vocabulary" not in given and "features" in given:  # tokens, as wide
            given["embedding"] = given.pop("features")
            given["vocabulary"] = given["embedding"] + 1
        return [
            (given, k) for k in ("vocabulary", "embedding", "mask_zero", "features")
        ]
    block = draw(st.sampled_from(blocks))
    if place == "attention":
        if not block.get("attention"):
            names = _names(spec)
            block["attention"] = {"over": draw(st.sampled_from(names)), "score": "dot"}
        return _within(block, "attention")
    if place == "bridge":
        if not isinstance(block.get("initial_state"), dict):
            block["initial_state"] = {
                "from": draw(st.sampled_from(_names(spec))),
                "bridge": "project",
            }
        return _within(block, "initial_state")
    if place not in block:
        block[place] = copy.deepcopy(ADDED[place])
    return _within(block, place)


def _mask_targets(draw: st.DrawFn, spec: Data) -> list[Target]:
    """A mask input's keys (one added where the spec has none; the short form's
    input gets `masks`, which it refuses) and the blocks' inputs, one of which a
    swapped name makes the mask input."""
    if "inputs" not in spec:
        spec["input"]["masks"] = draw(st.sampled_from(_names(spec)))
        return [(spec["input"], "masks")]
    mask = next((given for given in spec["inputs"].values() if "masks" in given), None)
    if mask is None:
        masked = draw(st.sampled_from(list(spec["inputs"])))
        mask = spec["inputs"].setdefault("padmask", {"masks": masked})
    keys = ("masks", "timesteps", "batch_size", "features", "dtype", "mask_zero")
    return [(mask, key) for key in keys] + [
        (block, "input") for block in spec["blocks"]
    ]


def _break(draw: st.DrawFn, spec: Data, target: Target, kind: str) -> None:
    holder, key = target
    value = holder[key] if _has(holder, key) else None
    if kind.startswith("wrong type: "):
        holder[key] = copy.deepcopy(WRONG_TYPES[kind.removeprefix("wrong type: ")])
    elif kind == "unknown key":
        where = value if isinstance(value, dict) else holder
        if isinstance(where, dict):
            where[draw(st.sampled_from(UNKNOWN_KEYS))] = 1
        else:
            where.append({draw(st.sampled_from(UNKNOWN_KEYS)): 1})
    elif kind == "missing key":
        if isinstance(value, (dict, list)) and value:
            keys = list(value) if isinstance(value, dict) else list(range(len(value)))
            del value[draw(st.sampled_from(keys))]
        elif _has(holder, key):
            del holder[key]
    elif kind == "swapped name":  # another of the spec's names, or a known word
        holder[key] = draw(st.sampled_from([*_names(spec), *OTHER_NAMES]))
    elif kind == "swapped keys":
        _swap_keys(draw, value if isinstance(value, (dict, list)) else holder)
    else:  # misplaced: the value moved to another block, or the top level
        if _has(holder, key):
            moved = holder.pop(key) if isinstance(holder, dict) else holder[key]
            there = draw(st.sampled_from([spec, *_blocks(spec), *_inputs(spec)]))
            there[key if isinstance(key, str) else "head"] = moved


def _has(holder: Any, key: Any) -> bool:
    return key in holder if isinstance(holder, dict) else 0 <= key < len(holder)


def _swap_keys(draw: st.DrawFn, value: dict | list) -> None:
    """Two keys trade values (one key: renamed; a list: reversed)."""
    if isinstance(value, list):
        value.reverse()
        return
    keys = list(value)
    if len(keys) < 2:
        if keys:  # one key: renamed to a name of another section's key
            value[draw(st.sampled_from(("over", "from", "loss", "units", "type")))] = (
                value.pop(keys[0])
            )
        return
    one, other = draw(
        st.lists(st.sampled_from(keys), min_size=2, max_size=2, unique=True)
    )
    value[one], value[other] = value[other], value[one]


@st.composite
def section_mutants(draw: st.DrawFn) -> tuple[Data, str, str]:
    """A drawn valid spec with one place of its new sections broken one way: (spec,
    place, kind); a kind "wrong type: <type>" names the type."""
    spec = copy.deepcopy(draw(specs()))
    place = draw(st.sampled_from(PLACES))
    kind = draw(st.sampled_from(KINDS))
    if kind == "wrong type":
        kind = f"wrong type: {draw(st.sampled_from(tuple(WRONG_TYPES)))}"
    targets = _targets(draw, spec, place)
    _break(draw, spec, draw(st.sampled_from(targets)), kind)
    return spec, place, kind
