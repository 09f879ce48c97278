"""The smoke's training step, traced (as a module's own `main()` runs it) and eager (as
`rnnspec smoke` runs it: the target's `eager` switch, rnnspec/targets/): the CPU
seconds of each golden module's `main()` that trains, and the loss of its one step,
which must be the same both ways for the smoke to take the cheaper one.

Each run is a fresh interpreter on TensorFlow, in turn, so the two are measured alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from common import ROOT

GOLDEN = ROOT / "tests" / "golden"
TOLERANCE = 1e-5  # relative: the largest difference between the two losses allowed

PROBE = """\
import json, runpy, sys, time
import keras, numpy as np, tensorflow as tf
if sys.argv[2] == "eager":
    tf.config.run_functions_eagerly(True)
losses = []
train_on_batch = keras.Model.train_on_batch
def recorded(self, *args, **kwargs):
    result = train_on_batch(self, *args, **kwargs)
    losses.append(float(np.asarray(result["loss"] if isinstance(result, dict) else result)))
    return result
keras.Model.train_on_batch = recorded
start = time.process_time()
runpy.run_path(sys.argv[1], run_name="__main__")
print(json.dumps({"cpu": time.process_time() - start, "losses": losses}))
"""


def run(module: str, mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module, mode],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"},
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def same(first: list[float], second: list[float]) -> bool:
    return len(first) == len(second) and all(
        abs(a - b) <= TOLERANCE * max(1.0, abs(a)) for a, b in zip(first, second)
    )


def main() -> None:
    modules = sorted(
        path for path in GOLDEN.glob("*.py") if "training step" in path.read_text()
    )
    print(f"{'module':<28} {'traced':>9} {'eager':>9}  loss (traced / eager)")
    totals = {"traced": 0.0, "eager": 0.0}
    for path in modules:
        traced, eager = run(str(path), "traced"), run(str(path), "eager")
        totals["traced"] += traced["cpu"]
        totals["eager"] += eager["cpu"]
        verdict = "same" if same(traced["losses"], eager["losses"]) else "DIFFERENT"
        print(
            f"{path.stem:<28} {traced['cpu']:8.2f}s {eager['cpu']:8.2f}s  "
            f"{traced['losses']} / {eager['losses']}: {verdict}"
        )
    print(
        f"{'all ' + str(len(modules)) + ' modules':<28} {totals['traced']:8.2f}s "
        f"{totals['eager']:8.2f}s  (CPU seconds of main())"
    )


if __name__ == "__main__":
    main()
