"""Read a spec file's text: a regular file of at most `MAX_BYTES`, UTF-8, no NUL.

The path is checked with stat() before it is opened, and opened without blocking, so
a FIFO, a device or a socket is refused instead of waiting forever for input.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path as FilePath
from typing import BinaryIO

from .marks import Lines, TextProblem

MAX_BYTES = 1 << 20  # 1 MiB: specs are a few hundred bytes

_KINDS = {
    stat.S_ISDIR: "a directory",
    stat.S_ISFIFO: "a FIFO (named pipe)",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
}
_OTHER_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def read_spec_text(file: FilePath) -> str:
    """The file's text, without a UTF-8 byte order mark; `TextProblem` if refused."""
    return decode(_read_bytes(file))


def read_spec_stream(stream: BinaryIO) -> str:
    """A spec's text from a stream (stdin) read to its end, with the same bounds."""
    try:
        return decode(_bounded(stream.read(MAX_BYTES + 1)))
    except OSError as exc:
        raise TextProblem(
            (1, 1), f"cannot read the spec: {exc.strerror or exc}"
        ) from None


def _read_bytes(file: FilePath) -> bytes:
    try:
        _check_regular(os.stat(file).st_mode)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        with os.fdopen(os.open(file, flags), "rb") as handle:
            _check_regular(os.fstat(handle.fileno()).st_mode)  # replaced meanwhile?
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise TextProblem(
            (1, 1), f"cannot read the spec: {exc.strerror or exc}"
        ) from None
    return _bounded(data)


def _bounded(data: bytes) -> bytes:
    """`data`, read up to one byte past MAX_BYTES; TextProblem if it is past it."""
    if len(data) > MAX_BYTES:
        raise TextProblem(
            (1, 1), f"the spec is too large: more than {MAX_BYTES:,} bytes (1 MiB)"
        )
    return data


def _check_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next(
            (name for test, name in _KINDS.items() if test(mode)), "a special file"
        )
        raise TextProblem(
            (1, 1), f"cannot read the spec: it is {kind}, not a regular file"
        )


def decode(data: bytes) -> str:
    """UTF-8 text; a byte order mark is dropped, so columns on line 1 are unaffected."""
    for bom, name in _OTHER_BOMS.items():  # UTF-32 first: its LE mark starts UTF-16's
        if data.startswith(bom):
            raise TextProblem((1, 1), f"the spec must be UTF-8 text, got {name}")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")
        raise TextProblem(
            Lines(before).mark(len(before)),
            f"the spec must be UTF-8 text, got the byte 0x{data[exc.start]:02x}, "
            "which is not UTF-8 here",
        ) from None
    if (nul := text.find("\0")) >= 0:
        raise TextProblem(
            Lines(text).mark(nul),
            "the spec must be UTF-8 text, got a NUL character (is it UTF-16?)",
        )
    return text
