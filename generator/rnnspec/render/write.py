"""Writing output files safely: regular files only, atomically, modes kept.

The rules, for every file rnnspec writes (`render -o`, `docs -o`):

- A symbolic link is written through to its final target, as editors do: the target is
  replaced, the link kept. A loop, or a target in a folder that does not exist, is refused.
- Except inside an output folder (`render -o DIR/`, `docs -o DIR`): there rnnspec names
  the files, so a symbolic link where one belongs (planted, or left there) is refused,
  never followed out of the folder (`in_folder=True`); and the file is replaced by name,
  so a link made there while rnnspec writes is replaced, its target untouched.
- Only a regular file is replaced. A directory, FIFO, device or socket is refused without
  being opened (so a FIFO never blocks and a device node is never swapped for a file).
- A file nobody may write (no `w` bit in its mode, e.g. 0444) is refused even for root:
  rnnspec does not overrule a read-only mode. Otherwise `os.access` decides.
- A new file gets the umask's mode (0666 & ~umask); an existing file keeps its mode (and,
  where the process may set it, its owner and group).
- The new text goes to a temporary file in the target's folder, is fsynced, then renamed
  over the target (`os.replace`): a failure, even Ctrl-C, leaves the old file and no
  temporary file behind.

Every refusal is a `WriteError` with one line, `PATH: cannot write WHAT: reason`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from pathlib import Path

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


class WriteError(Exception):
    """A file rnnspec will not or cannot write; the message is one line."""


class NotRegular(Exception):
    """Something other than a regular file (or nothing valid) is at an output path."""


def target_of(path: Path, in_folder: bool = False) -> Path:
    """The path a write to `path` lands on: every symbolic link followed (only the
    folder's, `in_folder`: the file itself is replaced by name).

    Raises NotRegular on a symbolic link loop."""
    if in_folder:
        return Path(os.path.realpath(path.parent)) / path.name
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath stops at a loop and returns the link
        raise NotRegular(os.strerror(errno.ELOOP).lower())
    return target


def existing(path: Path, in_folder: bool = False) -> os.stat_result | None:
    """The stat of the regular file at `path` (links followed, but for a file
    `in_folder`), or None if there is none.

    Raises NotRegular, saying what is there, for anything but a regular file or nothing
    (`in_folder`: a symbolic link too).
    """
    if in_folder and os.path.islink(path):
        raise NotRegular(
            f"it is a symbolic link (to {os.readlink(path)}); a file in an output folder "
            "is written only as a regular file, never through a link: remove the link"
        )
    target = target_of(path, in_folder)
    try:
        info = target.stat()
    except (FileNotFoundError, NotADirectoryError):  # nothing, or a file as a folder
        return None
    except OSError as exc:
        raise NotRegular(_reason(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a file")
        where = f"it links to {target}," if os.path.islink(path) else "it is"
        raise NotRegular(f"{where} {kind}, not a regular file")
    return info


def read_existing(path: Path, in_folder: bool = False) -> bytes | None:
    """The bytes of the regular file at `path`, or None if there is none; never opens
    anything but a regular file (NotRegular)."""
    if existing(path, in_folder) is None:
        return None
    try:
        return target_of(path, in_folder).read_bytes()
    except OSError as exc:
        raise NotRegular(f"cannot read it: {_reason(exc)}") from None


def check_writable(path: Path, what: str, in_folder: bool = False) -> Path:
    """The regular file a write to `path` would replace or create, or WriteError why not
    (`in_folder`: a file rnnspec names in an output folder, never a link)."""
    try:
        info = existing(path, in_folder)
        target = target_of(path, in_folder)
    except NotRegular as exc:
        raise WriteError(f"{path}: cannot write {what}: {exc}") from None
    if info is not None:
        mode = stat.S_IMODE(info.st_mode)
        if not mode & 0o222:
            raise WriteError(
                f"{path}: cannot write {what}: it is read-only (mode {mode:04o})"
            )
        if not os.access(target, os.W_OK):
            raise WriteError(f"{path}: cannot write {what}: permission denied")
        return target
    folder = target.parent
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise WriteError(f"{path}: cannot write {what}: the folder {folder} {why}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WriteError(f"{path}: cannot write {what}: permission denied in {folder}")
    return target


def write_file(
    path: Path, text: str, what: str = "the file", in_folder: bool = False
) -> None:
    """Replace (or create) the regular file at `path` with `text`, UTF-8, atomically
    (`in_folder`: a file rnnspec names in an output folder, never written through a link).
    """
    target = check_writable(path, what, in_folder)
    try:
        _replace(target, text.encode("utf-8"))
    except OSError as exc:
        raise WriteError(f"{path}: cannot write {what}: {_reason(exc)}") from None


def _replace(target: Path, data: bytes) -> None:
    """A temporary file beside `target`, fsynced, renamed over it (over the name: a link
    there is replaced, not followed); removed on any failure."""
    try:
        old = target.lstat()
    except FileNotFoundError:
        old = None
    if old is not None and not stat.S_ISREG(old.st_mode):
        old = None  # a link made since the check: its target's mode is not ours to copy
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:  # a new file: 0666 less the umask, as the kernel applies it
            fd = os.open(temp, flags, 0o600 if old else 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary file name")
    try:
        with os.fdopen(fd, "wb") as handle:
            if old is not None:  # owner first: chown may clear set-id bits
                with contextlib.suppress(OSError, AttributeError):
                    os.fchown(fd, old.st_uid, old.st_gid)
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
            handle.write(data)
            handle.flush()
            os.fsync(fd)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows it (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_stdout(text: str, what: str = "the output") -> None:
    """Write `text` to stdout and flush; WriteError if that fails (a closed pipe, a full disk).

    After a failure stdout is pointed at the null device, so the interpreter's last flush
    cannot fail again with a second message."""
    try:
        if sys.stdout is None:
            raise OSError(errno.EBADF, "stdout is closed")
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, sys.stdout.fileno())
            os.close(null)
        raise WriteError(f"stdout: cannot write {what}: {_reason(exc)}") from None


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


__all__ = [
    "NotRegular",
    "WriteError",
    "check_writable",
    "read_existing",
    "write_file",
    "write_stdout",
]
