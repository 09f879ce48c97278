"""The Python-Markdown extension `rnnspec`: executed rnnspec examples in a user's docs.

MkDocs (and any Python-Markdown site) loads it by its entry point name, `rnnspec`
(pyproject's `markdown.extensions`), or as `rnnspec.docs.extension`:

    markdown_extensions:
      - rnnspec:
          backend: jax            # default: KERAS_BACKEND, else tensorflow
          base_dir: docs          # where `rnnspec: PATH` lines look (default: .)
          cache_dir: .rnnspec     # default: rnnspec's user cache folder (made 0700)
          timeout: 300            # seconds one module may run

Each example (rnnspec/docs/examples.py: a ```rnnspec block or a `rnnspec: PATH` line)
becomes the spec, the generated module (folded), the `check` table, what running it
printed and its diagram; a page's examples run together in the smoke workers, so
importing this module imports no Keras backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from ..run.verify import BACKENDS, default_backend
from .build import run_cache
from .examples import ExampleError, build_examples, find_examples

__all__ = ["ExampleError", "RnnspecExtension", "makeExtension"]

RUNS = "docs"  # cache_dir's layer of run outputs (rnnspec/render/cache.py: ROOT/LAYER)


class RnnspecExtension(Extension):
    """Registers the preprocessor that turns each example into its HTML."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "backend": [
                "",
                "Keras 3 backend (default: KERAS_BACKEND, else tensorflow)",
            ],
            "base_dir": [".", "the folder `rnnspec: PATH` lines are relative to"],
            "cache_dir": ["", "where run outputs are kept (default: the user cache)"],
            "timeout": [300.0, "seconds one module may run"],
        }
        super().__init__(**kwargs)
        backend = self.getConfig("backend") or default_backend()
        if backend not in BACKENDS:
            raise ValueError(
                f"rnnspec: backend {backend!r} is not one of {', '.join(BACKENDS)}"
            )
        self.backend = backend

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's name
        cache = self.getConfig("cache_dir")
        md.preprocessors.register(
            ExamplePreprocessor(
                md,
                backend=self.backend,
                base_dir=Path(self.getConfig("base_dir")),
                cache=Path(cache).resolve() / RUNS if cache else run_cache(),
                timeout=float(self.getConfig("timeout")),
            ),
            "rnnspec",
            # after normalize_whitespace (30), which drops the stash's placeholder
            # marks; before fenced_code and pymdownx.superfences (25) take the blocks
            29,
        )


class ExamplePreprocessor(Preprocessor):
    """Replaces each example's lines with a placeholder of its stashed HTML."""

    def __init__(
        self,
        md: Markdown,
        *,
        backend: str,
        base_dir: Path,
        cache: Path | None,
        timeout: float,
    ) -> None:
        super().__init__(md)
        self.backend, self.base_dir = backend, base_dir
        self.cache, self.timeout = cache, timeout

    def run(self, lines: list[str]) -> list[str]:
        found = find_examples(lines, self.base_dir)
        if not found:
            return lines
        fragments = build_examples(found, self.backend, self.cache, self.timeout)
        result, done = [], 0
        for example, fragment in zip(found, fragments):
            result += lines[done : example.start]
            result += ["", self.md.htmlStash.store(fragment), ""]
            done = example.end
        return result + lines[done:]


def makeExtension(**kwargs: Any) -> RnnspecExtension:  # noqa: N802 - Markdown's name
    """What Markdown calls for `rnnspec.docs.extension`."""
    return RnnspecExtension(**kwargs)
