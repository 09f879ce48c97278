"""The cache of modules by spec text, formatted sources and compiled templates
(rnnspec/render/cache.py, rnnspec/render/from_file.py).

Every test points RNNSPEC_CACHE_DIR at its own folder: the user's cache is never touched.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rnnspec
from rnnspec.render import batch, cache
from rnnspec.render import format as fmt
from rnnspec.render.format import top_level_parts

from ..conftest import GOLDEN, ROOT, run_cli

GRU = ROOT / "examples" / "gru.yaml"
MODULE = (GOLDEN / "gru.py").read_text(encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache folder of this test (not yet made), for this process and its children;
    this process remembers no formatted part yet (rnnspec/render/format.py)."""
    where = tmp_path / "cache"
    monkeypatch.setenv("RNNSPEC_CACHE_DIR", str(where))
    monkeypatch.delenv("RNNSPEC_NO_CACHE", raising=False)
    monkeypatch.setattr(fmt, "_formatted", {})
    return where


def entries(folder: Path, layer: str = "modules-1") -> list[Path]:
    """The entries of one layer: modules by spec text, or black's output by part."""
    return sorted((folder / layer).glob("*"))


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


# Renders GRU; prints whether black and pydantic were imported and how many templates
# were compiled.
PROBE = """
import sys, jinja2, rnnspec
compile, compiled = jinja2.Environment.compile, []
jinja2.Environment.compile = lambda *a, **k: compiled.append(1) or compile(*a, **k)
assert rnnspec.render_spec(sys.argv[1]) == open(sys.argv[2]).read()
print("black" in sys.modules, "pydantic" in sys.modules, len(compiled))
"""


def probe() -> list[str]:
    ran = subprocess.run(
        [sys.executable, "-c", PROBE, GRU, GOLDEN / "gru.py"],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.split()


def test_a_hit_gives_the_same_bytes_without_loading_anything(folder: Path) -> None:
    black, pydantic, compiled = probe()  # a miss: loaded, black runs, templates compile
    assert black == pydantic == "True" and int(compiled) > 0
    assert len(entries(folder)) == 1
    assert len(entries(folder, "parts-1")) == len(top_level_parts(MODULE))
    assert list(folder.glob("jinja-*/*"))
    assert probe() == ["False", "False", "0"]
    assert run_cli("render", GRU).stdout == MODULE


def test_a_module_hit_needs_the_same_text_target_and_suffix(
    folder: Path, tmp_path: Path
) -> None:
    """A module is kept by its spec's text: a renamed spec still hits; an edit, another
    target or another suffix misses."""
    spec = tmp_path / "gru.yaml"
    spec.write_bytes(GRU.read_bytes())
    rnnspec.render_spec(spec)
    (entry,) = entries(folder)
    plant(entry, "# kept\n")
    moved = tmp_path / "elsewhere.yaml"
    spec.rename(moved)
    assert rnnspec.render_spec(moved) == "# kept\n"
    assert rnnspec.render_spec(moved, target="tf_keras") != "# kept\n"
    assert rnnspec.render_spec(moved.rename(tmp_path / "gru.yml")) == MODULE
    (tmp_path / "gru.yml").write_text(GRU.read_text() + "# an edit\n")
    assert rnnspec.render_spec(tmp_path / "gru.yml") == MODULE
    assert len(entries(folder)) == 4


def test_formatted_parts_are_kept_apart_from_the_spec(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """render_module (a checked spec, no file) reads black's output per part."""
    rnnspec.render_spec(GRU)
    for entry in entries(folder, "parts-1"):
        plant(entry, "# formatted\n")
    monkeypatch.setattr(fmt, "_formatted", {})  # a new process: nothing remembered
    parts = len(top_level_parts(MODULE))
    assert rnnspec.render_module(rnnspec.load_spec(GRU)) == "\n\n".join(
        ["# formatted\n"] * parts
    )


def test_what_is_read_is_what_the_cache_holds(folder: Path) -> None:
    """The planted-entry trick the other tests use: a hit is read from the folder."""
    rnnspec.render_spec(GRU)
    (entry,) = entries(folder)
    plant(entry, "# from the cache\n")
    assert rnnspec.render_spec(GRU) == "# from the cache\n"


BIG = MODULE.encode() * 40  # a long write: a torn one would show


def _store_many(where: str, rounds: int) -> None:
    for _ in range(rounds):
        assert cache.write(Path(where) / "modules-1", "k" * 64, BIG)


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
    assert len(entries(folder, "parts-1")) == len(top_level_parts(MODULE))
    # writers and a reader of one key at once: the reader always sees a whole entry
    assert cache.write(folder / "modules-1", "k" * 64, BIG)
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_store_many, args=(str(folder), 200)) for _ in range(3)
    ]
    for writer in writers:
        writer.start()
    seen = set()
    while any(writer.is_alive() for writer in writers):
        seen.add(cache.read(folder / "modules-1", "k" * 64))
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
    monkeypatch.setattr(cache, "_versions", lambda names: "black 99.1 format x")
    assert rnnspec.render_spec(GRU) == MODULE  # a new key: loaded again
    assert len(entries(folder)) == 2
    plant(entries(folder)[0], "# made by the old rnnspec\n")
    plant(entries(folder)[1], "# made by the old rnnspec\n")
    monkeypatch.setattr(cache, "_code", lambda: "rnnspec's files, edited")
    assert rnnspec.render_spec(GRU) == MODULE  # an edit of rnnspec: a new key
    assert len(entries(folder)) == 3
    parts = len(entries(folder, "parts-1"))
    monkeypatch.setattr(fmt, "_formatted", {})
    assert cache.formatted("x  =  1\n") == "x = 1\n"
    monkeypatch.setattr(cache, "_versions", lambda names: "black 99.2 format x")
    monkeypatch.setattr(fmt, "_formatted", {})
    assert cache.formatted("x  =  1\n") == "x = 1\n"  # black's upgrade: a new key
    assert len(entries(folder, "parts-1")) == parts + 2


def test_a_read_only_folder_is_used_without_a_write(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o555)  # root too: no `w` bit, no write (as rnnspec/render/write.py)
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


@pytest.mark.parametrize("layer", ["modules-1", "parts-1"])
def test_a_corrupt_entry_is_ignored_and_replaced(
    folder: Path, layer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnnspec.render_spec(GRU)
    entry = max(entries(folder, layer), key=lambda path: path.stat().st_size)
    whole = cache.read(entry.parent, entry.name)
    if layer == "parts-1":
        entries(folder)[0].unlink()  # no module kept: the parts are read
        monkeypatch.setattr(fmt, "_formatted", {})
    entry.write_bytes(entry.read_bytes()[:-40])  # torn
    assert rnnspec.render_spec(GRU) == MODULE
    assert cache.read(entry.parent, entry.name) == whole  # whole again
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
        assert cache.formatted(source) == f"x = {n}\n"
        assert len(entries(folder, "parts-1")) <= 5
    kept = {path.name for path in entries(folder, "parts-1")}
    assert cache._part_key(sources[-1]) in kept
    assert cache._part_key(sources[0]) not in kept
    monkeypatch.setattr(cache, "MAX_BYTES", 100)  # a byte bound too
    cache.formatted("y  =  1\n")
    assert sum(path.stat().st_size for path in entries(folder, "parts-1")) <= 100


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


def test_an_edited_template_is_a_new_module_key(folder: Path, tmp_path: Path) -> None:
    """rnnspec's templates are part of the key: after an upgrade that changes only a
    .jinja file, a kept module is not served (a copy of the package is edited)."""
    copy = tmp_path / "generator" / "rnnspec"
    shutil.copytree(
        Path(rnnspec.__file__).parent,
        copy,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {"PYTHONPATH": str(copy.parent)}
    assert run_cli("render", GRU, env=env).stdout == MODULE
    template = copy / "targets" / "keras3" / "templates" / "module.py.jinja"
    said = "Generated by rnnspec "  # then the version, in the template and the module
    text = template.read_text()
    assert said in text
    template.write_text(text.replace(said, "Edited. " + said))
    result = run_cli("render", GRU, env=env)
    assert result.stdout != MODULE and "# Edited. " + said in result.stdout
    assert len(entries(folder)) == 2


def test_a_batch_of_kept_and_new_specs_writes_each_module_under_its_name(
    folder: Path, tmp_path: Path
) -> None:
    """Modules read from the cache and modules rendered (in forked workers from
    batch.PARALLEL_FROM on) mix in one call: each file is its own spec's module."""
    specs = []
    for units in range(1, batch.PARALLEL_FROM + 12):
        specs.append(tmp_path / "specs" / f"gru_{units}.yaml")
        specs[-1].parent.mkdir(exist_ok=True)
        specs[-1].write_text(GRU.read_text().replace("units: 32", f"units: {units}"))
    for spec in specs[::4]:  # kept: read first; the others rendered, then gathered
        rnnspec.render_spec(spec)
    result = run_cli("render", *specs, "-o", tmp_path / "models")
    assert (result.returncode, result.stderr) == (0, "")
    for spec in specs:
        written = (tmp_path / "models" / f"{spec.stem}.py").read_text()
        assert written == rnnspec.render_spec(spec, cache=False), spec.name
