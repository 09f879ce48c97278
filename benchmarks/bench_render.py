"""Time `rnnspec render` on the first example, interpreter start included (goal < 1 s)."""

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 10


def time_command(args: list[str], runs: int = RUNS) -> list[float]:
    """Wall-clock seconds of ``runs`` runs of ``args`` from the repo root."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - start)
    return seconds


def summary(label: str, seconds: list[float]) -> str:
    """One line: min / median / max."""
    return (
        f"{label:<40} min {min(seconds):6.3f} s  median "
        f"{statistics.median(seconds):6.3f} s  max {max(seconds):6.3f} s"
    )


def main() -> None:
    specs = sorted((ROOT / "examples").glob("*.yaml"))
    if not specs:
        sys.exit("no examples/*.yaml to render")
    spec = specs[0].relative_to(ROOT)
    print(f"{RUNS} runs each, interpreter start included")
    print(summary("python -c pass", time_command([sys.executable, "-c", "pass"])))
    render = [sys.executable, "-m", "rnnspec.cli", "render", str(spec)]
    print(summary(f"rnnspec render {spec}", time_command(render)))
    print("goal: median < 1 s")


if __name__ == "__main__":
    main()
