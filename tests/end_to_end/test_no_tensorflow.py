"""Rendering and checking never import TensorFlow, and work where it cannot be imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..conftest import GOLDEN, ROOT, run_cli

SPEC = ROOT / "examples" / "conv_lstm2d.yaml"


def test_render_and_check_work_where_tensorflow_fails_to_import(tmp_path: Path) -> None:
    for package in ("tensorflow", "keras"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(
            f"raise ImportError('{package} is broken here')\n"
        )
    blocked = {"PYTHONPATH": str(tmp_path)}  # found before the real packages
    probe = subprocess.run(
        [sys.executable, "-c", "import tensorflow"],
        env=blocked,
        capture_output=True,
        text=True,
    )
    assert "tensorflow is broken here" in probe.stderr
    rendered = run_cli("render", SPEC, env=blocked)
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout == (GOLDEN / "conv_lstm2d.py").read_text()
    assert run_cli("check", SPEC, env=blocked).returncode == 0
    assert run_cli("schema", env=blocked).returncode == 0


def test_the_pipeline_leaves_tensorflow_unimported() -> None:
    code = (
        "import sys, rnnspec; rnnspec.render_spec(sys.argv[1]); "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'numpy')); "
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(SPEC)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr
