"""Importing a generated module in-process, the one way the tests do it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from rnnspec import render_spec


def load_spec_module(spec: Path, folder: Path) -> ModuleType:
    """Render a spec file to FOLDER/<stem>.py and import it."""
    path = folder / f"{spec.stem}.py"
    path.write_text(render_spec(spec), encoding="utf-8")
    loader = importlib.util.spec_from_file_location(spec.stem, path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module
