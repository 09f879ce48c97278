"""What a bad spec is reported as: one `Problem` per mistake (file:line:column, key
path, message), raised together as a `SpecError`. Apart from the loader (rnnspec/read/load.py),
so that reporting one needs no spec model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return (
            f"{where}: {self.path}: {self.message}"
            if self.path
            else f"{where}: {self.message}"
        )


class SpecError(Exception):
    """One or more problems with a spec file; `str()` gives one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems
