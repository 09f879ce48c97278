"""Drawn valid specs on the tf_keras target (tests/keras/test_properties.py's property 2 for
Keras 2): each is loaded and rendered with `--target tf_keras` and its module's own
smoke test run in .venv-tf-keras, or it is refused for that target with file:line:col.
The normal suite runs 4 in one Keras 2 process, `make fuzz` 40 in 4; the counts say how
many were drawn, refused, rendered, run and passed, and how many failed by cause.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import tempfile
from pathlib import Path

from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from rnnspec import load_spec, render_module
from rnnspec.read.load import SpecError

from ..conftest import ROOT
from ..support.strategies import specs, to_yaml
from ..keras.test_properties import (
    FUZZ,
    PROFILE,
    SCALE,
    _assert_found_nothing,
    _assert_marked,
    _count,
    _count_sections,
    _record,
)

# specs run under Keras 2, each round's in one process (its import costs ~10 s)
# (a third of drawn specs use an activation Keras 2 lacks: refused, counted, redrawn)
TF_KERAS_ROUNDS, TF_KERAS_BATCH = (1, 4) if not FUZZ else (max(1, round(4 * SCALE)), 10)
TF_KERAS_PYTHON = ROOT / ".venv-tf-keras" / "bin" / "python"
TF_KERAS_SMOKE = Path(__file__).parents[1] / "support" / "tf_keras_smoke.py"


def test_a_sample_of_valid_specs_runs_on_tf_keras(tmp_path: Path) -> None:
    """TF_KERAS_BATCH distinct specs a round, drawn until the tf_keras target takes as
    many (or four times as many drawn), rendered for `--target tf_keras`; each
    module's own smoke test (its main(), training step included) runs under Keras 2,
    the round's in one process (tests/support/tf_keras_smoke.py). A spec the target refuses
    is counted, and its refusal must say where. Failures are counted by cause:
    `tf_keras failed: <the exception>`."""
    assert TF_KERAS_PYTHON.exists(), "build .venv-tf-keras: `make .venv-tf-keras`"

    @settings(PROFILE, max_examples=TF_KERAS_ROUNDS, phases=[Phase.generate])
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        texts_by_name: dict[str, str] = {}
        seen: set[str] = set()
        for index in range(4 * TF_KERAS_BATCH):
            spec = data.draw(specs(), label=f"spec {index}")
            key = json.dumps(spec, sort_keys=True)
            if key in seen:  # Hypothesis draws the simplest spec more than once
                continue
            seen.add(key)
            text = _tf_keras_module(spec, folder, f"module_{index}")
            if text is not None:
                texts_by_name[f"module_{index}"] = text
            if len(texts_by_name) == TF_KERAS_BATCH:
                break
        assume(len(texts_by_name) == TF_KERAS_BATCH)  # else another, varied draw
        results = _run_tf_keras(folder, list(texts_by_name))
        failed = []
        for name, text in texts_by_name.items():
            _count("tf_keras: run")
            error = results.get(name, "TimeoutError: not run before the timeout")
            if error is None:
                _count("tf_keras: passed")
                continue
            cause = _cause(error)
            _count("tf_keras: failed")
            _count(f"tf_keras failed: {cause}")
            _count("failures")
            if FUZZ:
                _record("tf_keras", f"{cause}\n{error}", text.encode(), ".yaml")
            else:
                failed.append(f"{error[-3000:]}\n--- spec:\n{text}")
        assert not failed, f"{len(failed)} failed on tf_keras:\n\n" + "\n\n".join(
            failed
        )

    run()
    _assert_found_nothing("tf_keras")


def _tf_keras_module(spec: dict, folder: Path, name: str) -> str | None:
    """The spec loaded for the tf_keras target and its module written as
    `folder`/`name`.py: the spec's text, or None where the target refuses it."""
    _count("tf_keras: drawn")
    text = to_yaml(spec)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        loaded = load_spec(path, "tf_keras")
    except SpecError as error:
        _assert_marked(str(error), path, text.encode("utf-8"))
        _count("tf_keras: refused for the target")
        problem = error.problems[0]
        why = re.sub(r"\d+", "N", f"{problem.path}: {problem.message}")[:100]
        _count(f"tf_keras refused: {why}")
        return None
    module = render_module(loaded, "tf_keras")
    (folder / f"{name}.py").write_text(module, encoding="utf-8")
    _count("tf_keras: rendered")
    _count_sections(spec, "tf_keras")
    return text


def _run_tf_keras(folder: Path, names: list[str]) -> dict[str, str | None]:
    """name -> None (passed) or the traceback, from one Keras 2 process."""
    if not names:
        return {}
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(
            [str(TF_KERAS_PYTHON), str(TF_KERAS_SMOKE), str(folder), *names],
            capture_output=True,
            timeout=60 + 60 * len(names),
            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
            cwd=folder,
        )
    results = folder / "results.json"
    return json.loads(results.read_text()) if results.exists() else {}


def _cause(error: str) -> str:
    """A failure's cause: its traceback's (last) exception line and, for Keras 2's
    "Exception encountered when calling layer", the message line after it; numbers,
    quotes and tensors blanked."""
    lines = [line for line in error.splitlines() if line.strip()] or ["no traceback"]
    at = max((i for i, line in enumerate(lines) if _RAISED.match(line)), default=-1)
    cause = lines[at]
    if "Exception encountered when calling layer" in cause and at + 1 < len(lines):
        cause += " " + lines[at + 1].strip()  # Keras 2: what went wrong, next
    cause = re.sub(r"\"[^\"]*\"|'[^']*'|<[^>]*>", '"..."', cause)
    return re.sub(r"\d+", "N", cause)[:200]


_RAISED = re.compile(r"[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")
