"""Writing output files: regular files only, symlinks written through, modes kept, atomic.

The command line runs on real files: links, loops, folders, read-only files (in-process,
click's CliRunner, where only the files left and the message count), and in a fresh
interpreter where the process matters (FIFOs, the umask, stdout as /dev/full or a
closed pipe); the docs pages in test_write_docs.py.
rnnspec.render.write is also tested directly, with a fault injected where a real one cannot be
made on demand (Ctrl-C mid-write).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rnnspec.render import write
from rnnspec.render.write import (
    NotRegular,
    WriteError,
    check_writable,
    read_existing,
    write_file,
)

from ..support.writing import (
    MODULE,
    render,
    render_here,
    listing,
    without_blocking,
    refused,
)

# --- the command line: what -o may replace ------------------------------------------------


def test_a_symlink_is_written_through_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "real" / "model.py"
    target.parent.mkdir()
    target.write_text("# old\n")
    target.chmod(0o640)
    link = tmp_path / "model.py"
    link.symlink_to(target)
    chain = tmp_path / "chain.py"  # a link to a link: the final target is written
    chain.symlink_to(link)
    assert render_here(link).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == MODULE
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    target.write_text("# old\n")
    assert render_here(chain).returncode == 0
    assert chain.is_symlink() and link.is_symlink() and target.read_text() == MODULE
    assert listing(tmp_path) == ["chain.py", "model.py", "real"]
    assert listing(target.parent) == ["model.py"]
    # a dangling link into an existing folder: the target is created, the link kept
    dangling = tmp_path / "new.py"
    dangling.symlink_to(tmp_path / "real" / "new.py")
    assert render_here(dangling).returncode == 0
    assert (
        dangling.is_symlink() and (tmp_path / "real" / "new.py").read_text() == MODULE
    )


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "model.py"
    link.symlink_to(fifo)
    refused(
        render(fifo),
        f"{fifo}: cannot write the module: it is a FIFO, not a regular file",
    )
    refused(
        render(link),
        f"{link}: cannot write the module: it links to {fifo}, a FIFO, not a regular file",
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()
    assert listing(tmp_path) == ["fifo", "model.py"]


def test_a_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model.py"
    folder.mkdir()
    (folder / "keep").write_text("kept\n")
    refused(
        render_here(folder),
        f"{folder}: cannot write the module: it is a directory, not a regular file",
    )
    assert listing(folder) == ["keep"] and listing(tmp_path) == ["model.py"]


def test_a_read_only_file_is_refused_even_for_root(tmp_path: Path) -> None:
    out = tmp_path / "model.py"
    out.write_text("# the user's read-only module\n")
    out.chmod(0o444)
    refused(
        render_here(out), f"{out}: cannot write the module: it is read-only (mode 0444)"
    )
    assert out.read_text() == "# the user's read-only module\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o444
    assert listing(tmp_path) == ["model.py"]


def test_a_missing_folder_a_loop_and_a_dangling_link_are_refused(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nowhere" / "model.py"
    refused(
        render_here(missing),
        f"{missing}: cannot write the module: the folder {missing.parent} does not exist",
    )
    dangling = tmp_path / "dangling.py"
    dangling.symlink_to(tmp_path / "gone" / "model.py")
    refused(
        render_here(dangling),
        f"{dangling}: cannot write the module: the folder {tmp_path / 'gone'} does not exist",
    )
    loop = tmp_path / "loop.py"
    loop.symlink_to(tmp_path / "back.py")
    (tmp_path / "back.py").symlink_to(loop)
    refused(
        render_here(loop),
        f"{loop}: cannot write the module: too many levels of symbolic links",
    )
    (tmp_path / "plain").write_text("plain\n")
    under_a_file = tmp_path / "plain" / "model.py"
    refused(
        render_here(under_a_file),
        f"{under_a_file}: cannot write the module: the folder {tmp_path / 'plain'} is not a folder",
    )
    assert listing(tmp_path) == ["back.py", "dangling.py", "loop.py", "plain"]
    assert dangling.is_symlink() and loop.is_symlink()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o755], ids=oct)
def test_an_existing_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    out = tmp_path / "model.py"
    out.write_text("# old\n")
    out.chmod(mode)
    assert render(out, umask=0o022).returncode == 0
    assert out.read_text() == MODULE and stat.S_IMODE(out.stat().st_mode) == mode
    assert listing(tmp_path) == ["model.py"]


@pytest.mark.parametrize(
    ("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)], ids=["022", "027"]
)
def test_a_new_file_gets_the_umask_mode(tmp_path: Path, umask: int, mode: int) -> None:
    out = tmp_path / "model.py"
    assert render(out, umask=umask).returncode == 0
    assert out.read_text() == MODULE and stat.S_IMODE(out.stat().st_mode) == mode


def test_an_empty_output_is_a_usage_error(tmp_path: Path) -> None:
    result = render("", cwd=tmp_path)
    assert result.returncode == 2 and "an empty path names no file" in result.stderr
    assert "Traceback" not in result.stderr and listing(tmp_path) == []


def test_a_dash_output_is_stdout(tmp_path: Path) -> None:
    result = render("-", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, MODULE, "")
    assert listing(tmp_path) == []
    assert render("./-", cwd=tmp_path).returncode == 0  # a file named '-' on purpose
    assert (tmp_path / "-").read_text() == MODULE


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_stdout_is_a_one_line_error() -> None:
    with open("/dev/full", "w") as full:
        result = render("-", stdout=full)
    assert result.returncode == 2
    assert result.stderr == "stdout: cannot write the module: no space left on device\n"


def test_a_closed_pipe_is_a_one_line_error() -> None:
    read, written = os.pipe()
    os.close(read)
    try:
        result = render("-", stdout=written)
    finally:
        os.close(written)
    assert (result.returncode, result.stderr) == (
        2,
        "stdout: cannot write the module: broken pipe\n",
    )


# --- rnnspec.render.write directly ---------------------------------------------------------------


def test_write_file_replaces_atomically_and_reports_one_line(tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    write_file(out, "one\n")
    write_file(out, "two\n")
    assert out.read_text() == "two\n" and listing(tmp_path) == ["a.txt"]
    with pytest.raises(WriteError) as caught:
        write_file(tmp_path, "x", "the page")
    assert str(caught.value) == (
        f"{tmp_path}: cannot write the page: it is a directory, not a regular file"
    )


def test_nothing_but_a_regular_file_is_opened(tmp_path: Path) -> None:
    """Checking and reading a FIFO must not open it (opening blocks with no writer)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(NotRegular, match="it is a FIFO, not a regular file"):
        without_blocking(lambda: read_existing(fifo))
    with pytest.raises(WriteError, match="it is a FIFO, not a regular file"):
        without_blocking(lambda: check_writable(fifo, "it"))
    assert read_existing(tmp_path / "none") is None


def test_no_temporary_file_survives_an_interrupt_or_a_failed_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "model.py"
    out.write_text("# old\n")

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(write.os, "fsync", interrupt)
        with pytest.raises(KeyboardInterrupt):
            write_file(out, "new\n")
    assert out.read_text() == "# old\n" and listing(tmp_path) == ["model.py"]

    def cross_device(src: object, dst: object) -> None:
        raise OSError(18, os.strerror(18))

    with monkeypatch.context() as patch:
        patch.setattr(write.os, "replace", cross_device)
        with pytest.raises(WriteError, match=r"model\.py: cannot write the module: "):
            write_file(out, "new\n", "the module")
    assert out.read_text() == "# old\n" and listing(tmp_path) == ["model.py"]
