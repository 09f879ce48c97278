"""The specs named like the module's own names (tests/data/specs/own_names) run on
Keras 2 too, each rendered for tf_keras and run as `python module.py`, where its
imports (tf, keras, np) are renamed as well."""

from __future__ import annotations

import subprocess
from pathlib import Path

from rnnspec import load_spec, render_module

from ..conftest import ROOT

TF_KERAS_PYTHON = ROOT / ".venv-tf-keras" / "bin" / "python"
OWN_NAMES = sorted((ROOT / "tests" / "data" / "specs" / "own_names").glob("*.yaml"))


def test_specs_named_like_the_module_s_own_names_run_on_keras_2(tmp_path: Path) -> None:
    failed = {}
    for spec in OWN_NAMES:
        module = tmp_path / f"{spec.stem}.py"
        module.write_text(render_module(load_spec(spec, "tf_keras"), "tf_keras"))
        done = subprocess.run(
            [str(TF_KERAS_PYTHON), str(module)],
            capture_output=True,
            text=True,
            timeout=600,
            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
            check=False,
        )
        if done.returncode:
            failed[spec.stem] = done.stderr[-2000:]
    assert not failed, failed
