"""`rnnspec docs`: a Markdown page and an SVG diagram per spec, plus an index.

Each page holds the spec verbatim, the generated module verbatim, and what running that
module printed, captured through `verify.smoke_modules` (all specs in one worker, so
TensorFlow is imported once). Shapes in the page's own text come only from that output;
the diagram draws the plan's shapes, and the build stops if the plan and the run disagree.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import make_plan, render_module
from .diagram import draw, run_shape, shape_line, state_rows
from .plan import Plan
from .spec import Spec

INDEX = "index.md"
# A shape as Python prints a tuple of sizes: "(2, 32)", "(2,)", "(None, 8)".
SHAPE = re.compile(r"\((?:\s*(?:\d+|None)\s*,)+(?:\s*(?:\d+|None)\s*)?\)")
_LINE = re.compile(r"^(\S+): (\([\d, ]*\))$")
_FENCE = re.compile(r"^(`{3,})(\S*)\s*$")


class DocsConflict(Exception):
    """The specs cannot make one set of pages (a duplicate or reserved name): exit 2."""


class RunFailure(Exception):
    """A spec's module failed, or printed what its plan does not say: exit 1."""


def build_docs(specs: Sequence[tuple[Path, Spec]], *, timeout: float = 300.0) -> dict[str, str]:
    """Every file of the docs folder by name, built in memory: pages, SVGs, the index.

    Raises DocsConflict before running anything, and RunFailure (naming every failing
    spec) after running all of them.
    """
    _check_names(specs)
    from .verify import smoke_modules  # the worker, not this process, imports keras

    plans = [make_plan(spec) for _, spec in specs]
    modules = [render_module(spec) for _, spec in specs]
    with tempfile.TemporaryDirectory(prefix="rnnspec-docs-") as folder:
        paths = []
        for plan, module in zip(plans, modules):
            path = Path(folder) / f"{plan.name}.py"
            path.write_text(module, encoding="utf-8")
            paths.append(path)
        results = smoke_modules(paths, timeout=timeout)

    problems = []
    for (path, _), plan, result in zip(specs, plans, results):
        if not result.ok:
            tail = "\n".join(f"    {line}" for line in result.output.strip().splitlines()[-8:])
            problems.append(f"{path}: the generated module failed: {result.error}" + (f"\n{tail}" if tail else ""))
        else:
            problems += [f"{path}: {problem}" for problem in output_problems(plan, result.output)]
    if problems:
        raise RunFailure("\n".join(problems))

    files: dict[str, str] = {}
    for (path, _), plan, module, result in zip(specs, plans, modules, results):
        spec_text = path.read_text(encoding="utf-8")
        page = render_page(plan, path.name, spec_text, module, result.output)
        unprinted = unprinted_shapes(page)
        if unprinted:  # the promise of the page; a description could break it
            raise RunFailure(f"{path}: the page states shapes the run did not print: {', '.join(unprinted)}")
        files[f"{plan.name}.md"] = page
        files[f"{plan.name}.svg"] = draw(plan)
    files[INDEX] = render_index(sorted(plans, key=lambda plan: plan.name))
    return dict(sorted(files.items()))


def _check_names(specs: Sequence[tuple[Path, Spec]]) -> None:
    seen: dict[str, Path] = {}
    for path, spec in specs:
        if not isinstance(spec, Spec):
            raise DocsConflict(
                f"{path}: long-form specs (inputs and blocks) have no docs pages yet; "
                "`rnnspec docs` takes short-form specs"
            )
        if f"{spec.name}.md" == INDEX:
            raise DocsConflict(f"{path}: name: {spec.name!r} is the index page's name; rename the spec")
        if spec.name in seen:
            raise DocsConflict(f"{path}: name: {spec.name!r} is also the name of {seen[spec.name]}; one page each")
        seen[spec.name] = path


def output_problems(plan: Plan, output: str) -> list[str]:
    """What is wrong with a module's printed output: anything but the plan's lines.

    The output must be exactly one `name: shape` line per returned tensor, in order, with
    the plan's shapes at the run's sizes; anything else (a warning, a log line) would make
    the page depend on the machine that built it.
    """
    expected = [shape_line(name, dims, plan) for name, dims in plan.returns]
    lines = output.splitlines()
    if not output.endswith("\n") or lines != expected:
        stray = [line for line in lines if not _LINE.match(line)]
        if stray:
            return [f"the module printed more than `name: shape` lines, e.g. {stray[0]!r}"]
        return [f"the run printed {lines}, the plan says {expected}"]
    return []


def stale_files(files: dict[str, str], folder: Path) -> list[tuple[str, str]]:
    """(name, "missing" | "stale") for each file in `files` that `folder` lacks or differs in."""
    found = []
    for name, text in files.items():
        path = folder / name
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            found.append((name, "missing"))
            continue
        if current != text.encode("utf-8"):
            found.append((name, "stale"))
    return found


def write_docs(files: dict[str, str], folder: Path) -> list[str]:
    """Write every changed file atomically (a temporary file, then a rename); their names."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = [name for name, _ in stale_files(files, folder)]
    for name in changed:
        path = folder / name
        with tempfile.NamedTemporaryFile(
            "w", dir=folder, prefix=f".{name}.", suffix=".tmp", delete=False, encoding="utf-8", newline="\n"
        ) as handle:
            handle.write(files[name])
        try:
            os.replace(handle.name, path)
        except OSError:
            os.unlink(handle.name)
            raise
    return changed


# --- the pages ---------------------------------------------------------------------------


def render_page(plan: Plan, spec_file: str, spec_text: str, module: str, output: str) -> str:
    """One example's page. Shapes in its text come from `output` only."""
    printed = dict(_LINE.match(line).groups() for line in output.splitlines())
    name = plan.name
    lines = [
        f"<!-- Generated by `rnnspec docs` from {spec_file}: edit the spec and rebuild, not this page. -->",
        "",
        f"# {name}",
        "",
    ]
    if plan.description:
        lines += [f"> {_inline(plan.description)}", ""]
    lines += [
        f"![{name}: the input, the layers in stack order, every state tensor, how initial_state "
        f"enters and what comes back]({name}.svg)",
        "",
        "## The layers",
        "",
        *_layer_lines(plan),
        "",
        "## What comes back",
        "",
        f"`python {name}.py` runs the model on seeded random data, checks the shape of every "
        "returned tensor and printed:",
        "",
        *_fenced(output, "text"),
        "",
        *_dynamic_note(plan),
        "| # | tensor | shape | what it is |",
        "|---|---|---|---|",
    ]
    meanings = _meanings(plan)
    for i, (tensor, _) in enumerate(plan.returns):
        lines.append(f"| {i} | `{tensor}` | `{printed[tensor]}` | {meanings[tensor]} |")
    lines += ["", *_returned_note(plan), "## Initial state", "", *_initial_state_lines(plan), ""]
    lines += [
        "## The spec",
        "",
        f"`{spec_file}`:",
        "",
        *_fenced(spec_text, "yaml"),
        "",
        "## The generated module",
        "",
        f"`rnnspec render {spec_file} -o {name}.py` gives:",
        "",
        *_fenced(module, "python"),
        "",
    ]
    return "\n".join(lines)


def render_index(plans: Sequence[Plan]) -> str:
    lines = [
        "<!-- Generated by `rnnspec docs`: edit the specs and rebuild, not this page. -->",
        "",
        "# Examples",
        "",
        "One page per spec: the spec, the module rnnspec generates from it, what running that "
        "module printed, and a diagram of its layers and state tensors. Every page is "
        "rebuilt and checked by `rnnspec docs --check`, so no printed shape was typed by hand.",
        "",
        "| example | layers | initial_state | returns |",
        "|---|---|---|---|",
    ]
    for plan in plans:
        layers = "<br>".join(f"`{layer.summary}`" for layer in plan.layers)
        returns = ", ".join(f"`{name}`" for name, _ in plan.returns)
        lines.append(f"| [{plan.name}]({plan.name}.md) | {layers} | `{plan.initial_state_mode}` | {returns} |")
    lines.append("")
    for plan in plans:
        if plan.description:
            lines += [f"- [{plan.name}]({plan.name}.md): {_inline(plan.description)}"]
    lines.append("")
    return "\n".join(lines)


def _layer_lines(plan: Plan) -> list[str]:
    step = plan.step_shape
    size = f"{step[0]} features a step" if len(step) == 1 else f"frames of {'x'.join(map(str, step[:-1]))}, {step[-1]} channels"
    batch = "any batch size" if plan.batch_size is None else f"a batch of {plan.batch_size}"
    steps = "any number of steps" if plan.timesteps is None else f"{plan.timesteps} steps"
    lines = [f"- input `sequence`: {batch}, {steps}, {size}, `{plan.dtype}`"]
    for layer in plan.layers:
        cells = ", ".join(f"`{cell.name}`" for cell in layer.cells)
        what = f"- `{layer.name}`: `{layer.summary}`, cells {cells}" if len(layer.cells) > 1 else f"- `{layer.name}`: `{layer.summary}`"
        if layer.merge_mode:
            what += ": a forward and a backward copy"
        if layer.stateful:
            what += "; stateful"
        lines.append(what)
    return lines


def _dynamic_note(plan: Plan) -> list[str]:
    dynamic = []
    if plan.batch_size is None:
        dynamic.append(f"`batch_size` is null, so the run used a batch of {plan.smoke_batch_size}")
    if plan.timesteps is None:
        dynamic.append(f"`timesteps` is null, so it used sequences of {plan.smoke_timesteps} steps")
    if not dynamic:
        return []
    return ["The spec's " + "; ".join(dynamic) + ".", ""]


def _meanings(plan: Plan) -> dict[str, str]:
    top = plan.layers[-1]
    when = "every step" if top.return_sequences else "the last step"
    meanings = {}
    for tensor, _ in top.outputs:
        if tensor.startswith(("forward_", "backward_")) and top.merge_mode == "none":
            direction = tensor.split("_", 1)[0]
            meanings[tensor] = f"the {direction} copy's output at {when} (`merge_mode: none`)"
        elif top.merge_mode:
            meanings[tensor] = f"the top layer's output at {when}, forward and backward merged by `{top.merge_mode}`"
        else:
            meanings[tensor] = f"the top layer's output at {when}"
    for row in state_rows(plan):
        cell = row.layer.cells[row.cell_index]
        role = "hidden state `h`" if row.state.role == "h" else "cell state `c`"
        where = f"`{cell.name}`" + (f", {row.direction}" if row.direction else "")
        if len(plan.layers) > 1 and row.layer is not top:
            where += f" (layer `{row.layer.name}`)"
        meanings[row.state.name] = f"final {role} of {where}"
    return meanings


def _returned_note(plan: Plan) -> list[str]:
    if not plan.spec.return_state:
        return ["`return_state` is false, so no state comes back.", ""]
    notes = []
    if all(len(cell.state_shapes) == 1 for layer in plan.layers for cell in layer.cells):
        notes.append(
            "Each cell has one state tensor, and what comes back is that tensor itself, not a "
            "list: index it as `h`, not `h[0]` (which would be its first row)."
        )
    if any(layer.form == "stacked" for layer in plan.layers):
        notes.append(
            "`RNN(StackedRNNCells(...))` returns its states nested per cell; the module "
            "flattens them with `keras.tree.flatten`, which gives the order above."
        )
    if any(layer.merge_mode for layer in plan.layers):
        notes.append("`Bidirectional` returns the forward copy's states, then the backward copy's.")
    if len(plan.layers) > 1:
        notes.append("Every layer's states come back, bottom layer first.")
    return [" ".join(notes), ""] if notes else []


def _initial_state_lines(plan: Plan) -> list[str]:
    mode = plan.initial_state_mode
    structure = f"`{_nested(plan.initial_state)}`"
    fill = {"zeros": "zeros", "ones": "ones", "random": "seeded normal random values"}
    if mode in fill:
        text = (
            f"`initial_state: {mode}`: `make_initial_state()` builds every state tensor as a numpy "
            f"array of {fill[mode]}, nested as `initial_state=` takes it: {structure}. "
            "`build_model()` passes it to the layer as a constant."
        )
        if getattr(plan, "repeat_over_batch", False):
            text += (
                " The batch size is dynamic, so the model holds one sequence's state and repeats "
                "it over the batch of each call."
            )
    elif mode == "input":
        inputs = ", ".join(f"`{name}`" for name in plan.model_inputs)
        text = (
            "`initial_state: input`: every state tensor is an input of the model, after the "
            f"sequence: `build_model()` takes {inputs}, and passes the states as "
            f"`initial_state=` nested as {structure}. `make_initial_state()` gives seeded "
            "random arrays for them."
        )
    elif any(layer.stateful for layer in plan.layers):
        text = (
            "`initial_state: none`: no `initial_state=` is passed. The layer is stateful: it "
            "starts from zeros and carries its final state into the next call, one state per "
            f"sequence of the fixed batch; its state is {structure}."
        )
    else:
        text = f"`initial_state: none`: no `initial_state=` is passed, so Keras starts from zeros; the state is {structure}."
    notes = [text]
    if any(layer.merge_mode for layer in plan.layers):
        notes.append(
            "`Bidirectional` splits `initial_state` in half: the first half (`forward_...`) goes "
            "to the forward copy, the second half (`backward_...`) to the backward copy."
        )
    if len(plan.layers) > 1:
        notes.append("With one layer a cell, each layer gets its own entry, bottom layer first.")
    if any(layer.form == "stacked" for layer in plan.layers):
        notes.append("`StackedRNNCells` takes the state nested per cell, bottom cell first.")
    notes.append("See [the initial state rules](../initial-state.md).")
    return [" ".join(notes)]


def _nested(tree: object) -> str:
    if isinstance(tree, list):
        return "[" + ", ".join(map(_nested, tree)) + "]"
    return tree.name  # type: ignore[attr-defined]


def _inline(text: str) -> str:
    """Free text for one Markdown line: whitespace collapsed, HTML escaped."""
    return html.escape(" ".join(text.split()), quote=False)


def _fenced(text: str, info: str) -> list[str]:
    """A code block that `text` cannot close early, however many backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", *text.rstrip("\n").split("\n"), fence]


# --- reading pages back (for the tests and the build's own promise) ------------------------


def page_blocks(page: str) -> list[tuple[str, str]]:
    """The page's fenced code blocks as (info, text)."""
    blocks, lines, i = [], page.split("\n"), 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info, body = match.group(1), match.group(2), []
        i += 1
        while i < len(lines) and lines[i] != fence:
            body.append(lines[i])
            i += 1
        blocks.append((info, "\n".join(body)))
        i += 1
    return blocks


def page_output(page: str) -> str:
    """The captured output: the page's one `text` block."""
    (output,) = [text for info, text in page_blocks(page) if info == "text"]
    return output + "\n"


def unprinted_shapes(page: str) -> list[str]:
    """Shapes the page states outside the verbatim spec and module that the run did not print."""
    prose = page
    for info, text in page_blocks(page):
        if info in ("yaml", "python"):
            prose = prose.replace(text, "")
    printed = set(SHAPE.findall(page_output(page)))
    return sorted({shape for shape in SHAPE.findall(prose) if shape not in printed})


__all__ = [
    "DocsConflict",
    "RunFailure",
    "build_docs",
    "page_output",
    "run_shape",
    "stale_files",
    "unprinted_shapes",
    "write_docs",
]
