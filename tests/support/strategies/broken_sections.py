"""Broken new sections: a valid spec with its attention, training or decoding broken,
or a block made time_distributed where it does not fit, or a block's feedback."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

from rnnspec.spec.training import LOSSES

from .values import Data

_BIG = 10**30
_BAD = {  # key -> values of the wrong type, unknown names, out of range
    "over": ("nowhere", 3, ["x"], "", "Encoder"),
    "score": ("luong", "bahdanau", "Dot", 1, True),
    "project": ("yes", 1, [True]),
    "concat": ("both", "context", 0),
    "feeding": ("yes", 1, [True], None),
    "restart": ("no", 0, {}),
    "vector": (
        {"units": 0}, {"units": -1}, {"units": 70000}, {"activation": "tanh"},
        {"units": 2, "activation": "nope"}, {"units": 2, "use_bias": True}, "tanh", 4,
    ),
    "loss": (
        "nll", "MSE", {"nowhere": "mse"}, {}, ["mse"], 3, "ctc",
        "sparse_categorical_crossentropy", "binary_crossentropy", "categorical_crossentropy",
    ),
    "loss options": (
        {"type": "mse", "skip_steps": 0}, {"type": "mse", "skip_steps": True},
        {"type": "mse", "skip_steps": 70000}, {"type": "mse", "padding": "0"},
        {"type": "mse", "padding": None}, {"skip_steps": 2}, {"type": "nll"},
        {"type": "ctc", "padding": 0}, {"type": "mse", "warmup": 2},
        {"type": "sparse_categorical_crossentropy", "padding": 70000},
    ),
    "optimizer": ("adamx", "Adam", 1, {"name": "adam"}),
    "learning_rate": (
        0, -1, 0.0, 10.5, 1e308, float("nan"), float("inf"), "0.1", True, _BIG,
    ),
    "metrics": (
        ["accuracy", "accuracy"], ["f1"], "accuracy", ["mse"], ["accuracy"], ["mae"],
        ["accuracy", "mse", "mae", "mse"], [1],
    ),
    "start": (-1, 65536, 1.5, "0", True, _BIG, 20, 5, 1),
    "stop": (-1, 65536, 1.5, "0", False, _BIG, 20, 5, 1),
    "max_length": (0, -3, 1.5, 65537, "20", _BIG),
    "section": ("adam", [], 1, True, "encoder"),
    "loss_weights": ({"nowhere": 1.0}, [1.0], {"x": -1.0}, {"x": "1"}, {"x": 1e9}, 1.0),
    "node": (  # X and Y: names above it; a node no output reads is refused too
        {"input": "nowhere", "layers": [{"type": "dense", "units": 2}]},
        {"input": ["X", "X"], "merge": "add"}, {"input": ["X", "Y"], "merge": "concat"},
        {"input": "X", "merge": "add"}, {"input": "X"}, {"input": "X", "layers": []},
        {"input": "X", "layers": [{"type": "lstm", "units": 2}]},
        {"input": ["X", "Y"], "merge": {"type": "dot", "axes": 9}},
        {"input": ["X", "Y"], "merge": {"type": "concatenate", "axis": 0}},
        {"input": "X", "layers": [{"type": "embedding", "input_dim": 3, "output_dim": 2}]},
        {"input": "X", "layers": [{"type": "masking"}]},
        {"input": ["X", "Y"], "layers": [{"type": "dense", "units": 2}]},
    ),
    "time_distributed": (True, True, True, "yes", 1, None, [True], {"over": 1}),
    "feedback": (
        {"steps": 0}, {"steps": 1025}, {"steps": "3"}, {"steps": 2.5}, {"step": 3},
        {}, 3, True, "24", {"steps": None},
    ),
}  # fmt: skip


@st.composite
def broken_sections(draw: st.DrawFn, spec: Data) -> Data:
    """`spec` with its attention, training or decoding broken (or added where it does
    not fit): a value of the wrong type, an unknown name, out of range, an unknown key.
    """
    spec = copy.deepcopy(spec)
    blocks = spec.get("blocks") or [spec]  # the short form: attention is unknown
    names = [block.get("name") for block in blocks] + list(spec.get("inputs", {}))
    fed_back = [block for block in blocks if "feedback" in block]
    if fed_back and draw(st.booleans()):  # a feedback value no block takes
        draw(st.sampled_from(fed_back))["feedback"] = draw(
            st.sampled_from(_BAD["feedback"])
        )
        return spec
    where = draw(
        st.sampled_from(("attention", "training", "decoding", "node", "wrapped"))
    )
    if where == "node" and "blocks" in spec:
        return _broken_node(draw, spec, names)
    if where == "wrapped":  # time_distributed where it does not fit, or not a bool
        block = draw(st.sampled_from(blocks))
        block["time_distributed"] = draw(st.sampled_from(_BAD["time_distributed"]))
        return spec
    if where == "attention":
        block = draw(st.sampled_from(blocks))
        over = (
            names[0] if names[0] != block.get("name") else draw(st.sampled_from(names))
        )
        section = block.setdefault("attention", {"over": over, "score": "dot"})
        keys = ("over", "score", "project", "concat", "vector", "feeding", "restart")
    elif where == "training":
        section = spec.setdefault("training", {"loss": "mse"})
        keys = ("loss", "optimizer", "learning_rate", "metrics", "loss_weights")
    else:  # decoding (a node of the short form: a decoding section too)
        section = spec.setdefault("decoding", {})
        keys = ("start", "stop", "max_length")
    key = draw(st.sampled_from((*keys, "unknown", "section")))
    if key == "unknown":
        section[draw(st.sampled_from(("epochs", "beam_width", "heads", "Loss")))] = 1
    elif key == "section":
        holder = block if where == "attention" else spec
        holder[where] = draw(st.sampled_from(_BAD["section"]))
    elif key == "over":
        section["over"] = draw(st.sampled_from((*_BAD["over"], *names)))
    elif key == "loss" and draw(st.booleans()):  # a known loss for a named block
        section["loss"] = {
            draw(st.sampled_from(names)): draw(st.sampled_from(tuple(LOSSES)))
        }
    elif key == "loss" and draw(st.booleans()):  # a block's loss with bad options
        section["loss"] = {
            draw(st.sampled_from(names)): draw(st.sampled_from(_BAD["loss options"]))
        }
    else:
        section[key] = draw(st.sampled_from(_BAD[key]))
    return spec


def _broken_node(draw: st.DrawFn, spec: Data, names: list[str]) -> Data:
    """`spec` with a layer node that cannot be: it reads what is not above it, merges
    what cannot merge, holds a layer a node cannot, or nothing reads it."""
    given = copy.deepcopy(draw(st.sampled_from(_BAD["node"])))
    first, second = names[0], names[-1]
    if isinstance(given["input"], list):
        given["input"] = [{"X": first, "Y": second}.get(n, n) for n in given["input"]]
    else:
        given["input"] = {"X": first}.get(given["input"], given["input"])
    spec["blocks"].append(
        {"name": draw(st.sampled_from(("n", "node", "merged"))), **given}
    )
    return spec
