"""Each architecture question's own check: "" for a good answer, otherwise a message
saying what is allowed, as copier's `validator:` expects.

Every verdict comes from the spec layer: cell types from the cell registry, sizes
from the spec's `Size` (1 to `limits.MAX_SIZE`), the stateful rules from rnnspec's
rules, a spec file from rnnspec's loader. What is the template's own is only how an
answer reads (rnnspec/project/parse.py) and the wording of the messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .. import render_spec
from ..cells import VECTOR_TYPES
from ..spec.limits import MAX_SIZE
from ..read.load import SUFFIXES, SpecError
from ..check.rules import stateful_with_initial_state, stateful_without_batch_size
from ..spec.models import Size
from ..targets import DEFAULT, NAMES, get_target
from .parse import ascii_int, is_none, split_list, truthy

CELL_TYPES = VECTOR_TYPES  # the cells question offers the vector cells
# A spec file is copied byte for byte, keeping its format: to rnnspec.yaml, .json or .toml.
SPEC_SUFFIXES = tuple(SUFFIXES)
SPEC_NAMES = {kind: f"rnnspec.{kind}" for kind in dict.fromkeys(SUFFIXES.values())}
DIGITS_NOTE = f"an integer is written in the ASCII digits 0-9 and is at most {MAX_SIZE}"
_SIZE = TypeAdapter(Size)


def is_size(text: str) -> bool:
    """Whether the answer is a size the spec takes: ASCII digits, in `Size`'s bounds."""
    number = ascii_int(text)
    if number is None:
        return False
    try:
        _SIZE.validate_python(number)
    except ValidationError:
        return False
    return True


def answer_size(value: Any) -> int | None:
    """A batch_size, timesteps or features answer as the spec's value; None for none.
    Raises ValueError, saying what is allowed, for any other answer."""
    if is_none(value):
        return None
    text = str(value).strip()
    if not is_size(text):
        raise ValueError(size_error(value, "a size"))
    return ascii_int(text)


def size_error(value: Any, what: str, allow_none: bool = True) -> str:
    """batch_size, timesteps or features: a size the spec takes (or none)."""
    text = str(value).strip().lower()
    if (allow_none and is_none(value)) or is_size(text):
        return ""
    allowed = "an integer >= 1" + (", or none for any size" if allow_none else "")
    return f"{what} must be {allowed}; got {str(value)!r} ({DIGITS_NOTE})"


def cells_error(cells: Any) -> str:
    """One or more cell types, each a vector cell of the cell registry."""
    types = split_list(cells)
    bad = [cell for cell in types if cell not in CELL_TYPES]
    if not types or bad:
        got = ", ".join(map(repr, bad)) if bad else "nothing"
        return (
            f"cells must be one or more of {', '.join(CELL_TYPES)}, comma-separated, "
            f"bottom to top (e.g. lstm,gru); got {got} (for conv_lstm cells, "
            "write a spec and answer spec_file)"
        )
    return ""


def units_error(units: Any, cells: Any = None) -> str:
    """Sizes the spec takes: one for every cell, or one per cell."""
    values = split_list(units)
    allowed = (
        "units must be positive integers: one for every cell (64) or one per cell, "
        "comma-separated (64,32)"
    )
    if not values or not all(is_size(value) for value in values):
        return f"{allowed}; got {str(units)!r} ({DIGITS_NOTE})"
    count = len(split_list(cells)) if cells is not None else len(values)
    if len(values) not in (1, count):
        return f"{allowed}; got {len(values)} values for {count} cells"
    return ""


def stateful_error(stateful: Any, batch_size: Any) -> str:
    """rnnspec's rule: a stateful layer needs a fixed batch size."""
    try:
        size = answer_size(batch_size)
    except ValueError:
        return ""  # batch_size's own validator says why
    if stateful_without_batch_size(truthy(stateful), size):
        return (
            "stateful: true needs a fixed batch_size (an integer >= 1): a stateful layer "
            "keeps one state per sequence of the batch; answer a batch_size or stateful: false"
        )
    return ""


def initial_state_error(initial_state: Any, stateful: Any) -> str:
    """rnnspec's rule: a stateful layer takes no initial state."""
    if stateful_with_initial_state(truthy(stateful), str(initial_state)):
        return (
            "a stateful layer starts from zeros and keeps its state between calls, so "
            f"initial_state must be none when stateful is true; got {initial_state}"
        )
    return ""


def target_error(target: Any) -> str:
    """A target this rnnspec renders for (rnnspec/targets/)."""
    try:
        get_target(str(target))
    except (ValueError, ImportError):
        return (
            f"target must be one of the targets this rnnspec renders for, "
            f"{', '.join(NAMES)}; got {str(target)!r}"
        )
    return ""


def spec_name(path: Any) -> str:
    """The project's spec file for the answered `spec_file`: rnnspec.yaml (also for no
    spec file, the answers being written as YAML), rnnspec.json or rnnspec.toml."""
    kind = SUFFIXES.get(Path(str(path)).suffix.lower(), "yaml") if path else "yaml"
    return SPEC_NAMES[kind]


def spec_name_error(name: Any, path: Any) -> str:
    """spec_name is computed, not asked: refused unless it is `spec_name(path)`."""
    if str(name) != spec_name(path):
        return (
            f"spec_name is not asked but follows spec_file: {spec_name(path)!r} here; "
            f"got {str(name)!r}"
        )
    return ""


def spec_file_error(path: Any, target: Any = DEFAULT) -> str:
    """ "" for no spec file or a good one for `target`; otherwise why it cannot be used,
    on one line."""
    if not path:
        return ""
    file = Path(str(path)).expanduser()
    if file.suffix.lower() not in SPEC_SUFFIXES:
        return (
            f"spec_file must be a {_or(SPEC_SUFFIXES)} rnnspec spec (it is copied byte "
            f"for byte, as {_or(tuple(SPEC_NAMES.values()))}); got {str(path)!r}"
        )
    if not file.is_file():
        return (
            f"spec_file must be an existing spec file; {str(path)!r} does not exist "
            f"(a relative path is read from the folder copier runs in, {Path.cwd()}; "
            "for copier update, run `copier update PROJECT` from the folder copier copy "
            "ran in, or answer an absolute path)"
        )
    try:
        render_spec(file, str(target))
    except SpecError as exc:
        first, more = exc.problems[0], len(exc.problems) - 1
        also = f" (and {more} more: rnnspec check {str(path)!r})" if more else ""
        return f"spec_file is not a valid rnnspec spec for {target}: {first}{also}"
    except ValueError as exc:  # an unknown target: the target question says which
        return f"spec_file cannot be checked: {exc}"
    return ""


def _or(words: tuple[str, ...]) -> str:
    """`a, b or c`."""
    return ", ".join(words[:-1]) + " or " + words[-1]
