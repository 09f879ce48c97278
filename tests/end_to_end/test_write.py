"""Writing output files: regular files only, symlinks written through, modes kept, atomic.

The command line runs on real files: links, loops, folders, read-only files (in-process,
click's CliRunner, where only the files left and the message count), and in a fresh
interpreter where the process matters (FIFOs, the umask, stdout as /dev/full or a
closed pipe); `docs` in-process, on the session's smoke runs (tests/support/shared_smoke.py).
rnnspec.render.write is also tested directly, with a fault injected where a real one cannot be
made on demand (Ctrl-C mid-write).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from rnnspec.render import write
from rnnspec.docs import stale_files, write_docs
from rnnspec.render.write import (
    NotRegular,
    WriteError,
    check_writable,
    read_existing,
    write_file,
)

from ..conftest import GOLDEN, ROOT, invoke

SPEC = ROOT / "examples" / "stacked_lstm.yaml"
MODULE = (GOLDEN / "stacked_lstm.py").read_text(encoding="utf-8")
GRU = ROOT / "examples" / "gru.yaml"
T = TypeVar("T")


def render(
    out: str | Path, *, cwd: Path | None = None, umask: int | None = None, stdout=None
) -> subprocess.CompletedProcess[str]:
    """`rnnspec render SPEC -o OUT` in a fresh interpreter, killed if it blocks."""
    return subprocess.run(
        [sys.executable, "-m", "rnnspec.cli", "render", str(SPEC), "-o", str(out)],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd or ROOT,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
        timeout=60,
    )


def render_here(out: Path) -> subprocess.CompletedProcess[str]:
    """`rnnspec render SPEC -o OUT` in this process: what the file system is left with
    is the same; `render` above is for what needs a process of its own."""
    return invoke("render", SPEC, "-o", out)


def listing(folder: Path) -> list[str]:
    """The folder's names; a leftover temporary file would show here."""
    return sorted(path.name for path in folder.iterdir())


def without_blocking(call: Callable[[], T]) -> T:
    """`call()` in a thread: a failure, not a hang, if it blocks (as opening a FIFO does)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "blocked: it opened a FIFO"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert (result.returncode, result.stderr, result.stdout) == (2, message + "\n", "")


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


# --- docs: the same rules -----------------------------------------------------------------


def link_to(target: Path) -> str:
    """Why a link in an output folder is refused (rnnspec/render/write.py)."""
    return (
        f"it is a symbolic link (to {target}); a file in an output folder is written "
        "only as a regular file, never through a link: remove the link"
    )


def odd_docs_folder(folder: Path) -> None:
    """A docs folder with a directory and a symlink loop where pages belong."""
    folder.mkdir()
    (folder / "gru.md").mkdir()
    (folder / "gru.svg").symlink_to(folder / "loop")
    (folder / "loop").symlink_to(folder / "gru.svg")


def test_stale_files_reports_what_is_no_regular_file(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    odd_docs_folder(folder)
    os.mkfifo(folder / "fifo.md")
    (folder / "same.md").write_text("same\n")
    files = {n: "same\n" for n in ("fifo.md", "gru.md", "gru.svg", "new.md", "same.md")}
    assert without_blocking(lambda: stale_files(files, folder)) == [
        ("fifo.md", "stale: it is a FIFO, not a regular file"),
        ("gru.md", "stale: it is a directory, not a regular file"),
        ("gru.svg", f"stale: {link_to(folder / 'loop')}"),
        ("new.md", "missing"),
    ]
    with pytest.raises(
        WriteError, match="fifo.md: cannot write the docs: it is a FIFO"
    ):
        without_blocking(lambda: write_docs(files, folder))
    # every target is checked first: the missing page was not written either
    assert listing(folder) == ["fifo.md", "gru.md", "gru.svg", "loop", "same.md"]


def planted_link(folder: Path, name: str, outside: Path) -> None:
    """`folder/name`, a link to `outside`: a file another user could have planted."""
    folder.mkdir(exist_ok=True)
    outside.write_text("outside\n")
    outside.chmod(0o640)
    (folder / name).symlink_to(outside)


def test_write_docs_refuses_a_link_in_the_folder_and_leaves_its_target(
    tmp_path: Path,
) -> None:
    """A file rnnspec names in an output folder is never written through a link:
    the link is refused before anything is written; the file outside is untouched."""
    folder, outside = tmp_path / "docs", tmp_path / "outside.md"
    planted_link(folder, "a.md", outside)
    with pytest.raises(WriteError) as error:
        write_docs({"a.md": "new\n", "b.md": "b\n"}, folder)
    assert (
        str(error.value)
        == f"{folder / 'a.md'}: cannot write the docs: {link_to(outside)}"
    )
    assert outside.read_text() == "outside\n"
    assert stat.S_IMODE(outside.stat().st_mode) == 0o640
    assert listing(folder) == ["a.md"] and (folder / "a.md").is_symlink()
    assert stale_files({"a.md": "outside\n"}, folder) == [
        ("a.md", f"stale: {link_to(outside)}")
    ]  # the same text behind the link is no regular file in the folder either
    (folder / "a.md").unlink()
    assert write_docs({"a.md": "new\n"}, folder) == ["a.md"]
    assert (folder / "a.md").read_text() == "new\n" and not (
        folder / "a.md"
    ).is_symlink()


def test_a_link_made_in_the_folder_after_the_check_is_replaced_not_followed(
    tmp_path: Path,
) -> None:
    """The race: the check found no link, one is planted before the rename. The file
    is replaced by name (rename never follows the last link), so the link goes and
    its target stays."""
    folder, outside = tmp_path / "docs", tmp_path / "outside.md"
    folder.mkdir()
    target = check_writable(folder / "a.md", "the docs", in_folder=True)
    planted_link(folder, "a.md", outside)
    write._replace(target, b"new\n")
    assert (
        not (folder / "a.md").is_symlink() and (folder / "a.md").read_text() == "new\n"
    )
    assert outside.read_text() == "outside\n"
    assert stat.S_IMODE((folder / "a.md").stat().st_mode) != 0o640  # not the target's


def test_a_symlink_given_as_the_output_itself_is_still_written_through(
    tmp_path: Path,
) -> None:
    """What the user names (-o FILE) is theirs to link: written through, as before."""
    real, link = tmp_path / "real.py", tmp_path / "link.py"
    real.write_text("old\n")
    link.symlink_to(real)
    write_file(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_render_to_a_folder_refuses_a_planted_link(tmp_path: Path) -> None:
    folder, outside = tmp_path / "out", tmp_path / "outside.py"
    planted_link(folder, "gru.py", outside)
    result = invoke("render", GRU, SPEC, "-o", f"{folder}/")
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"{folder / 'gru.py'}: cannot write the module: {link_to(outside)}\n"
    )
    assert outside.read_text() == "outside\n" and listing(folder) == ["gru.py"]
    check = invoke("render", GRU, SPEC, "--check", "-o", f"{folder}/")
    assert check.returncode == 2
    assert f"{folder / 'gru.py'}: cannot check the module: it is a symbolic link" in (
        check.stderr
    )
    assert outside.read_text() == "outside\n"


@pytest.mark.usefixtures("shared_smoke")
def test_docs_refuses_a_planted_link_and_writes_nothing(tmp_path: Path) -> None:
    folder, outside = tmp_path / "docs", tmp_path / "outside.md"
    planted_link(folder, "gru.md", outside)
    result = invoke("docs", GRU, "-o", folder)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line == f"{folder / 'gru.md'}: cannot write the docs: {link_to(outside)}"
    assert outside.read_text() == "outside\n"
    assert stat.S_IMODE(outside.stat().st_mode) == 0o640
    assert listing(folder) == ["gru.md"]  # gru.svg and index.md not written either


def test_docs_to_a_dash_is_a_usage_error_and_makes_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs writes a folder of files: `-o -` is refused (not a folder named -)."""
    monkeypatch.chdir(tmp_path)
    result = invoke("docs", GRU, "-o", "-")
    assert result.returncode == 2
    assert "'-' (stdout) names no folder" in result.stderr
    assert "Traceback" not in result.stderr and listing(tmp_path) == []
    assert invoke("docs", GRU, "-o", "-", "--check").returncode == 2
    assert listing(tmp_path) == []


@pytest.mark.usefixtures("shared_smoke")
def test_docs_check_reports_a_directory_and_a_loop_without_a_traceback(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "docs"
    odd_docs_folder(folder)
    result = invoke("docs", "--check", GRU, "-o", folder)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"{folder / 'gru.md'}: stale: it is a directory, not a regular file",
        f"{folder / 'gru.svg'}: stale: {link_to(folder / 'loop')}",
        f"{folder / 'index.md'}: missing",
        f"3 of 3 files stale or missing; rebuild with: rnnspec docs SPEC... -o {folder}",
    ]


@pytest.mark.usefixtures("shared_smoke")
def test_docs_refuses_a_directory_page_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "gru.md").mkdir()
    result = invoke("docs", GRU, "-o", folder)
    assert (result.returncode, result.stderr) == (
        2,
        f"{folder / 'gru.md'}: cannot write the docs: it is a directory, not a regular file\n",
    )
    assert listing(folder) == ["gru.md"] and listing(folder / "gru.md") == []
