"""`rnnspec docs`: a Markdown page and an SVG diagram per spec, plus an index.

Each page holds the spec verbatim, the generated module verbatim, and what running that
module printed; shapes in its text come only from that output.

- build.py: runs every spec's module once and builds all files in memory;
- output.py: what a run prints, checked against the plan, and read back from a page;
- page_data.py, block_rows.py, features.py, pages.py, templates/: a page's values
  (one page for either spec form, one plan; features.py: reset_states(), the decoders,
  training), laid out by jinja templates; the index likewise;
- markdown.py, environment.py: Markdown text, and the templates' jinja environment;
- files.py: which files in the docs folder are stale, and writing them;
- svg/: the diagram.
- examples.py, extension.py: the Python-Markdown extension `rnnspec`, which builds and
  runs examples inside a user's own docs site.
"""

from __future__ import annotations

from .build import INDEX, DocsConflict, RunFailure, build_docs
from .files import stale_files, write_docs
from .output import (
    RESET_LINE,
    SHAPE,
    TRAINING_LINE,
    output_problems,
    page_blocks,
    page_output,
    printed_lines,
    step_lines,
    unprinted_shapes,
)
from .svg import run_shape

__all__ = [
    "INDEX",
    "RESET_LINE",
    "SHAPE",
    "TRAINING_LINE",
    "DocsConflict",
    "RunFailure",
    "build_docs",
    "output_problems",
    "page_blocks",
    "page_output",
    "printed_lines",
    "run_shape",
    "stale_files",
    "step_lines",
    "unprinted_shapes",
    "write_docs",
]
