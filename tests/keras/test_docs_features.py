"""`rnnspec docs` on what a module offers beyond build_model(): attention (page and
diagram), the decoders, training and reset_states(), each checked against the plan and
the run's printed output.

The docs are built from real runs, as in test_docs.py: the session's one run of each
module (tests/support/shared_smoke.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rnnspec import load_spec, plan_spec
from rnnspec.docs import (
    RESET_LINE,
    SHAPE,
    TRAINING_LINE,
    build_docs,
    output_problems,
    page_blocks,
    page_output,
    printed_lines,
    step_lines,
)
from rnnspec.docs.svg import around_label

from ..conftest import ALL_EXAMPLES, GRAPH_EXAMPLES, PUBLISHED, ROOT, sharing_smoke

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def built() -> dict[str, str]:
    """The docs for every example, built in memory from the session's runs."""
    with sharing_smoke():
        return build_docs([(path, load_spec(path)) for path in ALL_EXAMPLES])


def _listed(names: list[str]) -> str:
    """A list of names as black writes it in the module."""
    return "[" + ", ".join(f'"{name}"' for name in names) + "]"


def _svg_texts(svg: str) -> list[str]:
    return ["".join(node.itertext()) for node in ET.fromstring(svg).iter(f"{SVG}text")]


def _section(page: str, heading: str) -> str:
    """The text of the page's `## <heading>...` section, up to the next; "" if none."""
    for part in page.split("\n## ")[1:]:
        if part.startswith(heading):
            return part
    return ""


def _parts(built: dict[str, str], path: Path):
    """A spec's plan, its page, the page before the spec, the module and the output."""
    plan = plan_spec(load_spec(path))
    page = built[f"{plan.name}.md"]
    module = dict(page_blocks(page))["python"]
    return plan, page, page.split("## The spec")[0], module, page_output(page)


def test_a_page_describes_each_attention_in_text_and_diagram(
    built: dict[str, str],
) -> None:
    attended = 0
    for path in GRAPH_EXAMPLES + PUBLISHED:
        plan, _, page, _, _ = _parts(built, path)
        svg = ET.fromstring(built[f"{plan.name}.svg"])
        texts = _svg_texts(built[f"{plan.name}.svg"])
        arrows = [
            p for p in svg.iter(f"{SVG}path") if "attention" in p.get("class", "")
        ]
        assert len(arrows) == sum(bool(b.attention) for b in plan.blocks), path.name
        for block in plan.blocks:
            a = block.attention
            if a is None:
                assert f"{block.prefix}attention" not in page
                continue
            attended += 1
            head = f"- attention over block `{a.over}`'s output sequence `{a.memory}`"
            (line,) = [line for line in page.splitlines() if line.startswith(head)]
            assert f"`score: {a.score}`" in line and f"`{a.layer}`" in line
            assert f"`keras.layers.{a.keras_class}`" in line
            assert f"the top layer's output `{a.query}`" in line
            query, key = f"{a.layer}_query", f"{a.layer}_key"
            assert (f"`{query}`" in line) == (a.query_layer is not None)
            assert (f"`{key}`" in line) == (a.key_layer is not None)
            assert f"into the context `{a.context}`" in line
            order = "[context, output]" if a.context_first else "[output, context]"
            assert f"`{a.concat_layer}` (`Concatenate`) joins {order}" in line
            assert a.vector is None or f"`{around_label(a.vector)}`" in line
            assert ("padded steps" in line) == (a.mask is not None)
            if block.head:
                assert f"the attention's output `{a.output[0]}`;" in page
            if block.name in plan.outputs:
                row = next(
                    r for r in page.splitlines() if f"| `{block.output[0]}` |" in r
                )
                assert f"after its attention over block `{a.over}`" in row
            # the diagram: a box with every attention layer, the memory's arrow into it
            assert f"attention over {a.over}: {a.memory}" in texts
            assert f"{a.layer}: {a.keras_class}()" in texts
            assert f"{a.concat_layer}: Concatenate()" in texts
            for layer in (a.query_layer, a.key_layer):
                assert layer is None or any(t.startswith(f"{layer}: ") for t in texts)
            assert any(t.startswith(f"{query}: ") for t in texts) == bool(a.query_layer)
    assert attended >= 2  # the two NMT examples


def test_a_page_lists_the_decoders_the_module_offers(built: dict[str, str]) -> None:
    decoding = 0
    for path in ALL_EXAMPLES:
        plan, _, page, module, output = _parts(built, path)
        gen = plan.generator
        section = _section(page, "Decoding: ")
        inference = _section(page, "Inference: ")
        assert bool(section) == (gen is not None), path.name
        decoded = [
            line
            for line in output.splitlines()
            if line.split(": ")[0].endswith(("_decode", "_decode_scores"))
        ]
        if gen is None:
            assert decoded == [] and "greedy_decode(model, " not in page
            continue
        decoding += 1
        given = plan.input(gen.input)
        argument = {"decoder": "encoder_inputs", "onestep": "prompt"}.get(
            gen.kind, "prefix"
        )
        # a language model: the one-step model the decoders run, and what it reads
        one_step = "`build_step_model(model)`" in section and "over `prompt`" in section
        assert one_step == (gen.kind == "onestep"), path.name
        for function in ("greedy_decode", "sample_decode", "beam_search_decode"):
            assert f"`{function}(model, {argument}, " in section
            assert re.search(rf"^def {function}\(\s*model,\s*{argument},", module, re.M)
        assert f"`MAX_LENGTH` is {gen.max_length}:" in section
        assert f"\nMAX_LENGTH = {gen.max_length}\n" in module
        assert ("`STOP` is `None`" in section) == (gen.stop is None)
        assert gen.stop is None or f"`STOP` is class {gen.stop}:" in section
        start = f"(default `START`, class {gen.start})"
        assert (start in section) == (gen.kind == "decoder")
        assert (f"\nSTART = {gen.start}\n" in module) == (gen.kind == "decoder")
        assert f"scores the {gen.classes} classes of `{gen.input}`" in section
        assert ("probabilities (`softmax`)" in section) == gen.probabilities
        if gen.kind == "window" and given.timesteps:
            assert f"on the last {given.timesteps} classes" in section
        # the rows: the decoders' printed shapes, in the order they were printed
        rows = re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", section, re.MULTILINE)
        assert [f"{name}: {shape}" for name, shape in rows] == decoded
        assert len(decoded) == 4
        # with a one-step decoder: the decoders run on it, and what attention reads
        assert bool(inference) == (plan.decoder is not None)
        if plan.decoder:
            assert f"run on `{plan.decoder}_step`" in inference
            for memory in plan.memories:
                assert f"`{memory}`" in inference
            reads = "What the attention reads stays fixed"
            assert (reads in inference) == bool(plan.memories)
    assert decoding >= 5  # lstm_seq2seq, the NMT examples, both text generations


def test_a_page_states_how_the_module_trains(built: dict[str, str]) -> None:
    trained = 0
    for path in ALL_EXAMPLES:
        plan, _, page, module, output = _parts(built, path)
        training = plan.training
        section = _section(page, "Training: ")
        assert bool(section) == (training is not None), path.name
        lines = output.splitlines()
        assert (TRAINING_LINE in lines) == (training is not None)
        if training is None:
            assert "build_training_model" not in page
            continue
        trained += 1
        rate = training.learning_rate
        keyword = "" if rate is None else f"learning_rate={rate!r}"
        assert f"`keras.optimizers.{training.optimizer}({keyword})`" in section
        assert f"keras.optimizers.{training.optimizer}(" in module
        assert f"TRAINED = {_listed(training.names)}" in module
        assert f"printed `{TRAINING_LINE}`" in section
        printed = dict(line.split(": ", 1) for line in lines if SHAPE.search(line))
        rows = [  # the table's rows, cell by cell
            [cell.strip() for cell in line.strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("| `")
        ]
        assert [r[0] for r in rows] == [f"`{name}`" for name in training.names]
        for (_, shape, loss, logits, metrics), out in zip(rows, training.outputs):
            assert shape == f"`{printed[out.name]}`"
            assert loss == f"`{out.loss}`: " + (
                "the module's `ctc_loss`"
                if out.loss == "ctc"
                else f"`keras.losses.{out.keras_loss}`"
            )
            assert logits == (
                "(a regression loss)"
                if out.from_logits is None
                else f"`{out.from_logits}`"
            )
            assert metrics == (", ".join(f"`{c}`" for _, c in out.metrics) or "none")
        forced = plan.teacher_forced is not None
        assert ("`teacher_forcing(sequence)`" in section) == forced
        assert ("def teacher_forcing(" in module) == forced
        assert ("`ctc_loss(y_true, y_pred)`" in section) == training.ctc
    assert trained >= 3  # addition_rnn, bidirectional_lstm_imdb, ctc_asr, ...


def test_a_stateful_page_offers_reset_states(built: dict[str, str]) -> None:
    stateful = 0
    for path in ALL_EXAMPLES:
        plan, _, page, module, output = _parts(built, path)
        section = _section(page, "Resetting the state: `reset_states()`")
        assert bool(section) == plan.stateful, path.name
        assert (RESET_LINE in output.splitlines()) == plan.stateful
        if not plan.stateful:
            continue
        stateful += 1
        names = [layer.name for layer in plan.stateful_layers]
        assert f"`STATEFUL_LAYERS`, {', '.join(f'`{n}`' for n in names)}," in section
        assert f"STATEFUL_LAYERS = {_listed(names)}" in module
        assert f"printed `{RESET_LINE}`" in section
    assert stateful >= 2  # stateful_lstm, stateful_streaming


def test_the_build_refuses_output_that_is_not_the_plans_lines() -> None:
    for path in (
        ROOT / "examples" / "stateful_lstm.yaml",
        ROOT / "examples" / "published" / "ctc_asr.yaml",
        ROOT / "examples" / "published" / "text_generation.yaml",
    ):
        plan = plan_spec(load_spec(path))
        lines = printed_lines(plan)
        assert output_problems(plan, "\n".join(lines) + "\n") == []
        extra = RESET_LINE if plan.stateful else TRAINING_LINE
        assert extra in lines
        missing = [line for line in lines if line != extra]
        assert output_problems(plan, "\n".join(missing) + "\n") != []
        moved = [extra, *missing]
        assert output_problems(plan, "\n".join(moved) + "\n") != []
        stray = output_problems(plan, "\n".join([*lines, "Epoch 1/1"]) + "\n")
        assert stray and "more than" in stray[0]
    nmt = plan_spec(load_spec(ROOT / "examples" / "published" / "nmt_attention.yaml"))
    assert [name for name, _ in step_lines(nmt)] == [
        "greedy_decode",
        "sample_decode",
        "beam_search_decode",
        "beam_search_decode_scores",
    ]
