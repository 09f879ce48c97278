"""`rnnspec docs`: pages built from real runs, committed pages fresh, SVGs well formed.

Real runs only: the golden modules run once per test session (tests/support/shared_smoke.py: one
TensorFlow import per test process); the docs are built from those runs for all examples,
short and long form, and the command line (in-process) runs `--check` once, on a stale
copy.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from rnnspec import load_spec, make_plan, plan_spec
from rnnspec.docs.svg import shape_line
from rnnspec.docs import (
    SHAPE,
    DocsConflict,
    RunFailure,
    build_docs,
    page_blocks,
    page_output,
    printed_lines,
    stale_files,
    step_lines,
    unprinted_shapes,
    write_docs,
)
from rnnspec.docs.build import _check_names
from rnnspec.docs.markdown import fenced
from rnnspec.plan.model import CONSTANT

from ..conftest import (
    ALL_EXAMPLES,
    EXAMPLES,
    GRAPH_EXAMPLES,
    PUBLISHED,
    ROOT,
    invoke,
    run_cli,
    sharing_smoke,
)

DOCS = ROOT / "docs" / "examples"
SVG = "{http://www.w3.org/2000/svg}"
REBUILD = "rebuild with: rnnspec docs --backend tensorflow --docs-url ../ examples/*.yaml examples/seq2seq/*.yaml examples/published/*.yaml -o docs/examples"


@pytest.fixture(scope="module")
def built() -> dict[str, str]:
    """The docs for examples/ and examples/seq2seq/, built in memory from real runs
    (the session's one run of the golden modules, tests/support/shared_smoke.py)."""
    with sharing_smoke():
        specs = [(path, load_spec(path)) for path in ALL_EXAMPLES]
        return build_docs(specs, links="../")  # our gallery links to docs/*.md


def test_committed_docs_match_a_fresh_build_byte_for_byte(
    built: dict[str, str], tmp_path: Path
) -> None:
    names = {f"{path.stem}.{ext}" for path in ALL_EXAMPLES for ext in ("md", "svg")} | {
        "index.md"
    }
    assert len(ALL_EXAMPLES) >= 24 and len(names) == 2 * len(ALL_EXAMPLES) + 1
    assert set(built) == names
    assert stale_files(built, DOCS) == [], REBUILD
    assert sorted(path.name for path in DOCS.iterdir()) == sorted(
        names
    ), "stray files in docs/examples"
    # writing: every file, atomically (no temporary file left), same bytes as committed
    assert write_docs(built, tmp_path / "out") == sorted(names)
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(names)
    for name in names:
        assert (tmp_path / "out" / name).read_bytes() == (
            DOCS / name
        ).read_bytes(), name
    assert (
        write_docs(built, tmp_path / "out") == []
    )  # nothing changed, nothing rewritten


@pytest.mark.usefixtures("shared_smoke")
def test_check_names_each_stale_or_missing_file(tmp_path: Path) -> None:
    # fresh: the committed docs equal the in-memory build (first test); here the command
    # line, in-process with the session's runs, on a copy with a stale page and missing SVGs
    stale = tmp_path / "docs"
    shutil.copytree(DOCS, stale)
    page = stale / "gru.md"
    page.write_text(
        page.read_text().replace("gru_h: (2, 32)", "gru_h: (32,)"), encoding="utf-8"
    )
    (stale / "lstm.svg").unlink()
    (stale / "lstm_seq2seq.svg").unlink()
    result = invoke("docs", "--check", "--docs-url", "../", *ALL_EXAMPLES, "-o", stale)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:3] == [
        f"{stale / 'gru.md'}: stale",
        f"{stale / 'lstm.svg'}: missing",
        f"{stale / 'lstm_seq2seq.svg'}: missing",
    ]
    files = 2 * len(ALL_EXAMPLES) + 1  # a page and a diagram each, and the index
    assert f"3 of {files} files stale or missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert page.read_text().count("(32,)") == 1  # --check writes nothing


def test_every_shape_on_a_page_was_printed_by_the_run(built: dict[str, str]) -> None:
    for path in ALL_EXAMPLES:
        plan = plan_spec(load_spec(path))
        page = built[f"{plan.name}.md"]
        output = page_output(page).splitlines()
        steps = step_lines(plan)
        assert output == printed_lines(plan), path.name
        names = [name for name, _ in [*plan.returns, *steps]]
        assert [line.split(": ")[0] for line in output if SHAPE.search(line)] == names
        assert unprinted_shapes(page) == [], path.name
        assert set(SHAPE.findall(page.split("## The spec")[0])) <= set(
            SHAPE.findall("\n".join(output))
        )
        # every row of the returns table, and of the one-step decoder's, states a printed shape
        rows = re.findall(r"^\| \d+ \| `(\w+)` \| `([^`]*)` \|", page, re.MULTILINE)
        assert [f"{name}: {shape}" for name, shape in rows] == output[
            : len(plan.returns)
        ]
        # the one-step decoder's rows, or the decoders' (a model that decodes classes)
        step_rows = re.findall(
            r"^\| `(\w+_(?:step_\w+|decode\w*))` \| `([^`]*)` \|", page, re.MULTILINE
        )
        shown = [line for line in output[len(plan.returns) :] if SHAPE.search(line)]
        assert [f"{name}: {shape}" for name, shape in step_rows] == shown
        # a decoder's page tells of its inference models (window generation has none)
        assert ("build_inference_models(model)" in page) == (plan.decoder is not None)
        # the spec and the module are verbatim
        blocks = dict(page_blocks(page))
        assert blocks["yaml"] + "\n" == path.read_text()
        assert (
            blocks["python"] + "\n"
            == (ROOT / "tests" / "golden" / f"{plan.name}.py").read_text()
        )


def test_shape_checker_catches_a_made_up_shape(built: dict[str, str]) -> None:
    page = built["gru.md"]
    assert unprinted_shapes(page) == []
    assert unprinted_shapes(
        page + "\nThe state is `final_state[0]`, shape (1, 32).\n"
    ) == ["(1, 32)"]
    assert SHAPE.findall("GRU(32) and (2,) and (None, 8)") == ["(2,)", "(None, 8)"]


def test_svgs_parse_and_show_every_state_with_its_printed_shape(
    built: dict[str, str],
) -> None:
    """Short form: every state, and no shape the run did not print."""
    for path in EXAMPLES:
        plan = make_plan(load_spec(path))
        (block,) = plan.blocks  # a short-form spec is one block
        root = ET.fromstring(built[f"{plan.name}.svg"])
        assert root.tag == f"{SVG}svg"
        texts = ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]
        # what build_model() returns; the run goes on with other lines (reset, decoding)
        printed = page_output(built[f"{plan.name}.md"]).splitlines()[
            : len(plan.returns)
        ]
        shown = [text for text in texts if re.fullmatch(r"\S+: \(.*\)", text)]
        for state in block.state_tensors:
            assert any(text.startswith(f"{state.name}: ") for text in shown), (
                path.name,
                state.name,
            )
        assert set(shown) == set(
            printed
        ), path.name  # the plan's shapes are the printed ones
        for text in texts:  # and no other shape is drawn
            assert set(SHAPE.findall(text)) <= {
                line.split(": ", 1)[1] for line in printed
            }, text
        assert f"initial_state: {block.initial_state_mode}" in texts
        for layer in block.layers:
            assert f"{layer.name}: {layer.summary}" in texts
            if layer.merge_mode:
                assert any("forward \u2192" in text for text in texts)
                assert any("\u2190 backward" in text for text in texts)


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def test_graph_svgs_parse_and_show_blocks_states_bridges_and_returns(
    built: dict[str, str],
) -> None:
    for path in GRAPH_EXAMPLES + PUBLISHED:
        plan = plan_spec(load_spec(path))
        texts = _svg_texts(built[f"{plan.name}.svg"])
        printed = page_output(built[f"{plan.name}.md"]).splitlines()
        returned = printed[: len(plan.returns)]
        assert set(returned) <= set(
            texts
        ), path.name  # what comes back, as the run printed it
        assert [f"input: {given.name}" for given in plan.inputs] == [
            t for t in texts if t.startswith("input: ")
        ]
        for block in plan.blocks:
            assert block.name in texts
            for layer in block.layers:
                assert f"{layer.name}: {layer.summary}" in texts
                if layer.merge_mode:
                    assert any("forward \u2192" in text for text in texts)
                    assert any("\u2190 backward" in text for text in texts)
            for (
                state
            ) in (
                block.state_tensors
            ):  # every state tensor, with the plan's shape at the run's sizes
                assert shape_line(state.name, state.batch_shape, plan) in texts, (
                    path.name,
                    state.name,
                )
            for layer in block.head:
                assert any(text.startswith(f"{layer.name}: ") for text in texts)
            if block.source:
                kind = block.bridges[0].kind
                assert f"from {block.source}, bridge: {kind}" in texts
                assert texts.count(kind) == sum(not b.direct for b in block.bridges)
                for bridge in block.bridges:
                    for source in bridge.sources:
                        assert (
                            shape_line(source.name, source.batch_shape, plan) in texts
                        )
        for i in range(len(plan.returns)):
            assert f"#{i}" in texts


def test_a_broadcast_fans_out_from_one_state_down_one_lane(
    built: dict[str, str],
) -> None:
    """nmt_thought_vector: one box for the encoder's top state, and an arrow from it
    into each of the decoder's three state boxes, the turns down one shared lane."""
    root = ET.fromstring(built["nmt_thought_vector.svg"])
    texts = _svg_texts(built["nmt_thought_vector.svg"])
    assert texts.count("encoder_gru_3_h: (2, 512)") == 2  # the encoder's, the source's
    arrows = [
        node.get("d", "")
        for node in root.iter(f"{SVG}path")
        if node.get("class") == "arrow"
    ]
    points = [re.findall(r"[ML](\d+),(\d+)", d) for d in arrows]
    source = Counter(p[0] for p in points).most_common(1)[0][0]
    fans = [p for p in points if p[0] == source]
    assert len(fans) == 3  # one arrow from the source's box into each target
    assert len({p[1][0] for p in fans if len(p) > 2}) == 1  # turning down one lane
    assert len({p[-1][1] for p in fans}) == 3  # into three state boxes


def test_a_graph_page_names_its_inputs_blocks_and_bridge(built: dict[str, str]) -> None:
    for path in GRAPH_EXAMPLES + PUBLISHED:
        plan = plan_spec(load_spec(path))
        page = built[f"{plan.name}.md"].split("## The spec")[0]
        single = len(plan.blocks) == 1  # one block: the model's layers, no headings
        for given in plan.inputs:
            assert f"- {'input ' if single else ''}`{given.name}`: " in page
        for block in plan.blocks:
            assert single or f"### `{block.name}`" in page
            for layer in block.layers:
                assert f"`{layer.name}`: `{layer.summary}`" in page
            if block.projected:  # one Dense layer of an input starts every state
                assert f"from the input `{block.projected}`, `bridge: project`" in page
                assert all(f"`{b.target.name}`" in page for b in block.bridges)
            elif block.source:
                kind = block.bridges[0].kind
                assert (
                    f"from block `{block.source}`'s final state, `bridge: {kind}`"
                    in page
                )
                for bridge in block.bridges:
                    line = next(
                        line
                        for line in page.splitlines()
                        if line.startswith(f"- `{bridge.target.name}` \u2190 ")
                    )
                    assert all(
                        f"`{source.name}`" in line for source in bridge.sources
                    ), line
                    for layer in (bridge.concat_layer, bridge.dense_layer):
                        assert layer is None or f"`{layer}`" in line
        assert ("## Inference: `build_inference_models()`" in page) == (
            plan.decoder is not None
        )
    concat = built["bidirectional_concat.md"]
    assert (
        "- `decoder_lstm_h` \u2190 `Concatenate()` of `encoder_forward_lstm_h` and `encoder_backward_lstm_h`"
        in concat
    )


def test_a_page_describes_the_module_its_plan_makes(built: dict[str, str]) -> None:
    """One page builder for both forms: the module's API as the plan has it (keyed or
    not), and a note for every block property that changes how its state is built or
    returned."""
    for path in ALL_EXAMPLES:
        plan = plan_spec(load_spec(path))
        page = built[f"{plan.name}.md"].split("## The spec")[0]
        assert "](../initial-state.md)" in page
        # one block: the model's layers, no block headings; several: a section each
        assert ("## The layers" in page) == (len(plan.blocks) == 1)
        assert ("## The blocks" in page) == (len(plan.blocks) > 1)
        for block in plan.initial_blocks:  # make_initial_state() as the module has it
            call = f"`make_initial_state()[{block.name!r}]`"
            assert (call if plan.keyed else "`make_initial_state()`") in page
        assert plan.keyed or "make_initial_state()[" not in page
        for given in plan.sequences:
            if given.timesteps is None:  # the spec's own words for a dynamic length
                keyed_note = f"`{given.name}` has `timesteps: null`"
                assert (keyed_note if plan.keyed else "`timesteps` is null") in page
        for block in plan.blocks:
            offered = block in plan.initial_blocks
            returned = block.name in plan.outputs and block.return_state
            bidirectional = any(layer.merge_mode for layer in block.layers)
            stacked = any(layer.form == "stacked" for layer in block.layers)
            if bidirectional and offered:
                assert "`Bidirectional` splits `initial_state` in half" in page
            if bidirectional and returned:
                assert (
                    "`Bidirectional` returns the forward copy's states, then the "
                    "backward copy's." in page
                )
            if stacked and returned:
                assert "the module flattens them with `keras.tree.flatten`" in page
            if len(block.layers) > 1 and returned:
                assert "Every layer's states come back, bottom layer first." in page
            if block.stateful:
                assert "is stateful, so it starts from zeros and carries" in page
                assert "Keras starts from zeros" not in page
            repeated = block.initial_state_mode in CONSTANT and not block.keras_zeros
            if plan.batch_size is None and repeated:  # zeros: Keras' own, none passed
                assert "repeats it over the batch of each call" in page
    lstm = built["lstm.md"]
    assert "- input `sequence`: a batch of 1, 5 steps, 10 features a step" in lstm
    assert "### `" not in lstm and "block `" not in lstm.split("## The spec")[0]
    assert "(`RepeatOverBatch`)" in built["gru.md"]


def test_index_links_every_page(built: dict[str, str]) -> None:
    index = built["index.md"]
    assert "## Encoder-decoder graphs" in index
    for path in ALL_EXAMPLES:
        assert f"[{path.stem}]({path.stem}.md)" in index
        assert f"]({path.stem}.svg)" in built[f"{path.stem}.md"]


def test_pages_for_a_users_docs_never_link_into_ours(built: dict[str, str]) -> None:
    # a user's docs folder has no ../initial-state.md: words without a link, or a URL
    ours = [name for name, text in built.items() if "](../" in text]
    assert {"gru.md", "index.md", "stateful_lstm.md", "text_generation.md"} <= set(ours)
    specs = [(path, load_spec(path)) for path in ALL_EXAMPLES]
    url = "https://example.org/rnnspec/docs/"
    with sharing_smoke():
        plain = build_docs(specs)
        linked = build_docs(specs, links=url)
    for name in ours:
        assert "](../" not in plain[name] and "](../" not in linked[name], name
        assert plain[name].count("](") < built[name].count("]("), name
        assert linked[name] == built[name].replace("](../", f"]({url}"), name
    assert "See the initial state rules for how Keras" in plain["gru.md"]
    assert f"See [the initial state rules]({url}initial-state.md)" in linked["gru.md"]


def test_initial_state_page_links_existing_example_pages() -> None:
    text = (ROOT / "docs" / "initial-state.md").read_text()
    links = re.findall(r"\]\((examples/[^)]+)\)", text)
    assert {Path(link).stem for link in links} >= {path.stem for path in EXAMPLES}
    for link in links:
        assert (ROOT / "docs" / link).is_file(), link


def test_code_blocks_survive_backticks_in_a_spec() -> None:
    block = fenced("description: a ```` b\n", "yaml")
    assert block == ["`````yaml", "description: a ```` b", "`````"]
    assert page_blocks("\n".join(block)) == [("yaml", "description: a ```` b")]


def test_duplicate_or_reserved_names_are_refused_before_anything_runs(write) -> None:
    gru = ROOT / "examples" / "gru.yaml"
    with pytest.raises(DocsConflict, match="also the name of"):
        build_docs([(gru, load_spec(gru)), (gru, load_spec(gru))])
    index = write(
        "index.yaml",
        "name: index\ninput: {features: 3}\ncells:\n  - {type: gru, units: 4}\n",
    )
    with pytest.raises(DocsConflict, match="index page"):
        build_docs([(index, load_spec(index))])
    graph = GRAPH_EXAMPLES[
        0
    ]  # long-form specs are accepted, and their names checked too
    _check_names([(graph, load_spec(graph)), (gru, load_spec(gru))])
    with pytest.raises(DocsConflict, match="also the name of"):
        build_docs([(graph, load_spec(graph)), (graph, load_spec(graph))])


@pytest.mark.usefixtures("shared_smoke")  # the session's worker: too short is not kept
def test_a_failing_run_names_the_spec_and_builds_nothing() -> None:
    gru = ROOT / "examples" / "gru.yaml"
    with pytest.raises(
        RunFailure, match=r"gru\.yaml: the generated module failed: timed out"
    ):
        build_docs([(gru, load_spec(gru))], timeout=0.01)


def test_a_bad_spec_exits_2_and_writes_nothing(write, tmp_path: Path) -> None:
    bad = write(
        "bad.yaml",
        "name: bad\ninput: {features: 3}\ncells:\n  - {type: gru, units: 64x}\n",
    )
    out = tmp_path / "out"
    result = invoke("docs", EXAMPLES[0], bad, "-o", out)
    assert result.returncode == 2
    assert (
        result.stderr
        == f'{bad}:4:24: cells[0].units: must be an integer >= 1, got "64x"\n'
    )
    assert not out.exists()


def test_docs_runs_on_the_backend_it_is_given(tmp_path: Path) -> None:
    gru = next(path for path in EXAMPLES if path.stem == "gru")
    out = tmp_path / "out"
    env = {"RNNSPEC_NO_CACHE": "1", "KERAS_BACKEND": "torch"}  # --backend wins
    result = run_cli("docs", "--backend", "jax", gru, "-o", out, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    index = (out / "index.md").read_text(encoding="utf-8")
    assert "(Keras 3 on its JAX backend)" in index
    page = (out / "gru.md").read_text(encoding="utf-8")
    assert "](../" not in page and "gru_h: (2, 32)" in page
    bad = run_cli("docs", "--docs-url", "https://example.org", gru, "-o", out)
    assert bad.returncode == 2 and "must end with '/'" in bad.stderr
