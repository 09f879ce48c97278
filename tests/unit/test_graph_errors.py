"""Long-form specs: every broken hand-over, wiring or name fails at load time, naming both ends."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rnnspec import load_spec, make_plan, render_module
from rnnspec.read.load import SpecError
from rnnspec.check.names import spec_names
from rnnspec.plan.layer_rows import layer_rows
from rnnspec.plan.names import MODULE_NAMES, OWN_NAMES, SPEC_SCOPES
from rnnspec.run.report import check_report

from ..conftest import ALL_EXAMPLES, invoke

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
    "unused block": "10:11: blocks[1].name: no model output depends on block decoder, so Keras would drop it: expected decoder in outputs, or read by a block or node below",
    "dropped head": "10:11: blocks[0].head: block encoder only hands its state on; its output is no model output and feeds no block, so Keras would drop its head: expected encoder in outputs, or no head",
    "bidir no bridge": "16:27: blocks[1].initial_state.from: block decoder starts from block encoder's state, but they do not match: encoder returns 4 [encoder_forward_lstm_h (16,), encoder_forward_lstm_c (16,), encoder_backward_lstm_h (16,), encoder_backward_lstm_c (16,)], decoder takes 2 [decoder_lstm_h (16,), decoder_lstm_c (16,)]; use bridge: project, which maps each state with a Dense layer",
    "gru to lstm": "15:27: blocks[1].initial_state.from: block decoder starts from block encoder's state, but they do not match: encoder returns 1 [encoder_gru_h (16,)], decoder takes 2 [decoder_lstm_h (16,), decoder_lstm_c (16,)]; use bridge: project, which maps each state with a Dense layer",
    "concat units": "16:44: blocks[1].initial_state.bridge: block decoder starts from block encoder's state; bridge: concat joins 2 [encoder_forward_lstm_h (16,), encoder_backward_lstm_h (16,)] into (32,), but decoder_lstm_h is (16,): expected decoder's units to be twice encoder's; use bridge: project, which maps each state with a Dense layer",
    "concat not bidir": "15:44: blocks[1].initial_state.bridge: block decoder starts from block encoder's state; bridge: concat joins a bidirectional source's forward and backward states for a one-directional target: expected bidirectional encoder and one-directional decoder; use bridge: none, which hands the states on as they are",
    "no return_state": "14:27: blocks[1].initial_state.from: block decoder starts from block encoder's state, but encoder does not return it: set return_state: true on encoder",
    "from below": "15:27: blocks[1].initial_state.from: block decoder can start only from a block above it, got 'decoder'",
    "depth": "15:27: blocks[1].initial_state.from: block decoder starts from block encoder's state, but stacks map cell to cell: encoder has 1 cell(s), decoder has 2; use bridge: broadcast to start every cell of decoder from encoder's top cell's state",
    "unknown input": "11:12: blocks[1].input: expected a name from inputs, or a block or node above (src, tgt, encoder), got 'target'; did you mean 'tgt'?",
    "unused input": "5:10: inputs.extra: input 'extra' feeds no block or node",
    "bad output": "16:11: outputs[0]: expected a block or node name (encoder, decoder), got 'decoderr'; did you mean 'decoder'?",
    "dup name": "10:11: blocks[1].name: names must be unique: 'encoder' is already a block",
    "needs sequence": "10:12: blocks[1].input: block decoder takes block encoder's output, which must be one sequence: expected return_sequences: true (and no merge_mode: none) on encoder, or repeat: N to repeat its last output N times",
    "batch mismatch": "4:34: inputs.tgt.batch_size: all inputs share one batch_size: expected null like the first input, got 3",
    "head merge none": "16:11: blocks[1].head: merge_mode: none returns two outputs and a head reads one: expected no head here, or another merge_mode",
    "bad bridge": "15:44: blocks[1].initial_state.bridge: must be one of 'none', 'concat', 'project', 'per_layer' or 'broadcast', got \"dense\"",
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
    ALL_EXAMPLES
    + sorted((SPECS / "graphs").glob("*.yaml"))
    + sorted((SPECS / "names").glob("ok_*.yaml"))
    + [SPECS / "stateful" / "graph.yaml"]
    + sorted((SPECS / "reserved").glob("*.yaml"))
    + sorted((SPECS / "own_names").glob("*.yaml"))
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


def _scope_names(source: str, made: set[str], own: dict[str, str]) -> set[str]:
    """The module's own names (by their unrenamed form) in the functions where the
    spec's names live (SPEC_SCOPES); each of them is renamed where it clashes."""
    scopes = {own.get(name, name) for name in SPEC_SCOPES}
    back = {renamed: name for name, renamed in own.items()}
    found = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name in scopes:
            if node.name == "decode_step" and node.args.args[0].arg == "model":
                continue  # window generation's decode_step(model, ...): no spec name
            found |= {back.get(name, name) for name in _identifiers(node) - made}
    return found


def _defined(source: str, own: dict[str, str]) -> set[str]:
    """The module-level names of OWN_NAMES a module defines, by their own form."""
    back = {renamed: name for name, renamed in own.items()}
    found = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Assign):
            found |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {back.get(name, name) for name in found} & set(MODULE_NAMES)


@pytest.mark.parametrize("target", ["keras3", "tf_keras"])
def test_own_names_are_exactly_the_names_the_template_writes_where_the_spec_s_live(
    target: str,
) -> None:
    """Every name in a function of a generated module where the spec's names live is
    either one they make (spec_names) or one of OWN_NAMES, and every one of OWN_NAMES
    is used so: a template change that adds a name fails here until OWN_NAMES has it
    (and its templates write it as `own.NAME`), and OWN_NAMES lists no name that could
    not clash."""
    used: set[str] = set()
    for path in NAMED_GRAPHS:
        spec = load_spec(path, target)
        plan = make_plan(spec)
        made = spec_names(plan.inputs, plan.blocks, plan.nodes)
        source = render_module(spec, target)
        names = _scope_names(source, made, plan.own)
        assert names - set(OWN_NAMES) == set(), path.stem
        assert _defined(source, plan.own) == plan.module_names, path.stem
        used |= names
    uppercase = {name for name in OWN_NAMES if not name.islower()}
    # names no bundled example reaches: keras3 imports no tf there; a masked stack
    # given a state (tf_keras' masked_state) is in tests/data/specs/tf_keras/ only
    others = {"keras3": {"tf", "cell", "len"}, "tf_keras": {"cell", "len"}}[target]
    assert used | uppercase >= set(OWN_NAMES) - others


def test_the_module_renames_its_own_names_never_the_spec_s() -> None:
    """Inputs named like the module's imports, functions, locals and builtins keep
    their names, as Python variables and Keras layer names; the module's own become
    NAME_ (a builtin gets an alias), and its interface keeps its names by alias."""
    spec = load_spec(SPECS / "own_names" / "many.yaml")
    plan, source = make_plan(spec), render_module(spec)
    for name in ("keras", "np", "model", "main", "zip", "print", "batch_size"):
        assert plan.own[name] == name + "_"
        assert f"    {name} = keras_.Input(" in source
        assert f'name="{name}",' in source
    assert "import keras as keras_\nimport numpy as np_\n" in source
    assert "\nzip_ = zip  # the spec names a variable zip\n" in source
    assert source.endswith('if __name__ == "__main__":\n    main_()\n')
    for name in ("make_initial_state", "build_model", "main"):  # its interface kept
        assert f"\n{name} = {name}_\n" in source
    assert plan.own["decode_step"] == "decode_step"  # no spec name makes it


@pytest.mark.parametrize(
    "spec", sorted((SPECS / "wiring").glob("*.yaml")), ids=lambda p: p.stem
)
def test_wiring_mistakes_are_refused_at_their_place(spec: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).replace(f"{spec}:", "") == expected_error(spec)


def test_check_prints_every_layer_and_its_parameters_add_up() -> None:
    """`rnnspec check`'s layer table (rnnspec/plan/layer_rows.py) adds up to the
    model's parameters, Embeddings included, for every example; so do the parts of
    its last line (held against Keras: tests/keras/test_check_layers.py)."""
    for path in ALL_EXAMPLES:
        plan = make_plan(load_spec(path))
        rows = layer_rows(plan)
        assert sum(row.params for row in rows) == plan.params, path.stem
        last = check_report(str(path)).splitlines()[-1]
        total, _, parts = last.removeprefix("parameters: ").partition(" (")
        if parts:
            counts = [p.rsplit(" ", 1)[1] for p in parts.rstrip(")").split(", ")]
            assert sum(int(c.replace(",", "")) for c in counts) == plan.params
        assert int(total.replace(",", "")) == plan.params
