"""What a golden module computes on this process's Keras backend, for test_backends.py.

Run as ``KERAS_BACKEND=B python tests/support/backend_numbers.py FOLDER MODULE...`` (one process
per backend, every module in it, so the backend is imported once). For each module,
imported (not run as ``__main__``), it builds the model and:

- on tensorflow (the reference), keeps its freshly built weights (FOLDER/NAME.weights.npz)
  and saves it (FOLDER/NAME.keras), both before any call, so a stateful model's state
  starts at zero when read back;
- on another backend, sets those same weights (``set_weights``), and also loads the
  TensorFlow-saved ``.keras`` file and runs it (``loaded/...``).

Then it calls the model, and the encoder and one-step decoder of
``build_inference_models`` where the module has them, on seeded random inputs made
from each Keras model's own ``inputs`` (the same on every backend), plus
``greedy_decode`` for three steps where the module has decoders; every output goes to
FOLDER/BACKEND/NAME.npz. A module that fails writes its traceback to
FOLDER/BACKEND/NAME.error instead.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

import keras
import numpy as np

BATCH, TIMESTEPS = 2, 6  # for dimensions the model leaves open
REFERENCE = "tensorflow"


def inputs_for(model: keras.Model, seed: int) -> list[np.ndarray]:
    """Seeded inputs for each of ``model.inputs``: class ids 0..2 or normal floats."""
    rng = np.random.default_rng(seed)
    arrays = []
    for tensor in model.inputs:
        shape = tuple(tensor.shape)
        shape = (BATCH if shape[0] is None else shape[0],) + tuple(
            TIMESTEPS if dim is None else dim for dim in shape[1:]
        )
        dtype = keras.backend.standardize_dtype(tensor.dtype)
        if "int" in dtype:
            arrays.append(rng.integers(0, 3, shape).astype(dtype))
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return arrays


def outputs_of(model: keras.Model, arrays: list[np.ndarray]) -> list[np.ndarray]:
    returned = model(arrays if len(arrays) > 1 else arrays[0])
    return [keras.ops.convert_to_numpy(x) for x in keras.tree.flatten(returned)]


def load(path: Path):
    # its own loader, not tests/support/modules.py: this script runs by path in another
    # interpreter (or with another KERAS_BACKEND), outside the test package
    spec = importlib.util.spec_from_file_location(f"golden_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numbers(module, folder: Path, name: str, backend: str) -> dict[str, np.ndarray]:
    """Every output this module's models give, by ``model/index``."""
    keras.utils.set_random_seed(0)
    model = module.build_model()
    weights = folder / f"{name}.weights.npz"
    saved = folder / f"{name}.keras"
    if backend == REFERENCE:
        np.savez(weights, *model.get_weights())
        model.save(saved)
    else:
        with np.load(weights) as kept:
            model.set_weights([kept[f"arr_{i}"] for i in range(len(kept.files))])
    found: dict[str, np.ndarray] = {}

    def record(label: str, values: list[np.ndarray]) -> None:
        found.update({f"{label}/{i}": value for i, value in enumerate(values)})

    arrays = inputs_for(model, 0)
    if backend != REFERENCE:  # before the built model runs: a fresh state each
        record("loaded", outputs_of(keras.saving.load_model(saved), arrays))
    record("model", outputs_of(model, arrays))
    if hasattr(module, "build_inference_models"):
        encoder, decoder = module.build_inference_models(model)
        encoder_inputs = inputs_for(encoder, 1)
        record("encoder", outputs_of(encoder, encoder_inputs))
        record("decoder_step", outputs_of(decoder, inputs_for(decoder, 2)))
        if hasattr(module, "greedy_decode"):  # where the spec asks for decoders
            given = encoder_inputs if len(encoder_inputs) > 1 else encoder_inputs[0]
            chosen = module.greedy_decode(model, given, max_length=3, stop=None)
            record("greedy_decode", [np.asarray(chosen)])
    return found


def main(argv: list[str]) -> None:
    folder, paths = Path(argv[1]), [Path(arg) for arg in argv[2:]]
    backend = keras.backend.backend()
    (folder / backend).mkdir(parents=True, exist_ok=True)
    for path in paths:
        keras.backend.clear_session()
        try:
            found = numbers(load(path), folder, path.stem, backend)
        except Exception:  # noqa: BLE001 - reported by the test, with its traceback
            (folder / backend / f"{path.stem}.error").write_text(traceback.format_exc())
            continue
        np.savez(folder / backend / f"{path.stem}.npz", **found)


if __name__ == "__main__":
    main(sys.argv)
