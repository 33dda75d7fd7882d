"""Crash-safe SQLite database of minima and transition states (GMIN's min.data, persisted).

One file per landscape. Layout (``SCHEMA_VERSION`` 1):

- ``meta(key, value)``: ``application = 'aucscape'``, ``schema_version``, ``objective``
  (JSON ``Objective.describe()``), ``n_params``, ``created``.
- ``runs(id, created, record)``: one JSON record per ``explore`` invocation (objective
  description, basin-hopping settings, seed, ``aucscape.__version__``, ...).
- ``minima(id, energy, coords, rms_grad, min_eig, n_nonpositive, lpphe, hits,
  first_found, last_found, run_id)`` with coordinates as a float64 BLOB and an index on
  ``energy``; ``transition_states(id, energy, coords, rms_grad, neg_eig, lpphe, min1,
  min2, first_found, run_id)`` likewise (``lpphe`` there sums ln of the *positive*
  eigenvalues; ``min1 == min2`` is allowed for a TS that falls back into one minimum).

Durability: journal_mode=WAL, synchronous=NORMAL and autocommit, so every insert or hit
update is its own transaction. A process killed at any moment (kill -9) loses at most
the statement in flight and the file passes ``PRAGMA integrity_check``. (NORMAL skips the
fsync per commit; an operating-system crash or power cut may lose the last commits, but
never corrupts the file.) The driver is the only writer; readers may open the file at
the same time.

Times (``first_found``, ``last_found``, ``created``) are Unix seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..objective import FloatArray

SCHEMA_VERSION = 1
APPLICATION = "aucscape"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, created REAL NOT NULL, record TEXT NOT NULL
);
CREATE TABLE minima (
    id INTEGER PRIMARY KEY, energy REAL NOT NULL, coords BLOB NOT NULL,
    rms_grad REAL, min_eig REAL, n_nonpositive INTEGER, lpphe REAL,
    hits INTEGER NOT NULL DEFAULT 1, first_found REAL NOT NULL, last_found REAL NOT NULL,
    run_id INTEGER REFERENCES runs(id)
);
CREATE INDEX minima_energy ON minima(energy);
CREATE TABLE transition_states (
    id INTEGER PRIMARY KEY, energy REAL NOT NULL, coords BLOB NOT NULL,
    rms_grad REAL, neg_eig REAL, lpphe REAL,
    min1 INTEGER NOT NULL REFERENCES minima(id), min2 INTEGER NOT NULL REFERENCES minima(id),
    first_found REAL NOT NULL, run_id INTEGER REFERENCES runs(id)
);
CREATE INDEX ts_energy ON transition_states(energy);
CREATE INDEX ts_min1 ON transition_states(min1);
CREATE INDEX ts_min2 ON transition_states(min2);
"""

_SIDECARS = ("-wal", "-shm", "-journal")  # files SQLite may create beside the database

_MIN_COLS = ("id, energy, coords, rms_grad, min_eig, n_nonpositive, lpphe, hits, "
             "first_found, last_found, run_id")
_TS_COLS = "id, energy, coords, rms_grad, neg_eig, lpphe, min1, min2, first_found, run_id"


class StoreError(ValueError):
    """The file is not a usable aucscape database (foreign, corrupt, other objective)."""


@dataclass(frozen=True)
class Minimum:
    """One stored minimum; ``lpphe`` = sum_k ln(lambda_k) over the Hessian eigenvalues."""

    id: int
    energy: float
    coords: FloatArray
    rms_grad: float | None
    min_eig: float | None
    n_nonpositive: int | None
    lpphe: float | None
    hits: int
    first_found: float
    last_found: float
    run_id: int | None


@dataclass(frozen=True)
class TransitionState:
    """One stored index-1 saddle connecting minima ``min1`` and ``min2``."""

    id: int
    energy: float
    coords: FloatArray
    rms_grad: float | None
    neg_eig: float | None
    lpphe: float | None
    min1: int
    min2: int
    first_found: float
    run_id: int | None


def _canonical_json(obj: Any) -> Any:
    """JSON round trip (tuples -> lists, numpy scalars -> numbers, sorted keys)."""
    return json.loads(json.dumps(obj, sort_keys=True, default=_json_default))


def _json_default(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable")


def description_differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted key paths where two JSON-like descriptions differ (empty when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b), key=str):
            path = f"{prefix}.{k}" if prefix else str(k)
            if k not in a or k not in b:
                out.append(path)
            else:
                out.extend(description_differences(a[k], b[k], path))
        return out
    return [] if a == b else [prefix or "<root>"]


def _blob(x: Any, name: str) -> tuple[bytes, int]:
    arr = np.ascontiguousarray(np.asarray(x, dtype=np.float64).ravel())
    if arr.size == 0:
        raise ValueError(f"{name} must have at least one coordinate")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr.tobytes(), int(arr.size)


def _order_by(order: str) -> str:
    """SQL ORDER BY terms for ``order`` = "energy" (lowest first, ties by id) or "id"."""
    if order not in ("energy", "id"):
        raise ValueError(f"order must be 'energy' or 'id', got {order!r}")
    return "energy, id" if order == "energy" else "id"


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


class Store:
    """A landscape database at ``path`` (created when missing).

    ``objective_description``: when given, a new file records it, and an existing file
    made for a different objective is refused with :class:`StoreError` naming the
    differing keys. ``verify`` runs ``PRAGMA quick_check`` on opening an existing file.
    ``read_only`` opens without write access (analysis while a run is going on).
    ``path = ":memory:"`` gives a throw-away in-memory store (tests, quick looks).
    """

    def __init__(self, path: str | os.PathLike[str], objective_description: dict | None = None,
                 *, verify: bool = True, read_only: bool = False) -> None:
        self.path = Path(path)
        self._n_params: int | None = None
        self._depth = 0  # nesting of transaction() blocks
        memory = str(path) == ":memory:"
        exists = not memory and self.path.exists() and self.path.stat().st_size > 0
        if read_only and not exists:
            raise StoreError(f"{self.path}: no database to open read-only")
        sidecars = [] if memory else [Path(f"{self.path}{s}") for s in _SIDECARS]
        existed = {p for p in sidecars if p.exists()}
        new_file = not memory and not self.path.exists()
        try:
            if memory:
                self._conn = sqlite3.connect(":memory:", isolation_level=None)
            elif read_only:
                self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro",
                                             uri=True, isolation_level=None)
            else:
                self._conn = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open as SQLite ({exc})") from exc
        try:
            try:
                self._open(exists, objective_description, verify, read_only)
            except sqlite3.DatabaseError as exc:
                raise StoreError(
                    f"{self.path} is not a valid aucscape database (SQLite says: {exc})"
                ) from exc
        except BaseException:
            self._conn.close()
            # A refused file is left as found: no new -wal/-shm beside it, and no new file.
            for extra in sidecars:
                if extra not in existed:
                    extra.unlink(missing_ok=True)
            if new_file:
                self.path.unlink(missing_ok=True)
            raise

    # -- opening -------------------------------------------------------------------------
    def _open(self, exists: bool, description: dict | None, verify: bool,
              read_only: bool) -> None:
        c = self._conn
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if exists and verify:
            status = c.execute("PRAGMA quick_check").fetchone()[0]
            if status != "ok":
                raise StoreError(f"{self.path} is corrupt (PRAGMA quick_check: {status})")
        if not tables:
            if read_only:
                raise StoreError(f"{self.path} is an empty SQLite file, not an aucscape database")
            self._create(description)
        else:
            self._check_meta(tables)
        if not read_only:
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA foreign_keys=ON")
        stored = self.objective_description
        if description is not None:
            want = _canonical_json(description)
            if stored is None:
                if read_only:
                    raise StoreError(f"{self.path} records no objective description")
                self._set_meta("objective", json.dumps(want, sort_keys=True))
            else:
                diff = description_differences(stored, want)
                if diff:
                    raise StoreError(
                        f"{self.path} was made for a different objective; differing keys: "
                        f"{', '.join(diff)} (stored {json.dumps(stored, sort_keys=True)})"
                    )

    def _create(self, description: dict | None) -> None:
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    c.execute(statement)
            rows = [("application", APPLICATION), ("schema_version", str(SCHEMA_VERSION)),
                    ("created", repr(time.time()))]
            if description is not None:
                rows.append(("objective",
                             json.dumps(_canonical_json(description), sort_keys=True)))
            c.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", rows)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _check_meta(self, tables: set[str]) -> None:
        if "meta" not in tables:
            raise StoreError(f"{self.path} is an SQLite file but not an aucscape database "
                             f"(tables: {', '.join(sorted(tables))})")
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("application") != APPLICATION:
            raise StoreError(f"{self.path} is an SQLite file but not an aucscape database "
                             f"(meta.application = {meta.get('application')!r})")
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise StoreError(f"{self.path} has schema version {version}; this aucscape "
                             f"reads version {SCHEMA_VERSION}")
        missing = {"runs", "minima", "transition_states"} - tables
        if missing:
            raise StoreError(f"{self.path} lacks tables {sorted(missing)}")

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def objective_description(self) -> dict | None:
        """The objective's ``describe()`` recorded in the file (None if never given)."""
        raw = self._meta("objective")
        return None if raw is None else json.loads(raw)

    @property
    def n_params(self) -> int | None:
        """Length of stored coordinate vectors (None before the first insert)."""
        raw = self._meta("n_params")
        return None if raw is None else int(raw)

    def _checked_point(self, energy: float, coords: Any) -> tuple[float, bytes]:
        """(finite energy, coordinate BLOB) for an insert; fixes n_params on the first one."""
        e = float(energy)
        if not np.isfinite(e):
            raise ValueError(f"energy must be finite, got {energy!r}")
        blob, n = _blob(coords, "coords")
        self._check_n(n)
        return e, blob

    def _check_n(self, n: int) -> None:
        known = self._n_params if self._n_params is not None else self.n_params
        if known is None:
            self._set_meta("n_params", str(n))
            known = n
        self._n_params = known  # single writer: safe to cache
        if known != n:
            raise ValueError(f"coords has {n} entries but this database stores {known}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """Writes inside the ``with`` block commit together or not at all.

        Blocks nest (SQLite savepoints): an inner block that raises undoes only its own
        writes. Without a block every insert is its own transaction.
        """
        self._depth += 1
        name = f"aucscape_{self._depth}"
        self._conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self._conn.execute(f"ROLLBACK TO {name}")
            self._conn.execute(f"RELEASE {name}")
            self._n_params = None  # perhaps fixed by a rolled-back insert: re-read it
            raise
        else:
            self._conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    # -- runs ----------------------------------------------------------------------------
    def add_run(self, record: dict[str, Any]) -> int:
        """Store a JSON run record (adds ``package_version`` and ``created``); return its id."""
        from .. import __version__

        now = time.time()
        rec = _canonical_json({"package_version": __version__, "created": now, **record})
        cur = self._conn.execute("INSERT INTO runs(created, record) VALUES (?, ?)",
                                 (now, json.dumps(rec, sort_keys=True)))
        return int(cur.lastrowid)

    def get_run(self, run_id: int) -> dict[str, Any]:
        row = self._conn.execute("SELECT record FROM runs WHERE id = ?", (int(run_id),)).fetchone()
        if row is None:
            raise KeyError(f"no run with id {run_id}")
        return json.loads(row[0])

    def iter_runs(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for rid, rec in self._conn.execute("SELECT id, record FROM runs ORDER BY id"):
            yield int(rid), json.loads(rec)

    # -- minima --------------------------------------------------------------------------
    def add_minimum(self, energy: float, coords: Any, *, rms_grad: float | None = None,
                    min_eig: float | None = None, n_nonpositive: int | None = None,
                    lpphe: float | None = None, run_id: int | None = None,
                    found: float | None = None) -> int:
        """Insert a new minimum (its own transaction) and return its id."""
        t = time.time() if found is None else float(found)
        with self.transaction():
            e, blob = self._checked_point(energy, coords)
            cur = self._conn.execute(
                "INSERT INTO minima(energy, coords, rms_grad, min_eig, n_nonpositive, lpphe,"
                " hits, first_found, last_found, run_id) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                (e, blob, _opt_float(rms_grad), _opt_float(min_eig),
                 None if n_nonpositive is None else int(n_nonpositive), _opt_float(lpphe), t,
                 t, run_id),
            )
        return int(cur.lastrowid)

    def record_hit(self, minimum_id: int, found: float | None = None) -> None:
        """Count one more quench that fell into minimum ``minimum_id``."""
        t = time.time() if found is None else float(found)
        cur = self._conn.execute(
            "UPDATE minima SET hits = hits + 1, last_found = ? WHERE id = ?",
            (t, int(minimum_id)))
        if cur.rowcount != 1:
            raise KeyError(f"no minimum with id {minimum_id}")

    @staticmethod
    def _minimum(row: tuple) -> Minimum:
        return Minimum(int(row[0]), float(row[1]), np.frombuffer(row[2], dtype=np.float64).copy(),
                       row[3], row[4], row[5], row[6], int(row[7]), row[8], row[9], row[10])

    def get_minimum(self, minimum_id: int) -> Minimum:
        row = self._conn.execute(f"SELECT {_MIN_COLS} FROM minima WHERE id = ?",
                                 (int(minimum_id),)).fetchone()
        if row is None:
            raise KeyError(f"no minimum with id {minimum_id}")
        return self._minimum(row)

    def minima_in_window(self, lo: float, hi: float) -> list[Minimum]:
        """Minima with lo <= energy <= hi, lowest first (an index range scan)."""
        rows = self._conn.execute(
            f"SELECT {_MIN_COLS} FROM minima WHERE energy BETWEEN ? AND ? ORDER BY energy, id",
            (float(lo), float(hi)))
        return [self._minimum(r) for r in rows]

    def iter_minima(self, order: str = "energy") -> Iterator[Minimum]:
        """All minima, by ``order`` = "energy" (lowest first) or "id" (insertion order)."""
        for row in self._conn.execute(f"SELECT {_MIN_COLS} FROM minima ORDER BY "
                                      f"{_order_by(order)}"):
            yield self._minimum(row)

    def lowest_minima(self, k: int = 1) -> list[Minimum]:
        rows = self._conn.execute(f"SELECT {_MIN_COLS} FROM minima ORDER BY energy, id LIMIT ?",
                                  (int(k),))
        return [self._minimum(r) for r in rows]

    def n_minima(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM minima").fetchone()[0])

    def __len__(self) -> int:
        return self.n_minima()

    # -- transition states ---------------------------------------------------------------
    def add_ts(self, energy: float, coords: Any, min1: int, min2: int, *,
               rms_grad: float | None = None, neg_eig: float | None = None,
               lpphe: float | None = None, run_id: int | None = None,
               found: float | None = None) -> int:
        """Insert a transition state between stored minima ``min1`` and ``min2``."""
        for name, mid in (("min1", min1), ("min2", min2)):
            row = self._conn.execute("SELECT 1 FROM minima WHERE id = ?", (int(mid),)).fetchone()
            if row is None:
                raise ValueError(f"{name} = {mid} is not a stored minimum")
        t = time.time() if found is None else float(found)
        with self.transaction():
            e, blob = self._checked_point(energy, coords)
            cur = self._conn.execute(
                "INSERT INTO transition_states(energy, coords, rms_grad, neg_eig, lpphe, min1,"
                " min2, first_found, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (e, blob, _opt_float(rms_grad), _opt_float(neg_eig), _opt_float(lpphe),
                 int(min1), int(min2), t, run_id))
        return int(cur.lastrowid)

    @staticmethod
    def _ts(row: tuple) -> TransitionState:
        return TransitionState(int(row[0]), float(row[1]),
                               np.frombuffer(row[2], dtype=np.float64).copy(), row[3], row[4],
                               row[5], int(row[6]), int(row[7]), row[8], row[9])

    def get_ts(self, ts_id: int) -> TransitionState:
        row = self._conn.execute(f"SELECT {_TS_COLS} FROM transition_states WHERE id = ?",
                                 (int(ts_id),)).fetchone()
        if row is None:
            raise KeyError(f"no transition state with id {ts_id}")
        return self._ts(row)

    def iter_ts(self, order: str = "id") -> Iterator[TransitionState]:
        """All transition states, by ``order`` = "id" or "energy"."""
        for row in self._conn.execute(f"SELECT {_TS_COLS} FROM transition_states ORDER BY "
                                      f"{_order_by(order)}"):
            yield self._ts(row)

    def ts_in_window(self, lo: float, hi: float) -> list[TransitionState]:
        rows = self._conn.execute(
            f"SELECT {_TS_COLS} FROM transition_states WHERE energy BETWEEN ? AND ? "
            "ORDER BY energy, id", (float(lo), float(hi)))
        return [self._ts(r) for r in rows]

    def ts_of_minimum(self, minimum_id: int) -> list[TransitionState]:
        """Transition states with ``minimum_id`` as either end (indexed)."""
        m = int(minimum_id)
        rows = self._conn.execute(
            f"SELECT {_TS_COLS} FROM transition_states WHERE min1 = ? UNION "
            f"SELECT {_TS_COLS} FROM transition_states WHERE min2 = ? ORDER BY id", (m, m))
        return [self._ts(r) for r in rows]

    def n_ts(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM transition_states").fetchone()[0])

    # -- housekeeping --------------------------------------------------------------------
    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` ("ok" for a sound file)."""
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
