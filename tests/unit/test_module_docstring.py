"""The module docstring: a spec's description, wrapped to 88 columns, whose value is
the description exactly, hostile text included, before and after black."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from rnnspec.render.format import format_whole
from rnnspec.render.templating import WIDTH, docstring

HOSTILE = [
    'x """\nimport os; os.system("touch PWNED")  # \\\n\'\'\'{{ 7*7 }}{% raw %}' * 3,
    "ends in a quote " * 8 + '"',
    "ends in a backslash " * 8 + "\\",
    'quotes """ and "" and " ' * 6 + "\\\\\\",
    "\t tabs, \r returns, \x00 nulls, \u2028 separators, \ud800 surrogates " * 3,
    "  leading and trailing spaces, " * 5 + "  ",
    "a" * 200 + " " + "b" * 5,
]


def module_docstring(source: str) -> str | None:
    return ast.get_docstring(ast.parse(source), clean=False)


def check(text: str) -> str:
    source = docstring(text) + "\n\nX = 1\n"
    assert module_docstring(source) == text
    formatted = format_whole(source)
    assert module_docstring(formatted) == text
    assert [node.__class__ for node in ast.parse(source).body] == [ast.Expr, ast.Assign]
    return formatted


def test_hostile_text_stays_one_string_of_the_same_value() -> None:
    for text in HOSTILE:
        check(text)


def test_a_long_description_is_wrapped_to_88_columns() -> None:
    text = 'keras-io\'s model ("quoted"), a description of many words ' * 12
    formatted = check(text.strip())
    lines = formatted.split("\n\nX = 1")[0].splitlines()
    assert len(lines) > 5
    assert all(len(line) <= WIDTH for line in lines)
    assert all(line.endswith("\\") for line in lines[:-1])


def test_a_short_description_is_its_repr() -> None:
    assert docstring("A GRU.") == repr("A GRU.")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=300))
def test_any_text_is_the_docstring(text: str) -> None:
    source = docstring(text) + "\n"
    assert module_docstring(source) == text
