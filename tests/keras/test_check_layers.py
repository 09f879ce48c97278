"""`rnnspec check`'s layer table against Keras: for golden modules built once by the
TensorFlow probe (tests/support/probes.py), every layer of the model is a row, with
Keras' class, output shape and count_params(), and the rows add up to the model's."""

from __future__ import annotations

import json

import pytest

from rnnspec import load_spec, make_plan
from rnnspec.plan.layer_rows import layer_rows
from rnnspec.run.report import check_report, concrete

from ..conftest import GOLDEN, ROOT
from ..support.probes import REFERENCE, probed

# Embeddings, bridges (project, concat, from an input), repeat, front and head layers,
# Dropout, both attentions, bidirectional, stacked and time-distributed layers, layer
# nodes and merges.
EXAMPLES = [
    ROOT / "examples" / path
    for path in (
        "published/nmt_attention.yaml",
        "published/nmt_luong_attention.yaml",
        "published/ctc_asr.yaml",
        "published/image_captioning.yaml",
        "published/addition_rnn.yaml",
        "published/mnist_hierarchical_rnn.yaml",
        "seq2seq/bidirectional_concat.yaml",
        "seq2seq/gru_to_lstm.yaml",
        "stacked_lstm.yaml",
        "published/ticket_classifier.yaml",
    )
]


@pytest.fixture(scope="module")
def summaries() -> dict[str, dict[str, list]]:
    folder = probed(REFERENCE, [GOLDEN / f"{spec.stem}.py" for spec in EXAMPLES])
    return {
        spec.stem: json.loads((folder / f"{spec.stem}.summary.json").read_text())
        for spec in EXAMPLES
    }


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda path: path.stem)
def test_each_printed_layer_is_keras_own(spec, summaries) -> None:
    keras_layers = summaries[spec.stem]
    plan = make_plan(load_spec(spec))
    rows = layer_rows(plan)
    built = {
        name: found
        for name, found in keras_layers.items()
        if found[0] not in ("InputLayer", "RepeatOverBatch")
    }
    assert [row.name for row in rows] == [name for name in built if name in built]
    assert sorted(row.name for row in rows) == sorted(built)
    for row in rows:
        keras_class, shape, params = built[row.name]
        assert (row.keras_class, row.params) == (keras_class, params), row.name
        assert list(concrete(row.shape, plan)) == shape, row.name
    total = sum(found[2] for found in keras_layers.values())
    assert sum(row.params for row in rows) == plan.params == total
    report = check_report(str(spec))
    for row in rows:
        assert f"{row.params:,}" in report and row.name in report
    assert f"parameters: {total:,}" in report
