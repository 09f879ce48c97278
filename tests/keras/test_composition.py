"""`recurrent_part()`: the model's layers on your own tensors, as docs/composition.md shows.

The page's Python block runs for real, against a module rendered from the spec it
names, and must print exactly what the page says it prints.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from rnnspec import render_spec

from ..conftest import ROOT

PAGE = ROOT / "docs" / "composition.md"


def _blocks(page: str, info: str) -> list[str]:
    return re.findall(rf"```{info}\n(.*?)```", page, flags=re.DOTALL)


def test_the_worked_example_runs_and_prints_what_the_page_says(tmp_path: Path) -> None:
    page = PAGE.read_text(encoding="utf-8")
    (command,) = _blocks(page, "sh")
    spec = command.split()[2]
    (tmp_path / "gru.py").write_text(render_spec(str(ROOT / spec)), encoding="utf-8")
    (code,) = _blocks(page, "python")
    (printed,) = _blocks(page, "text")
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed


def test_build_model_is_recurrent_part_on_keras_inputs(tmp_path: Path) -> None:
    """Every module's build_model() returns recurrent_part()'s tensors in RETURNED's
    order, so a model of your own inputs has the same layers and weights."""
    (tmp_path / "seq.py").write_text(
        render_spec(str(ROOT / "examples" / "seq2seq" / "lstm_seq2seq.yaml")),
        encoding="utf-8",
    )
    code = (
        "import keras, seq\n"
        "model = seq.build_model()\n"
        "mine = [keras.Input(shape=(None, 71)), keras.Input(shape=(None, 93))]\n"
        "returned = seq.recurrent_part(*mine)\n"
        "assert list(returned) == seq.RETURNED, list(returned)\n"
        "other = keras.Model(mine, [returned[name] for name in seq.RETURNED])\n"
        "assert other.count_params() == model.count_params()\n"
        "print(other.count_params())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "718173\n"  # rnnspec check examples/seq2seq/lstm_seq2seq.yaml
