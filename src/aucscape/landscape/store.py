"""Crash-safe SQLite database of minima and transition states (GMIN's min.data, persisted).

One file per landscape; :class:`Store` reads and writes its records (runs, minima,
transition states) and returns them as :class:`Minimum` / :class:`TransitionState`.
The file layout and the opening checks (schema creation and version, refusing foreign,
corrupt or other-objective files with :class:`StoreError`) live in :mod:`.store_schema`,
whose public names are re-exported here.

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
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..protocols import FloatArray
from .store_schema import (
    APPLICATION,
    SCHEMA_VERSION,
    StoreError,
    _canonical_json,
    description_differences,
    existing_sidecars,
    open_database,
    read_meta,
    release_sidecars,
    stored_description,
    write_meta,
)

_MIN_COLS = ("id, energy, coords, rms_grad, min_eig, n_nonpositive, lpphe, hits, "
             "first_found, last_found, run_id")
_TS_COLS = "id, energy, coords, rms_grad, neg_eig, lpphe, min1, min2, first_found, run_id"


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


#: Stores open in this process, by file (:func:`_open_key`): sidecar files are released
#: only when the last of them closes.
_OPEN: Counter[str] = Counter()


def _open_key(path: Path) -> str:
    if str(path) == ":memory:":
        return f":memory:{id(path)}"
    return os.path.realpath(path)


class Store:
    """A landscape database at ``path`` (created when missing).

    ``objective_description``: when given, a new file records it, and an existing file
    made for a different objective is refused with :class:`StoreError` naming the
    differing keys. ``verify`` runs ``PRAGMA quick_check`` on opening an existing file.
    ``read_only`` opens without write access (analysis while a run is going on);
    ``create=False`` refuses a missing or empty file instead of making a database in it.
    ``path = ":memory:"`` gives a throw-away in-memory store (tests, quick looks).
    """

    def __init__(self, path: str | os.PathLike[str], objective_description: dict | None = None,
                 *, verify: bool = True, read_only: bool = False, create: bool = True) -> None:
        self.path = Path(path)
        self._n_params: int | None = None
        self._depth = 0  # nesting of transaction() blocks
        self._sidecars = existing_sidecars(self.path)  # left as found on close
        self._conn = open_database(self.path, objective_description, verify=verify,
                                   read_only=read_only, create=create)
        self._key = _open_key(self.path)
        _OPEN[self._key] += 1

    def _meta(self, key: str) -> str | None:
        return read_meta(self._conn, key)

    def _set_meta(self, key: str, value: str) -> None:
        write_meta(self._conn, key, value)

    @property
    def objective_description(self) -> dict | None:
        """The objective's ``describe()`` recorded in the file (None if never given)."""
        return stored_description(self._conn)

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

    def _insert_point(self, table: str, energy: float, coords: Any, **columns: Any) -> int:
        """INSERT a row (energy, coords, **columns) into ``table``, its own transaction; its id.

        ``table`` and the column names come from this class, never from a caller's input.
        """
        with self.transaction():
            e, blob = self._checked_point(energy, coords)
            names = ", ".join(("energy", "coords", *columns))
            marks = ", ".join("?" * (2 + len(columns)))
            cur = self._conn.execute(f"INSERT INTO {table}({names}) VALUES ({marks})",
                                     (e, blob, *columns.values()))
        return int(cur.lastrowid)

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
        return self._insert_point(
            "minima", energy, coords,
            rms_grad=_opt_float(rms_grad), min_eig=_opt_float(min_eig),
            n_nonpositive=None if n_nonpositive is None else int(n_nonpositive),
            lpphe=_opt_float(lpphe), hits=1, first_found=t, last_found=t, run_id=run_id,
        )

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

    def _row(self, table: str, columns: str, row_id: int, what: str) -> tuple:
        """The stored ``columns`` of row ``row_id`` of ``table``; KeyError naming ``what``."""
        row = self._conn.execute(f"SELECT {columns} FROM {table} WHERE id = ?",
                                 (int(row_id),)).fetchone()
        if row is None:
            raise KeyError(f"no {what} with id {row_id}")
        return row

    def get_minimum(self, minimum_id: int) -> Minimum:
        return self._minimum(self._row("minima", _MIN_COLS, minimum_id, "minimum"))

    def minima_in_window(self, lo: float, hi: float) -> list[Minimum]:
        """Minima with lo <= energy <= hi, lowest first (an index range scan)."""
        rows = self._conn.execute(
            f"SELECT {_MIN_COLS} FROM minima WHERE energy BETWEEN ? AND ? ORDER BY energy, id",
            (float(lo), float(hi)))
        return [self._minimum(r) for r in rows]

    def minimum_energies(self) -> FloatArray:
        """Energies of all stored minima, ascending (an index scan; no coordinates read)."""
        rows = self._conn.execute("SELECT energy FROM minima ORDER BY energy")
        return np.fromiter((r[0] for r in rows), dtype=np.float64)

    def minimum_index(self, after: int = 0) -> list[tuple[int, float]]:
        """(id, energy) of the minima with id > ``after``, by id (no coordinates read)."""
        rows = self._conn.execute("SELECT id, energy FROM minima WHERE id > ? ORDER BY id",
                                  (int(after),))
        return [(int(i), float(e)) for i, e in rows]

    def iter_minima(self, order: str = "energy") -> Iterator[Minimum]:
        """All minima, by ``order`` = "energy" (lowest first) or "id" (insertion order)."""
        for row in self._conn.execute(f"SELECT {_MIN_COLS} FROM minima ORDER BY "
                                      f"{_order_by(order)}"):
            yield self._minimum(row)

    def lowest_minima(self, k: int = 1) -> list[Minimum]:
        rows = self._conn.execute(f"SELECT {_MIN_COLS} FROM minima ORDER BY energy, id LIMIT ?",
                                  (int(k),))
        return [self._minimum(r) for r in rows]

    def n_minima(self, run_id: int | None = None) -> int:
        """Stored minima; with ``run_id``, those that run stored (not another process's)."""
        return self._count("minima", run_id)

    def _count(self, table: str, run_id: int | None) -> int:
        if run_id is None:
            return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table} WHERE run_id = ?",
                                      (int(run_id),)).fetchone()[0])

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
        return self._insert_point(
            "transition_states", energy, coords,
            rms_grad=_opt_float(rms_grad), neg_eig=_opt_float(neg_eig), lpphe=_opt_float(lpphe),
            min1=int(min1), min2=int(min2), first_found=t, run_id=run_id,
        )

    @staticmethod
    def _ts(row: tuple) -> TransitionState:
        return TransitionState(int(row[0]), float(row[1]),
                               np.frombuffer(row[2], dtype=np.float64).copy(), row[3], row[4],
                               row[5], int(row[6]), int(row[7]), row[8], row[9])

    def get_ts(self, ts_id: int) -> TransitionState:
        return self._ts(self._row("transition_states", _TS_COLS, ts_id, "transition state"))

    def iter_ts(self, order: str = "id") -> Iterator[TransitionState]:
        """All transition states, by ``order`` = "id" or "energy"."""
        for row in self._conn.execute(f"SELECT {_TS_COLS} FROM transition_states ORDER BY "
                                      f"{_order_by(order)}"):
            yield self._ts(row)

    def ts_edges(self, after: int = 0) -> list[tuple[int, float, int, int]]:
        """(id, energy, min1, min2) of the transition states with id > ``after``, by id (no
        coordinates read)."""
        rows = self._conn.execute("SELECT id, energy, min1, min2 FROM transition_states "
                                  "WHERE id > ? ORDER BY id", (int(after),))
        return [(int(i), float(e), int(a), int(b)) for i, e, a, b in rows]

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

    def n_ts(self, run_id: int | None = None) -> int:
        """Stored transition states; with ``run_id``, those that run stored."""
        return self._count("transition_states", run_id)

    # -- housekeeping --------------------------------------------------------------------
    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` ("ok" for a sound file)."""
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Close the connection; -wal/-shm files this store created and SQLite left are
        removed (:func:`~.store_schema.release_sidecars`)."""
        if self._key is None:  # closed already
            return
        self._conn.close()
        _OPEN[self._key] -= 1
        if _OPEN[self._key] <= 0:  # the last store of this process on that file
            del _OPEN[self._key]
            release_sidecars(self.path, self._sidecars)
        self._key = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "APPLICATION",
    "SCHEMA_VERSION",
    "Minimum",
    "Store",
    "StoreError",
    "TransitionState",
    "description_differences",
]
