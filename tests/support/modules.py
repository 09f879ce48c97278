"""Importing a generated module in-process, the one way the tests do it.

A module is imported from a file (so tracebacks show its lines) under a name of its
own, never put in sys.modules: two modules of one spec, or of one stem, never meet.
Scripts that run in another interpreter (tf_keras_run.py, backend_numbers.py) keep a
loader of their own: they run by path, outside the test package.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType

from rnnspec import render_spec

_numbers = itertools.count()


def load_module(
    code: str | Path, folder: Path | None = None, name: str = "rnnspec_generated"
) -> ModuleType:
    """Import a generated module: `code` is the path of its file, or its source, which
    is written to FOLDER/<name>_<n>.py first."""
    if isinstance(code, Path):
        path = code
    else:
        if folder is None:
            raise ValueError("source text needs a folder to be written to")
        path = folder / f"{name}_{next(_numbers)}.py"
        path.write_text(code, encoding="utf-8")
    loader = importlib.util.spec_from_file_location(
        f"{path.stem}_{next(_numbers)}", path
    )
    assert loader is not None and loader.loader is not None, path
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def load_spec_module(spec: Path, folder: Path, target: str = "keras3") -> ModuleType:
    """Render a spec file to FOLDER/<stem>.py and import it."""
    path = folder / f"{spec.stem}.py"
    path.write_text(render_spec(spec, target), encoding="utf-8")
    return load_module(path)
