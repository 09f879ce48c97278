"""The test suite's wall time: `make test`, as the README runs it (goal <= 70 s here)."""

from __future__ import annotations

from common import timed


def main() -> None:
    seconds = timed(["make", "test"])
    print(f"make test  {seconds:7.1f} s  (goal <= 70 s)")


if __name__ == "__main__":
    main()
