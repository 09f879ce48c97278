"""The generated project's tools: its CI workflow (.github/workflows/ci.yml), its
pre-commit hooks (.pre-commit-config.yaml), the `dev` dependency group they install,
and its license.

Every value here is checked or fixed: the rnnspec requirement is one that pip reads
and that names rnnspec, the license one of `LICENSES`, the copyright holder printable
text on one line, the year four ASCII digits; the commands are built from the checked
package name, spec file name and target only, so no free text reaches a shell line.
The template writes each value through `yaml_str` or `toml_str` (rnnspec/project/escape.py).
"""

from __future__ import annotations

import datetime
import re
from importlib import metadata
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..targets import NAMES
from .environment import backend_of
from .names import MAX_PROJECT_NAME, identifier_error, project_name_error
from .validators import SPEC_NAMES

# ruff in the project's hooks and dev group: the version rnnspec's own tests lint with
# (constraints.txt), so a module rnnspec renders passes the same checks.
RUFF = "ruff==0.17.5"
PRE_COMMIT = "pre-commit>=4"
# The Python versions the project's CI tests on (the project requires >= 3.11).
PYTHONS = ("3.11", "3.12")
LICENSES = ("MIT", "none")
# PyTorch's CPU-only wheels: without this index pip fetches the CUDA build (GBs).
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def default_requirement() -> str:
    """The rnnspec that renders this project, pinned: `rnnspec==VERSION`."""
    return f"rnnspec=={metadata.version('rnnspec')}"


def requirement_error(text: Any) -> str:
    """A requirement pip reads (PEP 508) that names rnnspec."""
    try:
        requirement = Requirement(str(text))
    except InvalidRequirement as exc:
        return (
            "rnnspec_requirement must be a requirement pip reads, such as "
            f"{default_requirement()} or rnnspec @ git+https://HOST/OWNER/rnnspec@TAG; "
            f"got {str(text)!r} ({' '.join(str(exc).split())})"
        )
    if canonicalize_name(requirement.name) != "rnnspec":
        return (
            "rnnspec_requirement must name rnnspec (rnnspec==VERSION, rnnspec @ URL); "
            f"got {requirement.name!r} in {str(text)!r}"
        )
    return ""


def license_error(value: Any) -> str:
    """One of `LICENSES`."""
    if str(value) not in LICENSES:
        return f"license must be one of {', '.join(LICENSES)}; got {str(value)!r}"
    return ""


def holder_error(value: Any) -> str:
    """The copyright holder: printable text on one line, as project_name is (with room
    for the default, `The PROJECT_NAME authors`)."""
    limit = MAX_PROJECT_NAME + 100
    return project_name_error(value, what="copyright_holder", limit=limit)


def this_year() -> str:
    return str(datetime.date.today().year)


def year_error(value: Any) -> str:
    """Four ASCII digits."""
    if not re.fullmatch("[0-9]{4}", str(value)):
        return f"copyright_year must be a year of four digits 0-9; got {str(value)!r}"
    return ""


def module_path(package: Any) -> str:
    """The generated module's path in the project: src/PACKAGE/model.py."""
    if message := identifier_error(package):
        raise ValueError(message)
    return f"src/{package}/model.py"


def render_check_args(spec_name: Any, target: Any, package: Any) -> list[str]:
    """The arguments after `rnnspec render --check`, for the hook and for CI."""
    if str(spec_name) not in SPEC_NAMES.values():
        raise ValueError(f"spec_name must be one of {', '.join(SPEC_NAMES.values())}")
    if str(target) not in NAMES:
        raise ValueError(f"target must be one of {', '.join(NAMES)}")
    return [str(spec_name), "--target", str(target), "-o", module_path(package)]


def render_check_command(spec_name: Any, target: Any, package: Any) -> str:
    """`rnnspec render --check SPEC --target TARGET -o src/PACKAGE/model.py`."""
    args = render_check_args(spec_name, target, package)
    return " ".join(["rnnspec", "render", "--check", *args])


def hook_files(spec_name: Any, package: Any) -> str:
    """The hook's `files`: the spec and the module it renders, either one changed."""
    names = (str(spec_name), module_path(package))
    return "^(" + "|".join(map(re.escape, names)) + ")$"


def install_command(target: Any, backend: Any) -> str:
    """CI's install: the project on its backend, its tests' extra and the dev group
    (pip >= 25.1 reads dependency groups)."""
    index = f" --extra-index-url {TORCH_INDEX}"
    torch = backend_of(target, backend) == "torch"
    return "python -m pip install -e '.[test]' --group dev" + (index if torch else "")
