"""Property: whatever names a drawn long-form spec gives its inputs and blocks (the
strategies draw the module's own names, rnnspec/plan/names.py, and published ones such
as encoder_inputs), the module keeps them and renames its own: it passes pyflakes
(no undefined, shadowed or redefined name) for both targets, each input a keras.Input
of its own name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from rnnspec import load_spec, make_plan, render_module
from rnnspec.read.load import SpecError

from ..support.strategies import long_specs, to_yaml

CONFIG = Path(__file__).with_name("ruff.toml")


def _ruff(folder: Path) -> str:
    """ruff's pyflakes findings (undefined, shadowed, redefined names) in the modules
    of `folder`, "" for none. F841 (a local never read) aside: the inference model of
    an encoder with a head assigns its output unread, whatever the names (a known
    issue of its own); so is a long block name's line over 88 columns (E501)."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(CONFIG)]
        + ["--select", "F", "--ignore", "F841", "--output-format", "concise"]
        + [str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=long_specs())
def test_drawn_names_stay_the_spec_s_and_the_module_renames_its_own(
    spec: dict, tmp_path_factory
) -> None:
    folder = tmp_path_factory.mktemp("own")
    file = folder / "spec.yaml"
    file.write_text(to_yaml(spec), encoding="utf-8")
    for target in ("keras3", "tf_keras"):
        try:
            loaded = load_spec(file, target)
        except SpecError:
            continue  # refused, for the target or a clash of the spec's own names
        plan, source = make_plan(loaded), render_module(loaded, target)
        for name in spec["inputs"]:
            assert f"    {name} = {plan.own['keras']}.Input(" in source, name
        (folder / f"{target}.py").write_text(source, encoding="utf-8")
    assert _ruff(folder) == ""
