"""Long-form specs: every broken hand-over, wiring or name fails at load time, naming both ends."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rnnspec import load_spec, make_plan, render_module
from rnnspec.read.load import SpecError
from rnnspec.check.names import RESERVED, SPEC_SCOPES, block_names

from ..conftest import GRAPH_EXAMPLES, invoke

BASE = """\
name: s2s
inputs:
  src: {features: 8}
  tgt: {features: 9}
blocks:
  - name: encoder
    input: src
    cells: [{type: lstm, units: 16}]
    return_state: true
  - name: decoder
    input: tgt
    cells: [{type: lstm, units: 16}]
    return_sequences: true
    return_state: true
    initial_state: {from: encoder}
"""

CASES = {
    "bidir no bridge": BASE.replace(
        "    return_state: true\n  - name: decoder",
        "    bidirectional: true\n    return_state: true\n  - name: decoder",
    ),
    "gru to lstm": BASE.replace(
        "cells: [{type: lstm, units: 16}]\n    return_state: true\n  - name: decoder",
        "cells: [{type: gru, units: 16}]\n    return_state: true\n  - name: decoder",
    ),
    "concat units": BASE.replace(
        "    return_state: true\n  - name: decoder",
        "    bidirectional: true\n    return_state: true\n  - name: decoder",
    ).replace("{from: encoder}", "{from: encoder, bridge: concat}"),
    "concat not bidir": BASE.replace(
        "{from: encoder}", "{from: encoder, bridge: concat}"
    ),
    "no return_state": BASE.replace(
        "    return_state: true\n  - name: decoder", "  - name: decoder", 1
    ),
    "from below": BASE.replace("{from: encoder}", "{from: decoder}"),
    "depth": BASE.replace(
        "cells: [{type: lstm, units: 16}]\n    return_sequences",
        "cells: [{type: lstm, units: 16}, {type: lstm, units: 16}]\n    return_sequences",
    ),
    "unknown input": BASE.replace("input: tgt", "input: target"),
    "unused input": BASE.replace(
        "  tgt: {features: 9}\n", "  tgt: {features: 9}\n  extra: {features: 2}\n"
    ),
    "bad output": BASE + "outputs: [decoderr]\n",
    "dup name": BASE.replace("name: decoder", "name: encoder"),
    "needs sequence": BASE.replace("input: tgt", "input: encoder").replace(
        "  tgt: {features: 9}\n", ""
    ),
    "batch mismatch": BASE.replace(
        "tgt: {features: 9}", "tgt: {features: 9, batch_size: 3}"
    ),
    "head merge none": BASE.replace(
        "initial_state: {from: encoder}",
        "bidirectional: {merge_mode: none}\n    head: {units: 3}",
    ),
    "bad bridge": BASE.replace("{from: encoder}", "{from: encoder, bridge: dense}"),
    "unknown key in from": BASE.replace("{from: encoder}", "{from: encoder, via: x}"),
    "bad head": BASE + "    head: {units: 0, activation: softmaxx}\n",
    "unknown block key": BASE + "    heads: {units: 3}\n",
    "unused block": BASE + "outputs: [encoder]\n",
    "dropped head": BASE.replace(
        "    return_state: true\n  - name: decoder",
        "    return_state: true\n    head: {units: 3}\n  - name: decoder",
    ),
}

EXPECTED = {
    "unused block": "10:11: blocks[1].name: no model output depends on block decoder, so Keras would drop it: expected decoder in outputs, or read by a block below",
    "dropped head": "10:11: blocks[0].head: block encoder only hands its state on; its output is no model output and feeds no block, so Keras would drop its head: expected encoder in outputs, or no head",
    "bidir no bridge": "16:27: blocks[1].initial_state.from: block decoder starts from block encoder's state, but they do not match: encoder returns 4 [encoder_forward_lstm_h (16,), encoder_forward_lstm_c (16,), encoder_backward_lstm_h (16,), encoder_backward_lstm_c (16,)], decoder takes 2 [decoder_lstm_h (16,), decoder_lstm_c (16,)]; use bridge: concat joins forward and backward (the target's units must be twice the source's), or bridge: project maps each state with a Dense layer",
    "gru to lstm": "15:27: blocks[1].initial_state.from: block decoder starts from block encoder's state, but they do not match: encoder returns 1 [encoder_gru_h (16,)], decoder takes 2 [decoder_lstm_h (16,), decoder_lstm_c (16,)]; use bridge: project maps each state with a Dense layer",
    "concat units": "16:44: blocks[1].initial_state.bridge: block decoder starts from block encoder's state; bridge: concat joins 2 [encoder_forward_lstm_h (16,), encoder_backward_lstm_h (16,)] into (32,), but decoder_lstm_h is (16,): expected decoder's units to be twice encoder's, or bridge: project",
    "concat not bidir": "15:44: blocks[1].initial_state.bridge: block decoder starts from block encoder's state; bridge: concat joins a bidirectional source's forward and backward states for a one-directional target: expected bidirectional encoder and one-directional decoder",
    "no return_state": "14:27: blocks[1].initial_state.from: block decoder starts from block encoder's state, but encoder does not return it: set return_state: true on encoder",
    "from below": "15:27: blocks[1].initial_state.from: block decoder can start only from a block above it, got 'decoder'",
    "depth": "15:27: blocks[1].initial_state.from: block decoder starts from block encoder's state, but stacks map cell to cell: encoder has 1 cell(s), decoder has 2",
    "unknown input": "11:12: blocks[1].input: expected a name from inputs or a block above (src, tgt, encoder), got 'target'; did you mean 'tgt'?",
    "unused input": "5:10: inputs.extra: input 'extra' feeds no block",
    "bad output": "16:11: outputs[0]: expected a block name (encoder, decoder), got 'decoderr'; did you mean 'decoder'?",
    "dup name": "10:11: blocks[1].name: names must be unique: 'encoder' is already a block",
    "needs sequence": "10:12: blocks[1].input: block decoder takes block encoder's output, which must be one sequence: expected return_sequences: true (and no merge_mode: none) on encoder, or repeat: N to repeat its last output N times",
    "batch mismatch": "4:34: inputs.tgt.batch_size: all inputs share one batch_size: expected null like the first input, got 3",
    "head merge none": "16:11: blocks[1].head: merge_mode: none returns two outputs and a head reads one: expected no head here, or another merge_mode",
    "bad bridge": "15:44: blocks[1].initial_state.bridge: must be one of 'none', 'concat', 'project' or 'per_layer', got \"dense\"",
    "unknown key in from": "15:36: blocks[1].initial_state.via: unknown key; expected one of activation, bridge, from",
    "bad head": "16:19: blocks[1].head.units: must be an integer >= 1, got 0\n16:34: blocks[1].head.activation: got \"softmaxx\"; did you mean 'softmax'?",
    "unknown block key": "16:5: blocks[1].heads: unknown key; did you mean 'head'?",
}


@pytest.mark.parametrize("name", CASES)
def test_graph_errors_name_the_place_and_the_fix(write, name: str) -> None:
    path = write("graph.yaml", CASES[name])
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value).replace(f"{path}:", "") == EXPECTED[name]


def test_a_mismatched_hand_over_exits_2_from_the_command_line(write) -> None:
    out = write("model.py", "# kept\n")
    result = invoke("render", write("graph.yaml", CASES["bidir no bridge"]), "-o", out)
    assert result.returncode == 2
    assert (
        "block decoder starts from block encoder's state, but they do not match"
        in result.stderr
    )
    assert "Traceback" not in result.stderr and out.read_text() == "# kept\n"


SPECS = Path(__file__).parent.parent / "data" / "specs"


def expected_error(spec: Path) -> str:
    """The error a spec file must give, from its first line: `# expect: LINE:COL: ...`."""
    first = spec.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), spec
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize(
    "spec", sorted((SPECS / "names").glob("clash_*.yaml")), ids=lambda p: p.stem
)
def test_a_name_that_makes_a_generated_name_twice_is_refused_where_it_is_written(
    spec: Path,
) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).replace(f"{spec}:", "") == expected_error(spec)


NAMED_GRAPHS = (
    GRAPH_EXAMPLES
    + sorted((SPECS / "graphs").glob("*.yaml"))
    + sorted((SPECS / "names").glob("ok_*.yaml"))
    + [SPECS / "stateful" / "graph.yaml"]
    + sorted((SPECS / "reserved").glob("*.yaml"))
)


def _identifiers(node: ast.AST) -> set[str]:
    """Every name a piece of code binds or reads: variables, parameters, functions,
    classes."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.arg):
            found.add(child.arg)
        elif isinstance(child, (ast.FunctionDef, ast.ClassDef)):
            found.add(child.name)
    return found


def _shared_names(source: str, made: set[str], stem: str) -> set[str]:
    """The names that share a scope with the names the spec makes: the module level's,
    and every name in a function of SPEC_SCOPES. A spec's name never appears in another
    function, unless it is named like that function's local on purpose (freed_names)."""
    found = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name not in SPEC_SCOPES:
            if stem != "freed_names":
                assert not _identifiers(node) & made, (stem, node.name)
            found.add(node.name)
        else:
            found |= _identifiers(node)
    return found


def test_reserved_names_are_exactly_the_names_the_template_writes_itself() -> None:
    """Every name in a scope of a generated module where the spec's names live is either
    one they make (inputs, block_names) or one of RESERVED, and every RESERVED name is
    used so: a template change that adds a name fails here until RESERVED has it, and
    RESERVED refuses no name that could not clash."""
    used: set[str] = set()
    for path in NAMED_GRAPHS:
        spec = load_spec(path)
        plan = make_plan(spec)
        made = set(spec.inputs).union(*(block_names(b) for b in plan.blocks))
        made |= {i.embedding_layer for i in plan.inputs if i.vocabulary}
        made |= {i.tensor for i in plan.inputs}
        # module level: a loss function of the module's own, named after its output
        # (output names are unique, and none + "_loss" is a name of RESERVED)
        own = plan.training.own_losses if plan.training else ()
        losses = {output.function for output in own}
        names = _shared_names(render_module(spec), made, path.stem)
        assert names - made - losses - RESERVED == set(), path.stem
        used |= names - made - losses
    assert used == RESERVED


@pytest.mark.parametrize(
    "spec", sorted((SPECS / "wiring").glob("*.yaml")), ids=lambda p: p.stem
)
def test_wiring_mistakes_are_refused_at_their_place(spec: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).replace(f"{spec}:", "") == expected_error(spec)


def test_names_only_other_functions_use_are_free_for_inputs_and_blocks() -> None:
    """An input named like a decoder's local (prefix, k) and blocks named like others
    (best, seed) load, and their module runs: decodes, trains and checks its shapes."""
    result = invoke("smoke", str(SPECS / "reserved" / "freed_names.yaml"))
    assert result.returncode == 0, result.stderr
    assert "1 modules: 1 passed" in result.stdout
