"""The test suite's wall time, as the README runs it: `make test` (goal <= 120 s here,
once `.venv` exists) and `make test-all` (every test; CI's run)."""

from __future__ import annotations

from common import timed

GOALS = {"test": "goal <= 120 s", "test-all": "every test, CI's run"}


def main() -> None:
    for target, goal in GOALS.items():
        seconds = timed(["make", target])
        print(f"make {target:<9} {seconds:7.1f} s  ({goal})")


if __name__ == "__main__":
    main()
