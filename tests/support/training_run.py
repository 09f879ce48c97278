"""The training section's own losses, CTC decoders and distributed() on one Keras
backend or target: the script tests/keras/test_training_options.py runs.

`python training_run.py losses|ctc|distributed FOLDER NAME...` imports FOLDER/NAME.py
for each NAME (a module rendered for Keras 3, run on its KERAS_BACKEND, or for the
tf_keras target, run in .venv-tf-keras) and writes what it found to
FOLDER/<mode>.json for the test to judge against hand-written numbers:

- losses: each module's loss function and its compiled model's evaluate() on fixed
  tensors (FOLDER/NAME.npz: x, y), beside the loss written out in numpy here;
- ctc: the module's decoders and ctc_loss on peaked and random predictions;
- distributed: two training steps on one device and under distributed() on two
  virtual CPU devices (XLA's host device count on JAX, logical devices on TensorFlow),
  from the same weights.

Only numpy and the module's own imports are needed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np

MODE, FOLDER, NAMES = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
if MODE == "distributed":  # before the backend starts
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"


def load(path: Path):
    # its own loader, not tests/support/modules.py: this script runs by path in another
    # interpreter, outside the test package
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numpy_of(module, tensor) -> np.ndarray:
    keras = module.keras
    return np.asarray(
        keras.ops.convert_to_numpy(tensor) if hasattr(keras, "ops") else tensor
    )


def tensor_of(module, array: np.ndarray):
    if hasattr(module, "tf"):  # the tf_keras target
        return module.tf.convert_to_tensor(array)
    return module.keras.ops.convert_to_tensor(array)


def backend_of(module) -> str:
    return (
        module.keras.backend.backend() if hasattr(module.keras, "ops") else "tf_keras"
    )


# -- losses -------------------------------------------------------------------------


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype("float64")
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def step_losses(loss: str, y: np.ndarray, p: np.ndarray, logits: bool) -> np.ndarray:
    """Each step's loss (batch, steps) as Keras defines it, written out in numpy."""
    y, p = y.astype("float64"), p.astype("float64")
    if loss == "mse":
        return ((y - p) ** 2).mean(-1)
    if loss == "huber":  # delta 1
        error = np.abs(y - p)
        return np.where(error <= 1, 0.5 * error**2, error - 0.5).mean(-1)
    if loss == "binary_crossentropy" and logits:
        return (np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p)))).mean(-1)
    if loss == "sparse_categorical_crossentropy" and logits:
        picked = np.take_along_axis(log_softmax(p), y.astype(int)[..., None], -1)
        return -picked[..., 0]
    if loss == "categorical_crossentropy" and not logits:
        p = np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
        return -(y * np.log(p)).sum(-1)
    raise ValueError(f"no hand-written {loss} (logits={logits})")


def hand_written(options: dict, y: np.ndarray, p: np.ndarray) -> float:
    """The loss the spec asks for: the steps after skip_steps, without padding steps,
    each step's loss averaged."""
    skip = options.get("skip_steps", 0)
    y, p = y[:, skip:], p[:, skip:]
    losses = step_losses(options["type"], y, p, options["logits"])
    if "padding" not in options:
        return float(losses.mean())
    padded = y == options["padding"]
    real = ~(padded if padded.ndim == 2 else padded.all(-1))
    return float((losses * real).sum() / max(real.sum(), 1))


def losses(names: list[str]) -> dict:
    found = {}
    for name in names:
        module = load(FOLDER / f"{name}.py")
        options = json.loads((FOLDER / f"{name}.json").read_text())
        arrays = np.load(FOLDER / f"{name}.npz")
        x, y, p = arrays["x"], arrays["y"], arrays["p"]
        function = getattr(module, f"{module.TRAINED[0]}_loss")
        # Keras averages what the function returns: each step's loss (padding: 0)
        steps = function(tensor_of(module, y), tensor_of(module, p))
        got = float(np.mean(numpy_of(module, steps)))
        model = module.compile_model(module.build_training_model(module.build_model()))
        predicted = numpy_of(module, model(x))
        evaluated = model.evaluate(x, y, verbose=0, batch_size=len(x))
        found[name] = {
            "function": got,
            "hand_written": hand_written(options, y, p),
            "without_options": hand_written(
                {"type": options["type"], "logits": options["logits"]}, y, p
            ),
            "evaluated": float(np.ravel(evaluated)[0]),
            "hand_written_on_model": hand_written(options, y, predicted),
        }
        module.main()  # the smoke test, with its training step
    return found


# -- CTC ----------------------------------------------------------------------------

LABELS = [0, 2, 2, 1]  # 0 is a label, as in keras-io's padded batches
PATH = [0, 0, 4, 2, 4, 2, 2, 1, 4, 4, 4, 4]  # 12 steps; 4, the last class, is the blank
CANDIDATES = [
    LABELS,
    [0, 2, 1, 1],
    [2, 2, 2, 1],
    [0, 0, 2, 1],
    [1, 2, 2, 0],
    [0, 2, 2, 2],
]


def best_path(log_probabilities: np.ndarray, blank: int) -> list[list[int]]:
    """Greedy CTC decoding written out: argmax, repeats merged, blanks dropped."""
    decoded = []
    for row in log_probabilities.argmax(-1):
        merged = [c for i, c in enumerate(row) if i == 0 or c != row[i - 1]]
        decoded.append([int(c) for c in merged if c != blank])
    return decoded


def unpadded(labels: np.ndarray) -> list[list[int]]:
    return [[int(c) for c in row if c != -1] for row in labels]


def ctc(names: list[str]) -> dict:
    found = {}
    rng = np.random.default_rng(0)
    for name in names:
        module = load(FOLDER / f"{name}.py")
        logits_head = module.ctc_greedy_decode.__defaults__[-1]
        noise = rng.standard_normal((1, 12, 5)).astype("float32")
        peaked = noise + 6 * np.eye(5, dtype="float32")[PATH][None]
        given = peaked if logits_head else np.exp(log_softmax(peaked)).astype("float32")
        loss = module.ctc_loss_from_logits if logits_head else module.ctc_loss
        scores = loss(
            tensor_of(module, np.array(CANDIDATES, "int32")),
            tensor_of(module, np.repeat(given, len(CANDIDATES), 0)),
        )
        greedy, greedy_scores = module.ctc_greedy_decode(given)
        beams, beam_scores = module.ctc_beam_decode(given, beam_width=8, top_paths=2)
        short, _ = module.ctc_greedy_decode(given, lengths=np.array([7]))
        random = rng.standard_normal((3, 12, 5)).astype("float32")
        random_given = (
            random if logits_head else np.exp(log_softmax(random)).astype("float32")
        )
        random_greedy, _ = module.ctc_greedy_decode(random_given)
        random_beams, _ = module.ctc_beam_decode(random_given, beam_width=16)
        found[name] = {
            "backend": backend_of(module),
            "loss_scores": numpy_of(module, scores).ravel().tolist(),
            "greedy_shape": list(greedy.shape),
            "greedy": greedy.tolist(),
            "greedy_scores": greedy_scores.tolist(),
            "beams_shape": list(beams.shape),
            "beams": beams.tolist(),
            "beam_scores": np.asarray(beam_scores).tolist(),
            "short": unpadded(short),
            "random_greedy": unpadded(random_greedy),
            "random_best_path": best_path(random, 4),
            "random_beam": unpadded(random_beams[0]),
        }
    return found


# -- several devices ----------------------------------------------------------------


def two_devices(module) -> list[str] | None:
    """Two virtual CPU devices where the backend has data parallelism, as
    distributed() names them on it; None on torch."""
    backend = backend_of(module)
    if backend == "jax":
        return module.keras.distribution.list_devices("cpu")
    if backend == "torch":
        return None
    import tensorflow as tf  # the TensorFlow backend's, or tf_keras's

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    return ["/cpu:0", "/cpu:1"]


def steps(module, weights, x, y) -> list[float]:
    model = module.compile_model(module.build_training_model(module.build_model()))
    model.set_weights(weights)
    return [float(np.ravel(model.train_on_batch(x, y))[0]) for _ in range(2)]


def distributed(names: list[str]) -> dict:
    found = {}
    for name in names:
        module = load(FOLDER / f"{name}.py")
        devices = two_devices(module)
        arrays = np.load(FOLDER / f"{name}.npz")
        x, y = arrays["x"], arrays["y"]
        weights = module.build_model().get_weights()
        one = steps(module, weights, x, y)
        if devices is None:
            try:
                module.distributed()
            except NotImplementedError as refused:
                found[name] = {"refused": str(refused)}
            continue
        with module.distributed(devices):
            several = steps(module, weights, x, y)
        found[name] = {"devices": devices, "one": one, "several": several}
    return found


if __name__ == "__main__":
    result = {"losses": losses, "ctc": ctc, "distributed": distributed}[MODE](NAMES)
    (FOLDER / f"{MODE}.json").write_text(json.dumps(result), encoding="utf-8")
