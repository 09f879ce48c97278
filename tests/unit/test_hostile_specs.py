"""Hostile spec files: each refused at its place, quickly, with exit 2 and no traceback.

The files live in tests/data/specs/hostile/; what the loader must say about each is below.
Files whose point is their bytes (NUL, BOM, not UTF-8) are written by the tests.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rnnspec import load_spec
from rnnspec.read.load import SpecError, parse

from ..conftest import ALL_EXAMPLES, ROOT

HOSTILE = ROOT / "tests" / "data" / "specs" / "hostile"
DATE = "must be a string, a number, true, false or null, got a date or time"
TOO_DEEP = "nested deeper than 64 levels"

# file -> the one line `load_spec` must give, after "<file>:"
EXPECTED = {
    "yaml_date.yaml": f"2:14: description: {DATE} (2024-01-01); quote it to make it a string",
    "yaml_datetime.yaml": f"2:14: description: {DATE} (2024-01-01 12:30:00); quote it to make it a string",
    "yaml_binary.yaml": "3:14: description: YAML tags are not allowed, got !!binary",
    "yaml_int_tag.yaml": "3:29: cells[0].units: YAML tags are not allowed, got !!int",
    "yaml_python_name.yaml": "1:7: name: YAML tags are not allowed, got !!python/name:os.system",
    "yaml_python_object.yaml": "2:8: input: YAML tags are not allowed, got !!python/object:argparse.Namespace",
    "yaml_custom_tag.yaml": "4:5: cells[0]: YAML tags are not allowed, got !custom",
    "yaml_str_tag.yaml": "1:7: name: YAML tags are not allowed, got !!str",
    "yaml_complex_key.yaml": "4:3: keys must be strings, got a list",
    "yaml_int_key.yaml": "2:9: input: keys must be strings, got 1",
    "yaml_null_key.yaml": "5:5: cells[0]: keys must be strings, got null",
    "yaml_bool_key.yaml": "4:1: keys must be strings, got true",
    "yaml_merge_key.yaml": "5:5: cells[0]: merge keys (<<) are not supported",
    "yaml_recursive_alias.yaml": "3:16: cells[0]: the alias *cells is inside the node it names; "
    "recursive structures are not allowed",
    "yaml_undefined_alias.yaml": "3:9: not valid YAML: found undefined alias *cell",
    "yaml_alias_bomb.yaml": "5:8: e[0]: the spec is too large: this alias takes it past 10,000 keys "
    "and values (an alias counts everything it repeats)",
    "yaml_huge_int.yaml": "3:29: cells[0].units: must be an integer of at most 18 digits, "
    "got 11111111111111111111... (5,000 characters)",
    "yaml_huge_hex.yaml": "3:29: cells[0].units: must be an integer of at most 18 digits, "
    "got 0xffffffffffffffffff... (5,002 characters)",
    "yaml_big_int.yaml": "3:29: cells[0].units: must be an integer of at most 18 digits, got 1234567890123456789",
    "yaml_inf.yaml": "3:41: cells[0].dropout: must be a finite number, got .inf",
    "yaml_nan.yaml": "3:41: cells[0].dropout: must be a finite number, got .nan",
    "yaml_two_documents.yaml": "4:1: not valid YAML: expected a single document in the stream, "
    "but found another document",
    "yaml_deep.yaml": f"3:71: {TOO_DEEP}",
    "yaml_deep_block.yaml": f"67:129: {TOO_DEEP}",
    "yaml_surrogate.yaml": "1:7: name: must be valid Unicode text, got a lone surrogate escape",
    "yaml_control_char.yaml": "3:15: not valid YAML: special characters are not allowed, got #x0007",
    "json_nan.json": "2:52: not valid JSON: NaN and Infinity are not JSON numbers",
    "json_infinity.json": "2:52: not valid JSON: NaN and Infinity are not JSON numbers",
    "json_overflow_float.json": "2:52: cells[0].dropout: must be a finite number, got 1e999",
    "json_huge_int.json": "2:38: cells[0].units: must be an integer of at most 18 digits, "
    "got 99999999999999999999... (5,000 characters)",
    "json_big_int.json": "2:38: cells[0].units: must be an integer of at most 18 digits, got -1234567890123456789",
    "json_duplicate_key.json": "5:34: cells[0].units: duplicate key",
    "json_deep.json": f"1:113: {TOO_DEEP}",
    "json_surrogate.json": "1:10: name: must be valid Unicode text, got a lone surrogate escape",
    "json_single_quotes.json": "1:2: not valid JSON: Expecting property name enclosed in double quotes",
    "json_trailing_data.json": "2:1: not valid JSON: Extra data",
    "toml_offset_datetime.toml": f"2:15: description: {DATE} (1979-05-27T07:32:00+00:00); quote it to make it a string",
    "toml_local_datetime.toml": f"2:15: description: {DATE} (1979-05-27T07:32:00); quote it to make it a string",
    "toml_local_date.toml": f"2:15: description: {DATE} (1979-05-27); quote it to make it a string",
    "toml_local_time.toml": f"2:15: description: {DATE} (07:32:00); quote it to make it a string",
    "toml_huge_int.toml": "5:9: cells[0].units: must be an integer of at most 18 digits, "
    "got 77777777777777777777... (5,000 characters)",
    "toml_big_int.toml": "5:9: cells[0].units: must be an integer of at most 18 digits, got 1000000000000000000",
    "toml_inf.toml": "6:11: cells[0].dropout: must be a finite number, got -inf",
    "toml_deep.toml": f"3:72: {TOO_DEEP}",
    "toml_deep_dotted.toml": f"4:1: {TOO_DEEP}",
}
# Slow or hanging before the fix: only run in a subprocess with a timeout.
GUARDED = {"yaml_alias_bomb.yaml"}
# A few through the real command line: exit 2, no traceback, within the hang guard.
THROUGH_CLI = [
    "yaml_alias_bomb.yaml",
    "yaml_deep.yaml",
    "json_deep.json",
    "toml_deep.toml",
    "json_huge_int.json",
    "toml_local_time.toml",
    "yaml_python_name.yaml",
]
HANG_GUARD_S = 20


def rnnspec_check(path: Path) -> subprocess.CompletedProcess[str]:
    """`rnnspec check PATH` in a fresh interpreter; a hang fails instead of waiting."""
    return subprocess.run(
        [sys.executable, "-m", "rnnspec.cli", "check", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG_GUARD_S,
    )


def refusal(path: Path) -> str:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return str(caught.value)


def test_every_hostile_file_has_its_expected_error() -> None:
    assert sorted(p.name for p in HOSTILE.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - GUARDED), ids=lambda name: name)
def test_hostile_file_is_refused_at_its_place(name: str) -> None:
    path = HOSTILE / name
    assert refusal(path) == f"{path}:{EXPECTED[name]}"


@pytest.mark.parametrize("name", THROUGH_CLI, ids=lambda name: name)
def test_hostile_file_exits_2_quickly_without_traceback(name: str) -> None:
    path = HOSTILE / name
    result = rnnspec_check(path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"{path}:{EXPECTED[name]}\n"


def test_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    """Reading a FIFO blocks until a writer comes: it must be refused before that."""
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    result = rnnspec_check(fifo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"{fifo}:1:1: cannot read the spec: it is a FIFO (named pipe), not a regular file\n"
    )


def test_a_device_and_a_directory_are_refused(tmp_path: Path) -> None:
    device = tmp_path / "device.yaml"
    device.symlink_to(os.devnull)
    assert refusal(device) == (
        f"{device}:1:1: cannot read the spec: it is a character device, not a regular file"
    )
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert refusal(folder) == (
        f"{folder}:1:1: cannot read the spec: it is a directory, not a regular file"
    )


def test_a_spec_over_1_mib_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * 110_000)
    assert refusal(path) == (
        f"{path}:1:1: the spec is too large: more than 1,048,576 bytes (1 MiB)"
    )


GOOD = "name: good\ninput: {batch_size: 1, timesteps: 5, features: 10}\ncells:\n  - {type: lstm, units: 64}\n"

# bytes -> the line after "<file>:"
BAD_BYTES = {
    "nul": (
        GOOD.replace("good", "go\0od").encode(),
        "1:9: the spec must be UTF-8 text, got a NUL character (is it UTF-16?)",
    ),
    "not utf-8": (
        GOOD.replace("good", "caf\xe9").encode("latin-1"),
        "1:10: the spec must be UTF-8 text, got the byte 0xe9, which is not UTF-8 here",
    ),
    "utf-16 with bom": (
        GOOD.encode("utf-16"),
        "1:1: the spec must be UTF-8 text, got UTF-16",
    ),
    "utf-16 without bom": (
        GOOD.encode("utf-16-le"),
        "1:2: the spec must be UTF-8 text, got a NUL character (is it UTF-16?)",
    ),
    "utf-32": (GOOD.encode("utf-32"), "1:1: the spec must be UTF-8 text, got UTF-32"),
}


@pytest.mark.parametrize("data, expected", BAD_BYTES.values(), ids=BAD_BYTES.keys())
@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_bytes_that_are_not_utf8_text_are_refused(
    tmp_path: Path, data: bytes, expected: str, suffix: str
) -> None:
    path = tmp_path / f"spec.{suffix}"
    path.write_bytes(data)
    assert refusal(path) == f"{path}:{expected}"


def test_not_utf8_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    result = rnnspec_check(path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.fullmatch(rf"{re.escape(str(path))}:1:7: [^\n]+\n", result.stderr)


TEXTS = {
    "yaml": GOOD,
    "toml": 'name = "good"\ninput = {batch_size = 1, timesteps = 5, features = 10}\n[[cells]]\ntype = "lstm"\nunits = 64\n',
    "json": '{"name": "good", "input": {"batch_size": 1, "timesteps": 5, "features": 10}, "cells": [{"type": "lstm", "units": 64}]}',
}


@pytest.mark.parametrize("suffix", TEXTS)
def test_a_utf8_bom_is_accepted_and_leaves_columns_alone(
    tmp_path: Path, suffix: str
) -> None:
    plain, marked = tmp_path / f"plain.{suffix}", tmp_path / f"bom.{suffix}"
    plain.write_text(TEXTS[suffix], encoding="utf-8")
    marked.write_bytes(codecs.BOM_UTF8 + TEXTS[suffix].encode())
    assert load_spec(marked) == load_spec(plain)
    bad = TEXTS[suffix].replace("good", "Bad", 1)
    plain.write_text(bad, encoding="utf-8")
    marked.write_bytes(codecs.BOM_UTF8 + bad.encode())
    assert refusal(marked).removeprefix(str(marked)) == refusal(plain).removeprefix(
        str(plain)
    )
    assert refusal(marked).startswith(f"{marked}:1:")


def test_json_is_read_as_json(tmp_path: Path) -> None:
    """Tabs are JSON whitespace and 1e-1 is a number; YAML 1.1 disagrees on both."""
    path = tmp_path / "spec.json"
    path.write_text(
        '{\n\t"name":\t"tabs",\n\t"input": {"features": 3},\n'
        '\t"cells": [{"type": "gru", "units": 2, "dropout": 1e-1}]\n}\n'
    )
    spec = load_spec(path)
    assert spec.name == "tabs" and spec.cells[0].dropout == 0.1


def test_json_marks_point_at_nested_values_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(
        '{\n  "name": "j",\n  "input": {"features": 3},\n  "cells": [\n'
        '    {"type": "gru",\n     "units":\n       0, "colour": 1}\n  ]\n}\n'
    )
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    units, colour = [str(p).removeprefix(f"{path}:") for p in caught.value.problems]
    assert units == "7:8: cells[0].units: must be an integer >= 1, got 0"
    assert colour.startswith("7:11: cells[0].colour: unknown key; expected one of ")


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=lambda p: p.name)
def test_every_example_as_json_gives_the_same_spec(
    tmp_path: Path, example: Path
) -> None:
    as_json = tmp_path / f"{example.stem}.json"
    data = yaml.safe_load(example.read_text())
    as_json.write_text(json.dumps(data, indent="\t"))
    assert load_spec(as_json) == load_spec(example)


def test_aliases_within_the_limits_still_work(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "name: shared\ninput: {features: 3}\n"
        "cells: [&cell {type: gru, units: 4}, *cell, *cell]\n"
    )
    spec = load_spec(path)
    assert [cell.units for cell in spec.cells] == [4, 4, 4]


@pytest.mark.parametrize(
    "kind, text",
    [
        ("yaml", "units: 999999999999999999\n"),
        ("json", '{"units": -999999999999999999}'),
        ("toml", "units = 999_999_999_999_999_999\n"),
    ],
)
def test_18_digit_integers_pass_the_reader(kind: str, text: str) -> None:
    data, _ = parse(text, kind, Path(f"spec.{kind}"))
    assert abs(data["units"]) == 10**18 - 1


@pytest.mark.parametrize(
    "name, text",
    [
        ("spec.json", '{"name": "k", "input": {"features": 3}, "bad\\nkey": 1}'),
        ("spec.yaml", 'name: k\ninput: {features: 3}\n"\\e[2J": 1\n'),
    ],
)
def test_a_strange_key_stays_on_its_one_line(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.problems)
    assert any(
        re.search(r'\["(bad\\nkey|\\u001b\[2J)"\]: unknown key; expected', line)
        for line in lines
    ), lines
