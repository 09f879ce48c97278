"""The cache of formatted modules and compiled templates (rnnspec/cache.py).

Every test points RNNSPEC_CACHE_DIR at its own folder: the user's cache is never touched.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rnnspec
from rnnspec import cache

from .conftest import GOLDEN, ROOT, run_cli

GRU = ROOT / "examples" / "gru.yaml"
MODULE = (GOLDEN / "gru.py").read_text(encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache folder of this test (not yet made), for this process and its children."""
    where = tmp_path / "cache"
    monkeypatch.setenv("RNNSPEC_CACHE_DIR", str(where))
    monkeypatch.delenv("RNNSPEC_NO_CACHE", raising=False)
    return where


def entries(folder: Path) -> list[Path]:
    return sorted((folder / "formatted-1").glob("*"))


def everything(folder: Path) -> dict[str, tuple[int, float]]:
    """Every path under the folder, with its size and mtime: a write would show here."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime)
        for path in sorted(folder.rglob("*"))
    }


def plant(entry: Path, body: str) -> None:
    """Replace an entry by a well-formed one with another body."""
    data = body.encode()
    entry.write_bytes(hashlib.sha256(data).hexdigest().encode() + b"\n" + data)


# Renders GRU; prints whether black was imported and how many templates were compiled.
PROBE = """
import sys, jinja2, rnnspec
compile, compiled = jinja2.Environment.compile, []
jinja2.Environment.compile = lambda *a, **k: compiled.append(1) or compile(*a, **k)
assert rnnspec.render_spec(sys.argv[1]) == open(sys.argv[2]).read()
print("black" in sys.modules, len(compiled))
"""


def probe() -> list[str]:
    ran = subprocess.run(
        [sys.executable, "-c", PROBE, GRU, GOLDEN / "gru.py"],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.split()


def test_a_hit_gives_the_same_bytes_without_black_or_compiling(folder: Path) -> None:
    black, compiled = probe()  # a miss: black runs, the templates compile
    assert black == "True" and int(compiled) > 0
    assert len(entries(folder)) == 1 and list(folder.glob("jinja-*/*"))
    assert probe() == ["False", "0"]
    assert run_cli("render", GRU).stdout == MODULE


def test_what_is_read_is_what_the_cache_holds(folder: Path) -> None:
    """The planted-entry trick the other tests use: a hit is read from the folder."""
    rnnspec.render_spec(GRU)
    (entry,) = entries(folder)
    plant(entry, "# from the cache\n")
    assert rnnspec.render_spec(GRU) == "# from the cache\n"


BIG = MODULE.encode() * 40  # a long write: a torn one would show


def _store_many(where: str, rounds: int) -> None:
    for _ in range(rounds):
        assert cache.write(Path(where) / "formatted-1", "k" * 64, BIG)


def test_concurrent_writers_of_one_key_leave_one_whole_entry(folder: Path) -> None:
    renders = [
        subprocess.Popen(
            [sys.executable, "-m", "rnnspec.cli", "render", str(GRU)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(4)
    ]
    assert [render.communicate(timeout=120)[0] for render in renders] == [MODULE] * 4
    assert len(entries(folder)) == 1  # one key, no temporary file left
    # writers and a reader of one key at once: the reader always sees a whole entry
    assert cache.write(folder / "formatted-1", "k" * 64, BIG)
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_store_many, args=(str(folder), 200)) for _ in range(3)
    ]
    for writer in writers:
        writer.start()
    seen = set()
    while any(writer.is_alive() for writer in writers):
        seen.add(cache.read(folder / "formatted-1", "k" * 64))
    assert [writer.exitcode for writer in writers] == [0, 0, 0]
    assert seen == {BIG}
    assert len(entries(folder)) == 2  # and no temporary file left


def test_an_upgrade_reads_no_stale_entry(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnnspec.render_spec(GRU)
    (entry,) = entries(folder)
    plant(entry, "# made by the old versions\n")
    assert rnnspec.render_spec(GRU) == "# made by the old versions\n"
    monkeypatch.setattr(cache, "_versions", lambda: "rnnspec 0.2 black 99.1 format x")
    assert rnnspec.render_spec(GRU) == MODULE  # a new key: black again
    assert len(entries(folder)) == 2
    source = "x  =  1\n"
    assert cache.formatted(source, "templates a") == "x = 1\n"
    assert cache._key(source, "templates a") != cache._key(source, "templates b")


def test_a_read_only_folder_is_used_without_a_write(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o555)  # root too: no `w` bit, no write (as rnnspec/write.py)
    try:
        result = run_cli("render", GRU)
        assert (result.returncode, result.stdout, result.stderr) == (0, MODULE, "")
        assert everything(folder) == {}
        folder.chmod(0o755)  # a filled cache made read-only: read, never touched
        run_cli("render", GRU)
        before = everything(folder)
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o555)
        result = run_cli("render", GRU)
        assert (result.returncode, result.stdout, result.stderr) == (0, MODULE, "")
        assert everything(folder) == before
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)


def test_an_unusable_folder_means_no_cache(folder: Path) -> None:
    folder.write_text("a file, not a folder\n")
    result = run_cli("render", GRU)
    assert (result.returncode, result.stdout, result.stderr) == (0, MODULE, "")
    if os.getuid() == 0:  # a folder someone else owns is neither read nor written
        folder.unlink()
        run_cli("render", GRU)
        (entry,) = entries(folder)
        plant(entry, "# planted by someone else\n")
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 4242, 4242)
        assert run_cli("render", GRU).stdout == MODULE
        assert len(entries(folder)) == 1


def test_a_corrupt_entry_is_ignored_and_replaced(folder: Path) -> None:
    rnnspec.render_spec(GRU)
    (entry,) = entries(folder)
    entry.write_bytes(entry.read_bytes()[:-40])  # torn
    assert rnnspec.render_spec(GRU) == MODULE
    assert cache.read(entry.parent, entry.name) == MODULE.encode()  # whole again
    entry.write_bytes(b"\x00\xff garbage")
    for compiled in folder.glob("jinja-*/*"):
        compiled.write_bytes(b"\x00\xff garbage")
    result = run_cli("render", GRU)
    assert (result.returncode, result.stdout, result.stderr) == (0, MODULE, "")


def test_the_bound_holds_and_the_oldest_go_first(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 5)
    sources = [f"x  =  {n}\n" for n in range(12)]
    for n, source in enumerate(sources):
        assert cache.formatted(source, "t") == f"x = {n}\n"
        assert len(entries(folder)) <= 5
    kept = {path.name for path in entries(folder)}
    assert cache._key(sources[-1], "t") in kept
    assert cache._key(sources[0], "t") not in kept
    monkeypatch.setattr(cache, "MAX_BYTES", 100)  # a byte bound too
    cache.formatted("y  =  1\n", "t")
    assert sum(path.stat().st_size for path in entries(folder)) <= 100


def test_no_cache_neither_reads_nor_writes(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("render", "--no-cache", GRU).stdout == MODULE
    assert run_cli("render", GRU, env={"RNNSPEC_NO_CACHE": "1"}).stdout == MODULE
    assert not folder.exists()
    rnnspec.render_spec(GRU)
    (entry,) = entries(folder)
    plant(entry, "# cached\n")
    assert run_cli("render", "--no-cache", GRU).stdout == MODULE
    assert rnnspec.render_spec(GRU, cache=False) == MODULE
    monkeypatch.setenv("RNNSPEC_NO_CACHE", "1")
    assert rnnspec.render_spec(GRU) == MODULE
