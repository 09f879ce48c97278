"""Mutation test: plant named bugs in a copy of the generator and see the tests catch them.

Each mutation (tools/mutations.yaml) replaces one exact piece of text in one file of a
COPY of the repository (never the working tree); the copy's tests then run against the
copy's `rnnspec` (PYTHONPATH points at the copy's generator/, and a canary mutation
that breaks the import proves it). A mutant is killed when its selection of tests fails. Golden
files cannot kill it: `make golden` would simply accept what they catch, so the
mutant's outputs become the copy's golden ones before its tests run (every example's
module for both targets, tests/golden/ and tests/golden/tf_keras/; docs/examples/ too
for a mutation whose tests include tests/end_to_end/test_docs.py), and the golden-file tests
(`tests/unit/test_golden.py`, the byte-for-byte docs check) are not run at all.

    python tools/mutate.py              # every mutation; exit 1 if any survives
    python tools/mutate.py --list       # their names
    python tools/mutate.py --check      # every one applies here; runs nothing
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

import yaml

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
    "tests/end_to_end/test_behaviour_render.py",
    "tests/unit/test_behaviour_rules.py",
)
# Fastest first: pytest stops at the first failure (-x).
CORE = BEHAVIOUR + (
    "tests/unit/test_spec_errors.py",
    "tests/unit/test_graph_errors.py",
    "tests/keras/test_keras_matrix.py",
    "tests/keras/test_keras_matrix_numbers.py",
    "tests/keras/test_keras_contracts.py",
    "tests/keras/test_graph.py",
    "tests/end_to_end/test_cli.py",
)
COPIER = tuple(
    f"tests/end_to_end/test_copier_{part}.py"
    for part in (
        "answers",
        "copy",
        "hostile",
        "projects_run",
        "spec_files",
        "validators",
    )
)


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...] = CORE
    keyword: str = ""  # a pytest -k expression to narrow the tests


MUTATIONS_FILE = ROOT / "tools" / "mutations.yaml"
TEST_GROUPS = {"core": CORE, "copier": COPIER}


def read_mutations(path: Path = MUTATIONS_FILE) -> list[Mutation]:
    """The mutations in tools/mutations.yaml, in order; `tests` is a list of test
    files or the name of a group in TEST_GROUPS (core when left out)."""
    mutations = []
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        tests = entry.pop("tests", "core")
        tests = TEST_GROUPS[tests] if isinstance(tests, str) else tuple(tests)
        mutations.append(Mutation(**entry, tests=tests))
    names = [mutation.name for mutation in mutations]
    assert len(names) == len(set(names)), f"a name twice in {path}"
    return mutations


MUTATIONS = read_mutations()

# Breaks the copy's import: if this is not killed, the tests import another generator.
CANARY = Mutation(
    "canary_broken_import",
    "generator/rnnspec/__init__.py",
    "from importlib import import_module",
    "from importlib import no_such_function",
    tests=("tests/end_to_end/test_behaviour_render.py",),
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


def check_mutations(mutations: list[Mutation]) -> int:
    """Whether every mutation's old text is found exactly once in its file, and its
    test files exist, in the working tree: 0, or 1 with each problem printed."""
    problems = [
        f"{mutation.name}: {problem}"
        for mutation in [*mutations, CANARY]
        for problem in [stale(mutation, ROOT)]
        + [
            f"no test file {test}"
            for test in mutation.tests
            if not (ROOT / test).is_file()
        ]
        if problem
    ]
    for problem in problems:
        print(f"error    {problem}")
    print(f"mutations: {len(mutations)} and the canary, problems: {len(problems)}")
    return 1 if problems else 0


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
    parser.add_argument(
        "--check",
        action="store_true",
        help="check every mutation applies to the working tree; run nothing",
    )
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
    if args.check:
        return check_mutations(MUTATIONS)
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
