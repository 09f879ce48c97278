"""What the benchmarks share: timing a command, and many distinct specs to work on."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "rnnspec.cli"]
EXAMPLES = sorted((ROOT / "examples").glob("**/*.yaml"))


def timed(args: list[str], env: dict[str, str] | None = None) -> float:
    """Wall-clock seconds of one run of ``args`` from the repo root; exits on failure."""
    start = time.perf_counter()
    done = subprocess.run(
        args,
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if done.returncode:
        sys.exit(
            f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr.decode()}"
        )
    return time.perf_counter() - start


def median(args: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    return statistics.median(timed(args, env) for _ in range(runs))


def variants(folder: Path, count: int) -> list[Path]:
    """``count`` distinct specs (so nothing is cached yet): the examples in turn,
    renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        source = EXAMPLES[index % len(EXAMPLES)]
        text = source.read_text(encoding="utf-8")
        text = re.sub(r"^name: (\w+)", rf"name: \1_{index}", text, flags=re.M)
        path = folder / f"{source.stem}_{index}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def drawn(folder: Path, count: int) -> list[Path]:
    """``count`` distinct specs that load, drawn (seeded) by the property tests'
    strategy (tests/support/strategies/): unlike the renamed examples, they differ in shape,
    so most of each module is new to black."""
    import json

    from hypothesis import HealthCheck, given, settings

    sys.path.insert(0, str(ROOT))
    from rnnspec import SpecError, load_spec
    from tests.support.strategies import specs

    folder.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []

    @settings(
        max_examples=count * 2,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(specs())
    def draw(spec: dict) -> None:
        texts.append(json.dumps(spec))

    draw()
    paths = []
    for text in dict.fromkeys(texts):  # distinct, in order
        path = folder / f"drawn_{len(paths)}.json"
        path.write_text(text, encoding="utf-8")
        try:
            load_spec(path)
            paths.append(path)
        except SpecError:
            path.unlink()
        if len(paths) == count:
            return paths
    sys.exit(f"drew only {len(paths)} distinct specs that load, not {count}")
