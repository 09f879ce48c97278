"""Run rendered tf_keras modules' own smoke test (their main()) in one Keras 2 process,
as `python module.py` would: tests/keras/test_properties.py runs it in .venv-tf-keras.

`python tf_keras_smoke.py FOLDER NAME...` imports FOLDER/NAME.py for each NAME and runs
its main(); after each module it rewrites FOLDER/results.json, name -> null (passed) or
the traceback, so that a run cut short by its timeout still tells which ran.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from tf_keras_run import load  # this folder is sys.path[0] when run as a script


def main(folder: Path, names: list[str]) -> None:
    results: dict[str, str | None] = {}
    for name in names:
        try:
            load(folder / f"{name}.py").main()
            results[name] = None
        except SystemExit as exit:  # as python module.py: exit 0 passes
            results[name] = None if exit.code in (0, None) else traceback.format_exc()
        except Exception:  # noqa: BLE001 - reported per module, checked by the test
            results[name] = traceback.format_exc()
        (folder / "results.json").write_text(json.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
