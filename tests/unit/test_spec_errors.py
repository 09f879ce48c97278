"""Bad specs: every mistake named with file:line:col, key path, expected and found."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnspec import load_spec
from rnnspec.read.load import SpecError

from ..conftest import invoke

GOOD = """\
name: good
input: {batch_size: 1, timesteps: 5, features: 10}
cells:
  - {type: lstm, units: 64}
"""

# (spec text, the one line `load_spec` must give, after "<file>:")
YAML_CASES = {
    "string units": (
        GOOD.replace("units: 64}", "units: 64}\n  - {type: lstm, units: 64x}"),
        '5:25: cells[1].units: must be an integer >= 1, got "64x"',
    ),
    "zero units": (
        GOOD.replace("units: 64", "units: 0"),
        "4:25: cells[0].units: must be an integer >= 1, got 0",
    ),
    "bool is no int": (
        GOOD.replace("features: 10", "features: true"),
        "2:48: input.features: must be an integer >= 1, got true",
    ),
    "unknown key": (
        GOOD + "return_states: true\n",
        "5:1: return_states: unknown key; did you mean 'return_state'?",
    ),
    "unknown cell key": (
        GOOD.replace("units: 64}", "units: 64, reset_after: true}"),
        "4:29: cells[0].reset_after: unknown key; expected one of activation, bias_initializer, "
        "dropout, kernel_initializer, recurrent_activation, recurrent_dropout, recurrent_initializer, "
        "type, unit_forget_bias, units, use_bias",
    ),
    "unknown cell type": (
        GOOD.replace("type: lstm", "type: LSTM"),
        "4:12: cells[0].type: unknown cell type \"LSTM\"; did you mean 'lstm'?",
    ),
    "missing cells": (GOOD.split("cells:")[0], "1:1: cells: required key is missing"),
    "missing units": (
        GOOD.replace(", units: 64", ""),
        "4:5: cells[0].units: required key is missing",
    ),
    "bad name": (
        "name: Model-1\n" + GOOD.split("\n", 1)[1],
        '1:7: name: must be a Python identifier (lowercase letters, digits and _, not starting with a digit), got "Model-1"',
    ),
    "keyword name": (
        "name: lambda\n" + GOOD.split("\n", 1)[1],
        '1:7: name: must be an identifier that is not a Python keyword, got "lambda"',
    ),
    "bad merge mode": (
        GOOD + "bidirectional: {merge_mode: max}\n",
        "5:29: bidirectional.merge_mode: must be one of 'concat', 'sum', 'mul', 'ave' or 'none', got \"max\"",
    ),
    "bad bidirectional": (
        GOOD + "bidirectional: yes please\n",
        '5:16: bidirectional: must be true or false or a mapping, got "yes please"',
    ),
    "dropout out of range": (
        GOOD.replace("units: 64", "units: 64, dropout: 1.5"),
        "4:38: cells[0].dropout: must be a number < 1.0, got 1.5",
    ),
    "bad activation": (
        GOOD.replace("units: 64", "units: 64, activation: tanhh"),
        "4:41: cells[0].activation: got \"tanhh\"; did you mean 'tanh'?",
    ),
    "duplicate key": (GOOD + "name: again\n", "5:1: name: duplicate key"),
    "not a mapping": (
        "- just\n- a list\n",
        "1:1: expected a mapping with name, input and cells, got a list",
    ),
    "empty": (
        "",
        "1:1: the spec is empty; expected a mapping with name, input and cells",
    ),
    "yaml syntax": (
        "name: [oops\n",
        "2:1: not valid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    # rules across keys
    "stateful without batch": (
        GOOD.replace("batch_size: 1", "batch_size: null") + "stateful: true\n",
        "5:11: stateful: stateful: true needs a fixed input.batch_size, got batch_size: null",
    ),
    "stateful with initial state": (
        GOOD + "stateful: true\ninitial_state: zeros\n",
        "6:16: initial_state: a stateful layer starts from zeros and carries its state between calls; "
        "an initial_state would replace it on every call: expected none, got zeros",
    ),
    "stacking cells fused": (
        GOOD + "stacking: cells\nlayer: fused\n",
        "6:8: layer: stacking: cells always uses keras.layers.RNN(StackedRNNCells(...)); expected layer: rnn "
        "(or no layer key), got fused",
    ),
    "conv with features": (
        GOOD.replace(
            "{type: lstm, units: 64}", "{type: conv_lstm2d, filters: 4, kernel_size: 3}"
        ),
        "2:48: input.features: conv_lstm cells take input.shape (spatial dims + channels), got input.features",
    ),
    "conv shape rank": (
        GOOD.replace("features: 10", "shape: [8, 3]").replace(
            "{type: lstm, units: 64}", "{type: conv_lstm2d, filters: 4, kernel_size: 3}"
        ),
        "2:45: input.shape: conv_lstm2d takes 2 spatial dims + channels: expected 3 values, got 2",
    ),
    "conv as rnn": (
        GOOD.replace("features: 10", "shape: [8, 8, 3]").replace(
            "{type: lstm, units: 64}", "{type: conv_lstm2d, filters: 4, kernel_size: 3}"
        )
        + "layer: rnn\n",
        "5:8: layer: keras.layers has no public ConvLSTM cell, so conv_lstm cells use the ConvLSTMnD layers: "
        "expected stacking: layers and layer: fused, got layer: rnn",
    ),
    "conv kernel too big": (
        GOOD.replace("features: 10", "shape: [4, 4, 3]").replace(
            "{type: lstm, units: 64}", "{type: conv_lstm2d, filters: 4, kernel_size: 5}"
        ),
        "4:50: cells[0].kernel_size: with padding: valid this kernel leaves no output: the spatial shape "
        "would be (0, 0); expected a smaller kernel_size or padding: same",
    ),
    "conv kernel list length": (
        GOOD.replace("features: 10", "shape: [8, 8, 3]").replace(
            "{type: lstm, units: 64}",
            "{type: conv_lstm2d, filters: 4, kernel_size: [3, 3, 3]}",
        ),
        "4:50: cells[0].kernel_size: conv_lstm2d needs 2 value(s) for kernel_size, got 3",
    ),
    "vector after conv": (
        GOOD.replace("features: 10", "shape: [8, 8, 3]").replace(
            "{type: lstm, units: 64}",
            "{type: conv_lstm2d, filters: 4, kernel_size: 3}\n  - {type: lstm, units: 4}",
        ),
        "5:12: cells[1].type: conv_lstm cells output spatial tensors that vector cells cannot take: expected conv_lstm2d, got lstm",
    ),
    # initializers Keras cannot build: orthogonal needs a tensor of rank >= 2
    "orthogonal lstm bias": (
        GOOD.replace("units: 64", "units: 64, bias_initializer: orthogonal"),
        '4:47: cells[0].bias_initializer: orthogonal needs a matrix (Keras: "The tensor '
        'to initialize must be at least two-dimensional"), and its bias (units * 4,) has '
        "rank 1: expected another initializer, got orthogonal",
    ),
    "orthogonal gru bias without reset_after": (
        GOOD.replace(
            "{type: lstm, units: 64}",
            "{type: gru, units: 8, reset_after: false, bias_initializer: orthogonal}",
        ),
        "4:65: cells[0].bias_initializer: orthogonal needs a matrix, and with reset_after: "
        "false a GRU's bias is a vector: expected another bias_initializer (or "
        "reset_after: true), got orthogonal",
    ),
    "merge none with layers": (
        GOOD.replace("units: 64}", "units: 64}\n  - {type: gru, units: 8}")
        + "bidirectional: {merge_mode: none}\n",
        "6:29: bidirectional.merge_mode: merge_mode: none returns two outputs, which the next layer of a stacking: "
        "layers stack cannot take; expected concat, sum, mul or ave (or stacking: cells), got none",
    ),
    # issue 20: these gave tracebacks (unhashable type; int(None) under a front)
    "a block's loss given as a list": (
        GOOD + "head: {units: 2}\ntraining: {loss: {good: [mse]}}\n",
        "6:18: training.loss: must be one of sparse_categorical_crossentropy, "
        "categorical_crossentropy, binary_crossentropy, mse, mae, huber, ctc for each "
        "block (good: ['mse']), got a mapping",
    ),
    "a block's loss given as a mapping": (
        GOOD + "head: {units: 2}\ntraining: {loss: {good: {mse: 1}}}\n",
        "6:26: training.loss.good.mse: unknown key; expected one of type, skip_steps, "
        "padding",
    ),
    "vocabulary without embedding before a front": (
        GOOD.replace("features: 10", "vocabulary: 10")
        + "front: [{type: dense, units: 4}]\n",
        "2:50: input.vocabulary: a token input has both vocabulary (its ids) and "
        "embedding (the size of each token's vector): expected input.embedding too",
    ),
    "embedding without vocabulary before a front": (
        GOOD.replace("features: 10", "embedding: 10")
        + "front: [{type: dense, units: 4}]\n",
        "2:49: input.embedding: a token input has both vocabulary (its ids) and "
        "embedding (the size of each token's vector): expected input.vocabulary too",
    ),
    "a long-form input's embedding without vocabulary before a front": (
        "name: g\ninputs:\n  x: {timesteps: 5, embedding: 3}\nblocks:\n  - name: b\n"
        "    input: x\n    front: [{type: dense, units: 4}]\n"
        "    cells: [{type: lstm, units: 4}]\n",
        "3:32: inputs.x.embedding: a token input has both vocabulary (its ids) and "
        "embedding (the size of each token's vector): expected input.vocabulary too",
    ),
}


@pytest.mark.parametrize("text, expected", YAML_CASES.values(), ids=YAML_CASES.keys())
def test_yaml_errors_name_the_place(write, text: str, expected: str) -> None:
    path = write("spec.yaml", text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value) == f"{path}:{expected}"


SIZES = sorted((Path(__file__).parent.parent / "data" / "specs" / "sizes").glob("*.*"))


@pytest.mark.parametrize("spec", SIZES, ids=lambda p: p.stem)
def test_every_size_has_a_bound_named_where_it_is_written(spec: Path) -> None:
    """Sizes, counts, kernels, parameters and tensor sizes past their bound are refused
    with the place, what was expected and what was found: the file's `# expect:` line.
    """
    first = spec.read_text(encoding="utf-8").splitlines()[0]
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert f"# expect: {str(caught.value).replace(f'{spec}:', '')}" == first


PLACES = sorted(
    (Path(__file__).parent.parent / "data" / "specs" / "places").glob("*.*")
)


@pytest.mark.parametrize("spec", PLACES, ids=lambda p: p.name)
def test_every_error_is_named_where_it_is_written(spec: Path) -> None:
    """The exact line and column of the value (or of an unknown key) in TOML tables,
    arrays of tables (nested ones too), dotted keys, inline tables (on one line or
    several), quoted keys and after multi-line strings; rules across keys (stateful
    without a batch_size) at the key they are about, in the short and the long form.
    The expected problem is the file's `# expect:` line."""
    first = spec.read_text(encoding="utf-8").splitlines()[0]
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert f"# expect: {str(caught.value).replace(f'{spec}:', '', 1)}" == first


def test_a_toml_error_exits_2_with_its_place_and_writes_nothing(write) -> None:
    spec = PLACES[0].parent / "toml_stateful_block.toml"
    out = write("model.py", "# kept\n")
    result = invoke("render", spec, "-o", out)
    expected = (
        spec.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    )
    assert (result.returncode, result.stderr) == (2, f"{spec}:{expected}\n")
    assert out.read_text() == "# kept\n"


def test_a_spec_over_budget_exits_2_and_writes_nothing(write) -> None:
    out = write("model.py", "# kept\n")
    result = invoke("render", SIZES[0].parent / "params_over_budget.yaml", "-o", out)
    assert result.returncode == 2
    assert "parameters" in result.stderr and "Traceback" not in result.stderr
    assert out.read_text() == "# kept\n"


def test_all_problems_are_reported_in_file_order(write) -> None:
    path = write(
        "spec.yaml",
        GOOD.replace("features: 10", 'features: "10"').replace(
            "units: 64", "units: -1"
        ),
    )
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert [(p.line, p.path) for p in caught.value.problems] == [
        (2, "input.features"),
        (4, "cells[0].units"),
    ]


def test_toml_errors_point_at_the_key(write) -> None:
    path = write(
        "spec.toml",
        'name = "t"\n[input]\nfeatures = 10\n\n[[cells]]\ntype = "lstm"\nunits = 4\n\n[[cells]]\ntype = "gru"\nunits = "64x"\n',
    )
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert (
        str(caught.value)
        == f'{path}:11:9: cells[1].units: must be an integer >= 1, got "64x"'
    )


def test_toml_syntax_error(write) -> None:
    path = write("spec.toml", 'name = "t"\n[input\n')
    with pytest.raises(SpecError, match=r"spec\.toml:2:7: not valid TOML: "):
        load_spec(path)


def test_json_errors_point_at_the_value(write) -> None:
    path = write(
        "spec.json",
        '{\n  "name": "j",\n  "input": {"features": 0},\n  "cells": [{"type": "gru", "units": 3}]\n}\n',
    )
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert (
        str(caught.value)
        == f"{path}:3:25: input.features: must be an integer >= 1, got 0"
    )


def test_json_syntax_error(write) -> None:
    path = write("spec.json", '{"name": "j",}\n')
    with pytest.raises(
        SpecError, match=r"spec\.json:1:14: not valid JSON: Expecting property name"
    ):
        load_spec(path)


def test_unknown_suffix(write) -> None:
    path = write("spec.txt", GOOD)
    with pytest.raises(
        SpecError,
        match=r"spec\.txt:1:1: expected a \.yaml, \.yml, \.toml or \.json file, got '\.txt'",
    ):
        load_spec(path)


@pytest.mark.parametrize("suffix", ["yaml", "toml", "json"])
def test_the_three_formats_give_the_same_spec(write, suffix: str) -> None:
    texts = {
        "yaml": GOOD,
        "toml": 'name = "good"\ninput = {batch_size = 1, timesteps = 5, features = 10}\n[[cells]]\ntype = "lstm"\nunits = 64\n',
        "json": '{"name": "good", "input": {"batch_size": 1, "timesteps": 5, "features": 10}, "cells": [{"type": "lstm", "units": 64}]}',
    }
    assert load_spec(write(f"spec.{suffix}", texts[suffix])) == load_spec(
        write("ref.yaml", GOOD)
    )
