"""The TOML reader's marks: every key and value at the line and column it is written.

Each document below is small enough to count columns by hand; the expected marks
are written out, not computed. Each test also checks that every key and value
`tomllib` reads has a mark, so no path silently falls back to its parent's.
"""

from __future__ import annotations

import random
import subprocess
import sys
from typing import Any

import pytest

from rnnspec.read.marks import MAX_DEPTH, MAX_NODES, Marks, TextProblem
from rnnspec.read.toml_marks import read_toml

from ..conftest import ROOT


def _paths(value: Any, path: tuple = ()) -> tuple[set, set]:
    """The paths of all values and of all keys in plain data."""
    values, keys = {path}, set()
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value) if isinstance(value, list) else ()
    )
    for part, item in items:
        if isinstance(part, str):
            keys.add(path + (part,))
        more_values, more_keys = _paths(item, path + (part,))
        values |= more_values
        keys |= more_keys
    return values, keys


def marks_of(text: str) -> Marks:
    """The marks of a valid document, after checking every path has one."""
    data, marks = read_toml(text)
    values, keys = _paths(data)
    assert values <= set(marks.values) and keys <= set(marks.keys)
    return marks


def test_inline_tables_in_an_array_on_one_line() -> None:
    marks = marks_of('cells = [{type = "lstm", units = 0}]\n')
    assert marks.keys[("cells",)] == (1, 1)
    assert marks.values[("cells",)] == (1, 9)
    assert marks.values[("cells", 0)] == (1, 10)
    assert marks.keys[("cells", 0, "type")] == (1, 11)
    assert marks.values[("cells", 0, "type")] == (1, 18)
    assert marks.keys[("cells", 0, "units")] == (1, 26)
    assert marks.values[("cells", 0, "units")] == (1, 34)


def test_a_multi_line_array_of_inline_tables_with_comments() -> None:
    marks = marks_of(
        "cells = [\n"
        '  {type = "lstm", units = 4},  # the first, [x] k = v\n'
        "  # [[cells]] units = 9\n"
        '  {type = "gru", units = 0},\n'
        "  [1, [2, 3]],\n"
        "]\n"
    )
    assert marks.values[("cells", 0)] == (2, 3)
    assert marks.values[("cells", 1)] == (4, 3)
    assert marks.keys[("cells", 1, "units")] == (4, 18)
    assert marks.values[("cells", 1, "units")] == (4, 26)
    assert marks.values[("cells", 2)] == (5, 3)
    assert marks.values[("cells", 2, 1)] == (5, 7)
    assert marks.values[("cells", 2, 1, 1)] == (5, 11)


def test_nested_inline_tables_and_dotted_keys_inside_them() -> None:
    marks = marks_of("a = {b = {c = 1}, d.e = [2]}\n")
    assert marks.values[("a", "b")] == (1, 10)
    assert marks.values[("a", "b", "c")] == (1, 15)
    assert marks.keys[("a", "d")] == (1, 19)
    assert marks.keys[("a", "d", "e")] == (1, 21)
    assert marks.values[("a", "d", "e", 0)] == (1, 26)


def test_arrays_of_tables_count_per_parent_element() -> None:
    marks = marks_of(
        "[[blocks]]\n"
        'name = "a"\n'
        "[[blocks.cells]]\n"
        "units = 1\n"
        "[[blocks.cells]]\n"
        "units = 2\n"
        "[[blocks]]\n"
        'name = "b"\n'
        "[[blocks.cells]]\n"
        "units = 3\n"
        "[blocks.initial_state]\n"
        'from = "a"\n'
    )
    assert marks.values[("blocks", 0)] == (1, 3)
    assert marks.values[("blocks", 0, "cells", 0)] == (3, 3)
    assert marks.values[("blocks", 0, "cells", 1, "units")] == (6, 9)
    assert marks.values[("blocks", 1)] == (7, 3)
    assert marks.values[("blocks", 1, "name")] == (8, 8)
    assert marks.values[("blocks", 1, "cells", 0)] == (9, 3)
    assert marks.values[("blocks", 1, "cells", 0, "units")] == (10, 9)
    assert ("blocks", 1, "cells", 2) not in marks.values
    assert marks.values[("blocks", 1, "initial_state")] == (11, 2)
    assert marks.keys[("blocks", 1, "initial_state")] == (11, 9)
    assert marks.values[("blocks", 1, "initial_state", "from")] == (12, 8)
    assert ("blocks", 0, "initial_state") not in marks.values


def test_a_sub_table_belongs_to_the_last_element_of_each_array_on_its_path() -> None:
    marks = marks_of("[[a]]\n[[a]]\n[[a.b]]\n[[a.b]]\n[a.b.c]\nd = 1\n")
    assert marks.values[("a", 1, "b", 1, "c")] == (5, 2)
    assert marks.keys[("a", 1, "b", 1, "c")] == (5, 6)
    assert marks.values[("a", 1, "b", 1, "c", "d")] == (6, 5)


def test_dotted_keys_with_spaces_and_quotes() -> None:
    marks = marks_of("input.features = 0\na . b = 1\n\"x y\".'z' = 2\n")
    assert marks.keys[("input",)] == (1, 1)
    assert marks.keys[("input", "features")] == (1, 7)
    assert marks.values[("input",)] == (1, 1)
    assert marks.values[("input", "features")] == (1, 18)
    assert marks.keys[("a", "b")] == (2, 5)
    assert marks.values[("a", "b")] == (2, 9)
    assert marks.keys[("x y", "z")] == (3, 7)
    assert marks.values[("x y", "z")] == (3, 13)


def test_dotted_keys_in_a_table_of_an_array_element() -> None:
    marks = marks_of('[[blocks]]\n[[blocks]]\n  initial_state.from = "x"\n')
    assert marks.values[("blocks", 1, "initial_state")] == (3, 3)
    assert marks.keys[("blocks", 1, "initial_state", "from")] == (3, 17)
    assert marks.values[("blocks", 1, "initial_state", "from")] == (3, 24)


def test_quoted_keys_and_their_escapes() -> None:
    marks = marks_of('"units" = 0\n\'dropout\' = 0.5\n"a\\u0062\\"" = 1\n')
    assert marks.keys[("units",)] == (1, 1)
    assert marks.values[("units",)] == (1, 11)
    assert marks.values[("dropout",)] == (2, 13)
    assert marks.keys[('ab"',)] == (3, 1)
    assert marks.values[('ab"',)] == (3, 15)


def test_headers_with_spaces_quotes_and_indentation() -> None:
    marks = marks_of(
        '[ input ]\nfeatures = 1\n  [[ cells ]]  # one\n    units = 2\n[ a . "b c" ]\n'
    )
    assert marks.values[("input",)] == (1, 3)
    assert marks.values[("input", "features")] == (2, 12)
    assert marks.values[("cells", 0)] == (3, 6)
    assert marks.keys[("cells", 0, "units")] == (4, 5)
    assert marks.values[("cells", 0, "units")] == (4, 13)
    assert marks.values[("a",)] == (5, 3)
    assert marks.values[("a", "b c")] == (5, 3)
    assert marks.keys[("a", "b c")] == (5, 7)


def test_comment_signs_in_strings_and_commented_out_lines() -> None:
    marks = marks_of(
        "a = \"x # [y]\" # z = 1\n# [[cells]]\n# b = 2\nb = 'p#q' # ]\nc = 3\n"
    )
    assert marks.values[("b",)] == (4, 5)
    assert marks.values[("c",)] == (5, 5)
    assert ("z",) not in marks.values and ("cells",) not in marks.values


def test_multi_line_strings_hide_what_looks_like_tables_and_keys() -> None:
    marks = marks_of(
        'a = """\n[[cells]]\nunits = 3 \\"""\n"""\n'
        "b = '''\n[input]\nx = 1'''\n"
        'c = """q""""\n'
        "[[cells]]\nunits = 0\n"
    )
    assert marks.values[("a",)] == (1, 5)
    assert marks.values[("b",)] == (5, 5)
    assert marks.values[("c",)] == (8, 5)
    assert marks.values[("cells", 0)] == (9, 3)
    assert marks.values[("cells", 0, "units")] == (10, 9)
    assert ("input",) not in marks.values


def test_numbers_and_booleans_are_values_wherever_they_start() -> None:
    marks = marks_of("a = [+1_000, 0xff, 0o17, 6.5e-3, true]\nb = 1e3\n")
    assert [marks.values[("a", n)] for n in range(5)] == [
        (1, 6),
        (1, 14),
        (1, 20),
        (1, 26),
        (1, 34),
    ]
    assert marks.values[("b",)] == (2, 5)


def test_a_date_with_a_space_is_one_value_and_refused_where_it_starts() -> None:
    with pytest.raises(TextProblem) as caught:
        read_toml("a = 1\n[t]\nd = [1979-05-27 07:32:00Z, 1]\n")
    assert (caught.value.mark, caught.value.path) == ((3, 6), ("t", "d", 0))


def test_a_key_too_deep_is_refused_at_its_start_in_time_and_memory() -> None:
    """tomllib takes quadratic time and memory on a key of many parts: refused first."""
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from rnnspec.read.marks import TextProblem\n"
        "from rnnspec.read.toml_marks import read_toml\n"
        "try:\n"
        "    read_toml('x' + '.x' * 100_000 + ' = 1\\n')\n"
        "except TextProblem as exc:\n"
        "    print(exc.mark, exc.message)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=20,
    )
    assert (result.returncode, result.stdout) == (
        0,
        f"(1, 1) nested deeper than {MAX_DEPTH} levels\n",
    )


def test_nesting_on_the_stack_is_refused_before_the_marks() -> None:
    text = "a = " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    with pytest.raises(TextProblem) as caught:
        read_toml(text)
    assert caught.value.mark == (1, 4 + MAX_DEPTH)


@pytest.mark.parametrize("seed", range(5))
def test_text_that_is_not_toml_is_refused_never_crashes(seed: int) -> None:
    pieces = ['"""', "'''", '"', "'", "[", "]", "[[", "{", "}", "=", ",", ".", "#"]
    pieces += ["\\", " ", "\n", "a", "1", "a = ", "x.y", "1979-05-27 "]
    rng = random.Random(seed)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        try:
            read_toml(text)
        except TextProblem:
            pass


def test_past_the_node_budget_is_refused_at_the_value_that_crosses_it() -> None:
    """The root, then a key and a value per line: value 10,001 is on line 5,000."""
    text = "".join(f"a{n} = 1\n" for n in range(MAX_NODES))
    with pytest.raises(TextProblem) as caught:
        read_toml(text)
    assert (caught.value.mark, caught.value.path) == ((5000, 9), ("a4999",))
    assert caught.value.message == (
        "the spec is too large: more than 10,000 keys and values"
    )
