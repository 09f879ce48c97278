"""Rendering: one spec against the bare import of its template tools, and 500 specs in
one call, cold and with a warm cache. Ratios are measured in the same run."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import CLI, drawn, median, timed, variants

RUNS = 9
SPEC = "examples/gru.yaml"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = {"RNNSPEC_CACHE_DIR": f"{tmp}/cache"}
        floor = median([sys.executable, "-c", "import jinja2, yaml"], RUNS)
        timed([*CLI, "render", SPEC], cache)  # fills the cache for this spec
        warm = median([*CLI, "render", SPEC], RUNS, cache)
        cold = median([*CLI, "render", "--no-cache", SPEC], RUNS)
        print(f"medians of {RUNS} runs, interpreter start included")
        print(f"python -c 'import jinja2, yaml'   {floor:6.3f} s")
        print(
            f"rnnspec render {SPEC} (cache) {warm:6.3f} s  {warm / floor:4.1f}x the floor"
        )
        print(
            f"rnnspec render --no-cache        {cold:6.3f} s  {cold / floor:4.1f}x the floor"
        )
        print("goal: one-spec render <= 0.2 s")

        specs = [str(path) for path in variants(Path(tmp) / "specs", 500)]
        start = time.perf_counter()
        timed([*CLI, "render", *specs, "-o", f"{tmp}/cold/"], cache)
        first = time.perf_counter() - start
        second = timed([*CLI, "render", *specs, "-o", f"{tmp}/warm/"], cache)
        print(
            f"500 specs in one call, cold cache  {first:6.2f} s  {500 / first:6.0f} specs/s"
        )
        print(
            f"500 specs in one call, warm cache  {second:6.2f} s  {500 / second:6.0f} specs/s"
        )
        print("goals: >= 100 specs/s cold, >= 500 specs/s warm")

        others = [str(path) for path in drawn(Path(tmp) / "drawn", 500)]
        cache = {"RNNSPEC_CACHE_DIR": f"{tmp}/cache-drawn"}
        cold = timed([*CLI, "render", *others, "-o", f"{tmp}/drawn-cold/"], cache)
        warm = timed([*CLI, "render", *others, "-o", f"{tmp}/drawn-warm/"], cache)
        print(
            f"500 drawn specs, cold cache        {cold:6.2f} s  {500 / cold:6.0f} specs/s"
        )
        print(
            f"500 drawn specs, warm cache        {warm:6.2f} s  {500 / warm:6.0f} specs/s"
        )


if __name__ == "__main__":
    main()
