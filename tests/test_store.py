"""SQLite landscape store: round trips, indexed lookups, refusals, and surviving kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import aucscape
from aucscape.landscape.store import (
    SCHEMA_VERSION,
    Store,
    StoreError,
    description_differences,
)

DESC = {"kind": "SeparableWells", "tilts": [0.3, -0.2, 0.45]}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "land.db", DESC) as s:
        yield s


def test_minimum_round_trip_is_bit_exact(store):
    x = np.array([np.pi, -1e-300, 1e300])
    mid = store.add_minimum(-1.25, x, rms_grad=3e-11, min_eig=2e-5, n_nonpositive=0,
                            lpphe=-4.5, found=100.0)
    m = store.get_minimum(mid)
    assert m.id == mid and m.energy == -1.25
    assert m.coords.dtype == np.float64 and m.coords.tobytes() == x.tobytes()
    assert (m.rms_grad, m.min_eig, m.n_nonpositive, m.lpphe) == (3e-11, 2e-5, 0, -4.5)
    assert (m.hits, m.first_found, m.last_found, m.run_id) == (1, 100.0, 100.0, None)
    store.record_hit(mid, found=200.0)
    store.record_hit(mid, found=300.0)
    m = store.get_minimum(mid)
    assert (m.hits, m.first_found, m.last_found) == (3, 100.0, 300.0)
    with pytest.raises(KeyError):
        store.record_hit(mid + 1)
    with pytest.raises(KeyError):
        store.get_minimum(mid + 1)


def test_energy_window_matches_brute_force_and_uses_index(store):
    rng = np.random.default_rng(0)
    energies = rng.normal(size=300).round(3)  # ties on purpose
    for e in energies:
        store.add_minimum(e, rng.normal(size=3))
    assert len(store) == 300
    for lo, hi in [(-0.5, 0.2), (1.0, 1.0), (5.0, 6.0), (-10, 10)]:
        got = store.minima_in_window(lo, hi)
        want_ids = sorted(np.flatnonzero((energies >= lo) & (energies <= hi)) + 1,
                          key=lambda i: (energies[i - 1], i))
        assert [m.id for m in got] == [int(i) for i in want_ids]
    low = store.lowest_minima(3)
    assert [m.energy for m in low] == sorted(energies)[:3]
    assert [m.energy for m in store.iter_minima()] == sorted(energies)
    assert [m.id for m in store.iter_minima("id")] == list(range(1, 301))
    plan = store._conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM minima WHERE energy BETWEEN ? AND ?", (0, 1)
    ).fetchall()
    assert any("minima_energy" in row[-1] for row in plan), plan


def test_transition_states(store):
    a = store.add_minimum(-1.0, [0.0, 0.0, 0.0])
    b = store.add_minimum(-0.5, [1.0, 0.0, 0.0])
    t1 = store.add_ts(0.2, [0.5, 0.0, 0.0], a, b, rms_grad=1e-11, neg_eig=-3.0, lpphe=1.5)
    t2 = store.add_ts(0.7, [0.5, 0.5, 0.0], a, a)  # falls back into one minimum
    ts = store.get_ts(t1)
    assert (ts.min1, ts.min2, ts.energy, ts.neg_eig, ts.lpphe) == (a, b, 0.2, -3.0, 1.5)
    np.testing.assert_array_equal(ts.coords, [0.5, 0.0, 0.0])
    assert [t.id for t in store.iter_ts()] == [t1, t2]
    assert [t.id for t in store.iter_ts("energy")] == [t1, t2]
    assert [t.id for t in store.ts_of_minimum(b)] == [t1]
    assert [t.id for t in store.ts_of_minimum(a)] == [t1, t2]
    assert [t.id for t in store.ts_in_window(0.5, 1.0)] == [t2]
    assert store.n_ts() == 2
    with pytest.raises(ValueError, match="min2 = 99"):
        store.add_ts(0.1, [0.0, 0.0, 0.0], a, 99)


def test_runs_record_version_and_persist(tmp_path):
    path = tmp_path / "r.db"
    with Store(path, DESC) as s:
        rid = s.add_run({"seed": 3, "basinhopping": {"step": 1.0, "temperature": 2.0}})
        s.add_minimum(0.5, [1.0, 2.0, 3.0], run_id=rid)
    with Store(path, DESC) as s:
        rec = s.get_run(rid)
        assert rec["seed"] == 3 and rec["basinhopping"]["temperature"] == 2.0
        assert rec["package_version"] == aucscape.__version__
        assert [r for r, _ in s.iter_runs()] == [rid]
        assert s.get_minimum(1).run_id == rid
        assert s.objective_description == DESC
        assert s.n_params == 3


def test_validation(store):
    store.add_minimum(0.0, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="stores 3"):
        store.add_minimum(0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        store.add_minimum(0.0, [np.nan, 2.0, 3.0])
    with pytest.raises(ValueError, match="energy"):
        store.add_minimum(np.inf, [1.0, 2.0, 3.0])


def test_refuses_foreign_files(tmp_path):
    assert issubclass(StoreError, ValueError)
    junk = tmp_path / "junk.db"
    junk.write_bytes(np.random.default_rng(0).bytes(8192))
    with pytest.raises(StoreError, match="not a valid aucscape database"):
        Store(junk)
    text = tmp_path / "notes.db"
    text.write_text("hello, this is not a database\n" * 50)
    with pytest.raises(StoreError):
        Store(text)
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE people (name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match=r"not an aucscape database.*people"):
        Store(foreign)
    with pytest.raises(StoreError, match="read-only"):
        Store(tmp_path / "missing.db", read_only=True)


def test_refuses_corrupt_file(tmp_path):
    path = tmp_path / "c.db"
    with Store(path, DESC) as s:
        for i in range(400):
            s.add_minimum(float(i), np.full(3, float(i)))
    con = sqlite3.connect(path)  # fold the WAL into the main file, then damage its pages
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    raw = bytearray(path.read_bytes())
    assert len(raw) > 4 * 4096
    raw[2 * 4096: 4 * 4096] = np.random.default_rng(1).bytes(2 * 4096)
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreError):
        Store(path, DESC)


def test_refuses_other_objective_naming_keys(tmp_path):
    path = tmp_path / "o.db"
    Store(path, DESC).close()
    other = {"kind": "SeparableWells", "tilts": [0.3, -0.2, 0.5], "extra": 1}
    with pytest.raises(StoreError, match=r"differing keys: extra, tilts"):
        Store(path, other)
    # same description (tuple vs list is the same JSON) and no description both open
    Store(path, {"tilts": (0.3, -0.2, 0.45), "kind": "SeparableWells"}).close()
    Store(path).close()
    assert description_differences({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}}) == ["a.c"]


def test_refuses_other_schema_version(tmp_path):
    path = tmp_path / "v.db"
    Store(path, DESC).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                (str(SCHEMA_VERSION + 1),))
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema version"):
        Store(path, DESC)


def test_description_added_later_and_read_only(tmp_path):
    path = tmp_path / "d.db"
    with Store(path) as s:
        assert s.objective_description is None
        s.add_minimum(1.0, [0.0])
    with Store(path, {"kind": "x"}) as s:
        assert s.objective_description == {"kind": "x"}
    with Store(path, read_only=True) as s:
        assert s.get_minimum(1).energy == 1.0
        with pytest.raises(sqlite3.OperationalError):
            s.add_minimum(2.0, [0.0])


WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from aucscape.landscape.store import Store
    s = Store(sys.argv[1], {"kind": "kill-test"})
    rng = np.random.default_rng(int(sys.argv[2]))
    first = None
    while True:
        x = rng.normal(size=50)
        mid = s.add_minimum(float(x.sum()), x, rms_grad=1e-11)
        first = first or mid
        s.record_hit(first)
    """
)


def _kill_writer_after(path, seed, n_rows):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seed)])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if path.exists():
                try:
                    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                    n = con.execute("SELECT COUNT(*) FROM minima").fetchone()[0]
                    con.close()
                except sqlite3.Error:
                    n = 0
                if n >= n_rows:
                    break
            time.sleep(0.02)
        assert proc.poll() is None, "writer exited early"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _check_rows(store):
    n = 0
    for m in store.iter_minima("id"):
        assert m.coords.shape == (50,)
        assert m.energy == float(m.coords.sum())  # no torn rows
        n += 1
    return n


def test_survives_kill_9_and_resumes(tmp_path):
    path = tmp_path / "kill.db"
    _kill_writer_after(path, seed=1, n_rows=200)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with Store(path, {"kind": "kill-test"}) as s:
        n1 = _check_rows(s)
        assert n1 >= 200
        # 1 + one hit per completed loop; the kill may fall between insert and hit
        assert s.get_minimum(1).hits in (n1, n1 + 1)
        s.add_minimum(0.0, np.zeros(50))
    _kill_writer_after(path, seed=2, n_rows=n1 + 200)  # a second run adds to the same file
    with Store(path, {"kind": "kill-test"}) as s:
        assert s.integrity_check() == "ok"
        assert _check_rows(s) >= n1 + 200


def _sidecars(path):
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


@pytest.mark.parametrize("read_only", [False, True])
def test_refused_files_are_left_exactly_as_found(tmp_path, read_only):
    good = tmp_path / "good.db"
    with Store(good, DESC) as s:
        for i in range(300):
            s.add_minimum(float(i), np.full(3, float(i)))
    cases = {"junk.db": np.random.default_rng(0).bytes(8192),
             "truncated.db": good.read_bytes()[:3000]}
    for name, raw in cases.items():
        d = tmp_path / name.split(".")[0]
        d.mkdir()
        path = d / name
        path.write_bytes(raw)
        with pytest.raises(StoreError):
            Store(path, DESC, read_only=read_only)
        assert path.read_bytes() == raw, name
        assert _sidecars(path) == [], name
    d = tmp_path / "other"
    d.mkdir()
    path = d / "o.db"
    path.write_bytes(good.read_bytes())
    with pytest.raises(StoreError, match="differing keys"):
        Store(path, {"kind": "other"}, read_only=read_only)
    assert path.read_bytes() == good.read_bytes()


def test_transaction_is_all_or_nothing(tmp_path):
    path = tmp_path / "t.db"
    with Store(path, DESC) as s:
        with pytest.raises(RuntimeError, match="boom"), s.transaction():
            a = s.add_minimum(1.0, [0.0, 1.0, 2.0])
            s.add_ts(2.0, [0.5, 1.0, 2.0], a, a)
            raise RuntimeError("boom")
        assert s.n_minima() == 0 and s.n_ts() == 0 and s.n_params is None
        # the coordinate length was not fixed by the rolled-back insert
        with s.transaction():
            a = s.add_minimum(1.0, [0.0, 1.0])
            with pytest.raises(ValueError, match="not a stored minimum"), s.transaction():
                s.add_minimum(3.0, [9.0, 9.0])
                s.add_ts(2.0, [0.5, 1.0], a, 999)
            s.record_hit(a)
    with Store(path, read_only=True) as s:
        assert [(m.energy, m.hits) for m in s.iter_minima()] == [(1.0, 2)]
        assert s.n_params == 2 and s.n_ts() == 0


def test_failed_insert_does_not_fix_the_coordinate_length(store):
    with pytest.raises(ValueError, match="not a stored minimum"):
        store.add_ts(1.0, [0.0, 1.0], 1, 2)
    assert store.n_params is None
    store.add_minimum(0.0, [1.0, 2.0, 3.0])
    assert store.n_params == 3
