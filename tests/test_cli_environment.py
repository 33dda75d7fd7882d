"""Issue 24 items 4-6: the file system's refusals reach users as one line naming the file
(exit 2), readers leave no SQLite files behind, and a refused run leaves the database file
as it found it."""

from __future__ import annotations

import errno
import shutil
import subprocess
from pathlib import Path

import pytest

from _checks import one_line_error, run_cli
from aucscape.cli import main

SIDECARS = ("-wal", "-shm", "-journal")


def cli(capsys, *argv: str) -> tuple[int, str]:
    """Run ``aucscape argv`` in-process: (exit status, stderr)."""
    rc, _, err = run_cli(capsys, *argv)
    return rc, err


def folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.parent.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("env") / "small.db"
    assert main(["explore", "--loss", "ce", "--hidden", "2", "--steps", "3", "--db",
                 str(path), "--quiet"]) == 0
    assert main(["connect", "--db", str(path), "--attempts", "2", "--quiet"]) == 0
    return path


@pytest.fixture
def db(small_db, tmp_path) -> Path:
    path = tmp_path / "w.db"
    shutil.copy(small_db, path)
    return path


# -- item 4: operating-system errors ---------------------------------------------------------
def test_permission_denied_on_an_output_is_one_line(db, capsys):
    target = Path("/sys/aucscape-probe.csv")
    try:
        target.open("w").close()
    except PermissionError:
        pass
    except OSError:
        pytest.skip("no /sys here")
    else:  # pragma: no cover - an unusual /sys
        target.unlink()
        pytest.skip("/sys is writable here")
    rc, err = cli(capsys, "analyze", "--db", db, "--csv", target, "--quiet")
    one_line_error(rc, err, str(target), "Permission denied")


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG])
@pytest.mark.parametrize("command", ["analyze", "export", "graph"])
def test_a_full_disk_or_file_size_limit_is_one_line_naming_the_file(db, tmp_path, capsys,
                                                                    monkeypatch, code,
                                                                    command):
    from aucscape import _files

    def full(path):
        raise OSError(code, "simulated")

    monkeypatch.setattr(_files, "_fsync_file", full)  # the write fails as a full disk does
    out = tmp_path / "out"
    argv = {"analyze": ["--csv", out / "m.csv", "--top", "0"], "export": [out],
            "graph": ["--output", out / "g.png"]}[command]
    if command != "export":
        out.mkdir()
    before = folder(db)
    rc, err = cli(capsys, command, "--db", db, *argv, "--quiet")
    one_line_error(rc, err, str(out), "simulated")
    assert folder(db) == before  # the database and its folder as found
    assert not any(p.is_file() for p in out.rglob("*"))  # no partial output, no temporary


def _immutable(path: Path) -> bool:
    try:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    except FileNotFoundError:
        return False
    return done.returncode == 0


@pytest.mark.parametrize("argv", [["explore", "--steps", "2"], ["connect", "--attempts", "1"]])
def test_a_read_only_database_is_one_line_and_left_as_found(db, capsys, argv):
    before = folder(db)
    if not _immutable(db):
        pytest.skip("cannot make a read-only file here (chattr +i)")
    try:
        rc, err = cli(capsys, argv[0], "--db", db, *argv[1:], "--quiet")
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
    one_line_error(rc, err, f"--db {db}", "readonly database")
    assert folder(db) == before


# -- item 5: readers open read-only and leave nothing beside the database ------------------
@pytest.mark.parametrize("argv", [["analyze", "--top", "0"], ["graph", "--output", "g.png"],
                                  ["export", "ps"]])
def test_read_only_commands_leave_no_wal_or_shm(db, capsys, argv, monkeypatch):
    monkeypatch.chdir(db.parent)
    for mode in (0o444, 0o644):
        db.chmod(mode)
        rc, err = cli(capsys, argv[0], "--db", db, *argv[1:], "--force", "--quiet")
        assert rc == 0, err
        assert not [s for s in SIDECARS if Path(f"{db}{s}").exists()], mode
    rc, err = cli(capsys, "explore", "--db", db, "--steps", "2", "--quiet")  # writable again
    assert rc == 0, err


# -- item 6: a refused run leaves the file as it found it -----------------------------------
@pytest.mark.parametrize("argv", [["explore", "--steps", "2"], ["connect", "--attempts", "1"],
                                  ["explore", "--loss", "ce", "--steps", "2", "--step", "1e200"]])
def test_a_refused_run_leaves_an_empty_file_empty(tmp_path, capsys, argv):
    z = tmp_path / "z.db"
    z.write_bytes(b"")
    rc, err = cli(capsys, argv[0], "--db", z, *argv[1:], "--quiet")
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert [p.name for p in tmp_path.iterdir()] == ["z.db"] and z.read_bytes() == b""


def test_a_run_refused_mid_way_leaves_no_new_database(tmp_path, capsys):
    rc, err = cli(capsys, "explore", "--db", tmp_path / "s.db", "--steps", "2",
                  "--step", "1e200", "--quiet")
    assert rc == 2, err
    assert list(tmp_path.iterdir()) == []


# -- item 11: a connect run counts what it wrote, not what others wrote meanwhile ----------
def test_connect_reports_only_what_it_stored(db, capsys, monkeypatch):
    """Another process adds 3 transition states and a minimum to the file while this run
    works (simulated through a second connection); the summary must not claim them."""
    import re

    from aucscape.landscape import connect as connect_module
    from aucscape.landscape.store import Store

    real = connect_module.connect_landscape

    def with_a_neighbour(objective, store, **kwargs):
        with Store(db) as other:  # the other writer
            m = next(other.iter_minima("id"))
            for k in range(3):
                other.add_ts(m.energy + 1 + k, m.coords + 0.1 * (k + 1), m.id, m.id)
            other.add_minimum(m.energy + 5, m.coords + 1.0)
        return real(objective, store, **kwargs)

    monkeypatch.setattr(connect_module, "connect_landscape", with_a_neighbour)
    with Store(db, read_only=True) as s:
        ts0, min0 = s.n_ts(), s.n_minima()
    rc = main(["connect", "--db", str(db), "--attempts", "2"])
    out = capsys.readouterr().out
    assert rc == 0
    said = re.search(r"new transition states (\d+), new minima (\d+)", out)
    with Store(db, read_only=True) as s:
        run_id = max(r for r, _ in s.iter_runs())
        mine_ts = sum(t.run_id == run_id for t in s.iter_ts())
        mine_min = sum(m.run_id == run_id for m in s.iter_minima())
        assert s.n_ts() == ts0 + 3 + mine_ts and s.n_minima() == min0 + 1 + mine_min
    assert (int(said[1]), int(said[2])) == (mine_ts, mine_min)
