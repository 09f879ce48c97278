"""The jinja2 settings every template of rnnspec is rendered with: strict about
undefined values, blocks without stray whitespace, no HTML escaping, and `py` (repr)
as the only way a value becomes Python source, refusing a value that is not there."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    env.filters["py"] = _python
    return env


def _python(value: object) -> str:
    """A value as Python source; a value the plan does not have is an error, not text."""
    import jinja2

    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return repr(value)
