"""Broken texts: a spec's text with one to three edits, the ways a hand edit or a
hostile file can break it."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from rnnspec.spec.initializers import NAMES as INITIALIZERS
from rnnspec.spec.models import CONV_RANK
from rnnspec.spec.training import LOSSES, METRICS, OPTIMIZERS

from .values import (
    CONCATS,
    DTYPES,
    INITIAL_STATES,
    MERGE_MODES,
    SCORES,
    VECTOR_CELLS,
)

_VALUE = re.compile(r"(?<=[:=\[,]) ?([^\s,\[\]{}:=#][^,\[\]{}\n#]*)")
ODD_VALUES = (
    "null", "~", "true", "yes", "0", "-1", "1.5", "-0.0", ".inf", ".nan", "nan", "inf",
    "1e999", "-1e999", "0x10", "0o7", "1_000", '"str"', "''", "[]", "{}", "[1, 2]",
    "{a: 1}", "2024-01-01", "1979-05-27T07:32:00Z", "12:30:00", "07:32:00",
    "!!binary aGVsbG8=", "!!set {a, b}", "!!python/name:os.system",
    "!!python/object/apply:os.system ['true']", "!!omap [a: 1]", "!!timestamp 2001-12-14",
    "!!float 1", "!!int '3'", "!custom 1", "&a 1", "*a", "*missing", "<<: {x: 1}",
    '"\\ud800"', '"\\x00"', "\x00", "\U0001f600", "\u202e", "\ufeff", "\u2028", "\x85",
    "１２", "9" * 19, "9" * 20, "1" + "0" * 400, "9" * 4301, "-" + "9" * 5000, "1e-400",
    "64x", "-", "?", "|", ">", "%", "@", "`", "'unclosed", '"unclosed', "{unclosed",
)  # fmt: skip
PLAUSIBLE_VALUES = (
    *INITIALIZERS, "softmax", "tanh", *VECTOR_CELLS, *CONV_RANK, "cells", "layers", "rnn",
    "fused", *MERGE_MODES, *INITIAL_STATES, "valid", "same", "project", *DTYPES, "int8",
    "{from: encoder}", "{from: x, bridge: concat}", "{merge_mode: none}", "[3, 3]",
    "[1, 1, 1, 1]", "[]", "{units: 2}", "65536", "65537", "100000", "4096", "keras",
    "np", "model", "main", "output", "sequence", "initial_state", "_", "encoder_lstm",
    "encoder_output", "decoder_lstm_h", "initial_decoder_lstm_h", "repeat_over_batch",
    *SCORES, *CONCATS, *LOSSES, *OPTIMIZERS, *METRICS, "{over: encoder, score: dot}",
    "{loss: mse}", "{start: 0, stop: 1}", "[accuracy, accuracy]", "1e-9", "10.5",
    "START", "MAX_LENGTH", "reset_states", "TRAINED", "decoder_attention",
)  # fmt: skip
KEYS = (
    "name", "description", "input", "inputs", "blocks", "outputs", "cells", "stacking",
    "layer", "bidirectional", "merge_mode", "return_sequences", "return_state",
    "stateful", "initial_state", "head", "from", "bridge", "batch_size", "timesteps",
    "features", "shape", "dtype", "type", "units", "filters", "kernel_size", "padding",
    "strides", "activation", "recurrent_activation", "use_bias", "dropout",
    "recurrent_dropout", "unit_forget_bias", "reset_after", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "__proto__", "Name", "units ",
    "attention", "over", "score", "project", "concat", "vector", "training", "loss",
    "optimizer", "learning_rate", "metrics", "decoding", "start", "stop", "max_length",
)  # fmt: skip
_KEY = re.compile(r'(?m)(?:^|[{,]|\[\[?)\s*"?([A-Za-z_][A-Za-z0-9_]*)"?\s*[:=]')
INSERTS = (
    "{", "}", "[", "]", ":", ",", '"', "'", "#", "&", "*", "!", "|", ">", "-", "?", "%",
    "\n", "\t", " ", "\r", "\x00", "\x7f", "\x1b", "\ufeff", "\ud7ff", "\U0010ffff",
    "é", "\u0301", "\u200b", "=", "\\", "\\u", "<<: *a\n", "---\n", "...\n", "[[x]]\n",
)  # fmt: skip


def _nest(depth: int, kind: str) -> str:
    if kind == "toml" or depth % 2:
        return "[" * depth + "1" + "]" * depth
    return "{a: " * depth + "1" + "}" * depth


def _alias_bomb(levels: int, width: int) -> str:
    """A YAML billion-laughs key, `width ** levels` leaves when expanded."""
    lines = ["bomb0: &b0 [x]"]
    for level in range(1, levels + 1):
        lines.append(
            f"bomb{level}: &b{level} [" + ", ".join([f"*b{level - 1}"] * width) + "]"
        )
    return "\n".join(lines) + "\n"


@st.composite
def mutations(draw: st.DrawFn, text: str, kind: str) -> bytes:
    """`text` with one to three random edits; bytes, since some edits are not UTF-8."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(
            st.sampled_from(
                ("delete", "insert", "replace", "value", "value", "plausible", "key",
                 "huge", "nest", "tag",
                 "duplicate", "unicode", "nul", "alias", "truncate", "empty", "newlines",
                 "tabs", "bomb")
            )
        )  # fmt: skip
        if how == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif how == "insert":
            text = (
                text[:at]
                + draw(st.one_of(st.sampled_from(INSERTS), st.text(max_size=4)))
                + text[at:]
            )
        elif how == "replace":
            text = text[:at] + draw(st.characters(codec="utf-8")) + text[at + 1 :]
        elif how == "key":
            found = list(_KEY.finditer(text))
            if not found:
                continue
            match = draw(st.sampled_from(found))
            key = draw(st.sampled_from(KEYS))
            text = text[: match.start(1)] + key + text[match.end(1) :]
        elif how in ("value", "plausible", "huge", "nest", "tag", "alias"):
            found = list(_VALUE.finditer(text))
            if not found:
                continue
            match = draw(st.sampled_from(found))
            new = {
                "value": lambda: draw(st.sampled_from(ODD_VALUES)),
                "plausible": lambda: draw(st.sampled_from(PLAUSIBLE_VALUES)),
                "huge": lambda: draw(
                    st.sampled_from(
                        (
                            "9" * 19,
                            "1" + "0" * 30,
                            "9" * 4301,
                            "1e308",
                            "-" + "9" * 40,
                            "2" * 100000,
                        )
                    )
                ),
                "nest": lambda: _nest(
                    draw(st.sampled_from((10, 100, 1000, 5000))), kind
                ),
                "tag": lambda: draw(
                    st.sampled_from(
                        (
                            "!!str ",
                            "!!int ",
                            "!!float ",
                            "!!bool ",
                            "!!null ",
                            "!!seq ",
                            "!!map ",
                            "!foo ",
                            "!!python/tuple ",
                        )
                    )
                )
                + match[1],
                "alias": lambda: draw(st.sampled_from(("&a ", "*a ", "&a [*a] ")))
                + match[1],
            }[how]()
            text = text[: match.start(1)] + new + text[match.end(1) :]
        elif how == "duplicate":
            lines = text.splitlines(keepends=True) or [""]
            line = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[: line + 1] + [lines[line]] + lines[line + 1 :])
        elif how == "unicode":
            text = (
                text[:at]
                + draw(
                    st.sampled_from(
                        (
                            "\ufeff",
                            "\u2028",
                            "\x85",
                            "é",
                            "\U0001f600",
                            "\u202e",
                            "\u200b",
                            "１",
                        )
                    )
                )
                + text[at:]
            )
        elif how == "nul":
            text = text[:at] + "\x00" + text[at:]
        elif how == "truncate":
            text = text[:at]
        elif how == "empty":
            text = draw(
                st.sampled_from(
                    (
                        "",
                        " ",
                        "\n",
                        "# only a comment\n",
                        "---\n",
                        "null\n",
                        "[]",
                        "{}",
                        "0",
                        '""',
                        "\ufeff",
                    )
                )
            )
        elif how == "newlines":
            text = text.replace("\n", draw(st.sampled_from(("\r\n", "\r", "\n\n"))))
        elif how == "tabs":
            text = re.sub(r"(?m)^  ", "\t", text)
        elif how == "bomb":  # small enough to expand in well under a second today
            text = _alias_bomb(draw(st.integers(1, 4)), draw(st.integers(2, 8))) + text
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 15)) == 0:  # not UTF-8 at all
        at = draw(st.integers(0, len(data)))
        data = (
            data[:at]
            + draw(st.sampled_from((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff")))
            + data[at:]
        )
    return data
