"""Time one `rnnspec smoke` call against one `python NAME.py` per module (goal >= 3x)."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "rnnspec.cli"]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def run(args: list[str]) -> float:
    """Run ``args`` from the repo root, output discarded; its wall-clock seconds."""
    start = time.perf_counter()
    done = subprocess.run(
        args, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if done.returncode:
        sys.exit(
            f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr.decode()}"
        )
    return time.perf_counter() - start


def render_examples(directory: Path) -> list[Path]:
    """Render every bundled example (examples/**/*.yaml) to ``directory``/NAME.py."""
    modules = []
    for spec in sorted((ROOT / "examples").glob("**/*.yaml")):
        module = directory / f"{spec.stem}.py"
        run([*CLI, "render", str(spec), "-o", str(module)])
        modules.append(module)
    if not modules:
        sys.exit("no examples/*.yaml to render")
    return modules


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        modules = render_examples(Path(tmp))
        shared = run([*CLI, "smoke", *map(str, modules)])
        separate = sum(run([sys.executable, str(module)]) for module in modules)
    n = len(modules)
    print(f"{n} modules, interpreter start included")
    print(f"one rnnspec smoke call     {shared:7.2f} s  ({shared / n:.2f} s/module)")
    print(
        f"one python process each    {separate:7.2f} s  ({separate / n:.2f} s/module)"
    )
    print(f"speed-up {separate / shared:.1f}x (goal >= 3x)")


if __name__ == "__main__":
    main()
