"""The training section's per-output loss options, CTC decoders and distributed() on
every Keras 3 backend and the tf_keras target (docs/training.md, docs/decoding.md).

Each backend runs tests/support/training_run.py in a process of its own (Keras fixes
its backend at import; the tf_keras target runs in .venv-tf-keras), on modules
rendered here:

- a loss that skips warm-up steps or leaves out padding steps gives the loss written
  out in numpy on the same tensors, called alone and as compile_model() compiles it;
- a sequence the CTC loss scores best (its blank the last class) decodes to its labels,
  greedy and beam, and greedy decoding is best-path decoding written out;
- one distributed() training step on two virtual CPU devices gives the one-device loss
  (JAX and TensorFlow); torch refuses with a message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnspec import render_spec

from ..conftest import ROOT

RUN = ROOT / "tests" / "support" / "training_run.py"
TF_KERAS_PYTHON = ROOT / ".venv-tf-keras" / "bin" / "python"
RUNS = ("tensorflow", "jax", "torch", "tf_keras")
CLOSE = {"rtol": 1e-5, "atol": 1e-6}

# name -> (head units, its activation, loss options); the short form's block is
# named after the spec
LOSSES = {
    "skip_mse": (3, None, {"type": "mse", "skip_steps": 2}),
    "padded_sparse": (4, None, {"type": "sparse_categorical_crossentropy", "padding": 0}),
    "skip_padded_categorical": (
        4, "softmax", {"type": "categorical_crossentropy", "skip_steps": 1, "padding": 0},
    ),
    "padded_binary": (2, None, {"type": "binary_crossentropy", "padding": -1}),
    "skip_padded_huber": (3, None, {"type": "huber", "skip_steps": 3, "padding": 0.5}),
}  # fmt: skip


def short_spec(name: str, units: int, activation: str | None, loss: dict) -> str:
    head = f"{{units: {units}" + (
        f", activation: {activation}}}" if activation else "}"
    )
    return (
        f"name: {name}\n"
        "input: {timesteps: 8, features: 5}\n"
        "cells: [{type: lstm, units: 8}]\n"
        "return_sequences: true\n"
        f"head: {head}\n"
        f"training: {{loss: {{{name}: {json.dumps(loss)}}}, learning_rate: 0.01}}\n"
    )


def targets(loss: dict, width: int, rng: np.random.Generator) -> np.ndarray:
    """Targets for (8, 8, width) outputs, about a third of the steps padding."""
    shape = (8, 8, width)
    kind, padding = loss["type"], loss.get("padding")
    if kind.startswith("sparse"):
        return rng.integers(0, width, shape[:2]).astype("float32")  # 0s: padding
    if kind.startswith("categorical"):
        y = np.eye(width, dtype="float32")[rng.integers(0, width, shape[:2])]
    elif kind.startswith("binary"):
        y = rng.integers(0, 2, shape).astype("float32")
    else:
        y = rng.standard_normal(shape).astype("float32")
    if padding is not None:
        y[rng.random(shape[:2]) < 0.3] = padding
    return y


def render_into(folder: Path, name: str, text: str, target: str) -> None:
    spec = folder / f"{name}.yaml"
    spec.write_text(text, encoding="utf-8")
    (folder / f"{name}.py").write_text(render_spec(spec, target), encoding="utf-8")


def run(mode: str, which: str, folder: Path, names: list[str]) -> dict:
    """training_run.py MODE on the backend (or the tf_keras target)."""
    python = TF_KERAS_PYTHON if which == "tf_keras" else Path(sys.executable)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if which != "tf_keras":
        env["KERAS_BACKEND"] = which
    done = subprocess.run(
        [str(python), str(RUN), mode, str(folder), *names],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((folder / f"{mode}.json").read_text(encoding="utf-8"))


def target_of(which: str) -> str:
    return "tf_keras" if which == "tf_keras" else "keras3"


@pytest.mark.parametrize("which", RUNS)
def test_loss_options_give_the_hand_written_loss(which: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    for name, (width, activation, loss) in LOSSES.items():
        text = short_spec(name, width, activation, loss)
        render_into(tmp_path, name, text, target_of(which))
        y = targets(loss, width, rng)
        x = rng.standard_normal((8, 8, 5)).astype("float32")
        p = rng.standard_normal((8, 8, width)).astype("float32")
        if activation:  # probabilities, as the head gives them
            p = np.exp(p) / np.exp(p).sum(-1, keepdims=True)
        np.savez(tmp_path / f"{name}.npz", x=x, y=y, p=p)
        written = {**loss, "logits": activation is None}
        (tmp_path / f"{name}.json").write_text(json.dumps(written), encoding="utf-8")
    found = run("losses", which, tmp_path, list(LOSSES))
    for name, numbers in found.items():
        np.testing.assert_allclose(
            numbers["function"], numbers["hand_written"], **CLOSE, err_msg=name
        )
        np.testing.assert_allclose(
            numbers["evaluated"],
            numbers["hand_written_on_model"],
            **CLOSE,
            err_msg=name,
        )
        # the options change the number: the comparisons above can fail
        assert numbers["function"] != pytest.approx(
            numbers["without_options"], rel=1e-3
        )


SOFTMAX_CTC = """\
name: ctc
input: {timesteps: 12, features: 6}
cells: [{type: gru, units: 8}]
return_sequences: true
head: HEAD
training: {loss: ctc}
"""


@pytest.mark.parametrize("which", RUNS)
def test_ctc_decoders_read_the_losss_blank(which: str, tmp_path: Path) -> None:
    for name, head in (
        ("probabilities", "{units: 5, activation: softmax}"),
        ("logits", "{units: 5}"),
    ):
        render_into(tmp_path, name, SOFTMAX_CTC.replace("HEAD", head), target_of(which))
    found = run("ctc", which, tmp_path, ["probabilities", "logits"])
    for name, got in found.items():
        scores = got["loss_scores"]
        assert int(np.argmin(scores)) == 0, (name, scores)  # LABELS scores best
        assert got["greedy_shape"] == [1, 12] and got["beams_shape"] == [2, 1, 12]
        assert got["greedy"][0] == [0, 2, 2, 1] + [-1] * 8, name
        assert got["beams"][0][0] == got["greedy"][0], name
        assert got["beams"][1][0] != got["beams"][0][0]
        assert got["beam_scores"][0][0] >= got["beam_scores"][0][1]
        assert got["greedy_scores"][0] > 0  # minus a log-probability
        assert got["short"] == [[0, 2, 2]]  # 7 steps: 0 0 _ 2 _ 2 2
        assert got["random_greedy"] == got["random_best_path"], name
        assert all(-1 not in row and 4 not in row for row in got["random_beam"])


@pytest.mark.parametrize("which", RUNS)
def test_distributed_training_gives_the_one_device_loss(
    which: str, tmp_path: Path
) -> None:
    name = "skip_mse"
    render_into(tmp_path, name, short_spec(name, *LOSSES[name]), target_of(which))
    rng = np.random.default_rng(6)
    x = rng.standard_normal((8, 8, 5)).astype("float32")
    np.savez(
        tmp_path / f"{name}.npz",
        x=x,
        y=rng.standard_normal((8, 8, 3)).astype("float32"),
    )
    got = run("distributed", which, tmp_path, [name])[name]
    if which == "torch":
        assert "no data-parallel distribution for the torch backend" in got["refused"]
        return
    assert len(got["devices"]) == 2
    np.testing.assert_allclose(got["several"], got["one"], rtol=0, atol=1e-5)
    assert got["one"][1] != got["one"][0]  # the second step reads the updated weights
