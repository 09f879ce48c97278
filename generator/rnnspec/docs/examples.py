"""rnnspec examples in anyone's Markdown: found in a page's lines, built, laid out as HTML.

The Python-Markdown extension (rnnspec/docs/extension.py) calls these; nothing here
imports Markdown or a Keras backend (the runs happen in rnnspec's smoke workers, as
`rnnspec smoke` runs them).

A page names an example in one of two ways (README: Examples in your own docs):

- a fenced block whose info string is `rnnspec` (YAML), `rnnspec toml` or
  `rnnspec json`, holding the spec's text;
- a line `rnnspec: PATH` on its own, outside code blocks: the spec file PATH (.yaml,
  .yml, .toml or .json; no spaces), relative to the extension's `base_dir`.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..check.checked import GraphSpec, Spec
from ..read.load import load_text
from ..read.marks import TextProblem
from ..read.spec_file import read_spec_text
from ..render.module import plan_spec, render_module
from ..run.report import describe_plan
from ..run.smoke_report import SmokeResult
from ..spec.problems import SpecError
from .build import BACKEND_NAMES, run_modules
from .svg import draw

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
_REFERENCE = re.compile(r"^rnnspec:[ \t]+(?P<path>\S+)\s*$")  # one path, no spaces
_KINDS = {"": "yaml", "yaml": "yaml", "yml": "yaml", "toml": "toml", "json": "json"}


class ExampleError(Exception):
    """A spec on the page is wrong, or its module failed: the site build stops."""


@dataclass(frozen=True)
class Found:
    """One example in a page: its lines [start, end), its spec text, what to call it."""

    start: int
    end: int
    text: str
    file: Path  # its suffix says how to read the text; its name appears in messages


def find_examples(lines: Sequence[str], base_dir: Path) -> list[Found]:
    """Every example in a page's lines, in order; code blocks of other languages are
    skipped whole. Raises ExampleError for an unknown format or a file it cannot read.
    """
    found, index, fence = [], 0, None
    while index < len(lines):
        line = lines[index]
        opened = _FENCE.match(line)
        if fence is not None:  # inside another language's code block
            if opened and _closes(opened, fence):
                fence = None
        elif opened and opened["info"].split(" ")[0] == "rnnspec":
            end = _closing(lines, index, opened)
            text = "\n".join(lines[index + 1 : end - 1]) + "\n"
            file = Path(f"rnnspec example {len(found) + 1}.{_kind(opened['info'])}")
            found.append(Found(index, end, text, file))
            index = end
            continue
        elif opened:
            fence = opened["fence"]
        elif reference := _REFERENCE.match(line):
            file = base_dir / reference["path"]
            found.append(Found(index, index + 1, _read(file), file))
        index += 1
    return found


def _kind(info: str) -> str:
    kind = info.split(" ", 1)[1].strip().lower() if " " in info else ""
    if kind not in _KINDS:
        raise ExampleError(
            f"```{info}: expected rnnspec, rnnspec yaml, rnnspec toml or rnnspec json"
        )
    return _KINDS[kind]


def _closes(match: re.Match[str], fence: str) -> bool:
    """A fence line closes a block opened by `fence`: same character, at least as long,
    no info string."""
    return (
        match["fence"][0] == fence[0]
        and len(match["fence"]) >= len(fence)
        and not match["info"]
    )


def _closing(lines: Sequence[str], start: int, opened: re.Match[str]) -> int:
    """The index after the fence that closes the block opened at `start`."""
    for index in range(start + 1, len(lines)):
        match = _FENCE.match(lines[index])
        if match and _closes(match, opened["fence"]):
            return index + 1
    raise ExampleError(f"line {start + 1}: the ```rnnspec block is never closed")


def _read(file: Path) -> str:
    try:
        return read_spec_text(file)
    except TextProblem as exc:  # missing, unreadable, no regular file, too large
        raise ExampleError(f"rnnspec: {file}: {exc}") from None


def build_examples(
    found: Sequence[Found], backend: str, cache: Path | None, timeout: float
) -> list[str]:
    """Each example as an HTML fragment: the spec, the generated module (folded), the
    `rnnspec check` table, what running the module on ``backend`` printed (kept in
    ``cache`` by spec text, module, versions and backend), and its diagram."""
    specs = [_load(example) for example in found]
    plans = [plan_spec(spec) for spec in specs]
    modules = [render_module(spec) for spec in specs]
    runs = [
        (plan.name, module, example.text)
        for plan, module, example in zip(plans, modules, found)
    ]
    results = run_modules(runs, timeout, cache, True, None, backend)
    _check_runs(found, results)
    name = BACKEND_NAMES.get(backend, backend)
    return [
        _fragment(example, plan, module, result.output, name)
        for example, plan, module, result in zip(found, plans, modules, results)
    ]


def _load(example: Found) -> Spec | GraphSpec:
    try:
        return load_text(example.text, example.file)
    except SpecError as exc:  # names the file, line, column and key
        raise ExampleError(str(exc)) from None


def _check_runs(found: Sequence[Found], results: Sequence[SmokeResult]) -> None:
    failed = [
        f"{example.file}: the generated module failed: {result.error}\n{result.output}"
        for example, result in zip(found, results)
        if not result.ok
    ]
    if failed:
        raise ExampleError("\n".join(failed))


def _fragment(
    example: Found, plan, module: str, output: str, backend: str
) -> str:  # noqa: ANN001
    """One example's HTML; the diagram is an <img> of its SVG (its ids and styles stay
    its own, however many share a page)."""
    title = f"<strong>{html.escape(plan.name)}</strong>"
    if plan.description:
        title += f": {html.escape(plan.description)}"
    svg = base64.b64encode(draw(plan).encode()).decode("ascii")
    kind = example.file.suffix.lstrip(".")
    return "\n".join(
        [
            '<div class="rnnspec-example">',
            f"<p>{title}</p>",
            _pre(example.text, kind),
            f"<details><summary>The generated module, <code>{html.escape(plan.name)}.py</code></summary>",
            _pre(module, "python"),
            "</details>",
            "<p><code>rnnspec check</code>: the state structure and shapes</p>",
            _pre(describe_plan(plan) + "\n", "text"),
            f"<p>What running the module printed (Keras 3 on {html.escape(backend)})</p>",
            _pre(output, "text"),
            f'<p><img class="rnnspec-diagram" alt="{html.escape(plan.name)}: layers and state tensors" '
            f'src="data:image/svg+xml;base64,{svg}"></p>',
            "</div>",
        ]
    )


def _pre(text: str, language: str) -> str:
    return f'<pre><code class="language-{language}">{html.escape(text.rstrip())}</code></pre>'
