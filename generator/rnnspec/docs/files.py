"""The docs folder on disk: which files are stale, and writing the changed ones.

Both follow rnnspec/render/write.py's rules: only regular files are read, and every target is
checked before the first is written.
"""

from __future__ import annotations

from pathlib import Path

from ..render.write import (
    NotRegular,
    WriteError,
    check_writable,
    read_existing,
    write_file,
)


def stale_files(files: dict[str, str], folder: Path) -> list[tuple[str, str]]:
    """(name, why) for each file in `files` that `folder` lacks or differs in: "missing",
    "stale", or why what is there is no regular file (a directory, a symlink loop, ...).

    Opens nothing but regular files (a FIFO never blocks) and never raises for what it finds.
    """
    found = []
    for name, text in files.items():
        try:
            current = read_existing(folder / name, in_folder=True)
        except NotRegular as exc:
            found.append((name, f"stale: {exc}"))
            continue
        if current is None:
            found.append((name, "missing"))
        elif current != text.encode("utf-8"):
            found.append((name, "stale"))
    return found


def write_docs(files: dict[str, str], folder: Path) -> list[str]:
    """Write every changed file by rnnspec/render/write.py's rules for an output folder (a
    symbolic link where a file belongs is refused, never followed); their names.

    Every target is checked before the first is written, so a refused one (a directory,
    a read-only file, ...) leaves the folder unchanged. Raises WriteError."""
    changed = [name for name, _ in stale_files(files, folder)]
    if folder.is_dir():
        for name in changed:
            check_writable(folder / name, "the docs", in_folder=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(
            f"{folder}: cannot write the docs: {(exc.strerror or str(exc)).lower()}"
        ) from None
    for name in changed:
        write_file(folder / name, files[name], "the docs", in_folder=True)
    return changed
