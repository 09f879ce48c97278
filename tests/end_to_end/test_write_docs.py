"""Writing the docs pages follows the same rules as `render -o`: regular files only, a
link planted in the folder refused (or replaced, never followed), nothing written on a
refusal. `docs` runs in-process, on the session's smoke runs
(tests/support/shared_smoke.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rnnspec.render import write
from rnnspec.docs import stale_files, write_docs
from rnnspec.render.write import WriteError, check_writable, write_file

from ..conftest import invoke
from ..support.writing import GRU, SPEC, listing, without_blocking


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
