"""Smoke-testing: `rnnspec smoke` of 30 modules against the same modules run one after
another in one process that has imported Keras once (the floor). Same run, same modules.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import CLI, timed, variants

COUNT = 30
# The floor: import keras once, then run every module as __main__, one after another.
FLOOR = (
    "import runpy, sys, keras\n"
    "for path in sys.argv[1:]:\n"
    "    runpy.run_path(path, run_name='__main__')\n"
)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        specs = variants(Path(tmp) / "specs", COUNT)
        modules = Path(tmp) / "modules"
        timed([*CLI, "render", *map(str, specs), "-o", f"{modules}/"])
        paths = sorted(str(path) for path in modules.glob("*.py"))
        floor = timed([sys.executable, "-c", FLOOR, *paths])
        smoke = timed([*CLI, "smoke", *paths])
    print(f"{COUNT} modules, interpreter start included")
    print(f"one process, keras imported once  {floor:7.2f} s")
    print(
        f"rnnspec smoke                     {smoke:7.2f} s  {smoke / floor:.2f}x the floor"
    )
    print("goal: <= 0.75x the floor on 2 cores")


if __name__ == "__main__":
    main()
