"""What a golden module does on this process's Keras backend, for test_backends.py.

Run as ``KERAS_BACKEND=B python tests/support/backend_probe.py FOLDER MODULE...``: one
process per backend, every module in it, so the backend is imported once, and each
module's model is built once. For each module, imported (not run as ``__main__``):

- its ``build_model`` global is wrapped, so the model its ``main()`` builds is kept,
  with its fresh weights. Right after that build, before any call: on tensorflow (the
  reference) its weights go to FOLDER/NAME.weights.npz (and by layer name to
  FOLDER/NAME.layers.npz), each layer's class, output shape and parameter count to
  FOLDER/NAME.summary.json, and the model to FOLDER/NAME.keras, so a stateful model's
  state starts at zero when read back; on another backend it takes those same weights
  (``set_weights``);
- ``main()`` runs, what it prints captured: the smoke test, as ``python MODULE.py`` runs
  it. Its outcome and output go to FOLDER/BACKEND/NAME.smoke.json;
- the kept model gets its fresh weights back and its stateful layers' states reset;
  then the model, and the encoder and one-step decoder of ``build_inference_models``
  where the module has them, run on seeded random inputs made from each Keras model's
  own ``inputs`` (the same on every backend), plus ``greedy_decode`` for three steps
  where it has decoders (a spec with a ``decoding`` section; a language model's
  one-step model too), a stateful model's next
  batch and its batch after its module's ``reset_states``, and the module's CTC losses
  on seeded labels and scores.
  On another backend the TensorFlow-saved ``.keras`` file is loaded and run too
  (``loaded/...``). Every output goes to FOLDER/BACKEND/NAME.npz, and on tensorflow
  the inputs, by the same names, to FOLDER/NAME.inputs.npz (Keras 2 runs the tf_keras
  module on them: tests/support/tf_keras_run.py); if this part fails, its traceback
  goes to FOLDER/BACKEND/NAME.error instead.

NAME.smoke.json is written last: a module that has one is done.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import keras
import numpy as np

from rnnspec.run.worker import call_with_true, one_line
from rnnspec.targets import DEFAULT, get_target

BATCH, TIMESTEPS = 2, 6  # for dimensions the model leaves open
REFERENCE = "tensorflow"
SEED = 0  # keras' seed for a model main() did not build


@dataclass
class Kept:
    """The first model the module's build_model() built, and its weights then."""

    model: keras.Model | None = None
    fresh: list[np.ndarray] = field(default_factory=list)


def inputs_for(model: keras.Model, seed: int) -> list[np.ndarray]:
    """Seeded inputs for each of ``model.inputs``: class ids 0..2, masks or normal
    floats."""
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
        elif dtype == "bool":  # a mask: some steps off, never a whole row
            mask = rng.random(shape) > 0.3
            mask[:, 0] = True
            arrays.append(mask)
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return arrays


def outputs_of(model: keras.Model, arrays: list[np.ndarray]) -> list[np.ndarray]:
    returned = model(arrays if len(arrays) > 1 else arrays[0])
    return [keras.ops.convert_to_numpy(x) for x in keras.tree.flatten(returned)]


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"golden_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keep_built(module: ModuleType, folder: Path, name: str) -> Kept:
    """Wrap ``module.build_model`` (main() looks it up at call time): the first model
    it builds is kept, after the reference's weights are saved or taken."""
    build_model, kept = module.build_model, Kept()

    def build_and_keep(*args: Any, **kwargs: Any) -> keras.Model:
        model = build_model(*args, **kwargs)
        if kept.model is None:
            start_from_reference(model, folder, name)
            kept.model, kept.fresh = model, model.get_weights()
        return model

    module.build_model = build_and_keep
    return kept


def start_from_reference(model: keras.Model, folder: Path, name: str) -> None:
    """On the reference: save the fresh weights and model; elsewhere: take them."""
    weights = folder / f"{name}.weights.npz"
    if keras.backend.backend() == REFERENCE:
        np.savez(weights, *model.get_weights())
        named = {  # by layer, for Keras 2, whose model may order its layers otherwise
            f"{layer.name}/{i}": weight
            for layer in model.layers
            for i, weight in enumerate(layer.get_weights())
        }
        np.savez(folder / f"{name}.layers.npz", **named)
        (folder / f"{name}.summary.json").write_text(json.dumps(summary(model)))
        model.save(folder / f"{name}.keras")
        return
    with np.load(weights) as saved:
        model.set_weights([saved[f"arr_{i}"] for i in range(len(saved.files))])


def smoke(module: ModuleType) -> dict[str, Any]:
    """``main()`` with what it prints captured, as the smoke worker reports it."""
    output, ok, error = io.StringIO(), True, None
    start = time.perf_counter()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            module.main()
        except SystemExit as exc:  # as python exits: 0 or None passes
            ok = exc.code in (0, None)
            error = None if ok else f"SystemExit: {exc.code}"
        except Exception as exc:  # noqa: BLE001 - the module's failure, reported
            ok, error = False, one_line(exc)
            traceback.print_exc(file=output)
    seconds = time.perf_counter() - start
    return {"ok": ok, "error": error, "output": output.getvalue(), "seconds": seconds}


def reset_states(model: keras.Model) -> None:
    """Every stateful layer's state variables back to the zeros they start from (not
    by RNN.reset_state(), which fails on a stack of cells' nested states in Keras
    3.15)."""
    for layer in model.layers:
        if not getattr(layer, "stateful", False):
            continue
        for one in directions(layer):
            for variable in keras.tree.flatten(getattr(one, "states", None) or []):
                variable.assign(keras.ops.zeros(variable.shape, variable.dtype))


def directions(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """A Bidirectional layer's two layers; any other layer itself."""
    if isinstance(layer, keras.layers.Bidirectional):
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


def numbers(
    module: ModuleType, kept: Kept, folder: Path, name: str
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every output this module's models give from the fresh weights, by
    ``model/index``, and the inputs they were given, by the same names."""
    if kept.model is None:  # main() built none: build it here
        keras.utils.set_random_seed(SEED)
        module.build_model()
    model = kept.model
    model.set_weights(kept.fresh)
    reset_states(model)
    found: dict[str, np.ndarray] = {}
    given: dict[str, np.ndarray] = {}

    def record(label: str, values: list[np.ndarray], arrays: list[np.ndarray]) -> None:
        found.update({f"{label}/{i}": value for i, value in enumerate(values)})
        given.update({f"{label}/{i}": array for i, array in enumerate(arrays)})

    arrays = inputs_for(model, 0)
    if keras.backend.backend() != REFERENCE:  # a fresh model, a fresh state
        loaded = keras.saving.load_model(folder / f"{name}.keras")
        record("loaded", outputs_of(loaded, arrays), arrays)
    record("model", outputs_of(model, arrays), arrays)
    if hasattr(module, "reset_states"):  # the state carried on, then reset
        record("model_second_batch", outputs_of(model, arrays), arrays)
        module.reset_states(model)
        record("model_after_reset", outputs_of(model, arrays), arrays)
    if hasattr(module, "build_inference_models"):
        encoder, decoder = module.build_inference_models(model)
        encoder_inputs = inputs_for(encoder, 1)
        record("encoder", outputs_of(encoder, encoder_inputs), encoder_inputs)
        steps = inputs_for(decoder, 2)
        record("decoder_step", outputs_of(decoder, steps), steps)
        if hasattr(module, "greedy_decode"):  # a spec with a decoding section
            one = encoder_inputs if len(encoder_inputs) > 1 else encoder_inputs[0]
            chosen = module.greedy_decode(model, one, max_length=3, stop=None)
            record("greedy_decode", [np.asarray(chosen)], encoder_inputs)
    if hasattr(module, "build_step_model"):  # a language model's one-step generator
        step_model = module.build_step_model(model)
        steps = inputs_for(step_model, 2)
        record("step_model", outputs_of(step_model, steps), steps)
        first = arrays[0]  # the model's classes: token ids, or one-hot steps
        prompt = first if first.ndim == 2 else first.argmax(axis=-1).astype("int32")
        chosen = module.greedy_decode(model, prompt, max_length=3, stop=None)
        record("greedy_decode", [np.asarray(chosen)], [prompt])
    for loss, labels, scores in ctc_losses(module):
        values = keras.ops.reshape(loss(labels, scores), (-1,))
        record(loss.__name__, [keras.ops.convert_to_numpy(values)], [labels, scores])
    return found, given


def ctc_losses(module: ModuleType) -> list[tuple[Any, np.ndarray, np.ndarray]]:
    """The module's CTC losses, each with seeded labels and scores (probabilities for
    ``ctc_loss``, logits for ``ctc_loss_from_logits``)."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, (BATCH, 3)).astype("int32")
    logits = rng.standard_normal((BATCH, 8, 5)).astype("float32")
    softmax = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return [
        (getattr(module, name), labels, scores)
        for name, scores in (("ctc_loss", softmax), ("ctc_loss_from_logits", logits))
        if hasattr(module, name)
    ]


def summary(model: keras.Model) -> dict[str, list[Any]]:
    """Per layer, by name: its class, its (first) output's shape and count_params(),
    what `rnnspec check` prints of it (tests/keras/test_check_layers.py)."""
    found = {}
    for layer in model.layers:
        output = layer.output
        while isinstance(output, (list, tuple)):
            output = output[0]
        shape = list(output.shape)
        found[layer.name] = [type(layer).__name__, shape, layer.count_params()]
    return found


def probe(path: Path, folder: Path, mine: Path) -> None:
    """One module: built and run once, its smoke and numbers written to ``mine``."""
    for stale in (".smoke.json", ".error", ".npz"):
        (mine / f"{path.stem}{stale}").unlink(missing_ok=True)
    keras.backend.clear_session()
    try:
        module = load(path)
        kept = keep_built(module, folder, path.stem)
    except Exception:  # noqa: BLE001 - reported by the test, with its traceback
        failed = traceback.format_exc()
        (mine / f"{path.stem}.error").write_text(failed)
        ran = {"ok": False, "error": "import failed", "output": failed, "seconds": 0}
    else:
        ran = smoke(module)
        try:
            found, given = numbers(module, kept, folder, path.stem)
            np.savez(mine / f"{path.stem}.npz", **found)
            if keras.backend.backend() == REFERENCE:  # for Keras 2 (test_tf_keras.py)
                np.savez(folder / f"{path.stem}.inputs.npz", **given)
        except Exception:  # noqa: BLE001 - reported by the test, with its traceback
            (mine / f"{path.stem}.error").write_text(traceback.format_exc())
    (mine / f"{path.stem}.smoke.json").write_text(json.dumps(ran), encoding="utf-8")


def train_eagerly() -> None:
    """As `rnnspec smoke` runs a module: the target's eager switch
    (rnnspec/targets/), which runs the training step eagerly on TensorFlow."""
    for dotted in get_target(DEFAULT).eager:
        call_with_true(dotted)


def main(argv: list[str]) -> None:
    folder, paths = Path(argv[1]), [Path(arg) for arg in argv[2:]]
    train_eagerly()
    mine = folder / keras.backend.backend()
    mine.mkdir(parents=True, exist_ok=True)
    for path in paths:
        probe(path, folder, mine)


if __name__ == "__main__":
    main(sys.argv)
