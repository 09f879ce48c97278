"""Rendering is the same in every process, and its result is what black makes of it.

- Determinism: specs with several optional keys per cell (and a long-form spec with
  heads and bridges) are rendered in fresh interpreters under different
  PYTHONHASHSEED values; every one must give the same bytes, and the same as this
  process. Rendering twice in one process cannot show an order that depends on
  string hashing (a set, say); this can.
- Black: the module is the black-formatting of the raw (unformatted) render, black
  leaves it as it is, and the `black` executable, in a separate process, accepts the
  file the command line writes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rnnspec
from rnnspec import load_spec, plan_spec, render_module, render_source
from rnnspec.render.format import format_whole

from ..conftest import ALL_EXAMPLES, ROOT, invoke

BEHAVIOUR = ROOT / "tests" / "data" / "specs" / "behaviour"
OPTIONS = sorted((BEHAVIOUR / "determinism").glob("*.yaml"))
SPECS = [  # every spec that renders (rules/ holds refused ones)
    *sorted(path for path in BEHAVIOUR.rglob("*.yaml") if path.parent.name != "rules"),
    *ALL_EXAMPLES,
]
RENDERED = OPTIONS + ALL_EXAMPLES  # in other processes
SEEDS = ("0", "1", "2", "3", "random")

# Renders every spec named on the command line; prints the generator it imported,
# then one "sha256 path" line a spec.
RENDER_ALL = """
import hashlib, sys
import rnnspec
print(rnnspec.__file__)
for path in sys.argv[1:]:
    source = rnnspec.render_spec(path)
    print(hashlib.sha256(source.encode()).hexdigest(), path)
"""


def digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def render_in_processes(seeds: tuple[str, ...]) -> dict[str, list[str]]:
    """Every spec rendered by a fresh interpreter per seed (PYTHONHASHSEED), at once."""
    paths = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    running = {
        seed: subprocess.Popen(
            [sys.executable, "-c", RENDER_ALL, *map(str, RENDERED)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": paths},
        )
        for seed in seeds
    }
    printed = {}
    for seed, process in running.items():
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        printed[seed] = out.splitlines()
    return printed


def test_the_specs_set_several_optional_keys():
    """Two or more optional keys in one cell, so that their order can differ."""
    required = {"type", "units", "filters", "kernel_size", "padding", "strides"}
    counts = []
    for path in OPTIONS:
        spec = load_spec(path)
        blocks = getattr(spec, "blocks", [spec])
        for block in blocks:
            for cell in block.cells:
                counts.append(len(set(cell.model_fields_set) - required))
    assert len(OPTIONS) >= 4
    assert max(counts) >= 9 and sum(count >= 4 for count in counts) >= 5


def test_same_bytes_under_every_hash_seed():
    here = [f"{digest(render_module(load_spec(path)))} {path}" for path in RENDERED]
    for seed, (imported, *lines) in render_in_processes(SEEDS).items():
        assert Path(imported) == Path(rnnspec.__file__), "another generator"
        assert lines == here, f"PYTHONHASHSEED={seed} renders differently"


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_module_is_black_of_the_raw_render(path: Path):
    spec = load_spec(path)
    module = render_module(spec)
    raw = render_source(plan_spec(spec))
    assert format_whole(raw) == module
    assert format_whole(module) == module  # stable: black leaves it alone
    compile(raw, str(path), "exec")


def test_black_executable_accepts_the_written_modules(tmp_path: Path):
    """`black --check`, the real command in its own process, on what `rnnspec render
    -o` wrote, for a short-form and a long-form spec."""
    written = []
    for path in [OPTIONS[0], BEHAVIOUR / "determinism" / "graph_heads_bridges.yaml"]:
        target = tmp_path / f"{path.stem}.py"
        done = invoke("render", path, "-o", target)
        assert done.returncode == 0, done.stderr
        assert target.read_text(encoding="utf-8") == render_module(load_spec(path))
        written.append(target)
    black = Path(sys.executable).parent / "black"  # the venv's, as `make` installs it
    assert black.is_file(), f"no black executable next to {sys.executable}"
    done = subprocess.run(
        [str(black), "--check", "--diff", *map(str, written)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 files would be left unchanged" in done.stderr
