"""`RnnspecExtension`: the Jinja extension that `copier.yml` names in
`_jinja_extensions` (as `rnnspec.project.RnnspecExtension`).

It gives the template what it cannot do alone, and nothing else: the spec's text
(`rnnspec_spec_text()`), its module (`... | rnnspec_render`), the escaping filters,
the backend's dependencies (`rnnspec_dependencies`), the tools' commands and pins
(rnnspec/project/tooling.py) and each question's validator (`rnnspec_*_error`). Copier imports it, so it needs `--trust` and rnnspec installed
next to copier. Loading it also makes a refused answer print one line, not a traceback
(rnnspec/project/refusal.py).
"""

from __future__ import annotations

from jinja2 import pass_context
from jinja2.ext import Extension

from ..read.load import SpecError
from ..targets import DEFAULT
from . import refusal, tooling
from .answers import answers_error, render_text, spec_text
from .environment import backend_of, dependencies
from .escape import markdown_text, python_str, toml_str, yaml_str
from .names import (
    identifier_error,
    package_name,
    package_name_error,
    project_name_error,
)
from .parse import split_list
from .validators import (
    cells_error,
    initial_state_error,
    size_error,
    spec_file_error,
    spec_name,
    spec_name_error,
    stateful_error,
    target_error,
    units_error,
)


def render_filter(text: str, target: str = DEFAULT, name: str = "rnnspec.yaml") -> str:
    """`rnnspec_render(target, spec_name)`: the module for a spec's text, read in the
    format of the project's spec file `name` and rendered for the answered target (both
    checked); copier's one-line error for a bad spec."""
    try:
        return render_text(text, name=str(name), target=str(target))
    except SpecError as exc:
        from copier.errors import UserMessageError

        first, more = exc.problems[0], len(exc.problems) - 1
        also = f" (and {more} more: rnnspec check {name})" if more else ""
        raise UserMessageError(
            f"rnnspec cannot render this project's spec: {first}{also}"
        ) from None


class RnnspecExtension(Extension):
    """Filters and globals for rnnspec's copier template (see the module docstring)."""

    def __init__(self, environment) -> None:  # noqa: ANN001 - jinja's signature
        super().__init__(environment)
        refusal.install()  # a refused --data answer: one line, not a traceback
        environment.filters.update(
            rnnspec_render=render_filter,
            rnnspec_split=split_list,
            rnnspec_package_name=package_name,
            rnnspec_python_str=python_str,
            rnnspec_toml_str=toml_str,
            rnnspec_yaml_str=yaml_str,
            rnnspec_requirement_error=tooling.requirement_error,
            rnnspec_license_error=tooling.license_error,
            rnnspec_holder_error=tooling.holder_error,
            rnnspec_year_error=tooling.year_error,
            rnnspec_markdown_text=markdown_text,
            rnnspec_project_name_error=project_name_error,
            rnnspec_package_name_error=package_name_error,
            rnnspec_identifier_error=identifier_error,
            rnnspec_cells_error=cells_error,
            rnnspec_units_error=units_error,
            rnnspec_size_error=size_error,
            rnnspec_spec_file_error=spec_file_error,
            rnnspec_spec_name=spec_name,
            rnnspec_target_error=target_error,
        )
        environment.globals.update(
            rnnspec_spec_text=pass_context(lambda context: spec_text(context)),
            rnnspec_answers_error=pass_context(lambda context: answers_error(context)),
            rnnspec_stateful_error=stateful_error,
            rnnspec_spec_name_error=spec_name_error,
            rnnspec_dependencies=dependencies,
            rnnspec_backend=backend_of,
            rnnspec_initial_state_error=initial_state_error,
            rnnspec_default_requirement=tooling.default_requirement,
            rnnspec_this_year=tooling.this_year,
            rnnspec_render_check_args=tooling.render_check_args,
            rnnspec_render_check_command=tooling.render_check_command,
            rnnspec_hook_files=tooling.hook_files,
            rnnspec_install_command=tooling.install_command,
            rnnspec_module_path=tooling.module_path,
            rnnspec_tools=tooling,
        )
