"""Mutation test: plant named bugs in a copy of the generator and see the tests catch them.

Each mutation replaces one exact piece of text in one file of a COPY of the repository
(never the working tree); the copy's tests then run against the copy's `rnnspec`
(PYTHONPATH points at the copy's generator/, and a canary mutation that breaks the
import proves it). A mutant is killed when its selection of tests fails. Golden
files cannot kill it: `make golden` would simply accept what they catch, so the
mutant's outputs become the copy's golden ones before its tests run (every example's
module for both targets, tests/golden/ and tests/golden/tf_keras/; docs/examples/ too
for a mutation whose tests include tests/end_to_end/test_docs.py), and the golden-file tests
(`tests/unit/test_golden.py`, the byte-for-byte docs check) are not run at all.

    python tools/mutate.py              # every mutation; exit 1 if any survives
    python tools/mutate.py --list       # their names
    python tools/mutate.py NAME...      # only these

A mutation whose text is missing (or not unique) is reported as an error: the
generator has changed, so the mutation must be brought up to date.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORED = (".venv", ".git", "__pycache__", ".pytest_cache", "*.egg-info", "build")
IGNORED += (".hypothesis", ".mypy_cache", ".venv-tf-keras")
NOT_GOLDEN = "not golden and not committed_docs"  # golden comparisons never count
GOLDEN = "tests/golden"
# Every golden output `make golden` writes: each example's module for each target, and
# the docs pages (those only for a mutation whose tests read them: they run every module).
GOLDEN_SPECS = (
    "examples/*.yaml",
    "examples/seq2seq/*.yaml",
    "examples/published/*.yaml",
)
GOLDEN_TARGETS = {"keras3": GOLDEN, "tf_keras": f"{GOLDEN}/tf_keras"}
DOCS = "docs/examples"
DOCS_TESTS = ("tests/end_to_end/test_docs.py",)
RENDER_GOLDEN = """
import sys
from pathlib import Path
from rnnspec import render_spec
patterns, targets = sys.argv[1].split(","), dict(t.split("=") for t in sys.argv[2:])
for spec in [path for pattern in patterns for path in sorted(Path().glob(pattern))]:
    for target, folder in targets.items():
        try:
            module = render_spec(spec, target=target, cache=False)
        except Exception:  # a mutant that cannot render: its tests fail anyway
            continue
        Path(folder, spec.stem + ".py").write_text(module, encoding="utf-8")
"""

BEHAVIOUR = (
    "tests/keras/test_behaviour_initial_state.py",
    "tests/keras/test_behaviour_shapes.py",
    "tests/unit/test_behaviour_render.py",
    "tests/unit/test_behaviour_rules.py",
)
# Fastest first: pytest stops at the first failure (-x).
CORE = BEHAVIOUR + (
    "tests/unit/test_spec_errors.py",
    "tests/unit/test_graph_errors.py",
    "tests/keras/test_keras_matrix.py",
    "tests/keras/test_graph.py",
    "tests/end_to_end/test_cli.py",
)
COPIER = tuple(
    f"tests/end_to_end/test_copier_{part}.py"
    for part in ("answers", "copy", "hostile", "projects_run", "spec_files", "validators")
)


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...] = CORE
    keyword: str = ""  # a pytest -k expression to narrow the tests


# One template renders both spec forms: a short-form spec is a one-block model.
TEMPLATES = "generator/rnnspec/targets/keras3/templates"
MACROS = f"{TEMPLATES}/macros.jinja"
MODULE = f"{TEMPLATES}/module.py.jinja"
LAYERS = f"{TEMPLATES}/layers.jinja"
INITIAL_STATE = f"{TEMPLATES}/initial_state.jinja"

MUTATIONS = [
    # -- the initial state's values
    Mutation(
        "ones_filled_with_zeros",
        MACROS,
        "np.{{ fill }}({{ shape(state.batch_shape) }}, {{ dtype }})",
        "np.zeros({{ shape(state.batch_shape) }}, {{ dtype }})",
    ),
    Mutation(
        "initial_arrays_in_numpy_default_dtype",
        MACROS,
        "np.{{ fill }}({{ shape(state.batch_shape) }}, {{ dtype }})",
        "np.{{ fill }}({{ shape(state.batch_shape) }})",
    ),
    Mutation(
        "random_fill_with_another_seed",
        INITIAL_STATE,
        '"random") | list %}\n    rng = np.random.default_rng(SEED)',
        '"random") | list %}\n    rng = np.random.default_rng(SEED + 1)',
    ),
    Mutation(
        "random_fill_uniform",
        MACROS,
        "rng.standard_normal({{ shape(state.batch_shape) }})",
        "rng.random({{ shape(state.batch_shape) }})",
    ),
    Mutation(
        "initial_state_passed_only_for_input",  # zeros, ones, random: Keras' zeros
        LAYERS,
        '{%- elif block.initial_state_mode != "none" -%}\n{{ ops.tree',
        '{%- elif block.initial_state_mode == "input" -%}\n{{ ops.tree',
    ),
    Mutation(
        "layers_get_each_others_state",
        LAYERS,
        "{%- if block.layers | length > 1 %}[{{ index }}]{% endif -%}",
        "{%- if block.layers | length > 1 %}[{{ block.layers | length - 1 - index }}]"
        "{% endif -%}",
    ),
    Mutation(  # the same index, spoilt where the block passes it: both spec forms
        "graph_layers_all_get_the_first_state",
        LAYERS,
        "{{ initial_state_arg(plan, block, layer, loop.index0, step, masked) }}",
        "{{ initial_state_arg(plan, block, layer, 0, step, masked) }}",
    ),
    # -- RepeatOverBatch (batch_size: null)
    Mutation(
        "repeat_over_batch_wrong_axis",
        MACROS,
        "repeat(state, {{ ops.ops }}.shape(sequence)[0], axis=0)",
        "repeat(state, {{ ops.ops }}.shape(sequence)[0], axis=-1)",
    ),
    Mutation(
        "repeat_over_batch_symbolic_shape_keeps_batch_dim",
        MACROS,
        "return (sequence_shape[0], *self.state.shape[1:])",
        "return (sequence_shape[0], *self.state.shape)",
    ),
    Mutation(
        "repeat_over_batch_never_used",
        "generator/rnnspec/plan/model.py",
        "return self.batch_size is None and any(",
        "return False and any(",
    ),
    # -- the generated shape checks
    Mutation(
        "check_shape_and_to_or",
        MACROS,
        "len(actual) == len(expected) and all(",
        "len(actual) == len(expected) or all(",
    ),
    Mutation(
        "check_shape_none_is_no_wildcard",
        MACROS,
        "size is None or size == got",
        "size == got",
    ),
    Mutation(
        "check_returned_checks_only_the_output",
        MODULE,
        "{% for name, shape in plan.returns %}",
        "{% for name, shape in plan.returns[:1] %}",
    ),
    # -- state order and structure
    Mutation(
        "state_arrays_of_one_sequence",
        "generator/rnnspec/check/stack.py",
        'return ("batch_size", *self.shape)',
        "return (1, *self.shape)",
    ),
    Mutation(
        "bidirectional_backward_states_first",
        "generator/rnnspec/check/stack.py",
        'for direction in ("forward", "backward") if merge_mode else ("",)',
        'for direction in ("backward", "forward") if merge_mode else ("",)',
    ),
    Mutation(
        "lstm_roles_c_then_h",
        "generator/rnnspec/cells.py",
        'HC = ("h", "c")',
        'HC = ("c", "h")',
    ),
    Mutation(
        "gru_gets_two_states",
        "generator/rnnspec/cells.py",
        'CellKind("gru", "GRU", "GRUCell", H, gates=3, two_biases=True)',
        'CellKind("gru", "GRU", "GRUCell", HC, gates=3, two_biases=True)',
    ),
    Mutation(
        "stacked_states_flattened_backwards",
        LAYERS,
        "= {{ ops.tree }}.flatten(states)",
        "= {{ ops.tree }}.flatten(states)[::-1]",
    ),
    Mutation(
        "merge_none_outputs_swapped",
        "generator/rnnspec/check/stack.py",
        'for direction in ("forward", "backward")\n        )',
        'for direction in ("backward", "forward")\n        )',
    ),
    # -- layers and cells
    Mutation(
        "cell_args_in_set_order",
        "generator/rnnspec/spec/models.py",
        "for key, value in self.model_dump().items()",
        "for key, value in ((k, self.model_dump()[k]) for k in set(self.model_dump()))",
    ),
    Mutation(
        "false_options_dropped",
        "generator/rnnspec/spec/models.py",
        "if key not in required and value is not None",
        "if key not in required and value",
    ),
    Mutation(
        "rnn_cell_dtype_dropped",
        LAYERS,
        "keras.layers.{{ cell.keras_cell }}({{ cell_args(cell) }}{{ dtype(plan) }}",
        "keras.layers.{{ cell.keras_cell }}({{ cell_args(cell) }}",
    ),
    Mutation(
        "inner_layers_return_sequences_dropped",
        "generator/rnnspec/check/stack.py",
        "return_sequences = spec.return_sequences if top else True",
        "return_sequences = spec.return_sequences",
    ),
    Mutation(
        "sum_merge_doubles_the_width",
        "generator/rnnspec/check/stack.py",
        'last = out_shape[-1] * 2 if merge_mode == "concat" else out_shape[-1]',
        'last = out_shape[-1] * 2 if merge_mode in ("concat", "sum") else out_shape[-1]',
    ),
    Mutation(
        "conv_kernel_dims_reversed",
        "generator/rnnspec/cells.py",
        '"kernel_size": _compact(per_dim(cell, "kernel_size")),',
        '"kernel_size": _compact(per_dim(cell, "kernel_size")[::-1]),',
    ),
    Mutation(
        "conv_valid_output_off_by_one",
        "generator/rnnspec/cells.py",
        "(size - kernel) // stride + 1",
        "(size - kernel + 1) // stride + 1",
    ),
    # -- the long form's hand-over
    Mutation(
        "concat_bridge_backward_first",
        "generator/rnnspec/check/handover.py",
        "return [s for s in have if (s.cell, s.role) == (state.cell, state.role)]",
        "return [s for s in have if (s.cell, s.role) == (state.cell, state.role)][::-1]",
    ),
    Mutation(
        "project_bridge_from_the_other_role",
        "generator/rnnspec/check/handover.py",
        "roles = [s for s in cell if s.role == state.role] or [",
        "roles = [s for s in cell if s.role != state.role] or [",
    ),
    Mutation(
        "hand_over_shapes_unchecked",
        "generator/rnnspec/check/handover.py",
        "if len(match) != 1 or match[0].shape != state.shape:",
        "if len(match) != 1:",
    ),
    # -- rules across keys
    Mutation(
        "stateful_without_batch_size_allowed",
        "generator/rnnspec/check/rules.py",
        "return stateful and batch_size is None",
        "return False and stateful and batch_size is None",
    ),
    Mutation(
        "stateful_with_initial_state_allowed",
        "generator/rnnspec/check/rules.py",
        'return stateful and initial_state not in (None, "none")',
        'return False and stateful and initial_state not in (None, "none")',
    ),
    Mutation(
        "merge_none_layer_chain_allowed",
        "generator/rnnspec/check/rules.py",
        'if spec.merge_mode == "none" and spec.stacking == "layers" and len(spec.cells) > 1:',
        'if False and spec.merge_mode == "none" and spec.stacking == "layers":',
    ),
    # -- loading, formatting, copier
    Mutation(
        "toml_marks_line_off_by_one",
        "generator/rnnspec/read/toml_marks.py",
        "        self.lines = Lines(text)",
        '        self.lines = Lines("\\n" + text)  # every key and value a line down',
        tests=("tests/unit/test_spec_errors.py",),
    ),
    Mutation(
        "format_is_identity",
        "generator/rnnspec/render/format.py",
        'return "\\n\\n".join(_format_part(part, store) for part in parts)',
        "return source",
    ),
    Mutation(
        "format_parts_leave_comments_above_a_def",
        "generator/rnnspec/render/format.py",
        "start -= 1  # the comments right above belong to it",
        "break",
        tests=("tests/unit/test_format.py",),
    ),
    Mutation(
        "format_parts_cut_at_an_encoding_comment",
        "generator/rnnspec/render/format.py",
        "if not any(map(_COOKIE.match, lines[start : start + 2])):",
        "if True:",
        tests=("tests/unit/test_format.py",),
    ),
    Mutation(
        "teacher_forcing_for_a_last_step_decoder",
        "generator/rnnspec/check/training.py",
        "and len(output.shape) == 3",
        "and len(output.shape) > 0",
        tests=("tests/keras/test_training.py",),
        keyword="last_step",
    ),
    Mutation(
        "module_cache_key_ignores_the_target",
        "generator/rnnspec/render/cache.py",
        "sys.version, target, suffix.lower(), text)",
        "sys.version, suffix.lower(), text)",
        tests=("tests/unit/test_cache.py",),
    ),
    Mutation(
        "module_cache_key_ignores_rnnspec_edits",
        "generator/rnnspec/render/cache.py",
        "parts = (_code(), _versions(_TOOLS),",
        "parts = (_versions(_TOOLS),",
        tests=("tests/unit/test_cache.py",),
    ),
    Mutation(
        "module_cache_key_ignores_templates",
        "generator/rnnspec/render/cache.py",
        'if path.suffix in (".py", ".jinja") and',
        'if path.suffix in (".py",) and',
        tests=("tests/unit/test_cache.py",),
        keyword="edited_template",
    ),
    Mutation(
        "batch_mixes_up_kept_and_rendered_modules",
        "generator/rnnspec/render/batch.py",
        "enumerate(zip(hits + todo, outcomes))",
        "enumerate(zip(todo + hits, outcomes))",
        tests=("tests/unit/test_cache.py",),
        keyword="batch_of_kept",
    ),
    Mutation(
        "cache_trusts_a_folder_others_may_write",
        "generator/rnnspec/render/cache.py",
        "private = others_may_write or not info.st_mode & _OTHERS_WRITE",
        "private = True",
        tests=("tests/unit/test_cache_attacks.py",),
        keyword="folder_others_may_write",
    ),
    Mutation(
        "copier_size_validator_accepts_zero",
        "generator/rnnspec/project/validators.py",
        "if (allow_none and is_none(value)) or is_size(text):",
        'if (allow_none and is_none(value)) or is_size(text) or text == "0":',
        tests=COPIER,
        keyword="validators",
    ),
    # -- attention, training, decoding, reset (issue 12); backends and targets (13)
    Mutation(
        "attention_concat_order_ignored",
        f"{TEMPLATES}/layers.jinja",
        "if att.context_first else",
        "if not att.context_first else",
        tests=("tests/keras/test_attention.py", "tests/keras/test_published_attention.py"),
    ),
    Mutation(
        "logits_read_as_probabilities",
        "generator/rnnspec/check/training.py",
        "        if activation in LINEAR:\n            return True",
        "        if activation in LINEAR:\n            return False",
        tests=("tests/keras/test_training.py",),
    ),
    Mutation(
        "beams_keep_their_old_state",
        f"{TEMPLATES}/decoding.jinja",
        "        carried = [tensor[rows] for tensor in carried]",
        "        carried = carried",
        tests=("tests/keras/test_decoding.py",),
    ),
    Mutation(
        "sampling_ignores_the_temperature",
        f"{TEMPLATES}/decoding.jinja",
        "    scores = scores / temperature",
        "    scores = scores",
        tests=("tests/keras/test_decoding.py", "tests/keras/test_published_generation.py"),
    ),
    Mutation(
        "reset_states_resets_nothing",
        f"{TEMPLATES}/stateful.jinja",
        "        model.get_layer(name).reset_state()",
        "        model.get_layer(name)",
        tests=("tests/keras/test_stateful.py",),
    ),
    Mutation(
        "tf_keras_takes_hard_sigmoid",
        "generator/rnnspec/targets/tf_keras/__init__.py",
        '    "hard_sigmoid": "Keras 2',
        '    "hard_sigmoid_": "Keras 2',
        tests=("tests/unit/test_target_rules.py",),
    ),
    Mutation(
        "one_cell_stack_state_nested_on_jax",
        "generator/rnnspec/check/stack.py",
        '            self.form == "stacked"\n            and len(self.cells) == 1',
        "            False\n            and len(self.cells) == 1",
        tests=("tests/keras/test_stacked_one_state.py",),
    ),
    # -- tests that catch them by behaviour (issue 20, finding 8)
    Mutation(
        "beam_finished_flag_left_behind",
        f"{TEMPLATES}/decoding.jinja",
        "            finished = finished[rows] | (classes == stop)",
        "            finished = finished | (classes == stop)",
        tests=("tests/keras/test_decoding_reference.py",),
        keyword="reference_beam_search",
    ),
    Mutation(
        "one_step_decoder_drops_the_memory_mask",
        f"{TEMPLATES}/layers.jinja",
        "{% if att.mask %}, mask=[None, {{ att.mask }}]{% endif %})",
        "{% if att.mask and not step %}, mask=[None, {{ att.mask }}]{% endif %})",
        tests=("tests/keras/test_decoding_reference.py",),
        keyword="padded_source",
    ),
    Mutation(
        "project_bridge_activation_dropped",
        f"{TEMPLATES}/layers.jinja",
        "bridge.dense_layer, plan, bridge.activation) }}",
        "bridge.dense_layer, plan) }}",
        tests=("tests/keras/test_layer_options.py",),
        keyword="bridge",
    ),
    Mutation(
        "layer_normalization_params_halved",
        "generator/rnnspec/spec/around.py",
        '    if layer.type == "layer_normalization":\n        return 2 * channels',
        '    if layer.type == "layer_normalization":\n        return channels',
        tests=("tests/keras/test_layer_options.py",),
        keyword="layer_normalization",
    ),
    Mutation(
        "causal_strided_conv_length_as_valid",
        "generator/rnnspec/spec/around.py",
        '    if padding in ("same", "causal"):\n        return -(-size // stride)',
        '    if padding == "same":\n        return -(-size // stride)',
        tests=("tests/keras/test_layer_options.py",),
        keyword="conv1d or causal",
    ),
    Mutation(
        "dropout_between_layers_dropped",
        "generator/rnnspec/check/stack.py",
        "dropout=None if top else spec.dropout_between_layers,",
        "dropout=None,",
        tests=("tests/keras/test_layer_options.py",),
        keyword="dropout",
    ),
    Mutation(  # Keras 3 fills in a mask only for a layer called on one tensor
        "mask_left_to_keras_with_initial_state",
        LAYERS,
        "{%- if masked %}, mask={{ masked.mask }}{% endif -%}",
        "",
        tests=("tests/keras/test_masking.py",),
    ),
    Mutation(  # Keras' masked step gives zeros; the full model repeats its output
        "padding_step_output_left_to_keras",
        LAYERS,
        "{% if step and masked %}\n{% set output",
        "{% if false %}\n{% set output",
        tests=("tests/keras/test_masking.py",),
        keyword="decoder_steps",
    ),
    Mutation(  # a masked one-LSTM-cell stack: Keras 3 fails on the state's nesting
        "one_lstm_cell_stack_masked_allowed",
        "generator/rnnspec/check/rules.py",
        "    if len(roles) > 1:\n",
        "    if False:\n",
        tests=("tests/unit/test_graph_errors.py",),
        keyword="masked",
    ),
    Mutation(  # the mask does not reach a block reading a masked block's sequence
        "mask_stops_at_a_block",
        "generator/rnnspec/check/shapes.py",
        "        upstream.masked\n",
        "        False\n",
        tests=("tests/keras/test_masking.py", "tests/unit/test_graph_errors.py"),
    ),
    Mutation(  # build_inference_models() on a front that reads several steps
        "decoder_with_a_conv_front_stepped",
        "generator/rnnspec/check/decoding.py",
        "        or any(mixes_steps(layer) for layer in block.front)\n",
        "",
        tests=("tests/keras/test_layer_options.py",),
        keyword="stepped",
    ),
]

# Breaks the copy's import: if this is not killed, the tests import another generator.
CANARY = Mutation(
    "canary_broken_import",
    "generator/rnnspec/__init__.py",
    "from importlib import import_module",
    "from importlib import no_such_function",
    tests=("tests/unit/test_behaviour_render.py",),
    keyword="several_optional_keys",
)


@dataclass
class Outcome:
    mutation: Mutation
    status: str  # killed | survived | error
    detail: str
    seconds: float


def make_copy(folder: Path) -> Path:
    copy = folder / "rnnspec"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*IGNORED))
    keras2 = ROOT / ".venv-tf-keras"  # the tf_keras target's environment, shared
    if keras2.is_dir():
        (copy / keras2.name).symlink_to(keras2)
    return copy


def environment(copy: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(copy / "generator"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def check_import(copy: Path, python: str) -> None:
    """The copy's interpreter setup imports the copy's generator, not the installed one."""
    done = subprocess.run(
        [python, "-c", "import rnnspec; print(rnnspec.__file__)"],
        capture_output=True,
        text=True,
        cwd=copy,
        env=environment(copy),
    )
    where = Path(done.stdout.strip() or "?").resolve()
    if done.returncode != 0 or copy.resolve() not in where.parents:
        wanted = copy / "generator" / "rnnspec"
        sys.exit(f"mutate: the copy imports {where}, not {wanted}\n{done.stderr}")


def run_tests(
    copy: Path, python: str, tests: tuple[str, ...], keyword: str, timeout: float
) -> tuple[int | None, str]:
    """pytest's exit code (None on a timeout) and the first failing test."""
    selection = f"({NOT_GOLDEN}) and ({keyword})" if keyword else NOT_GOLDEN
    command = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    command += ["-rfE", "-k", selection, *tests]
    # its own session, so that ending it ends the workers it started too
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=copy,
        env=environment(copy),
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, f"no result after {timeout:.0f} s"
    except BaseException:  # Ctrl-C: the new session does not get it
        os.killpg(process.pid, signal.SIGKILL)
        raise
    failed = re.search(r"^(?:FAILED|ERROR) (.+?)(?: - (.*))?$", output, re.MULTILINE)
    if failed:
        why = (failed[2] or "").strip()[:120]
        return process.returncode, f"{failed[1]}: {why}" if why else failed[1]
    last = output.strip().splitlines()[-1] if output.strip() else ""
    return process.returncode, last


def golden_specs(copy: Path) -> list[str]:
    return [
        str(p.relative_to(copy)) for g in GOLDEN_SPECS for p in sorted(copy.glob(g))
    ]


def accept_as_golden(copy: Path, python: str, docs: bool) -> None:
    """What `make golden` would do with the mutant: its modules (every target) become
    the golden ones, and with `docs` its docs pages too, so a test that compares with
    them (in test_cli, say) cannot kill it."""
    targets = [f"{target}={copy / folder}" for target, folder in GOLDEN_TARGETS.items()]
    run = dict(cwd=copy, env=environment(copy), capture_output=True, timeout=600)
    subprocess.run(
        [python, "-c", RENDER_GOLDEN, ",".join(GOLDEN_SPECS), *targets], **run
    )
    if docs:  # a mutant whose modules fail builds no docs: its tests fail anyway
        command = [python, "-m", "rnnspec.cli", "docs", *golden_specs(copy)]
        subprocess.run([*command, "-o", str(copy / DOCS)], **run)


def golden_files(copy: Path, docs: bool) -> dict[Path, bytes]:
    """The golden outputs accept_as_golden() may rewrite, to put back afterwards."""
    folders = [copy / folder for folder in GOLDEN_TARGETS.values()]
    folders += [copy / DOCS] if docs else []
    return {p: p.read_bytes() for f in folders for p in f.iterdir() if p.is_file()}


def stale(mutation: Mutation, copy: Path) -> str:
    """Why the mutation cannot be applied to the copy, or ""."""
    path = copy / mutation.file
    if not path.is_file():
        return f"{mutation.file} does not exist"
    count = path.read_text(encoding="utf-8").count(mutation.old)
    if count != 1:
        found = "not found" if count == 0 else f"found {count} times"
        return f"old text {found} in {mutation.file}: {mutation.old!r}"
    return ""


def try_mutation(
    mutation: Mutation, copy: Path, python: str, timeout: float
) -> Outcome:
    start = time.monotonic()
    if problem := stale(mutation, copy):
        return Outcome(mutation, "error", problem, 0.0)
    path = copy / mutation.file
    original = path.read_text(encoding="utf-8")
    docs = any(test.startswith(DOCS_TESTS) for test in mutation.tests)
    goldens = golden_files(copy, docs)
    path.write_text(original.replace(mutation.old, mutation.new), encoding="utf-8")
    try:
        accept_as_golden(copy, python, docs)
        code, detail = run_tests(
            copy, python, mutation.tests, mutation.keyword, timeout
        )
    finally:
        path.write_text(original, encoding="utf-8")
        for golden, content in goldens.items():
            golden.write_bytes(content)
    seconds = time.monotonic() - start
    if code is None:
        return Outcome(mutation, "killed", f"timeout: {detail}", seconds)
    if code in (0,):
        return Outcome(mutation, "survived", detail, seconds)
    # tests failed, interrupted (collection error), internal error, or conftest could
    # not import the copy (4; the unmutated baseline has passed with the same options)
    if code in (1, 2, 3, 4):
        return Outcome(mutation, "killed", detail, seconds)
    return Outcome(mutation, "error", f"pytest exit code {code}: {detail}", seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only these mutations")
    parser.add_argument("--list", action="store_true", help="list the mutations")
    parser.add_argument("--python", default=sys.executable, help="the interpreter")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a mutant")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the unmutated run"
    )
    parser.add_argument("--keep", action="store_true", help="keep the copy")
    parser.add_argument(
        "--tests", nargs="+", help="run these tests for every mutation instead"
    )
    args = parser.parse_args(argv)

    if args.list:
        for mutation in MUTATIONS:
            print(f"{mutation.name:45} {mutation.file}")
        return 0
    known = {mutation.name: mutation for mutation in MUTATIONS}
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"unknown mutation(s): {', '.join(unknown)}; see --list")
    chosen = [known[name] for name in args.names] or MUTATIONS
    if args.tests:
        chosen = [replace(m, tests=tuple(args.tests), keyword="") for m in chosen]

    folder = Path(tempfile.mkdtemp(prefix="rnnspec-mutate-"))
    try:
        copy = make_copy(folder)
        print(f"copy: {copy}", flush=True)
        check_import(copy, args.python)
        for mutation in chosen:  # say at once which mutations are out of date
            if problem := stale(mutation, copy):
                print(f"error    {mutation.name}: {problem}", flush=True)
        canary = try_mutation(CANARY, copy, args.python, args.timeout)
        if canary.status != "killed":
            print(f"mutate: the canary was not killed ({canary.detail})")
            return 2
        if not args.no_baseline:
            selections = sorted({(m.tests, m.keyword) for m in chosen})
            for tests, keyword in selections:
                code, detail = run_tests(
                    copy, args.python, tests, keyword, args.timeout
                )
                if code != 0:
                    print(f"mutate: the unmutated copy fails its tests: {detail}")
                    return 2
            print("baseline: the unmutated copy passes", flush=True)
        outcomes = []
        for mutation in chosen:
            outcome = try_mutation(mutation, copy, args.python, args.timeout)
            outcomes.append(outcome)
            print(
                f"{outcome.status:8} {mutation.name:45} {outcome.seconds:6.1f}s  "
                f"{outcome.detail}",
                flush=True,
            )
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    counts = {
        status: sum(o.status == status for o in outcomes)
        for status in ("killed", "survived", "error")
    }
    print(
        f"\nmutants: {len(outcomes)}, killed: {counts['killed']}, "
        f"survived: {counts['survived']}, errors: {counts['error']}"
    )
    for outcome in outcomes:
        if outcome.status != "killed":
            print(f"  {outcome.status}: {outcome.mutation.name}: {outcome.detail}")
    return 0 if counts["survived"] == counts["error"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
