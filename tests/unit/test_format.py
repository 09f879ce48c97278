"""rnnspec/render/format.py formats a module's top-level parts one by one, each once per
process: the result must be black's output for the whole module, byte for byte."""

from __future__ import annotations

import black
import pytest

from rnnspec import load_spec, plan_spec, render_source
from rnnspec.render import format as fmt
from rnnspec.render.format import format_source, format_whole, top_level_parts

from ..conftest import ALL_EXAMPLES


@pytest.mark.parametrize("target", ["keras3", "tf_keras"])
def test_every_bundled_module_formats_as_black_formats_it_whole(target: str) -> None:
    """The bundled examples; tests/keras/test_properties.py and the Keras matrix's
    test_black hold many more modules against black's whole-module output."""
    sources = [
        render_source(plan_spec(load_spec(path, target)), target)
        for path in ALL_EXAMPLES
    ]
    fmt._formatted.clear()
    for source in sources:  # the first parts new, later ones shared with others
        assert format_source(source) == format_whole(source)


# The cases the cuts must get right, each unformatted as a template might leave it.
TRICKY = {
    "comments above a def go with it": "x=1\n# about f\n# more\ndef f( ):\n  return 1\n",
    "a comment after a blank line stays": "x=1\n# about x\n\ndef f():\n  pass\ny=2\n",
    "decorators": "import a\n@a.b\n@a.c( 1 )\nclass C :\n  pass\n@a.b\ndef f(): pass\n",
    "code between defs": "def f():\n  pass\nX=1\nY = 2\n\n\n\ndef g():\n pass\nZ=3\n",
    "an encoding-like comment": "def f():\n  pass\n# decoding: greedy\ndef g(): pass\n",
    "one on line two": "x=1\ndef f():\n  pass\nx=2\n# encoding: latin-1\ndef g(): pass\n",
    "a bare string after a def": 'def f():\n  pass\n"""a  string"""\nx=1\n',
    "a docstring first": '"""Doc."""\nimport a\ndef f():\n  """F."""\n  pass\n',
    "nested defs and main": (
        "def f():\n  def g():\n    pass\n  return g\n"
        "if __name__=='__main__':\n  f()\n"
    ),
}


@pytest.mark.parametrize("source", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_cuts_format_as_black_whole(source: str) -> None:
    fmt._formatted.clear()
    assert format_source(source) == format_whole(source)


def test_parts_are_cut_at_top_level_definitions() -> None:
    source = "x = 1\n# f\ndef f():\n    pass\ny = 2\nclass C:\n    pass\n"
    assert top_level_parts(source) == [
        "x = 1\n",
        "# f\ndef f():\n    pass\n",
        "y = 2\n",
        "class C:\n    pass\n",
    ]


def test_a_syntax_error_is_black_s_own() -> None:
    with pytest.raises(black.InvalidInput):
        format_source("def f(:\n")
