"""The unit tier imports no backend: every module of tests/unit/ imported in a fresh
interpreter leaves Keras, TensorFlow, JAX and PyTorch unimported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..conftest import ROOT

BACKENDS = ("keras", "tensorflow", "jax", "torch", "tf_keras")
HERE = Path(__file__).parent
UNIT = sorted(HERE.rglob("test_*.py"))  # tests/unit/ and its folders (check/, plan/)

PROBE = """\
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & set(%r))))
"""


def test_no_unit_test_module_imports_a_backend() -> None:
    names = [
        "tests.unit." + ".".join(path.relative_to(HERE).with_suffix("").parts)
        for path in UNIT
    ]
    assert len(names) > 10
    done = subprocess.run(
        [sys.executable, "-c", PROBE % (BACKENDS,), *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [], f"imported: {done.stdout}"
