"""Run rendered tf_keras modules in Keras 2 on what TensorFlow's probe gave their Keras 3
modules: the script tests/backends/test_tf_keras.py runs in .venv-tf-keras.

`python tf_keras_run.py PROBED FOLDER NAME...` imports FOLDER/tf_keras/NAME.py for each
NAME, runs its main() (the smoke test), builds its model, takes the Keras 3 model's
fresh weights by layer name (PROBED/NAME.layers.npz, saved by
tests/support/backend_probe.py on TensorFlow) and runs it, its inference models, its
decoder and its CTC losses on the probe's inputs (PROBED/NAME.inputs.npz): its numbers,
by the names the probe gave TensorFlow's, go to FOLDER/NAME.tf_keras.npz; a module's
failure, to FOLDER/errors.json. Only numpy and the module's own imports are needed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from pathlib import Path

import numpy as np


def load(path: Path):
    # its own loader, not tests/support/modules.py: this script runs by path in another
    # interpreter, outside the test package
    spec = importlib.util.spec_from_file_location(
        f"{path.parent.name}_{path.stem}", path
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def flat(tensors) -> list[np.ndarray]:
    tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
    return [np.asarray(t) for t in tensors]


def set_weights(model, weights: dict[str, np.ndarray]) -> None:
    for layer in model.layers:
        count = len(layer.get_weights())
        if count:
            layer.set_weights([weights[f"{layer.name}/{i}"] for i in range(count)])


def numbers(module, weights, inputs) -> dict[str, np.ndarray]:
    """What the probe records (backend_probe.py's `numbers`), on Keras 2."""
    out: dict[str, np.ndarray] = {}

    def given(label: str):
        count = sum(1 for key in inputs if key.startswith(f"{label}/"))
        arrays = [inputs[f"{label}/{i}"] for i in range(count)]
        return arrays[0] if count == 1 else arrays

    def record(label: str, tensors) -> None:
        out.update({f"{label}/{i}": a for i, a in enumerate(flat(tensors))})

    model = module.build_model()
    set_weights(model, weights)
    record("model", model(given("model")))
    if hasattr(module, "reset_states"):  # the state carried on, then reset
        record("model_second_batch", model(given("model_second_batch")))
        module.reset_states(model)
        record("model_after_reset", model(given("model_after_reset")))
    if hasattr(module, "build_inference_models"):
        encoder, decoder = module.build_inference_models(model)
        record("encoder", encoder(given("encoder")))
        record("decoder_step", decoder(given("decoder_step")))
        if hasattr(module, "greedy_decode"):
            chosen = module.greedy_decode(
                model, given("greedy_decode"), max_length=3, stop=None
            )
            record("greedy_decode", np.asarray(chosen))
    if hasattr(module, "build_step_model"):
        record("step_model", module.build_step_model(model)(given("step_model")))
        chosen = module.greedy_decode(
            model, given("greedy_decode"), max_length=3, stop=None
        )
        record("greedy_decode", np.asarray(chosen))
    for loss in ("ctc_loss", "ctc_loss_from_logits"):
        if hasattr(module, loss):
            labels, scores = inputs[f"{loss}/0"], inputs[f"{loss}/1"]
            record(loss, np.reshape(getattr(module, loss)(labels, scores), (-1,)))
    return out


def main(probed: Path, folder: Path, names: list[str]) -> None:
    errors = {}
    for name in names:
        try:
            module = load(folder / "tf_keras" / f"{name}.py")
            module.main()
            with np.load(probed / f"{name}.layers.npz") as weights:
                with np.load(probed / f"{name}.inputs.npz") as inputs:
                    found = numbers(module, dict(weights), dict(inputs))
            np.savez(folder / f"{name}.tf_keras.npz", **found)
        except Exception:  # noqa: BLE001 - reported per module, checked by the test
            errors[name] = traceback.format_exc()
    (folder / "errors.json").write_text(json.dumps(errors))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
