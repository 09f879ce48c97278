"""Make a release: `make release VERSION=X.Y.Z` runs `python tools/release.py X.Y.Z`.

In the git repository of the working folder, in this order, stopping at the first
problem with one line on stderr (exit 1) before anything is changed:

1. checks: X.Y.Z is a version (MAJOR.MINOR.PATCH, README.md "Releases") above the
   current one (`__version__` in generator/rnnspec/__init__.py, the one place it is
   written); the working tree is clean; no tag vX.Y.Z exists; CHANGELOG.md has an
   `## [Unreleased]` section and, below it, `## [X.Y.Z] - YYYY-MM-DD` with an entry:
   the notes moved there from Unreleased, by hand, before the release;
2. writes X.Y.Z as `__version__`;
3. renders the golden modules and docs pages again (`make golden`, or the command
   `--render` gives): every module's header names the version, so all of them change;
4. commits all of it ("Release X.Y.Z") and tags the commit vX.Y.Z (annotated, the
   changelog entry as its message). Pushing the commit and the tag is left to you.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from pathlib import Path

VERSION_FILE = Path("generator/rnnspec/__init__.py")
VERSION_LINE = re.compile(r'^__version__ = "(\d+\.\d+\.\d+)"$', re.MULTILINE)
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
HEADING = re.compile(r"^## \[([^\]]+)\](.*)$", re.MULTILINE)
DATED = re.compile(r" - \d{4}-\d{2}-\d{2}")


class Refused(Exception):
    """A reason not to release; nothing has been changed."""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise Refused(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def current_version(root: Path) -> str:
    found = VERSION_LINE.search((root / VERSION_FILE).read_text("utf-8"))
    if found is None:
        raise Refused(f'{VERSION_FILE}: no line __version__ = "X.Y.Z"')
    return found[1]


def _parts(version: str) -> tuple[int, ...]:
    if not SEMVER.fullmatch(version):
        raise Refused(f"{version!r} is not a version MAJOR.MINOR.PATCH (such as 1.2.0)")
    return tuple(int(part) for part in version.split("."))


def changelog_entry(text: str, version: str) -> str:
    """The notes under `## [version] - DATE`, which must follow `## [Unreleased]`
    as the newest release."""
    headings = list(HEADING.finditer(text))
    titles = [heading[1] for heading in headings]
    if "Unreleased" not in titles:
        raise Refused("CHANGELOG.md has no '## [Unreleased]' section")
    if version not in titles:
        raise Refused(
            f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section: "
            "move the notes of this release there from Unreleased"
        )
    at = titles.index(version)
    if at != titles.index("Unreleased") + 1:
        raise Refused(f"CHANGELOG.md: [{version}] must come right after [Unreleased]")
    if not DATED.fullmatch(headings[at][2]):
        raise Refused(f"CHANGELOG.md: '## [{version}]' needs its date: ' - YYYY-MM-DD'")
    end = headings[at + 1].start() if at + 1 < len(headings) else len(text)
    entry = text[headings[at].end() : end].strip()
    if not entry:
        raise Refused(f"CHANGELOG.md: the [{version}] section is empty")
    return entry


def check(root: Path, version: str) -> str:
    """Everything a release needs, before it changes anything; its changelog entry."""
    old = current_version(root)
    if _parts(version) <= _parts(old):
        raise Refused(f"{version} is not above the current version {old}")
    if git(root, "status", "--porcelain"):
        raise Refused("the working tree has changes: commit or remove them first")
    if git(root, "tag", "--list", f"v{version}"):
        raise Refused(f"the tag v{version} exists")
    return changelog_entry((root / "CHANGELOG.md").read_text("utf-8"), version)


def bump(root: Path, version: str) -> None:
    path = root / VERSION_FILE
    text = path.read_text("utf-8")
    path.write_text(VERSION_LINE.sub(f'__version__ = "{version}"', text, 1), "utf-8")


def release(root: Path, version: str, render: str) -> None:
    entry = check(root, version)
    bump(root, version)
    subprocess.run(shlex.split(render), cwd=root, check=True)
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", f"Release {version}")
    git(root, "tag", "--annotate", f"v{version}", "-m", f"rnnspec {version}\n\n{entry}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    parser.add_argument(
        "--render",
        default="make golden",
        help="the command that renders the golden modules and docs pages again",
    )
    args = parser.parse_args(argv)
    try:
        root = Path(git(Path.cwd(), "rev-parse", "--show-toplevel").strip())
        release(root, args.version, args.render)
    except Refused as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:  # the render, after the bump
        print(
            f"release: {args.render!r} failed (exit {exc.returncode}); the version "
            "is written but nothing is committed: `git checkout .` undoes it",
            file=sys.stderr,
        )
        return 1
    print(f"released {args.version}: commit and tag v{args.version} made; push both")
    return 0


if __name__ == "__main__":
    sys.exit(main())
