"""What a module's run prints, and reading it back from a page.

A generated module prints, in this order (smoke.jinja's main()):
- one `name: shape` line per returned tensor;
- for a stateful model, `RESET_LINE` once `reset_states(model)` gave the first batch's
  numbers again;
- for a model that generates classes (`plan.generator`), the decoders' results
  (`decode_lines`); for another decoder, the one-step decoder's output and next state;
  both are `step_lines`;
- for a model with a `training` section, `TRAINING_LINE` after one training step.
The build checks the run against the plan (`output_problems`), and the pages state no
shape the run did not print (`unprinted_shapes`), read back from the page's fenced
blocks (`page_blocks`).
"""

from __future__ import annotations

import re

from ..plan.model import ModelPlan
from .svg import shape_line

# A shape as Python prints a tuple of sizes: "(2, 32)", "(2,)", "(None, 8)".
SHAPE = re.compile(r"\((?:\s*(?:\d+|None)\s*,)+(?:\s*(?:\d+|None)\s*)?\)")
_LINE = re.compile(r"^(\S+): (\([\d, ]*\))$")
_FENCE = re.compile(r"^(`{3,})(\S*)\s*$")
# The lines main() prints that are no shape, as smoke.jinja and training_smoke.jinja
# write them.
# The C++ runtime's own log lines (absl's format), which TensorFlow writes to stderr
# under the JAX backend too (keras imports it there, after the worker silenced it):
# not the module's output. TF_CPP_MIN_LOG_LEVEL does not stop the first kind.
_RUNTIME_LOG = re.compile(
    r"^(?:WARNING: All log messages before absl::InitializeLog\(\) is called are "
    r"written to STDERR|[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\] .*)\n",
    re.MULTILINE,
)

RESET_LINE = "reset_states: the first batch again gives the same numbers"
TRAINING_LINE = "training step: loss finite, weights changed"
# How many classes main() has each decoder choose (max_length=3), and the beam width.
DECODED = 3
DECODERS = ("greedy_decode", "sample_decode", "beam_search_decode")
SCORES = "beam_search_decode_scores"


def printed_lines(plan: ModelPlan) -> list[str]:
    """Every line the module's run prints, in order, shapes at the run's sizes."""
    returned = [shape_line(name, dims, plan) for name, dims in plan.returns]
    steps = [shape_line(name, dims, plan) for name, dims in step_lines(plan)]
    return [
        *returned,
        *([RESET_LINE] if plan.stateful else []),
        *steps,
        *([TRAINING_LINE] if plan.training else []),
    ]


def output_problems(plan: ModelPlan, output: str) -> list[str]:
    """What is wrong with a module's printed output: anything but the plan's lines.

    The output must be exactly `printed_lines(plan)`; anything else (a warning, a log
    line) would make the page depend on the machine that built it.
    """
    expected = printed_lines(plan)
    lines = output.splitlines()
    if not output.endswith("\n") or lines != expected:
        known = (RESET_LINE, TRAINING_LINE)
        stray = [line for line in lines if not _LINE.match(line) and line not in known]
        if stray:
            return [
                f"the module printed more than `name: shape` lines, e.g. {stray[0]!r}"
            ]
        return [f"the run printed {lines}, the plan says {expected}"]
    return []


def step_lines(plan: ModelPlan) -> list[tuple[str, tuple]]:
    """The shapes main() prints after the returned tensors (and the reset line): the
    decoders' results (`decode_lines`) for a model that generates classes; else, for
    a decoder, the one-step decoder's output (one time step) and its next state,
    `<decoder>_step_<name>`, <name> the state's name without the block's prefix."""
    if plan.generator is not None:
        return decode_lines()
    if plan.decoder is None:
        return []
    block = plan.block(plan.decoder)
    name, dims = block.output
    one_step = tuple(
        1 if isinstance(dim, str) and dim.startswith("timesteps") else dim
        for dim in dims
    )
    states = [
        (f"{block.name}_step_{s.name.removeprefix(block.prefix)}", s.batch_shape)
        for s in block.state_tensors
    ]
    return [(f"{block.name}_step_output", one_step), *states]


def decode_lines() -> list[tuple[str, tuple]]:
    """What main() prints of its decoders: each one's classes, (batch, DECODED), then
    the beam search's scores, one per example."""
    classes = [(name, ("batch_size", DECODED)) for name in DECODERS]
    return [*classes, (SCORES, ("batch_size",))]


def printed_shapes(output: str) -> dict[str, str]:
    """The run's `name: shape` lines (checked by `output_problems`) as tensor name ->
    printed shape."""
    matches = map(_LINE.match, output.splitlines())
    return dict(match.groups() for match in matches if match)


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


def without_runtime_logs(output: str) -> str:
    """What a module printed, less the C++ runtime's log lines (absl's format)."""
    return _RUNTIME_LOG.sub("", output)
