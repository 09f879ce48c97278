"""A refused answer as one line, not a traceback.

Copier turns a validator's message into `ValueError("Validation error for question
'NAME': MESSAGE")`. Asked interactively, it shows the message and asks again; given by
`--data` (or `--defaults`), its CLI lets the ValueError through (also its
`Invalid choice for 'NAME': ...` for an answer outside `choices`), and Python printed a
40-line traceback ending in the message. `install()` (called when copier loads
`RnnspecExtension`, so only in a copier that runs this template with --trust) sets a
`sys.excepthook` that prints such an error as its one line, as `rnnspec` does with a
bad spec; every other exception goes to the hook that was there before. The exit code
stays Python's 1, as copier's own refusals (its UserMessageError) exit.
"""

from __future__ import annotations

import sys
from types import TracebackType

PREFIX = "Validation error for question '"
CHOICE_PREFIX = "Invalid choice for '"  # an answer outside a question's `choices`


def is_refusal(error: BaseException) -> bool:
    """Whether `error` is copier's verdict on an answer (its validate_answer's, or its
    check of `choices`)."""
    return type(error) is ValueError and str(error).startswith((PREFIX, CHOICE_PREFIX))


def one_line(error: BaseException) -> str:
    """The refusal on one line: `Validation error for question 'NAME': MESSAGE`."""
    return " ".join(str(error).split())


def install() -> None:
    """Set the hook once per process, keeping the one before it for other errors."""
    previous = sys.excepthook
    if getattr(previous, "rnnspec_refusal", False):
        return

    def hook(
        kind: type[BaseException],
        error: BaseException,
        traceback: TracebackType | None,
    ) -> None:
        if is_refusal(error):
            print(one_line(error), file=sys.stderr, flush=True)
        else:
            previous(kind, error, traceback)

    hook.rnnspec_refusal = True  # type: ignore[attr-defined]
    sys.excepthook = hook
