"""The cache: modules by their spec's text, black's output by top-level part, and
(through `read` and `write`) the compiled templates of rnnspec/targets/.

In RNNSPEC_CACHE_DIR, else platformdirs' user cache folder; off with `use=False` (`render
--no-cache`) or RNNSPEC_NO_CACHE set (not "" or "0"). Keys hold every input besides the
text: a module's, the hash of rnnspec's own files, the Python version, the versions of
the packages that read, check, render and format it, the target and the spec's suffix;
a formatted part's, black's version and format.py. So an upgrade, or an edit of rnnspec
itself, reads no stale entry. An entry starts with its body's sha256 (else it is
ignored), is written to a temporary file and renamed into place (concurrent renders see
all of it or none). Past MAX_ENTRIES or MAX_BYTES a folder's oldest entries by mtime (a
hit refreshes it) go, down to 90 %. Entries become code: only this user's folders are
read; one without a `w` bit (root too, as in rnnspec/write.py) is not written; OSError:
no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
import sys
from functools import cache
from pathlib import Path

MAX_ENTRIES = 2000
MAX_BYTES = 64 * 2**20
_PACKAGE = Path(__file__).parent
_FORMAT = _PACKAGE / "format.py"
# What reads, checks, renders and formats a spec, besides rnnspec (distribution names).
_TOOLS = ("PyYAML", "pydantic", "pydantic_core", "jinja2", "black")
_counts: dict[Path, list[int]] = {}  # folder -> [entries, bytes] as this process saw


def root(use: bool = True) -> Path | None:
    """The cache folder, or None when caching is off."""
    if not use or os.environ.get("RNNSPEC_NO_CACHE", "") not in ("", "0"):
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
    and kept (rnnspec/format.py); black is imported only if a part is missing."""
    from .format import format_source

    base = root(use)
    return format_source(source, _Parts(base / "parts-1") if base else None)


class _Parts:
    """Black's output per top-level part, in `folder` (rnnspec/format.py's PartStore)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def recall(self, part: str) -> str | None:
        return recall((self.folder, _part_key(part)))

    def keep(self, part: str, formatted: str) -> None:
        keep((self.folder, _part_key(part)), formatted)


def recall(entry: Entry) -> str | None:
    """The text kept at `entry`, marked as recently used (evicted last); or None."""
    folder, key = entry
    if (hit := read(folder, key)) is None:
        return None
    with contextlib.suppress(OSError):
        if _writable(folder):
            os.utime(folder / key)
    try:
        return hit.decode("utf-8")
    except UnicodeDecodeError:
        return None


def keep(entry: Entry, text: str) -> None:
    """Keep `text` at `entry` if the folder can be written, within the bounds."""
    folder, key = entry
    if write(folder, key, text.encode("utf-8")):
        _account(folder, len(text))


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
    """A hash of rnnspec's own source and template files: an edit is a new key."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".jinja") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def read(folder: Path, name: str) -> bytes | None:
    """The body of entry `name` in `folder`; None if it is missing, unreadable, corrupt
    or not ours."""
    try:
        if not _ours(folder.stat()):
            return None
        with open(folder / name, "rb") as handle:
            head, _, body = handle.read().partition(b"\n")
    except OSError:
        return None
    return body if head == hashlib.sha256(body).hexdigest().encode() else None


def write(folder: Path, name: str, body: bytes) -> bool:
    """Store entry `name` in `folder` atomically; False, leaving nothing, if it cannot."""
    if not _writable(folder, make=True):
        return False
    temp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    try:
        with open(temp, "xb") as handle:
            handle.write(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        os.replace(temp, folder / name)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return False


def _ours(info: os.stat_result) -> bool:
    uid = getattr(os, "getuid", lambda: info.st_uid)()
    return stat.S_ISDIR(info.st_mode) and info.st_uid == uid


def _writable(folder: Path, make: bool = False) -> bool:
    """Ours and open to writing; with `make`, made with its missing parents, never
    inside a folder closed to writing."""
    try:
        if make and not os.path.lexists(folder):
            above = next(path for path in folder.parents if os.path.lexists(path))
            if not _open(above):
                return False
            os.makedirs(folder, exist_ok=True)
        return _ours(folder.stat()) and _open(folder)
    except (OSError, StopIteration):
        return False


def _open(path: Path) -> bool:
    """A `w` bit in its mode (root too) and the system's leave to write."""
    return bool(path.stat().st_mode & 0o222) and os.access(path, os.W_OK | os.X_OK)


def _account(folder: Path, size: int) -> None:
    """Count a new entry; past a bound, remove the oldest down to 90 % of both."""
    counts = _counts.setdefault(folder, [MAX_ENTRIES + 1, 0])  # first: count them
    counts[:] = counts[0] + 1, counts[1] + size
    if counts[0] <= MAX_ENTRIES and counts[1] <= MAX_BYTES:
        return
    with contextlib.suppress(OSError):  # one removed meanwhile: next time
        found = sorted(
            ((info := path.stat()).st_mtime, info.st_size, path)
            for path in folder.iterdir()
        )
        counts[:] = len(found), sum(entry[1] for entry in found)
        for _, entry_size, path in found:
            if counts[0] <= MAX_ENTRIES * 0.9 and counts[1] <= MAX_BYTES * 0.9:
                break
            path.unlink(missing_ok=True)
            counts[:] = counts[0] - 1, counts[1] - entry_size
