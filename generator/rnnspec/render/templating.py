"""The jinja2 settings every template of rnnspec is rendered with: strict about
undefined values, blocks without stray whitespace, no HTML escaping, and `py` (repr)
as the only way a value becomes Python source, refusing a value that is not there;
`docstring` lays out free text as a module docstring of lines that fit 88 columns.
A Keras object (an initializer) is written with the module's own name for keras."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..spec.initializers import KerasObject

if TYPE_CHECKING:
    import jinja2


def strict_environment(
    loader: jinja2.BaseLoader, bytecode_cache: jinja2.BytecodeCache | None = None
) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=bytecode_cache,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = jinja2.pass_context(_python)
    env.filters["docstring"] = docstring
    return env


def _python(context: jinja2.runtime.Context, value: object) -> str:
    """A value as Python source; a value the plan does not have is an error, not text."""
    import jinja2

    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, KerasObject):
        return value.code(context.get("own", {}).get("keras", "keras"))
    return repr(value)


WIDTH = 88  # black's line length, the generated modules' too


def docstring(text: str) -> str:
    """`text` as a module docstring whose value is `text` exactly. One that fits on a
    line is its repr(), as `py` writes it; a longer one is a triple-quoted string
    wrapped at spaces, each line but the last ending in a backslash (a line
    continuation: the string holds no newline there, and black leaves such a
    docstring as it is). Backslashes, control and other unprintable characters are
    escaped as repr() escapes them, and a quote where it could end the string."""
    text = str(text)
    if len(repr(text)) <= WIDTH:
        return repr(text)
    body = "".join(_escaped(text, at) for at in range(len(text)))
    lines = ['"""']
    for piece in re.split(r"(?<= )(?=[^ ])", body):  # a word and the spaces after it
        if len(lines[-1]) + len(piece) > WIDTH - 3 and lines[-1] != '"""':
            lines.append("")  # room left for a backslash or the closing quotes
        lines[-1] += piece
    return "\\\n".join(lines) + '"""'


def _escaped(text: str, at: int) -> str:
    """One character of `text` as it is written inside triple double quotes."""
    char = text[at]
    if char == "\\":
        return "\\\\"
    if char == '"' and text[at + 1 : at + 2] in ("", '"'):
        return '\\"'  # a quote before another, or before the closing quotes
    return char if char.isprintable() else repr(char)[1:-1]
