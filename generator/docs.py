"""`rnnspec docs`: a Markdown page and an SVG diagram per spec, plus an index.

Each page holds the spec verbatim, the generated module verbatim, and what running that
module printed, captured through `verify.smoke_modules` (all specs in one worker, so
TensorFlow is imported once). Shapes in the page's own text come only from that output;
the diagram draws the plan's shapes, and the build stops if the plan and the run disagree.

Long-form specs (a `GraphPlan`) get a page of their own shape: the inputs, each block
(its input, layers, initial state and hand-over, head), the returned tensors, and, with
a decoder, `build_inference_models()` and the one-step decoder's printed lines
(`<decoder>_step_output`, `<decoder>_step_<state>`, see `step_lines`).
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import plan_spec, render_module
from .cells import ROLE_NAMES
from .diagram import draw, head_label, run_shape, shape_line, state_rows
from .graph import BlockPlan, GraphPlan
from .plan import LayerPlan, Plan
from .spec import GraphSpec, Spec
from .write import NotRegular, WriteError, check_writable, read_existing, write_file

INDEX = "index.md"
# A shape as Python prints a tuple of sizes: "(2, 32)", "(2,)", "(None, 8)".
SHAPE = re.compile(r"\((?:\s*(?:\d+|None)\s*,)+(?:\s*(?:\d+|None)\s*)?\)")
_LINE = re.compile(r"^(\S+): (\([\d, ]*\))$")
_FENCE = re.compile(r"^(`{3,})(\S*)\s*$")


class DocsConflict(Exception):
    """The specs cannot make one set of pages (a duplicate or reserved name): exit 2."""


class RunFailure(Exception):
    """A spec's module failed, or printed what its plan does not say: exit 1."""


def build_docs(
    specs: Sequence[tuple[Path, Spec | GraphSpec]], *, timeout: float = 300.0
) -> dict[str, str]:
    """Every file of the docs folder by name, built in memory: pages, SVGs, the index.

    Raises DocsConflict before running anything, and RunFailure (naming every failing
    spec) after running all of them.
    """
    _check_names(specs)
    from .verify import smoke_modules  # the worker, not this process, imports keras

    plans = [plan_spec(spec) for _, spec in specs]
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
            tail = "\n".join(
                f"    {line}" for line in result.output.strip().splitlines()[-8:]
            )
            problems.append(
                f"{path}: the generated module failed: {result.error}"
                + (f"\n{tail}" if tail else "")
            )
        else:
            problems += [
                f"{path}: {problem}" for problem in output_problems(plan, result.output)
            ]
    if problems:
        raise RunFailure("\n".join(problems))

    files: dict[str, str] = {}
    for (path, _), plan, module, result in zip(specs, plans, modules, results):
        spec_text = path.read_text(encoding="utf-8")
        render = render_graph_page if isinstance(plan, GraphPlan) else render_page
        page = render(plan, path.name, spec_text, module, result.output)
        unprinted = unprinted_shapes(page)
        if unprinted:  # the promise of the page; a description could break it
            raise RunFailure(
                f"{path}: the page states shapes the run did not print: {', '.join(unprinted)}"
            )
        files[f"{plan.name}.md"] = page
        files[f"{plan.name}.svg"] = draw(plan)
    files[INDEX] = render_index(sorted(plans, key=lambda plan: plan.name))
    return dict(sorted(files.items()))


def _check_names(specs: Sequence[tuple[Path, Spec | GraphSpec]]) -> None:
    seen: dict[str, Path] = {}
    for path, spec in specs:
        if f"{spec.name}.md" == INDEX:
            raise DocsConflict(
                f"{path}: name: {spec.name!r} is the index page's name; rename the spec"
            )
        if spec.name in seen:
            raise DocsConflict(
                f"{path}: name: {spec.name!r} is also the name of {seen[spec.name]}; one page each"
            )
        seen[spec.name] = path


def output_problems(plan: Plan | GraphPlan, output: str) -> list[str]:
    """What is wrong with a module's printed output: anything but the plan's lines.

    The output must be exactly one `name: shape` line per returned tensor, in order, with
    the plan's shapes at the run's sizes, then for a graph with a decoder the one-step
    decoder's lines (`step_lines`); anything else (a warning, a log line) would make the
    page depend on the machine that built it.
    """
    expected = [shape_line(name, dims, plan) for name, dims in plan.returns]
    if isinstance(plan, GraphPlan):
        expected += [shape_line(name, dims, plan) for name, dims in step_lines(plan)]
    lines = output.splitlines()
    if not output.endswith("\n") or lines != expected:
        stray = [line for line in lines if not _LINE.match(line)]
        if stray:
            return [
                f"the module printed more than `name: shape` lines, e.g. {stray[0]!r}"
            ]
        return [f"the run printed {lines}, the plan says {expected}"]
    return []


def step_lines(plan: GraphPlan) -> list[tuple[str, tuple]]:
    """What the greedy loop prints after the returned tensors: the one-step decoder's
    output (one time step) and its next state, `<decoder>_step_<name>`."""
    if plan.decoder is None:
        return []
    block = plan.block(plan.decoder)
    name, dims = block.output
    one_step = tuple(
        1 if isinstance(dim, str) and dim.startswith("timesteps") else dim
        for dim in dims
    )
    states = [
        (f"{block.name}_step_{s.name.removeprefix(block.name + '_')}", s.batch_shape)
        for s in block.state_tensors
    ]
    return [(f"{block.name}_step_output", one_step), *states]


def stale_files(files: dict[str, str], folder: Path) -> list[tuple[str, str]]:
    """(name, why) for each file in `files` that `folder` lacks or differs in: "missing",
    "stale", or why what is there is no regular file (a directory, a symlink loop, ...).

    Opens nothing but regular files (a FIFO never blocks) and never raises for what it finds.
    """
    found = []
    for name, text in files.items():
        try:
            current = read_existing(folder / name)
        except NotRegular as exc:
            found.append((name, f"stale: {exc}"))
            continue
        if current is None:
            found.append((name, "missing"))
        elif current != text.encode("utf-8"):
            found.append((name, "stale"))
    return found


def write_docs(files: dict[str, str], folder: Path) -> list[str]:
    """Write every changed file by generator/write.py's rules; their names.

    Every target is checked before the first is written, so a refused one (a directory,
    a read-only file, ...) leaves the folder unchanged. Raises WriteError."""
    changed = [name for name, _ in stale_files(files, folder)]
    if folder.is_dir():
        for name in changed:
            check_writable(folder / name, "the docs")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(
            f"{folder}: cannot write the docs: {(exc.strerror or str(exc)).lower()}"
        ) from None
    for name in changed:
        write_file(folder / name, files[name], "the docs")
    return changed


# --- the pages ---------------------------------------------------------------------------


def render_page(
    plan: Plan, spec_file: str, spec_text: str, module: str, output: str
) -> str:
    """One example's page. Shapes in its text come from `output` only."""
    printed = dict(_LINE.match(line).groups() for line in output.splitlines())
    name = plan.name
    lines = _page_head(
        plan,
        spec_file,
        "the input, the layers in stack order, every state tensor, how initial_state enters and what comes back",
    )
    lines += [
        "## The layers",
        "",
        *_layer_lines(plan),
        "",
        *_returns_section(plan, output, printed, _dynamic_note(plan), _meanings(plan)),
    ]
    lines += [
        "",
        *_returned_note(plan),
        "## Initial state",
        "",
        *_initial_state_lines(plan),
        "",
    ]
    lines += _page_tail(name, spec_file, spec_text, module)
    return "\n".join(lines)


def _page_head(plan: Plan | GraphPlan, spec_file: str, picture: str) -> list[str]:
    """The banner, title, description and diagram every page starts with."""
    lines = [
        f"<!-- Generated by `rnnspec docs` from {spec_file}: edit the spec and rebuild, not this page. -->",
        "",
        f"# {plan.name}",
        "",
    ]
    if plan.description:
        lines += [f"> {_inline(plan.description)}", ""]
    return lines + [f"![{plan.name}: {picture}]({plan.name}.svg)", ""]


def _returns_section(
    plan: Plan | GraphPlan,
    output: str,
    printed: dict[str, str],
    note: list[str],
    meanings: dict[str, str],
) -> list[str]:
    """The captured output and a table of the returned tensors, shapes as printed."""
    lines = [
        "## What comes back",
        "",
        f"`python {plan.name}.py` runs the model on seeded random data, checks the shape of "
        "every returned tensor and printed:",
        "",
        *_fenced(output, "text"),
        "",
        *note,
        "| # | tensor | shape | what it is |",
        "|---|---|---|---|",
    ]
    for i, (tensor, _) in enumerate(plan.returns):
        lines.append(f"| {i} | `{tensor}` | `{printed[tensor]}` | {meanings[tensor]} |")
    return lines


def _page_tail(name: str, spec_file: str, spec_text: str, module: str) -> list[str]:
    """The spec and the generated module, verbatim, that every page ends with."""
    return [
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


def render_graph_page(
    plan: GraphPlan, spec_file: str, spec_text: str, module: str, output: str
) -> str:
    """A long-form spec's page. Shapes in its text come from `output` only."""
    printed = dict(_LINE.match(line).groups() for line in output.splitlines())
    name = plan.name
    lines = _page_head(
        plan,
        spec_file,
        "the inputs, each block with its layers, how one block's final state starts another's, the heads and what comes back",
    )
    lines += [
        "## The inputs",
        "",
        *_graph_input_lines(plan),
        "",
        "## The blocks",
        "",
    ]
    for block in plan.blocks:
        lines += [f"### `{block.name}`", "", *_block_lines(plan, block), ""]
    lines += _returns_section(
        plan, output, printed, _graph_dynamic_note(plan), _graph_meanings(plan)
    )
    lines += ["", *_inference_lines(plan, printed)]
    lines += _page_tail(name, spec_file, spec_text, module)
    return "\n".join(lines)


def _graph_input_lines(plan: GraphPlan) -> list[str]:
    batch = (
        "any batch size" if plan.batch_size is None else f"a batch of {plan.batch_size}"
    )
    lines = []
    for given in plan.inputs:
        step = given.step_shape
        size = (
            f"{step[0]} features a step"
            if len(step) == 1
            else f"frames of {'x'.join(map(str, step[:-1]))}, {step[-1]} channels"
        )
        steps = (
            "any number of steps"
            if given.timesteps is None
            else f"{given.timesteps} steps"
        )
        readers = ", ".join(f"`{b.name}`" for b in plan.blocks if b.input == given.name)
        lines.append(
            f"- `{given.name}`: {batch}, {steps}, {size}, `{plan.dtype}`; read by {readers}"
        )
    return lines


def _block_lines(plan: GraphPlan, block: BlockPlan) -> list[str]:
    """A block: where its input comes from, its layers, its initial state, its head."""
    upstream = next((b for b in plan.blocks if b.output[0] == block.input), None)
    if upstream is None:
        reads = f"Reads the model input `{block.input}`."
    else:
        reads = f"Reads block `{upstream.name}`'s output sequence, `{block.input}`."
    lines = [reads, "", *map(_layer_line, block.layers)]
    if block.head:
        where = "every step of" if block.layers[-1].return_sequences else ""
        lines.append(
            f"- head `{head_label(block)}`, on {where + ' ' if where else ''}the top layer's output; it gives `{block.output[0]}`"
        )
    lines += ["", *_block_state_lines(plan, block)]
    return lines


def _block_state_lines(plan: GraphPlan, block: BlockPlan) -> list[str]:
    mode = block.initial_state_mode
    if block.source:
        after = _returns_state(plan, block).strip()
        return _handover_lines(block) + (["", after] if after else [])
    fill = {"zeros": "zeros", "ones": "ones", "random": "seeded normal random values"}
    structure = f"`{_nested(block.initial_state)}`"
    if mode in fill:
        text = (
            f"Initial state: `{mode}`. `make_initial_state()[{block.name!r}]` holds every state tensor "
            f"as a numpy array of {fill[mode]}, nested as `initial_state=` takes it: {structure}."
        )
    elif mode == "input":
        inputs = ", ".join(f"`initial_{s.name}`" for s in block.state_tensors)
        text = (
            f"Initial state: `input`. Every state tensor is an input of the model ({inputs}), "
            f"passed as `initial_state=` nested as {structure}; `make_initial_state()[{block.name!r}]` "
            "gives seeded random arrays for them."
        )
    else:
        text = f"Initial state: `none`. No `initial_state=` is passed, so Keras starts from zeros; the state is {structure}."
    return [text + _returns_state(plan, block)]


def _returns_state(plan: GraphPlan, block: BlockPlan) -> str:
    if not block.return_state:
        return ""
    readers = [f"`{b.name}`" for b in plan.blocks if b.source == block.name]
    uses = []
    if block.name in plan.outputs:
        uses.append("`build_model()` returns it")
    if readers:
        uses.append(f"it starts {', '.join(readers)}")
    return (
        f" Its final state: {'; '.join(uses)}."
        if uses
        else " Its final state is not used."
    )


def _handover_lines(block: BlockPlan) -> list[str]:
    """Which source tensor (or bridge of which) starts which target tensor."""
    kind = block.bridges[0].kind
    what = {
        "none": "each state tensor is the source's tensor of the same direction, cell and role, as it is",
        "concat": "each state tensor joins the source's forward and backward tensors on the last axis",
        "project": "each state tensor is a `Dense` layer of the source's matching tensor",
    }[kind]
    lines = [
        f"Initial state: from block `{block.source}`'s final state, `bridge: {kind}`: {what}.",
        "",
    ]
    for bridge in block.bridges:
        lines.append(f"- `{bridge.target.name}` \u2190 {_bridge_text(bridge)}")
    return lines


def _bridge_text(bridge) -> str:
    names = [f"`{s.name}`" for s in bridge.sources]
    joined = (
        f"`Concatenate()` of {' and '.join(names)} (layer `{bridge.concat_layer}`)"
        if bridge.concat_layer
        else names[0]
    )
    if bridge.kind == "project":
        return f"`Dense` layer `{bridge.dense_layer}` of {joined}"
    return joined


def _graph_dynamic_note(plan: GraphPlan) -> list[str]:
    dynamic = []
    if plan.batch_size is None:
        dynamic.append(
            f"`batch_size` is null, so the run used a batch of {plan.smoke_batch_size}"
        )
    for given in plan.inputs:
        if given.timesteps is None:
            dynamic.append(
                f"`{given.name}` has `timesteps: null`, so it used sequences of {given.smoke_timesteps} steps"
            )
    return ["The spec's " + "; ".join(dynamic) + ".", ""] if dynamic else []


def _graph_meanings(plan: GraphPlan) -> dict[str, str]:
    meanings = {}
    for name in plan.outputs:
        block = plan.block(name)
        when = "every step" if block.layers[-1].return_sequences else "the last step"
        through = f", through its head `{block.head_layer}`" if block.head else ""
        meanings[block.output[0]] = f"block `{block.name}`'s output at {when}{through}"
        for row in state_rows(block):
            cell = row.layer.cells[row.cell_index]
            role = f"{ROLE_NAMES[row.state.role]} `{row.state.role}`"
            where = f"`{cell.name}`" + (f", {row.direction}" if row.direction else "")
            meanings[row.state.name] = f"final {role} of {where} (block `{block.name}`)"
    return meanings


def _inference_lines(plan: GraphPlan, printed: dict[str, str]) -> list[str]:
    if plan.decoder is None:
        return []
    block = plan.block(plan.decoder)
    encoders = ", ".join(f"`{b.name}`" for b in plan.encoder_blocks)
    inputs = ", ".join(f"`{name}`" for name in plan.encoder_model_inputs)
    feedback = {
        "one_hot": "the one-hot of its most likely class",
        "output": "its output",
        "data": "the same first step of the data",
    }[plan.feedback]
    rows = [
        f"| `{name}` | `{printed[name]}` | {meaning} |"
        for (name, _), meaning in zip(step_lines(plan), _step_meanings(block))
    ]
    return [
        "## Inference: `build_inference_models()`",
        "",
        f"`build_inference_models(model)` returns two models that reuse `model`'s layers, as in "
        "Keras' character-level translation example: `encoder`, from "
        f"{inputs} through {encoders} to `{block.name}`'s initial state (bridges included), and "
        f"`{block.name}_step`, from one time step of `{block.input}` and that state to "
        f"`{block.output[0]}` and the next state. `greedy_decode()` encodes once, then runs "
        f"`{block.name}_step` three times, feeding back the state and {feedback}. The last lines "
        "of the output above are the one-step decoder's shapes after the last step:",
        "",
        "| tensor | shape | what it is |",
        "|---|---|---|",
        *rows,
        "",
    ]


def _step_meanings(block: BlockPlan) -> list[str]:
    states = [f"the next state: `{s.name}` after one step" for s in block.state_tensors]
    return [f"`{block.output[0]}` for one time step", *states]


def render_index(plans: Sequence[Plan | GraphPlan]) -> str:
    short = [plan for plan in plans if isinstance(plan, Plan)]
    graphs = [plan for plan in plans if isinstance(plan, GraphPlan)]
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
    for plan in short:
        layers = "<br>".join(f"`{layer.summary}`" for layer in plan.layers)
        returns = ", ".join(f"`{name}`" for name, _ in plan.returns)
        lines.append(
            f"| [{plan.name}]({plan.name}.md) | {layers} | `{plan.initial_state_mode}` | {returns} |"
        )
    lines += ["", *_descriptions(short), ""]
    if graphs:
        lines += [*_graph_index(graphs), "", *_descriptions(graphs), ""]
    return "\n".join(lines)


def _descriptions(plans: Sequence[Plan | GraphPlan]) -> list[str]:
    return [
        f"- [{plan.name}]({plan.name}.md): {_inline(plan.description)}"
        for plan in plans
        if plan.description
    ]


def _graph_index(plans: Sequence[GraphPlan]) -> list[str]:
    lines = [
        "## Encoder-decoder graphs",
        "",
        "Long-form specs (`inputs` and `blocks`, see [the long form](../long-form.md)): "
        "several blocks, one block's final state starting another's.",
        "",
        "| example | blocks | initial state | returns |",
        "|---|---|---|---|",
    ]
    for plan in plans:
        blocks = "<br>".join(
            f"`{block.name}`: "
            + ", ".join(f"`{layer.summary}`" for layer in block.layers)
            for block in plan.blocks
        )
        starts = "<br>".join(
            f"`{block.name}`: {_start(block)}" for block in plan.blocks
        )
        returns = ", ".join(f"`{name}`" for name, _ in plan.returns)
        lines.append(
            f"| [{plan.name}]({plan.name}.md) | {blocks} | {starts} | {returns} |"
        )
    return lines


def _start(block: BlockPlan) -> str:
    if block.source:
        return f"from `{block.source}` (bridge: `{block.bridges[0].kind}`)"
    return f"`{block.initial_state_mode}`"


def _layer_lines(plan: Plan) -> list[str]:
    step = plan.step_shape
    size = (
        f"{step[0]} features a step"
        if len(step) == 1
        else f"frames of {'x'.join(map(str, step[:-1]))}, {step[-1]} channels"
    )
    batch = (
        "any batch size" if plan.batch_size is None else f"a batch of {plan.batch_size}"
    )
    steps = (
        "any number of steps" if plan.timesteps is None else f"{plan.timesteps} steps"
    )
    return [
        f"- input `sequence`: {batch}, {steps}, {size}, `{plan.dtype}`",
        *map(_layer_line, plan.layers),
    ]


def _layer_line(layer: LayerPlan) -> str:
    cells = ", ".join(f"`{cell.name}`" for cell in layer.cells)
    what = (
        f"- `{layer.name}`: `{layer.summary}`, cells {cells}"
        if len(layer.cells) > 1
        else f"- `{layer.name}`: `{layer.summary}`"
    )
    if layer.merge_mode:
        what += ": a forward and a backward copy"
    if layer.stateful:
        what += "; stateful"
    return what


def _dynamic_note(plan: Plan) -> list[str]:
    dynamic = []
    if plan.batch_size is None:
        dynamic.append(
            f"`batch_size` is null, so the run used a batch of {plan.smoke_batch_size}"
        )
    if plan.timesteps is None:
        dynamic.append(
            f"`timesteps` is null, so it used sequences of {plan.smoke_timesteps} steps"
        )
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
            meanings[tensor] = (
                f"the {direction} copy's output at {when} (`merge_mode: none`)"
            )
        elif top.merge_mode:
            meanings[tensor] = (
                f"the top layer's output at {when}, forward and backward merged by `{top.merge_mode}`"
            )
        else:
            meanings[tensor] = f"the top layer's output at {when}"
    for row in state_rows(plan):
        cell = row.layer.cells[row.cell_index]
        role = f"{ROLE_NAMES[row.state.role]} `{row.state.role}`"
        where = f"`{cell.name}`" + (f", {row.direction}" if row.direction else "")
        if len(plan.layers) > 1 and row.layer is not top:
            where += f" (layer `{row.layer.name}`)"
        meanings[row.state.name] = f"final {role} of {where}"
    return meanings


def _returned_note(plan: Plan) -> list[str]:
    if not plan.spec.return_state:
        return ["`return_state` is false, so no state comes back.", ""]
    notes = []
    if all(
        len(cell.state_shapes) == 1 for layer in plan.layers for cell in layer.cells
    ):
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
        notes.append(
            "`Bidirectional` returns the forward copy's states, then the backward copy's."
        )
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
        notes.append(
            "With one layer a cell, each layer gets its own entry, bottom layer first."
        )
    if any(layer.form == "stacked" for layer in plan.layers):
        notes.append(
            "`StackedRNNCells` takes the state nested per cell, bottom cell first."
        )
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
