"""The cache: modules by their spec's text, black's output by top-level part, what
`docs` modules printed, and (through `read` and `write`) the compiled templates of
rnnspec/targets/.

In RNNSPEC_CACHE_DIR, else platformdirs' user cache folder; off with `use=False` (`render
--no-cache`) or RNNSPEC_NO_CACHE set (not "" or "0"). Keys hold every input besides the
text: a module's, the hash of rnnspec's own files (.py and .jinja) and its version (a
module's header names it), the Python version, the versions of the packages that read,
check, render and format it, the target and the spec's suffix; a formatted part's,
black's version and format.py. So an upgrade, or an edit of rnnspec itself, reads no
stale entry.

What is trusted, and why. Entries become code: a module served as `render`'s output,
and compiled templates, which jinja2 loads with pickle and marshal and runs. A sha256
header proves nothing (anyone can compute it), so an entry is believed only when no one
but this user (or root) can have written it, the trust Python gives the user's own
__pycache__; whoever else could write it could plant code:

- the folder (ROOT) and each layer in it (ROOT/modules-1, ...) must be directories owned
  by this user, with no group or other `w` bit; they are checked on every read and
  write, through file descriptors (the checks and the use see one folder), a layer
  opened without following a link. rnnspec makes the folders it lacks 0700 whatever the
  umask; it never changes the mode of a folder it did not just make: one that fails is
  simply not used (no cache, never an error);
- an entry is looked at without following a link or opening it first, then opened
  without blocking (O_NOFOLLOW | O_NONBLOCK: a FIFO never hangs, a device is never
  read) and checked again on the open file: a regular file, this user's, no group or
  other `w` bit, at most MAX_ENTRY_BYTES; anything else is ignored, and replaced when
  the entry is next kept. Entries are written 0600.

The folders above ROOT are the user's choice and are not checked (those rnnspec makes
are 0700 too). An entry starts with
its body's sha256 (a torn or corrupt one is ignored), is written to a temporary file
and renamed into place (concurrent renders see all of it or none). Past MAX_ENTRIES or
MAX_BYTES a layer's oldest entries by mtime (a hit refreshes it) go, down to 90 %;
forked workers each count only what they saw, so `prune` counts every layer again once
they are done (rnnspec/render/batch.py). A folder without a `w` bit (root too, as in
rnnspec/render/write.py) is read, never written; OSError: no cache. Without O_NOFOLLOW and
`dir_fd` (Windows) there is no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from .. import __version__

MAX_ENTRIES = 2000  # per layer
MAX_BYTES = 64 * 2**20  # per layer
MAX_ENTRY_BYTES = 4 * 2**20  # one entry, header included: larger is not kept nor read
_PACKAGE = Path(__file__).parent.parent  # rnnspec/
_FORMAT = _PACKAGE / "render" / "format.py"
# What reads, checks, renders and formats a spec, besides rnnspec (distribution names).
_TOOLS = ("PyYAML", "pydantic", "pydantic_core", "jinja2", "black")
_counts: dict[Path, list[int]] = {}  # folder -> [entries, bytes] as this process saw
_SAFE = os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC if _SAFE else 0
_ENTRY = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC if _SAFE else 0
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


def root(use: bool = True) -> Path | None:
    """The cache folder, or None when caching is off."""
    if not use or not _SAFE or os.environ.get("RNNSPEC_NO_CACHE", "") not in ("", "0"):
        return None
    if where := os.environ.get("RNNSPEC_CACHE_DIR"):
        return Path(where)
    import platformdirs

    return Path(platformdirs.user_cache_dir("rnnspec"))


Entry = tuple[Path, str]  # (folder, key)


def module_entry(text: str, suffix: str, target: str, use: bool = True) -> Entry | None:
    """Where the module of a spec with this text is kept; None when caching is off."""
    if (base := root(use)) is None:
        return None
    parts = (_code(), _versions(_TOOLS), sys.version, target, suffix.lower(), text)
    return base / "modules-1", _hash(parts)


def formatted(source: str, use: bool = True) -> str:
    """black's output for `source`, each top-level part read from the cache or formatted
    and kept (rnnspec/render/format.py); black is imported only if a part is missing."""
    from .format import format_source

    base = root(use)
    return format_source(source, _Parts(base / "parts-1") if base else None)


class _Parts:
    """Black's output per top-level part, in `folder` (rnnspec/render/format.py's PartStore)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def recall(self, part: str) -> str | None:
        return recall((self.folder, _part_key(part)))

    def keep(self, part: str, formatted: str) -> None:
        keep((self.folder, _part_key(part)), formatted)


def recall(entry: Entry) -> str | None:
    """The text kept at `entry`, marked as recently used (evicted last); or None."""
    if (hit := _read(*entry, touch=True)) is None:
        return None
    try:
        return hit.decode("utf-8")
    except UnicodeDecodeError:
        return None


def keep(entry: Entry, text: str) -> None:
    """Keep `text` at `entry` if the folder can be written, within the bounds."""
    write(*entry, text.encode("utf-8"))


def _part_key(part: str) -> str:
    return _hash((_versions(("black",)), part))


def _hash(parts: tuple[str, ...]) -> str:
    """sha256 of the parts; only the last may hold a NUL."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


@cache
def _versions(names: tuple[str, ...]) -> str:
    import re
    from importlib.metadata import distribution

    found = [hashlib.sha256(_FORMAT.read_bytes()).hexdigest()]
    for name in names:  # METADATA's Version line: parsing it all is slow
        try:
            meta = distribution(name).read_text("METADATA") or ""
            found.append(f"{name} {re.search(r'^Version: *(.*)$', meta, re.M)[1]}")
        except Exception:  # noqa: BLE001 - not installed (a source tree): unknown
            found.append(f"{name} unknown")
    return " ".join(found)


@cache
def _code() -> str:
    """A hash of rnnspec's version (a module's header names it) and its own source and
    template files: a release or an edit is a new key."""
    digest = hashlib.sha256(f"rnnspec {__version__}\0".encode())
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".jinja") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def read(folder: Path, name: str) -> bytes | None:
    """The body of entry `name` in `folder` (ROOT/LAYER); None if it is missing,
    unreadable, corrupt, or not to be trusted (the module's docstring)."""
    return _read(folder, name, touch=False)


def write(folder: Path, name: str, body: bytes) -> bool:
    """Store entry `name` in `folder` (ROOT/LAYER) atomically, mode 0600, making the
    folders it lacks 0700; False, leaving nothing, if it cannot or may not."""
    data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    if len(data) > MAX_ENTRY_BYTES or (layer := _open_layer(folder, make=True)) is None:
        return False
    try:
        if not _store(layer, name, data):
            return False
        _account(folder, layer, len(data))
        return True
    finally:
        os.close(layer)


def prune(use: bool = True) -> None:
    """Count every layer of the cache folder again and remove its oldest entries past
    the bounds: forked workers (rnnspec/render/batch.py) each counted only their own."""
    if (base := root(use)) is None or (top := _open_root(base, make=False)) is None:
        return
    try:
        with os.scandir(top) as found:
            layers = [
                entry.name for entry in found if entry.is_dir(follow_symlinks=False)
            ]
    except OSError:
        layers = []
    finally:
        os.close(top)
    for name in layers:
        _counts.pop(base / name, None)
        if (layer := _open_layer(base / name, make=False, write=True)) is not None:
            try:
                _account(base / name, layer, 0)
            finally:
                os.close(layer)


def _read(folder: Path, name: str, touch: bool) -> bytes | None:
    """An entry's body; with `touch`, its mtime refreshed if the folder is writable."""
    if (layer := _open_layer(folder, make=False)) is None:
        return None
    try:
        data = _load(layer, name, touch and _may_write(os.fstat(layer)))
    except OSError:
        return None
    finally:
        os.close(layer)
    if data is None:
        return None
    head, _, body = data.partition(b"\n")
    return body if head == hashlib.sha256(body).hexdigest().encode() else None


def _load(layer: int, name: str, touch: bool) -> bytes | None:
    """The bytes of a trusted entry: looked at, then opened, without following a link
    and without blocking, and checked again once open; None if it is not one."""
    if not _trusted_entry(os.stat(name, dir_fd=layer, follow_symlinks=False)):
        return None  # a FIFO, device or link is not even opened
    handle = os.open(name, _ENTRY | os.O_NOFOLLOW, dir_fd=layer)
    try:
        if not _trusted_entry(os.fstat(handle)):
            return None
        chunks, size = [], 0
        while chunk := os.read(handle, MAX_ENTRY_BYTES + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ENTRY_BYTES:  # grew since fstat
                return None
        if touch:
            os.utime(handle)
        return b"".join(chunks)
    finally:
        os.close(handle)


def _store(layer: int, name: str, data: bytes) -> bool:
    """Write `data` to a 0600 temporary file in `layer`, then rename it to `name`."""
    temp = f".{name}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        handle = os.open(temp, flags, 0o600, dir_fd=layer)
        try:
            os.fchmod(handle, 0o600)  # what the umask left out of 0600
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
        os.replace(temp, name, src_dir_fd=layer, dst_dir_fd=layer)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=layer)
        return False


def _open_layer(folder: Path, make: bool, write: bool | None = None) -> int | None:
    """A descriptor of `folder` (ROOT/LAYER) if ROOT and LAYER are both trusted, else
    None. `make`: the folders missing are made 0700 (ROOT's only where it can be
    written); `write` (as `make` unless given): LAYER must have a `w` bit."""
    write = make if write is None else write
    if (top := _open_root(folder.parent, make)) is None:
        return None
    try:
        return _open_folder(folder.name, top, make, write)
    except OSError:
        return None
    finally:
        os.close(top)


def _open_root(base: Path, make: bool) -> int | None:
    """A descriptor of the cache folder if it is trusted (with `make`: made with the
    folders above it that are missing, 0700, never inside one closed to writing)."""
    try:
        if make and not os.path.lexists(base):
            missing = [base, *_missing_above(base)]
            if not _open_to_writing(missing[-1].parent):
                return None
            for path in reversed(missing):
                _make(path, None)
        return _open_folder(base, None, False, False)
    except OSError:
        return None


def _missing_above(path: Path) -> Iterator[Path]:
    """The folders above `path` that do not exist, nearest first."""
    for above in path.parents:
        if os.path.lexists(above):
            return
        yield above


def _open_folder(path: Path | str, above: int | None, make: bool, write: bool) -> int:
    """A descriptor of a trusted folder: `path`, or the entry `path` of the folder
    `above` (then a link is not followed). OSError if it is missing or not trusted."""
    if make and above is not None and _may_write(os.fstat(above)):
        _make(path, above)
    nofollow = 0 if above is None else os.O_NOFOLLOW
    handle = os.open(path, _FOLDER | nofollow, dir_fd=above)
    info = os.fstat(handle)
    if _trusted_folder(info) and (_may_write(info) or not write):
        return handle
    os.close(handle)
    raise OSError(f"{path}: not a folder the cache may use")


def _make(path: Path | str, above: int | None) -> None:
    """Make the folder `path` (in `above`) 0700, whatever the umask; one that exists
    is left as it is (the checks decide whether it is used)."""
    try:
        os.mkdir(path, 0o700, dir_fd=above)
    except FileExistsError:
        return
    handle = os.open(path, _FOLDER | os.O_NOFOLLOW, dir_fd=above)
    try:
        if _trusted_folder(os.fstat(handle), others_may_write=True):
            os.fchmod(handle, 0o700)  # the umask can only take bits away from 0700
    finally:
        os.close(handle)


def _trusted_folder(info: os.stat_result, others_may_write: bool = False) -> bool:
    """A directory of this user that no one else may write."""
    private = others_may_write or not info.st_mode & _OTHERS_WRITE
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and private


def _trusted_entry(info: os.stat_result) -> bool:
    """A regular file of this user, that no one else may write, within the bound."""
    return (
        stat.S_ISREG(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & _OTHERS_WRITE
        and info.st_size <= MAX_ENTRY_BYTES
    )


def _may_write(info: os.stat_result) -> bool:
    """The owner's `w` bit (root too, as in rnnspec/render/write.py)."""
    return bool(info.st_mode & stat.S_IWUSR)


def _open_to_writing(path: Path) -> bool:
    """A `w` bit in its mode (root too) and the system's leave to write."""
    return bool(path.stat().st_mode & 0o222) and os.access(path, os.W_OK | os.X_OK)


def _account(folder: Path, layer: int, size: int) -> None:
    """Count a new entry; past a bound, count again and remove the oldest down to 90 %
    of both (the first count of a folder in a process is a full one)."""
    counts = _counts.setdefault(folder, [MAX_ENTRIES + 1, 0])
    counts[:] = counts[0] + 1, counts[1] + size
    if counts[0] <= MAX_ENTRIES and counts[1] <= MAX_BYTES:
        return
    with contextlib.suppress(OSError):  # one removed meanwhile: next time
        with os.scandir(layer) as entries:
            found = sorted(
                (
                    (info := entry.stat(follow_symlinks=False)).st_mtime,
                    info.st_size,
                    entry.name,
                )
                for entry in entries
            )
        counts[:] = len(found), sum(entry[1] for entry in found)
        for _, entry_size, name in found:
            if counts[0] <= MAX_ENTRIES * 0.9 and counts[1] <= MAX_BYTES * 0.9:
                break
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                os.unlink(name, dir_fd=layer)
            counts[:] = counts[0] - 1, counts[1] - entry_size
