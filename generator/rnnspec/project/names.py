"""The project's names: `project_name` (free text, printable on one line) and
`package_name` (the spec's `name`, and the Python package of the generated project).

The spec's `Identifier` type decides what an identifier is; this module adds what
only the project needs: a package name must not shadow a module the project imports,
and it must start and end with a letter or digit (pyproject.toml's name is it with
- for _). `package_name` derives a name that passes both from the project's name.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache
from importlib import metadata
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..spec.models import Identifier
from ..targets import NAMES, get_target

MAX_PROJECT_NAME = 200
_TARGETS = tuple(get_target(name) for name in NAMES)
# Imported by the generated project (its src/ comes first on sys.path): each target's
# Keras and backends, and the rest; or rnnspec's own.
PROJECT_IMPORTS = frozenset(
    "numpy pytest tests generator rnnspec black click jinja2 pydantic yaml copier".split()
) | {module for target in _TARGETS for module in (*target.preload, *target.backends)}
# The generated project's test modules: pytest imports tests/ by these top-level names
# (template/tests/), so a package of one of them cannot be imported by its tests.
TEST_MODULES = frozenset(("conftest", "test_model"))
# Loaded by the project's Python on its own: at startup (site's hooks, found on the
# path the editable install adds) or to install the project (pip, setuptools).
TOOL_MODULES = frozenset(
    "sitecustomize usercustomize pip setuptools pkg_resources wheel".split()
)
# Distributions whose modules (and their dependencies') a package must not shadow.
# (Those not installed here are skipped: each backend's are refused where it is.)
DEPENDENCIES = (
    *sorted(
        {
            re.match(r"[A-Za-z0-9._-]+", requirement)[0]  # type: ignore[index]
            for target in _TARGETS
            for requirements in target.dependencies.values()
            for requirement in requirements
        }
    ),
    "jaxlib", "numpy", "pytest", "rnnspec",
    "pre-commit", "ruff",  # the dev group's tools (rnnspec/project/tooling.py)
)  # fmt: skip
# Characters that project_name refuses besides categories Cc, Cs, Cn, Zl and Zp.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_IDENTIFIER = TypeAdapter(Identifier)


def package_name(project_name: Any) -> str:
    """A package name derived from the project's, never a refused one:
    `My RNN model` -> `my_rnn_model`, `2048 GRU` -> `model_2048_gru`, `Keras` ->
    `keras_model`, `Ünïcode` -> `unicode`."""
    text = unicodedata.normalize("NFKD", str(project_name)).encode("ascii", "ignore")
    name = re.sub(r"[^a-z0-9]+", "_", text.decode().lower()).strip("_")[:52].rstrip("_")
    if not name or name[0].isdigit():
        name = f"model_{name}".rstrip("_")
    for candidate in (name, f"{name}_model", f"model_{name}"):
        if not package_name_error(candidate, suggest=False):
            return candidate
    return "model"


@cache
def dependency_modules() -> frozenset[str]:
    """Top-level modules of the installed `DEPENDENCIES` and all they require."""
    wanted, todo = set(), list(DEPENDENCIES)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in wanted:
            continue
        wanted.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        todo += [
            re.match(r"[A-Za-z0-9._-]+", req)[0]
            for req in requires
            if "extra" not in req.partition(";")[2]
        ]
    return frozenset(
        module
        for module, dists in metadata.packages_distributions().items()
        if any(re.sub(r"[-_.]+", "-", d).lower() in wanted for d in dists)
    )


def shadowed(name: str) -> str:
    """What a package called `name` would shadow in the generated project, or ""."""
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return "a standard-library module"
    if name in TEST_MODULES:
        return "a module of the generated project's tests (tests/conftest.py, tests/test_model.py)"
    if name in TOOL_MODULES:
        return "a module that Python loads at startup or installs the project with"
    if name in PROJECT_IMPORTS:
        return "a module that the generated project or rnnspec imports"
    if name in dependency_modules():
        return "a module of one of the generated project's dependencies"
    return ""


def project_name_error(
    name: Any, what: str = "project_name", limit: int = MAX_PROJECT_NAME
) -> str:
    """Printable text on one line, not empty, at most `limit` characters."""
    text = str(name)
    if not text.strip():
        return f"{what} must not be empty"
    if len(text) > limit:
        return f"{what} must be at most {limit} characters; got {len(text)}"
    bad = dict.fromkeys(char for char in text if _unprintable(char))
    if bad:
        return (
            f"{what} must be printable text on one line: no control characters "
            "(newline, tab, NUL, ...), line separators, bidirectional controls, "
            "surrogates or unassigned code points; got "
            + ", ".join(f"U+{ord(char):04X}" for char in bad)
            + f" in {text!r}"
        )
    return ""


def identifier_error(name: Any, what: str = "package_name") -> str:
    """The spec's verdict on `name` as an `Identifier`."""
    try:
        _IDENTIFIER.validate_python(str(name))
    except ValidationError:
        return (
            f"{what} must be a Python identifier: lowercase letters, digits and _, "
            f"not starting with a digit, not a Python keyword, at most 64 characters; "
            f"got {str(name)!r}"
        )
    return ""


def package_name_error(name: Any, suggest: bool = True) -> str:
    """An identifier (the spec's name too) that shadows nothing the project imports."""
    text = str(name)
    if message := identifier_error(text):
        return message
    if text.startswith("_") or text.endswith("_"):
        return (
            "package_name must start and end with a letter or digit: pyproject.toml's "
            f"project name is package_name with - for _; got {text!r}"
        )
    if why := shadowed(text):
        hint = f" (try {package_name(text)!r})" if suggest else ""
        return (
            f"package_name must not shadow a module the project imports: {text!r} is "
            f"{why}; got {text!r}{hint}"
        )
    return ""


def _unprintable(char: str) -> bool:
    """Control, separator, surrogate, unassigned or bidirectional-control characters."""
    category = unicodedata.category(char)
    return category in ("Cc", "Cs", "Cn", "Zl", "Zp") or char in _BIDI_CONTROLS
