"""The cache as a trust boundary (rnnspec/render/cache.py): what another user, a permissive
umask or a hostile entry can do to `rnnspec render`, and what it must not.

Another user is uid 65534 (nobody): a forked child of this test that gives up root. A
test that needs it, or needs root to make a device or hand an entry to another uid, is
skipped where the suite does not run as root: no other uid can be taken then.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import os
import pickle
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import jinja2
import pytest

from rnnspec.render import batch, cache

from ..conftest import ROOT
from .test_cache import GRU, MODULE, entries, everything, folder, plant  # noqa: F401

NOBODY = 65534
ROOT_ONLY = pytest.mark.skipif(
    os.getuid() != 0,
    reason="needs root: no second uid can be taken (nor a device made, nor a file "
    "given to another uid) by a process that is not root",
)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder another user may enter (pytest's tmp_path is 0700): the cache goes in
    it, so only the cache's own modes keep that user out."""
    where = Path(tempfile.mkdtemp(prefix="rnnspec-attack-"))
    where.chmod(0o755)
    yield where
    shutil.rmtree(where)


def as_nobody(action: Callable[[], None]) -> bool:
    """Run `action` in a forked child as uid and gid 65534; False if the system
    refused it (PermissionError), True if it was done."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            action()
            code = 0
        except PermissionError:
            code = 13
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) in (0, 13), "the child failed otherwise"
    return os.waitstatus_to_exitcode(status) == 0


def render(where: Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """`rnnspec render examples/gru.yaml` with its cache in `where`, within 60 s and
    2 GiB of address space (an entry read without end fails fast, not the machine)."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [sys.executable, "-m", "rnnspec.cli", "render", str(GRU)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "RNNSPEC_CACHE_DIR": str(where)},
        preexec_fn=limits,
        timeout=60,
    )


def assert_renders_the_module(where: Path) -> None:
    result = render(where)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == MODULE


def folders(where: Path) -> list[Path]:
    return [where, *(path for path in where.rglob("*") if path.is_dir())]


def well_formed(body: bytes) -> bytes:
    """An entry as rnnspec writes one: anyone can compute its sha256 header."""
    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def replace_as_nobody(entry: Path, data: bytes) -> bool:
    """Another user's attempt to replace `entry` by `data`; True if it was done."""

    def action() -> None:
        temp = entry.with_name(entry.name + ".planted")
        temp.write_bytes(data)
        os.replace(temp, entry)

    return as_nobody(action)


def payloads(where: Path, marker: Path) -> dict[Path, bytes]:
    """Each compiled template in `where`, made to create `marker` when it is loaded,
    then to run as before: what a hostile entry could do."""
    planted = {}
    for entry in where.glob("jinja-*/*"):
        body = io.BytesIO(cache.read(entry.parent, entry.name))
        magic = body.read(len(jinja2.bccache.bc_magic))
        checksum = pickle.load(body)
        code = marshal.dumps(marshal.load(body))
        payload = compile(
            f"import marshal\nopen({str(marker)!r}, 'w').close()\n"
            f"exec(marshal.loads({code!r}))\n",
            "<planted>",
            "exec",
        )
        planted[entry] = well_formed(
            magic + pickle.dumps(checksum, 2) + marshal.dumps(payload)
        )
    assert planted, "no compiled template kept"
    return planted


def forget_modules(where: Path) -> None:
    """No module kept: the next render loads its templates."""
    for entry in entries(where):
        entry.unlink()


@ROOT_ONLY
def test_under_umask_000_the_folders_are_0700_and_another_user_plants_nothing(
    shared: Path,
) -> None:
    where = shared / "made" / "by" / "rnnspec"  # three folders made, all 0700
    result = render(where, umask=0)
    assert (result.returncode, result.stdout) == (0, MODULE)
    made = [shared / "made", shared / "made" / "by", *folders(where)]
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in made} == {"0o700"}
    kept = [path for path in where.rglob("*") if path.is_file()]
    assert kept and {oct(stat.S_IMODE(path.stat().st_mode)) for path in kept} == {
        "0o600"
    }
    (entry,) = entries(where)
    assert not replace_as_nobody(entry, well_formed(b"# planted\n"))
    assert_renders_the_module(where)


@ROOT_ONLY
def test_a_module_planted_in_a_folder_others_may_write_is_not_served(
    shared: Path,
) -> None:
    """A cache made by an older rnnspec under umask 000: every folder 0777."""
    assert_renders_the_module(shared / "cache")
    for path in folders(shared / "cache"):
        path.chmod(0o777)
    (entry,) = entries(shared / "cache")
    assert replace_as_nobody(entry, well_formed(b"# planted by nobody\n"))
    before = everything(shared / "cache")
    assert_renders_the_module(shared / "cache")
    assert everything(shared / "cache") == before  # nor written: others could


@ROOT_ONLY
def test_a_compiled_template_planted_by_another_user_never_runs(shared: Path) -> None:
    where = shared / "cache"
    assert_renders_the_module(where)
    mine = shared / "ran-for-me"
    for entry, data in payloads(where, mine).items():  # the user's own entry runs:
        entry.write_bytes(data)  # so the payload would run if it were read
    forget_modules(where)
    assert_renders_the_module(where)
    assert mine.exists()

    assert_renders_the_module(shared / "fresh")  # one compiled by rnnspec itself
    forget_modules(shared / "fresh")
    theirs = shared / "ran-for-nobody"
    planted = payloads(shared / "fresh", theirs)
    for path in folders(shared / "fresh"):
        path.chmod(0o777)
    for entry, data in planted.items():
        assert replace_as_nobody(entry, data)
    assert_renders_the_module(shared / "fresh")
    assert not theirs.exists()


@ROOT_ONLY
def test_another_users_entry_in_a_private_folder_is_ignored_and_replaced(
    shared: Path,
) -> None:
    where = shared / "cache"
    assert_renders_the_module(where)
    (entry,) = entries(where)
    plant(entry, "# planted\n")
    os.chown(entry, NOBODY, NOBODY)
    marker = shared / "ran"
    for compiled, data in payloads(where, marker).items():
        compiled.write_bytes(data)
        os.chown(compiled, NOBODY, NOBODY)
    assert_renders_the_module(where)
    assert entry.stat().st_uid == os.getuid()  # replaced by rnnspec's own
    forget_modules(where)
    assert_renders_the_module(where)
    assert not marker.exists()


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_folder_others_may_write_is_neither_read_nor_written(
    folder: Path, mode: int
) -> None:
    """The root or the modules' layer, even holding the user's own entry."""
    assert_renders_the_module(folder)
    for opened in (folder, folder / "modules-1"):
        (entry,) = entries(folder)
        plant(entry, "# planted\n")
        opened.chmod(mode)
        before = everything(opened)
        assert_renders_the_module(folder)
        assert everything(opened) == before
        opened.chmod(0o700)


def test_an_entry_others_may_write_is_ignored(folder: Path) -> None:
    assert_renders_the_module(folder)
    (entry,) = entries(folder)
    plant(entry, "# planted\n")
    entry.chmod(0o666)
    assert_renders_the_module(folder)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600  # replaced


def test_a_fifo_entry_does_not_hang_render(folder: Path) -> None:
    assert_renders_the_module(folder)
    (entry,) = entries(folder)
    entry.unlink()
    os.mkfifo(entry)
    assert_renders_the_module(folder)  # within render's 60 s
    assert stat.S_ISREG(entry.lstat().st_mode)  # replaced


def _symlink_to_zero(entry: Path) -> None:
    entry.symlink_to("/dev/zero")


def _zero_device(entry: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root to make a device node (mknod)")
    os.mknod(entry, stat.S_IFCHR | 0o600, os.makedev(1, 5))


@pytest.mark.parametrize("make", [_symlink_to_zero, _zero_device])
def test_a_device_entry_is_never_read(
    folder: Path, make: Callable[[Path], None]
) -> None:
    assert_renders_the_module(folder)
    for entry in [*entries(folder), *folder.glob("jinja-*/*")]:
        entry.unlink()
        make(entry)
    assert_renders_the_module(folder)  # without reading without end
    assert stat.S_ISREG(entries(folder)[0].lstat().st_mode)  # replaced


def test_a_symlink_entry_is_not_followed(folder: Path, tmp_path: Path) -> None:
    assert_renders_the_module(folder)
    (entry,) = entries(folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(well_formed(b"# through a link\n"))
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert_renders_the_module(folder)
    assert not entry.is_symlink()


def test_an_entry_over_the_bound_is_not_read_nor_kept(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = folder / "modules-1"
    assert cache.write(layer, "k" * 64, b"x" * 1000)
    assert cache.read(layer, "k" * 64) == b"x" * 1000
    monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", 1000)
    assert cache.read(layer, "k" * 64) is None
    assert not cache.write(layer, "j" * 64, b"x" * 1000)
    assert [path.name for path in entries(folder)] == ["k" * 64]


def test_the_bound_holds_across_a_batchs_workers(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked workers (real ones, two) each keep what they render: the bound is the
    folder's, not each worker's (each keeps fewer than the bound, together more)."""
    monkeypatch.setattr(batch, "_cores", lambda: 2)
    specs = []
    for number in range(batch.PARALLEL_FROM + 8):
        specs.append(tmp_path / f"gru_{number}.yaml")
        specs[-1].write_text(f"{GRU.read_text()}# copy {number}\n")
    monkeypatch.setattr(cache, "MAX_ENTRIES", len(specs) - 10)
    assert batch.render_all(specs, "keras3") == [MODULE] * len(specs)
    assert 0 < len(entries(folder)) <= len(specs) - 10
