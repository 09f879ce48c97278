"""A spec file's module: from the cache when the file's text was rendered before (by
the same rnnspec, packages and target), else loaded, planned, rendered and formatted.

A hit loads nothing: no pydantic, jinja2 or black (rnnspec/render/cache.py's `module_entry`
says what the key holds). The text is read once, so the module kept is the one that
text gives even if the file changes meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from . import cache as kept
from ..read.marks import TextProblem
from ..read.spec_file import read_spec_text
from ..targets import DEFAULT


def render_spec(path: str | Path, target: str = DEFAULT, cache: bool = True) -> str:
    """The module for the spec file at `path`; SpecError if the spec is wrong."""
    path = Path(path)
    text, entry = _entry(path, target, cache)
    if entry and (module := kept.recall(entry)) is not None:
        return module
    # imported on a miss only: a hit loads neither pydantic nor jinja2 nor black
    from ..read.load import load_spec, load_text
    from .module import render_checked

    spec = load_spec(path, target) if text is None else load_text(text, path, target)
    module = render_checked(spec, target, cache)  # load_spec checked the target
    if entry:
        kept.keep(entry, module)
    return module


def kept_module(path: str | Path, target: str = DEFAULT) -> str | None:
    """The cached module of the spec file at `path`, or None; never loads the spec."""
    _, entry = _entry(Path(path), target, True)
    return kept.recall(entry) if entry else None


def _entry(
    path: Path, target: str, cache: bool
) -> tuple[str | None, kept.Entry | None]:
    """The file's text and its module's cache entry; (None, None) if it cannot be read
    (load_spec then says why, with its location)."""
    try:
        text = read_spec_text(path)
    except TextProblem:
        return None, None
    return text, kept.module_entry(text, path.suffix, target, cache)
