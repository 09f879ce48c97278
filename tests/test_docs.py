"""`rnnspec docs`: pages built from real runs, committed pages fresh, SVGs well formed.

Real runs only: the docs are built once for all examples (one worker, one TensorFlow
import), and the command line runs `--check` twice (fresh, stale).
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator import load_spec, make_plan
from generator.docs import (
    SHAPE,
    DocsConflict,
    RunFailure,
    build_docs,
    page_blocks,
    page_output,
    stale_files,
    unprinted_shapes,
    write_docs,
)

from .conftest import EXAMPLES, ROOT, run_cli

DOCS = ROOT / "docs" / "examples"
SVG = "{http://www.w3.org/2000/svg}"
REBUILD = "rebuild with: rnnspec docs examples/*.yaml -o docs/examples"


@pytest.fixture(scope="module")
def built() -> dict[str, str]:
    """The docs for examples/, built in memory from real runs."""
    return build_docs([(path, load_spec(path)) for path in EXAMPLES])


def test_committed_docs_match_a_fresh_build_byte_for_byte(built: dict[str, str], tmp_path: Path) -> None:
    names = {f"{path.stem}.{ext}" for path in EXAMPLES for ext in ("md", "svg")} | {"index.md"}
    assert set(built) == names
    assert stale_files(built, DOCS) == [], REBUILD
    assert sorted(path.name for path in DOCS.iterdir()) == sorted(names), "stray files in docs/examples"
    # writing: every file, atomically (no temporary file left), same bytes as committed
    assert write_docs(built, tmp_path / "out") == sorted(names)
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(names)
    for name in names:
        assert (tmp_path / "out" / name).read_bytes() == (DOCS / name).read_bytes(), name
    assert write_docs(built, tmp_path / "out") == []  # nothing changed, nothing rewritten


def test_check_passes_when_fresh_and_names_each_stale_or_missing_file(tmp_path: Path) -> None:
    fresh = run_cli("docs", "--check", *EXAMPLES, "-o", DOCS)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout == f"{2 * len(EXAMPLES) + 1} files up to date in {DOCS}\n"

    stale = tmp_path / "docs"
    shutil.copytree(DOCS, stale)
    page = stale / "gru.md"
    page.write_text(page.read_text().replace("gru_h: (2, 32)", "gru_h: (32,)"), encoding="utf-8")
    (stale / "lstm.svg").unlink()
    result = run_cli("docs", "--check", *EXAMPLES, "-o", stale)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [f"{stale / 'gru.md'}: stale", f"{stale / 'lstm.svg'}: missing"]
    assert "2 of 17 files stale or missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert page.read_text().count("(32,)") == 1  # --check writes nothing


def test_every_shape_on_a_page_was_printed_by_the_run(built: dict[str, str]) -> None:
    for path in EXAMPLES:
        plan = make_plan(load_spec(path))
        page = built[f"{plan.name}.md"]
        output = page_output(page)
        assert [line.split(": ")[0] for line in output.splitlines()] == [name for name, _ in plan.returns]
        assert unprinted_shapes(page) == [], path.name
        # every row of the returns table states a printed shape
        rows = re.findall(r"^\| \d+ \| `(\w+)` \| `([^`]*)` \|", page, re.MULTILINE)
        assert [f"{name}: {shape}" for name, shape in rows] == output.splitlines()
        # the spec and the module are verbatim
        blocks = dict(page_blocks(page))
        assert blocks["yaml"] + "\n" == path.read_text()
        assert blocks["python"] + "\n" == (ROOT / "tests" / "golden" / f"{plan.name}.py").read_text()


def test_shape_checker_catches_a_made_up_shape(built: dict[str, str]) -> None:
    page = built["gru.md"]
    assert unprinted_shapes(page) == []
    assert unprinted_shapes(page + "\nThe state is `final_state[0]`, shape (1, 32).\n") == ["(1, 32)"]
    assert SHAPE.findall("GRU(32) and (2,) and (None, 8)") == ["(2,)", "(None, 8)"]


def test_svgs_parse_and_show_every_state_with_its_printed_shape(built: dict[str, str]) -> None:
    for path in EXAMPLES:
        plan = make_plan(load_spec(path))
        root = ET.fromstring(built[f"{plan.name}.svg"])
        assert root.tag == f"{SVG}svg"
        texts = ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]
        printed = page_output(built[f"{plan.name}.md"]).splitlines()
        shown = [text for text in texts if re.fullmatch(r"\S+: \(.*\)", text)]
        for state in plan.state_tensors:
            assert any(text.startswith(f"{state.name}: ") for text in shown), (path.name, state.name)
        assert set(shown) == set(printed), path.name  # the plan's shapes are the printed ones
        for text in texts:  # and no other shape is drawn
            assert set(SHAPE.findall(text)) <= {line.split(": ", 1)[1] for line in printed}, text
        assert f"initial_state: {plan.initial_state_mode}" in texts
        for layer in plan.layers:
            assert f"{layer.name}: {layer.summary}" in texts
            if layer.merge_mode:
                assert any("forward \u2192" in text for text in texts)
                assert any("\u2190 backward" in text for text in texts)


def test_index_links_every_page(built: dict[str, str]) -> None:
    index = built["index.md"]
    for path in EXAMPLES:
        assert f"[{path.stem}]({path.stem}.md)" in index
        assert f"]({path.stem}.svg)" in built[f"{path.stem}.md"]


def test_initial_state_page_links_existing_example_pages() -> None:
    text = (ROOT / "docs" / "initial-state.md").read_text()
    links = re.findall(r"\]\((examples/[^)]+)\)", text)
    assert {Path(link).stem for link in links} >= {path.stem for path in EXAMPLES}
    for link in links:
        assert (ROOT / "docs" / link).is_file(), link


def test_code_blocks_survive_backticks_in_a_spec() -> None:
    from generator.docs import _fenced

    block = _fenced("description: a ```` b\n", "yaml")
    assert block == ["`````yaml", "description: a ```` b", "`````"]
    assert page_blocks("\n".join(block)) == [("yaml", "description: a ```` b")]


def test_duplicate_or_reserved_names_are_refused_before_anything_runs(write) -> None:
    gru = ROOT / "examples" / "gru.yaml"
    with pytest.raises(DocsConflict, match="also the name of"):
        build_docs([(gru, load_spec(gru)), (gru, load_spec(gru))])
    index = write("index.yaml", "name: index\ninput: {features: 3}\ncells:\n  - {type: gru, units: 4}\n")
    with pytest.raises(DocsConflict, match="index page"):
        build_docs([(index, load_spec(index))])
    for path in sorted((ROOT / "examples").glob("*/*.yaml"))[:1]:  # long-form: not yet
        with pytest.raises(DocsConflict, match="long-form specs"):
            build_docs([(path, load_spec(path))])


def test_a_failing_run_names_the_spec_and_builds_nothing() -> None:
    gru = ROOT / "examples" / "gru.yaml"
    with pytest.raises(RunFailure, match=r"gru\.yaml: the generated module failed: timed out"):
        build_docs([(gru, load_spec(gru))], timeout=0.01)


def test_a_bad_spec_exits_2_and_writes_nothing(write, tmp_path: Path) -> None:
    bad = write("bad.yaml", "name: bad\ninput: {features: 3}\ncells:\n  - {type: gru, units: 64x}\n")
    out = tmp_path / "out"
    result = run_cli("docs", EXAMPLES[0], bad, "-o", out)
    assert result.returncode == 2
    assert result.stderr == f'{bad}:4:24: cells[0].units: must be an integer >= 1, got "64x"\n'
    assert not out.exists()
