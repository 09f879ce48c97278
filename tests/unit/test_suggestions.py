"""Errors that suggest: a misspelt key, cell or layer type, value or name gets `did you
mean ...?` (difflib, case first) where one is close, the list of what is allowed where
none is; a YAML, JSON or TOML syntax error shows its line with a caret under the column.
"""

from __future__ import annotations


import pytest

from rnnspec import SpecError, load_spec
from rnnspec.spec.problems import close_match, excerpt

SHORT = """\
name: typos
input: {batch_size: 1, timesteps: 5, features: 10}
cells:
  - {type: lstm, units: 8}
"""
LONG = """\
name: s2s
inputs:
  src: {features: 8}
  tgt: {features: 9}
blocks:
  - name: encoder
    input: src
    cells: [{type: lstm, units: 16}]
    return_sequences: true
    return_state: true
  - name: decoder
    input: tgt
    cells: [{type: lstm, units: 16}]
    return_sequences: true
    initial_state: {from: encoder}
"""

# Each: the spec's text, then its one problem without the file name.
SUGGESTED = {
    "key": (
        SHORT + "retrun_state: true\n",
        "5:1: retrun_state: unknown key; did you mean 'return_state'?",
    ),
    "key in a cell": (
        SHORT.replace("units: 8", "unit: 8"),
        "4:5: cells[0].units: required key is missing\n"
        "4:18: cells[0].unit: unknown key; did you mean 'units'?",
    ),
    "cell type, in capitals": (
        SHORT.replace("type: lstm", "type: LSTM"),
        "4:12: cells[0].type: unknown cell type \"LSTM\"; did you mean 'lstm'?",
    ),
    "cell type, misspelt": (
        SHORT.replace("type: lstm", "type: lstn"),
        "4:12: cells[0].type: unknown cell type \"lstn\"; did you mean 'lstm'?",
    ),
    "layer type": (
        SHORT + "head: [{type: dens, units: 3}]\n",
        "5:15: head[0].type: unknown layer type \"dens\"; did you mean 'dense'?",
    ),
    "activation": (
        SHORT.replace("units: 8", "units: 8, activation: Tanh"),
        "4:40: cells[0].activation: got \"Tanh\"; did you mean 'tanh'?",
    ),
    "input name": (
        LONG.replace("input: src", "input: srcc"),
        "7:12: blocks[0].input: expected a name from inputs, or a block or node above "
        "(src, tgt), got 'srcc'; did you mean 'src'?",
    ),
    "initial_state from": (
        LONG.replace("{from: encoder}", "{from: encodr}"),
        "15:27: blocks[1].initial_state.from: block decoder can start only from a "
        "block above it, got 'encodr'; did you mean 'encoder'?",
    ),
    "attention over": (
        LONG + "    attention: {over: encodr, score: dot}\n",
        "16:23: blocks[1].attention.over: expected a block above (encoder), got "
        "'encodr': not a block above decoder; did you mean 'encoder'?",
    ),
    "outputs": (
        LONG + "outputs: [decodr]\n",
        "16:11: outputs[0]: expected a block or node name (encoder, decoder), got 'decodr'; "
        "did you mean 'decoder'?",
    ),
}
# Nothing close: the list of what is allowed, no guess.
LISTED = {
    "key": (
        SHORT + "colour: red\n",
        "5:1: colour: unknown key; expected one of bidirectional, cells, decoding, "
        "description, dropout_between_layers, feedback, front, go_backwards, head, "
        "initial_state, input, layer, name, return_sequences, return_state, stacking, "
        "stateful, training",
    ),
    "cell type": (
        SHORT.replace("type: lstm", "type: transformer"),
        "4:12: cells[0].type: unknown cell type; expected one of simple_rnn, gru, lstm, "
        'conv_lstm1d, conv_lstm2d, conv_lstm3d, got "transformer"',
    ),
    "a block below, which exists": (
        LONG.replace("{from: encoder}", "{from: decoder}"),
        "15:27: blocks[1].initial_state.from: block decoder can start only from a "
        "block above it, got 'decoder'",
    ),
}


def _problem(write, name: str, text: str) -> str:
    path = write(name, text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return str(caught.value).replace(f"{path}:", "")


@pytest.mark.parametrize("case", SUGGESTED)
def test_a_close_misspelling_is_suggested(write, case: str) -> None:
    text, expected = SUGGESTED[case]
    assert _problem(write, "spec.yaml", text) == expected


@pytest.mark.parametrize("case", LISTED)
def test_without_a_close_match_the_allowed_values_are_listed(write, case: str) -> None:
    text, expected = LISTED[case]
    assert _problem(write, "spec.yaml", text) == expected


def test_a_misspelt_key_in_toml_and_json_gets_the_same_suggestion(write) -> None:
    toml = 'name = "t"\ninput = {features = 3}\ncells = [{type = "gru", unitz = 4}]\n'
    json = '{"name": "t", "input": {"features": 3}, "cells": [{"type": "GRU", "units": 4}]}'
    assert _problem(write, "spec.toml", toml).endswith(
        "cells[0].unitz: unknown key; did you mean 'units'?"
    )
    assert _problem(write, "spec.json", json).endswith(
        "cells[0].type: unknown cell type \"GRU\"; did you mean 'gru'?"
    )


@pytest.mark.parametrize(
    "word, expected",
    [
        ("LSTM", "lstm"),
        ("lstn", "lstm"),
        ("Return_State", "return_state"),
        ("xyz", None),
    ],
)
def test_close_match_tries_case_first_then_difflib(word: str, expected: str) -> None:
    choices = ["lstm", "gru", "return_state", "return_sequences"]
    assert close_match(word, choices) == expected


# Each: file name, text, then the whole report: the problem, its line, the caret.
SYNTAX = {
    "yaml indentation": (
        "spec.yaml",
        "name: t\ninput:\n  batch_size: 1\n    features: 10\n",
        "4:13: not valid YAML: mapping values are not allowed here (is this line "
        "indented deeper than the key above it, or does an unquoted value hold ': '?)\n"
        "  4 |     features: 10\n"
        "    |             ^",
    ),
    "yaml dedent": (
        "spec.yaml",
        "name: t\ncells:\n  - type: lstm\n    units: 8\n   foo: 3\n",
        "5:4: not valid YAML: expected <block end>, but found '<block mapping start>' "
        "(is this line indented differently from the keys beside it?)\n"
        "  5 |    foo: 3\n"
        "    |    ^",
    ),
    "json": (
        "spec.json",
        '{"name": "t",\n "input": {"features": 1,, "timesteps": 5}}\n',
        "2:26: not valid JSON: Expecting property name enclosed in double quotes\n"
        '  2 |  "input": {"features": 1,, "timesteps": 5}}\n'
        "    |                          ^",
    ),
    "toml": (
        "spec.toml",
        'name = "t"\n[input\nfeatures = 1\n',
        "2:7: not valid TOML: Expected ']' at the end of a table declaration\n"
        "  2 | [input\n"
        "    |       ^",
    ),
}


@pytest.mark.parametrize("case", SYNTAX)
def test_a_syntax_error_shows_its_line_with_a_caret(write, case: str) -> None:
    name, text, expected = SYNTAX[case]
    path = write(name, text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.report() == f"{path}:{expected}"
    assert str(caught.value) == f"{path}:{expected.splitlines()[0]}"  # one line


def test_a_rule_error_has_no_excerpt(write) -> None:
    path = write("spec.yaml", SHORT.replace("units: 8", "units: 0"))
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.report() == str(caught.value)


def test_the_caret_lines_up_under_tabs_wide_and_control_characters() -> None:
    assert excerpt('\tx: "日本", y', 1, 11) == (
        '  1 |     x: "日本", y\n'
        "    |                ^"  # a tab is 4 columns, each CJK character 2
    )
    assert excerpt("a\x1b[2Jb: c\u202e", 7, 7) == "  7 | a?[2Jb: c?\n    |       ^"


def test_a_long_line_is_cut_around_the_column() -> None:
    line = "x" * 300 + "!" + "y" * 300
    shown, caret = excerpt(line, 1, 301).splitlines()
    assert shown.startswith("  1 | ...x") and shown.endswith("y...")
    assert shown[caret.index("^")] == "!"
    assert len(shown) < 120


def test_a_caret_past_the_end_of_the_line() -> None:
    assert excerpt("", 3, 1) == "  3 |\n    | ^"
    assert excerpt("ab", 12, 5) == "  12 | ab\n     |     ^"
