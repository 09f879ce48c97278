"""Properties of the whole pipeline over drawn specs (Hypothesis), and `make fuzz`.

1. A valid spec (tests/support/strategies/) loads the same from YAML, JSON and TOML, or all
   three are refused with file:line:col; it renders to code that parses, that black
   leaves as it is, and that is the same bytes when rendered again.
2. A sample of them passes `smoke_modules`, in one call; another, rendered with
   `--target tf_keras`, runs its own smoke test under Keras 2 (.venv-tf-keras), or is
   refused for that target with file:line:col (tests/backends/test_properties_tf_keras.py).
3. A broken spec text never crashes the command line: `render` and `check` exit 0 or
   2 (never 1, never a traceback), every line of an exit 2 starts with file:line:col,
   and the output file is left as it was.

The normal suite runs few examples, derandomized so that a run is reproducible.
RNNSPEC_FUZZ=1 (`make fuzz`) runs many, at random, and instead of stopping at the
first failure it keeps going, saving one example of each distinct failure under
build/fuzz/. Either way the counts are printed at the end of the run.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from rnnspec import load_spec, plan_spec, render_module, render_source
from rnnspec.cli import main
from rnnspec.render.format import format_whole
from rnnspec.read.load import SpecError
from rnnspec.run.report import describe_plan
from rnnspec.run.verify import smoke_modules

from ..conftest import PROPERTY_COUNTS as COUNTS
from ..conftest import PROPERTY_NOTES as NOTES
from ..conftest import ROOT, run_cli
from ..support.shared_smoke import shared
from ..support.strategies import (
    FORMATS,
    SUFFIX,
    broken_sections,
    drawn_options,
    mutations,
    specs,
    texts,
    to_yaml,
)

FUZZ = os.environ.get("RNNSPEC_FUZZ") == "1"
FUZZ_OUT = Path(os.environ.get("RNNSPEC_FUZZ_OUT", ROOT / "build" / "fuzz"))
_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("rnnspec", derandomize=True, **_COMMON)  # reproducible
settings.register_profile("rnnspec-fuzz", print_blob=True, **_COMMON)
PROFILE = settings.get_profile("rnnspec-fuzz" if FUZZ else "rnnspec")
# examples per property: (normal suite, make fuzz); valid + mutated >= 10,000 in fuzz,
# and 10,000 broken sections (tests/unit/test_section_mutants.py); a valid spec costs ~14
# broken texts' time (it is rendered and formatted twice)
EXAMPLES = {
    "valid": (40, 1000),
    "mutated": (200, 9000),
    "process": (3, 40),
    "sections": (60, 10000),
}
SCALE = float(os.environ.get("RNNSPEC_FUZZ_SCALE", "1"))  # a shorter or longer fuzz
SMOKE_ROUNDS, SMOKE_BATCH = (1, 8) if not FUZZ else (max(1, round(4 * SCALE)), 12)
# a training step compiles the model (seconds): the normal suite smokes one at most
SMOKE_TRAINED = SMOKE_BATCH if FUZZ else 1
KNOWN_FILES = {"model.py"} | {f"spec{suffix}" for suffix in SUFFIX.values()}
OLD_MODULE = "# the module from before: a refused spec must leave it alone\n"

for key in (
    "valid specs drawn", "accepted (same from YAML, JSON, TOML)", "refused cleanly",
    "rendered, parsed, black-stable, stable", "smoked", "smoked and passed",
    "smoke sample refused", "mutated specs", "mutated: exit 0", "mutated: exit 2",
    "mutated sections: exit 0", "mutated sections: exit 2", "mutated in a process",
    "valid with attention", "valid with training", "valid with decoding",
    "smoked with attention", "smoked with training", "smoked with decoding",
    "tf_keras: drawn", "tf_keras: refused for the target", "tf_keras: rendered",
    "tf_keras: run", "tf_keras: passed", "tf_keras: failed", "failures",
):  # fmt: skip
    COUNTS.setdefault(key, 0)
REFUSALS: dict[str, int] = {}  # why valid drawn specs were refused, by message
FOUND: dict[str, Path] = {}  # fuzz: a distinct failure -> the example saved


def _count(key: str, n: int = 1) -> None:
    COUNTS[key] = COUNTS.get(key, 0) + n


def _count_sections(spec: dict, what: str) -> None:
    """Count the issue-12 keys a spec carries: `<what> with attention`, ..., and the
    layer options it draws (strategies.drawn_options): `<what> with causal conv1d`..."""
    blocks = spec.get("blocks") or []
    carried = {key for key in ("training", "decoding") if key in spec}
    carried |= {"attention" for block in blocks if block.get("attention")}
    for key in sorted(carried | drawn_options(spec)):
        _count(f"{what} with {key}")


def _refused(error: SpecError) -> None:
    """Note why a spec drawn as valid was refused: the strategy or the rules are off."""
    problem = error.problems[0]
    why = re.sub(r"\d+", "N", f"{problem.path}: {problem.message}")[:160]
    REFUSALS[why] = REFUSALS.get(why, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def _refusals_noted() -> Iterator[None]:
    yield
    if REFUSALS:
        NOTES.append("specs drawn as valid but refused, by reason:")
        NOTES.extend(f"  {n} x {why}" for why, n in sorted(REFUSALS.items()))


def examples(name: str) -> settings:
    normal, fuzz = EXAMPLES[name]
    return settings(
        PROFILE, max_examples=max(1, round(fuzz * SCALE)) if FUZZ else normal
    )


@contextlib.contextmanager
def failures(kind: str, example: bytes, suffix: str) -> Iterator[None]:
    """Count a failure; in the fuzz run, save the first example of its kind and go on."""
    try:
        yield
    except Exception as exc:
        _count("failures")
        if not FUZZ:
            raise
        _record(kind, str(exc) or type(exc).__name__, example, suffix)


def _record(kind: str, message: str, example: bytes, suffix: str) -> None:
    first = message.strip().splitlines()[0] if message.strip() else message
    first = first.replace(str(FUZZ_OUT), "").replace(tempfile.gettempdir(), "")
    signature = re.sub(r"\d+", "N", re.sub(r"\"[^\"]*\"|'[^']*'", '"..."', first))
    signature = f"{kind}: {signature[:90]}"
    if signature in FOUND:
        return
    FUZZ_OUT.mkdir(parents=True, exist_ok=True)
    stem = hashlib.sha256(signature.encode()).hexdigest()[:10]
    saved = FUZZ_OUT / f"{kind}-{stem}{suffix}"
    saved.write_bytes(example)
    saved.with_suffix(".txt").write_text(message + "\n", encoding="utf-8")
    FOUND[signature] = saved
    NOTES.append(f"failure {len(FOUND)}: {signature}\n    example: {saved}")


def _assert_found_nothing(kind: str) -> None:
    found = [f"{sig}  ({path})" for sig, path in FOUND.items() if sig.startswith(kind)]
    assert not found, f"{len(found)} distinct failure(s):\n" + "\n".join(found)


def _line_count(data: bytes) -> int:
    """Lines as YAML counts them (it also breaks at \\r, NEL, LS and PS)."""
    return len(re.split(rb"\r\n|\r|\n|\xc2\x85|\xe2\x80\xa8|\xe2\x80\xa9", data))


def _assert_marked(message: str, path: Path, data: bytes) -> None:
    """Every line is `path:line:col: ...`, the place inside the file, or a syntax
    error's excerpt under it (`  4 | <the line>`, then the caret)."""
    lines = message.splitlines()
    assert lines, "a refusal without a message"
    pattern = re.compile(rf"{re.escape(str(path))}:(\d+):(\d+): \S")
    excerpt = re.compile(r"  \d* +\| ")
    assert not excerpt.match(lines[0]), lines[0]
    for line in (line for line in lines if not excerpt.match(line)):
        mark = pattern.match(line)
        assert mark, f"not a file:line:col message: {line!r}"
        assert 1 <= int(mark[1]) <= _line_count(data) and int(mark[2]) >= 1, line


def _difference(one: object, other: object, path: str = "") -> str:
    """The first place where two dumped specs differ, or ''."""
    if isinstance(one, dict) and isinstance(other, dict) and one.keys() == other.keys():
        found = (_difference(one[k], other[k], f"{path}.{k}") for k in one)
    elif isinstance(one, list) and isinstance(other, list) and len(one) == len(other):
        found = (
            _difference(a, b, f"{path}[{i}]")
            for i, (a, b) in enumerate(zip(one, other))
        )
    else:
        return "" if one == other else f"{path}: {one!r} != {other!r}"
    return next((difference for difference in found if difference), "")


def _load(path: Path) -> object:
    try:
        return load_spec(path)
    except SpecError as error:
        return error


def test_valid_specs_load_alike_from_every_format_and_render_stably(
    tmp_path: Path,
) -> None:
    @examples("valid")
    @given(spec=specs(), data=st.data())
    def run(spec: dict, data: st.DataObject) -> None:
        written = {
            kind: data.draw(texts(spec, kind), label=kind).encode("utf-8")
            for kind in FORMATS
        }
        _count("valid specs drawn")
        _count_sections(spec, "valid")
        with failures("valid", written["yaml"], ".yaml"):
            loaded = {}
            for kind, text in written.items():
                path = tmp_path / f"spec{SUFFIX[kind]}"
                path.write_bytes(text)
                loaded[kind] = _load(path)
                if isinstance(loaded[kind], SpecError):
                    _assert_marked(str(loaded[kind]), path, text)
            refused = [k for k, spec in loaded.items() if isinstance(spec, SpecError)]
            only = "; ".join(str(loaded[kind]) for kind in refused)
            assert refused in ([], list(FORMATS)), f"refused as {refused} only: {only}"
            first = loaded["yaml"]
            if isinstance(first, SpecError):
                problems = [(p.path, p.message) for p in first.problems]
                for other in loaded.values():
                    assert [(p.path, p.message) for p in other.problems] == problems
                _count("refused cleanly")
                _refused(first)
                return
            for kind, other in loaded.items():
                differ = _difference(first.model_dump(), other.model_dump())
                assert not differ, f"YAML and {kind} load different specs: {differ}"
            _count("accepted (same from YAML, JSON, TOML)")
            source = render_module(first)
            ast.parse(source)
            whole = format_whole(render_source(plan_spec(first)))
            assert whole == source, "black formats the whole module otherwise"
            assert render_module(first) == source, "a second render differs"
            describe_plan(plan_spec(first))  # what `rnnspec check` prints
            _count("rendered, parsed, black-stable, stable")

    run()
    _assert_found_nothing("valid")


def test_a_sample_of_valid_specs_passes_the_smoke_test(tmp_path: Path) -> None:
    """SMOKE_BATCH specs drawn in one example, run in one `smoke_modules` call (in the
    suite on the session's smoke worker, tests/support/shared_smoke.py: no TensorFlow import
    of its own).

    Hypothesis first tries the simplest draw (the same minimal spec every time); a
    batch with repeats is rejected, so the batch that runs is a varied one, the
    same in every derandomized run. The normal suite keeps the `training` section of
    SMOKE_TRAINED of them only. No shrinking: each try runs its modules.
    """

    @settings(PROFILE, max_examples=SMOKE_ROUNDS, phases=[Phase.generate])
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        drawn = [data.draw(specs(), label=f"spec {i}") for i in range(SMOKE_BATCH)]
        assume(len({json.dumps(spec, sort_keys=True) for spec in drawn}) == len(drawn))
        trained = [spec for spec in drawn if "training" in spec]
        for spec in trained[SMOKE_TRAINED:]:
            del spec["training"]
        modules: list[tuple[Path, str]] = []
        for index, spec in enumerate(drawn):
            text = to_yaml(spec)
            path = tmp_path / f"spec_{index}.yaml"
            path.write_text(text, encoding="utf-8")
            loaded = _load(path)
            if isinstance(loaded, SpecError):
                _count("smoke sample refused")
                _refused(loaded)
                continue
            module = tmp_path / f"module_{index}.py"
            module.write_text(render_module(loaded), encoding="utf-8")
            modules.append((module, text))
            _count_sections(spec, "smoked")
        paths = [module for module, _ in modules]
        smoke = smoke_modules if FUZZ else shared(smoke_modules)  # fuzz: no golden runs
        results = smoke(paths, timeout=120)
        _count("smoked", len(results))
        _count("smoked and passed", sum(result.ok for result in results))
        failed = []
        for result, (_, text) in zip(results, modules, strict=True):
            if result.ok:
                continue
            _count("failures")
            report = f"{result.error}\n{result.output[-3000:]}"
            if FUZZ:
                _record("smoke", report, text.encode("utf-8"), ".yaml")
            else:
                failed.append(f"{report}\n--- spec:\n{text}")
        assert not failed, f"{len(failed)} of {len(results)} failed:\n\n" + "\n\n".join(
            failed
        )

    run()
    _assert_found_nothing("smoke")


def _crash(result: Result) -> str:
    """The exception in the command, with the innermost place in generator/rnnspec/."""
    if result.exc_info is None:
        return f"exit {result.exit_code}"
    kind, exc, tb = result.exc_info
    frames = [f for f in traceback.extract_tb(tb) if "/rnnspec/" in f.filename]
    where = (
        f" at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}"
        if frames
        else ""
    )
    message = " ".join(str(exc).split())[:300]
    return f"exit {result.exit_code}: {kind.__name__}{where}: {message}"


def _assert_clean(result: Result, path: Path, data: bytes) -> None:
    """Exit 0 or 2 with no exception; an exit 2 says where, line by line."""
    crashed = not isinstance(result.exception, (type(None), SystemExit))
    clean = not crashed and result.exit_code in (0, 2)
    assert clean, f"{_crash(result)}\n{result.output}"
    if result.exit_code == 2:
        _assert_marked(result.stderr, path, data)


@st.composite
def broken_specs(draw: st.DrawFn) -> tuple[bytes, str, bool]:
    """A valid spec's text with random edits, and the suffix to save it under (mostly
    its format's); a third of them with attention, training or decoding broken first
    (then the text edits only half the time), as the third value says."""
    kind = draw(st.sampled_from(FORMATS))
    spec = draw(specs())
    sections = draw(st.integers(0, 2)) == 0
    if sections:
        spec = draw(broken_sections(spec))
    text = draw(texts(spec, kind))
    edit = not sections or draw(st.booleans())
    data = (
        draw(mutations(text, kind)) if edit else text.encode("utf-8", "surrogatepass")
    )
    wrong = draw(st.integers(0, 9)) == 0
    suffix = draw(st.sampled_from(sorted(SUFFIX.values()))) if wrong else SUFFIX[kind]
    return data, suffix, sections


def test_broken_specs_never_crash_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()

    @examples("mutated")
    @given(broken=broken_specs())
    def run(broken: tuple[bytes, str, bool]) -> None:
        data, suffix, sections = broken
        _count("mutated specs")
        path = tmp_path / f"spec{suffix}"
        path.write_bytes(data)
        out = tmp_path / "model.py"
        out.write_text(OLD_MODULE, encoding="utf-8")
        with failures("mutated", data, suffix):
            rendered = runner.invoke(main, ["render", str(path), "-o", str(out)])
            _count(f"mutated: exit {rendered.exit_code}")
            if sections:
                _count(f"mutated sections: exit {rendered.exit_code}")
            _assert_clean(rendered, path, data)
            checked = runner.invoke(main, ["check", str(path)])
            _assert_clean(checked, path, data)
            assert checked.exit_code == rendered.exit_code, checked.output
            left = {p.name for p in tmp_path.iterdir()} - KNOWN_FILES
            assert not left, f"files left behind: {sorted(left)}"
            if rendered.exit_code == 0:
                ast.parse(out.read_text(encoding="utf-8"))
            else:
                assert out.read_text(encoding="utf-8") == OLD_MODULE

    run()
    _assert_found_nothing("mutated")


def test_broken_specs_in_a_real_process(tmp_path: Path) -> None:
    """A few of them through `python -m rnnspec.cli`, as a user runs it."""

    @examples("process")
    @given(broken=broken_specs())
    def run(broken: tuple[bytes, str, bool]) -> None:
        data, suffix, _ = broken
        _count("mutated in a process")
        path = tmp_path / f"spec{suffix}"
        path.write_bytes(data)
        with failures("process", data, suffix):
            result = run_cli("render", path, "-o", tmp_path / "model.py")
            assert result.returncode in (0, 2), result.stderr
            assert "Traceback" not in result.stderr, result.stderr
            if result.returncode == 2:
                _assert_marked(result.stderr, path, data)

    run()
    _assert_found_nothing("process")
