"""Saved models read back in a fresh process, for test_backends.py.

Run as ``KERAS_BACKEND=B python tests/support/load_probe.py FOLDER MODULE...`` after
TensorFlow's backend_probe.py run, which saved each module's model, fresh, to
FOLDER/NAME.keras and its inputs to FOLDER/NAME.inputs.npz: one process per backend
for every module, which imports each module (that is all it does with it: nothing is
built here), reads the model back with the module's ``load_model(path)``, and runs it
on the inputs TensorFlow's model had (``model/...``). The outputs go to
FOLDER/BACKEND/NAME.loaded.npz, or the traceback of a failure to
FOLDER/BACKEND/NAME.loaded.error.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import keras
import numpy as np

from backend_probe import load, outputs_of


def read_back(path: Path, folder: Path, mine: Path) -> None:
    """One module: its saved model loaded and run, the outputs written to ``mine``."""
    name = path.stem
    for stale in (".loaded.npz", ".loaded.error"):
        (mine / f"{name}{stale}").unlink(missing_ok=True)
    try:
        module = load(path)
        model = module.load_model(folder / f"{name}.keras")
        with np.load(folder / f"{name}.inputs.npz") as given:
            count = sum(key.startswith("model/") for key in given.files)
            arrays = [given[f"model/{i}"] for i in range(count)]
        found = outputs_of(model, arrays)
        np.savez(
            mine / f"{name}.loaded.npz",
            **{f"model/{i}": v for i, v in enumerate(found)},
        )
    except Exception:  # noqa: BLE001 - reported by the test, with its traceback
        (mine / f"{name}.loaded.error").write_text(traceback.format_exc())


def main(argv: list[str]) -> None:
    folder, paths = Path(argv[1]), [Path(arg) for arg in argv[2:]]
    mine = folder / keras.backend.backend()
    mine.mkdir(parents=True, exist_ok=True)
    for path in paths:
        read_back(path, folder, mine)


if __name__ == "__main__":
    main(sys.argv)
