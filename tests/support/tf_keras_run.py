"""Run rendered modules and save their numbers: the script tests/backends/test_tf_keras.py runs
once with Keras 3 (`dump`) and once in .venv-tf-keras with Keras 2 (`check`).

`python tf_keras_run.py dump FOLDER NAME...` imports FOLDER/keras3/NAME.py for each
NAME, builds its model, and saves in FOLDER/NAME.keras3.npz its weights (by layer
name), seeded inputs and every tensor it returns, and likewise for its inference models,
stateful batches and CTC losses. `check` imports FOLDER/tf_keras/NAME.py, runs its main()
(the smoke test), loads those weights and inputs, and saves its own numbers in
FOLDER/NAME.tf_keras.npz. Only numpy and the module's own imports are needed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from pathlib import Path

import numpy as np

BATCH, TIME = 2, 4


def load(path: Path):
    # its own loader, not tests/support/modules.py: this script runs by path in another
    # interpreter (or with another KERAS_BACKEND), outside the test package
    spec = importlib.util.spec_from_file_location(
        f"{path.parent.name}_{path.stem}", path
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def flat(tensors) -> list[np.ndarray]:
    tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
    return [np.asarray(t).astype("float64") for t in tensors]


def weights(model) -> dict[str, np.ndarray]:
    return {
        f"{layer.name}/{i}": np.asarray(w)
        for layer in model.layers
        for i, w in enumerate(layer.get_weights())
    }


def make_inputs(model, rng, prefix: str) -> dict[str, np.ndarray]:
    """Seeded arrays for each of model's inputs: token ids below every vocabulary."""
    vocabulary = min(
        [layer.input_dim for layer in model.layers if hasattr(layer, "input_dim")]
        or [2]
    )
    arrays = {}
    for index, tensor in enumerate(model.inputs):
        shape = list(tensor.shape)
        shape[0] = shape[0] or BATCH
        shape = [size or TIME for size in shape]
        dtype = str(getattr(tensor.dtype, "name", tensor.dtype))
        if "int" in dtype:
            array = rng.integers(0, vocabulary, shape).astype("int32")
        elif "bool" in dtype:
            array = rng.random(shape) > 0.3
            array[:, 0] = True
        else:
            array = rng.standard_normal(shape).astype("float32")
        arrays[f"{prefix}/{index}"] = array
    return arrays


def given(arrays: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    count = sum(1 for key in arrays if key.startswith(prefix + "/"))
    listed = [arrays[f"{prefix}/{i}"] for i in range(count)]
    return listed[0] if count == 1 else listed


def numbers(module, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every tensor the module's models return on `arrays`, by a stable name."""
    out: dict[str, np.ndarray] = {}

    def record(name: str, tensors) -> None:
        for i, array in enumerate(flat(tensors)):
            out[f"{name}/{i}"] = array

    model = module.build_model()
    set_weights(model, arrays)
    record("model", model(given(arrays, "model")))
    if hasattr(module, "reset_states"):  # the state carried on, then reset
        record("model_second_batch", model(given(arrays, "model")))
        module.reset_states(model)
        record("model_after_reset", model(given(arrays, "model")))
    if hasattr(module, "build_inference_models"):
        encoder, decoder = module.build_inference_models(model)
        record("encoder", encoder(given(arrays, "encoder")))
        record("decoder", decoder(given(arrays, "decoder")))
    for loss in ("ctc_loss", "ctc_loss_from_logits"):
        if hasattr(module, loss):
            y_true, y_pred = arrays["ctc/y_true"], arrays["ctc/y_pred"]
            if loss == "ctc_loss":
                y_pred = np.exp(y_pred) / np.exp(y_pred).sum(-1, keepdims=True)
            record(loss, np.reshape(getattr(module, loss)(y_true, y_pred), (-1,)))
    return out


def set_weights(model, arrays: dict[str, np.ndarray]) -> None:
    for layer in model.layers:
        count = len(layer.get_weights())
        if count:
            layer.set_weights(
                [arrays[f"weight:{layer.name}/{i}"] for i in range(count)]
            )


def dump(module, rng) -> dict[str, np.ndarray]:
    model = module.build_model()
    arrays = {f"weight:{k}": v for k, v in weights(model).items()}
    arrays.update(make_inputs(model, rng, "model"))
    if hasattr(module, "build_inference_models"):
        encoder, decoder = module.build_inference_models(model)
        arrays.update(make_inputs(encoder, rng, "encoder"))
        arrays.update(make_inputs(decoder, rng, "decoder"))
    arrays["ctc/y_true"] = rng.integers(0, 3, (BATCH, 3)).astype("int32")
    arrays["ctc/y_pred"] = rng.standard_normal((BATCH, 8, 5)).astype("float32")
    return arrays


def main(mode: str, folder: Path, names: list[str]) -> None:
    errors = {}
    for name in names:
        try:
            if mode == "dump":
                module = load(folder / "keras3" / f"{name}.py")
                arrays = dump(module, np.random.default_rng(0))
                np.savez(folder / f"{name}.inputs.npz", **arrays)
                np.savez(folder / f"{name}.keras3.npz", **numbers(module, arrays))
            else:
                module = load(folder / "tf_keras" / f"{name}.py")
                module.main()
                arrays = dict(np.load(folder / f"{name}.inputs.npz"))
                np.savez(folder / f"{name}.tf_keras.npz", **numbers(module, arrays))
        except Exception:  # noqa: BLE001 - reported per module, checked by the test
            errors[name] = traceback.format_exc()
    (folder / f"{mode}.errors.json").write_text(json.dumps(errors))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])
