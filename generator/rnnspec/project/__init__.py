"""Copier glue: the project template (`copier.yml`, `template/`) renders through this.

One idea a module:

- `parse`: how an answer (often text) reads: lists, ASCII integers, yes/no, none;
- `environment`: the project's dependencies and KERAS_BACKEND per target and backend;
- `escape`: the one way free text reaches each kind of file (.py, .toml, .yml, .md);
- `names`: `project_name` and `package_name`, their checks and the derived name;
- `validators`: each architecture question's check, its verdict from the spec layer;
- `tooling`: the project's CI, pre-commit hooks, dev group and license;
- `answers`: the answers as a whole: the spec's text, its module, their check;
- `extension`: `RnnspecExtension`, the Jinja extension `copier.yml` names;
- `refusal`: a refused answer printed as one line, not a traceback.

The names below are this package's interface; `rnnspec.project.RnnspecExtension`
is what `copier.yml` imports.
"""

from __future__ import annotations

from .answers import answers_error, render_text, spec_from_answers, spec_text
from .environment import BACKENDS, backend_of, dependencies
from . import tooling
from .escape import markdown_text, python_str, toml_str, yaml_str
from .extension import RnnspecExtension, render_filter
from .names import (
    DEPENDENCIES,
    MAX_PROJECT_NAME,
    PROJECT_IMPORTS,
    TEST_MODULES,
    TOOL_MODULES,
    dependency_modules,
    identifier_error,
    package_name,
    package_name_error,
    project_name_error,
    shadowed,
)
from .parse import MAX_DIGITS, NONE_WORDS, ascii_int, split_list, truthy
from .validators import (
    CELL_TYPES,
    DIGITS_NOTE,
    SPEC_NAMES,
    SPEC_SUFFIXES,
    answer_size,
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

__all__ = [
    "BACKENDS",
    "CELL_TYPES",
    "DEPENDENCIES",
    "DIGITS_NOTE",
    "MAX_DIGITS",
    "MAX_PROJECT_NAME",
    "NONE_WORDS",
    "PROJECT_IMPORTS",
    "SPEC_NAMES",
    "TEST_MODULES",
    "TOOL_MODULES",
    "SPEC_SUFFIXES",
    "RnnspecExtension",
    "answer_size",
    "answers_error",
    "backend_of",
    "ascii_int",
    "cells_error",
    "dependencies",
    "dependency_modules",
    "identifier_error",
    "initial_state_error",
    "markdown_text",
    "package_name",
    "package_name_error",
    "project_name_error",
    "python_str",
    "render_filter",
    "render_text",
    "shadowed",
    "size_error",
    "spec_file_error",
    "spec_from_answers",
    "spec_name",
    "spec_name_error",
    "spec_text",
    "split_list",
    "stateful_error",
    "target_error",
    "toml_str",
    "tooling",
    "truthy",
    "units_error",
    "yaml_str",
]
