"""The landscape database file: its schema, and opening, verifying or refusing a file.

Layout (``SCHEMA_VERSION`` 1):

- ``meta(key, value)``: ``application = 'aucscape'``, ``schema_version``, ``objective``
  (JSON ``Objective.describe()``), ``n_params``, ``created``.
- ``runs(id, created, record)``: one JSON record per ``explore`` invocation (objective
  description, basin-hopping settings, seed, ``aucscape.__version__``, ...).
- ``minima(id, energy, coords, rms_grad, min_eig, n_nonpositive, lpphe, hits,
  first_found, last_found, run_id)`` with coordinates as a float64 BLOB and an index on
  ``energy``; ``transition_states(id, energy, coords, rms_grad, neg_eig, lpphe, min1,
  min2, first_found, run_id)`` likewise (``lpphe`` there sums ln of the *positive*
  eigenvalues; ``min1 == min2`` is allowed for a TS that falls back into one minimum).

:func:`open_database` creates a missing file with this schema, or checks an existing one
(``PRAGMA quick_check``, ``meta.application``, schema version, tables, and the recorded
objective description against the one given). A refused file raises :class:`StoreError`
and is left as found: no new -wal/-shm beside it, and no new file. Writable connections
run with journal_mode=WAL and synchronous=NORMAL in autocommit mode (the durability
promise of :mod:`.store`).

Times (``created``) are Unix seconds.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np

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


class StoreError(ValueError):
    """The file is not a usable aucscape database (foreign, corrupt, other objective)."""


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


def read_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """``meta.value`` for ``key`` (None when absent)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def write_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


def stored_description(conn: sqlite3.Connection) -> dict | None:
    """The objective description recorded in ``meta`` (None if never given); StoreError
    when the record is damaged (not a JSON object)."""
    raw = read_meta(conn, "objective")
    if raw is None:
        return None
    try:
        desc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise StoreError(f"damaged database: meta.objective is not valid JSON ({exc})") from None
    if not isinstance(desc, dict):
        raise StoreError(f"damaged database: meta.objective is {type(desc).__name__}, "
                         "not a JSON object")
    return desc


@functools.cache
def _schema_columns() -> dict[str, tuple[str, ...]]:
    """Columns of every table of the schema (read from ``_SCHEMA`` itself)."""
    c = sqlite3.connect(":memory:")
    try:
        c.executescript(_SCHEMA)
        names = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: tuple(r[1] for r in c.execute(f"PRAGMA table_info({t})")) for t in names}
    finally:
        c.close()


def _check_damage(c: sqlite3.Connection, path: Path) -> None:
    """StoreError naming what a hand edit broke: a missing column, a coordinate blob whose
    length is not 8 bytes × ``n_params``, a non-numeric ``n_params``."""
    for table, want in _schema_columns().items():
        have = {r[1] for r in c.execute(f"PRAGMA table_info({table})")}
        missing = [col for col in want if col not in have]
        if missing:
            raise StoreError(f"{path} is damaged: table {table} lacks column(s) "
                             f"{', '.join(missing)}")
    raw = read_meta(c, "n_params")
    if raw is None:
        return
    try:
        n = int(raw)
    except ValueError:
        raise StoreError(f"{path} is damaged: meta.n_params = {raw!r}") from None
    for table in ("minima", "transition_states"):
        bad = c.execute(f"SELECT id, length(coords) FROM {table} "
                        "WHERE typeof(coords) != 'blob' OR length(coords) != ? LIMIT 1",
                        (8 * n,)).fetchone()
        if bad is not None:
            raise StoreError(f"{path} is damaged: {table} row {bad[0]} has a {bad[1]}-byte "
                             f"coordinate blob, not {8 * n} ({n} float64 values)")


def open_database(path: Path, description: dict | None = None, *, verify: bool = True,
                  read_only: bool = False, create: bool = True) -> sqlite3.Connection:
    """An autocommit connection to the aucscape database at ``path`` (``":memory:"``
    allowed), created when missing; see the module docstring for the checks made.

    A file that fails them raises :class:`StoreError` and is left as found.
    """
    memory = str(path) == ":memory:"
    exists = not memory and path.exists() and path.stat().st_size > 0
    if read_only and not exists:
        raise StoreError(f"{path}: no database to open read-only")
    if not create and not exists:
        what = "an empty file" if path.exists() else "missing"
        raise StoreError(f"{path} is {what}, not an aucscape database")
    sidecars = [] if memory else [Path(f"{path}{s}") for s in _SIDECARS]
    existed = {p for p in sidecars if p.exists()}
    new_file = not memory and not path.exists()
    try:
        if memory:
            conn = sqlite3.connect(":memory:", isolation_level=None)
        elif read_only:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro",
                                   uri=True, isolation_level=None)
        else:
            conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open as SQLite ({exc})") from exc
    try:
        try:
            _prepare(conn, path, exists, description, verify, read_only)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{path} is not a valid aucscape database (SQLite says: {exc})"
            ) from exc
    except BaseException:
        conn.close()
        # A refused file is left as found: no new -wal/-shm beside it, and no new file.
        for extra in sidecars:
            if extra not in existed:
                extra.unlink(missing_ok=True)
        if new_file:
            path.unlink(missing_ok=True)
        raise
    return conn


def existing_sidecars(path: Path) -> set[Path]:
    """The -wal/-shm/-journal files beside ``path`` now (see :func:`release_sidecars`)."""
    if str(path) == ":memory:":
        return set()
    return {p for p in (Path(f"{path}{s}") for s in _SIDECARS) if p.exists()}


def release_sidecars(path: Path, existed: set[Path]) -> None:
    """After the last connection of this process to ``path`` closed: remove the -wal/-shm
    files that were not there before (``existed``), so that a reader leaves the folder as
    it found it, and a read-only reader leaves no read-only -shm that blocks a later writer.

    A plain connection opened and closed again first lets SQLite clean up as its last
    connection does (checkpoint, then delete). Files still there are removed only when the
    -wal holds nothing and no other process is connected (none holds SQLite's lock on the
    -shm); otherwise they are left, as SQLite needs them.
    """
    created = existing_sidecars(path) - existed
    if not created:
        return
    if os.access(path, os.W_OK):
        try:
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                conn.execute("PRAGMA schema_version").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            pass
        created = existing_sidecars(path) - existed
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if not created or (wal.exists() and wal.stat().st_size > 0):
        return
    if shm.exists() and not _nobody_connected(shm):
        return
    for extra in created:
        extra.unlink(missing_ok=True)


def _nobody_connected(shm: Path) -> bool:
    """True when no process holds SQLite's connection lock (the DMS byte, offset 128) on
    the -shm file ``shm``; False when one does or this cannot be told."""
    try:
        import fcntl
    except ImportError:  # not POSIX: leave the files to SQLite
        return False
    try:
        fd = os.open(shm, os.O_RDWR)
    except OSError:  # nobody can lock it for writing either
        return True
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _prepare(c: sqlite3.Connection, path: Path, exists: bool, description: dict | None,
             verify: bool, read_only: bool) -> None:
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if exists and verify:
        status = c.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            raise StoreError(f"{path} is corrupt (PRAGMA quick_check: {status})")
    if not tables:
        if read_only:
            raise StoreError(f"{path} is an empty SQLite file, not an aucscape database")
        _create(c, description)
    else:
        _check_meta(c, path, tables)
        if verify:
            _check_damage(c, path)
    if not read_only:
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
    c.execute("PRAGMA foreign_keys=ON")
    try:
        stored = stored_description(c)
    except StoreError as exc:
        raise StoreError(f"{path}: {exc}") from None
    if description is not None:
        want = _canonical_json(description)
        if stored is None:
            if read_only:
                raise StoreError(f"{path} records no objective description")
            write_meta(c, "objective", json.dumps(want, sort_keys=True))
        else:
            diff = description_differences(stored, want)
            if diff:
                raise StoreError(
                    f"{path} was made for a different objective; differing keys: "
                    f"{', '.join(diff)} (stored {json.dumps(stored, sort_keys=True)})"
                )


def _create(c: sqlite3.Connection, description: dict | None) -> None:
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


def _check_meta(c: sqlite3.Connection, path: Path, tables: set[str]) -> None:
    if "meta" not in tables:
        raise StoreError(f"{path} is an SQLite file but not an aucscape database "
                         f"(tables: {', '.join(sorted(tables))})")
    meta = dict(c.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("application") != APPLICATION:
        raise StoreError(f"{path} is an SQLite file but not an aucscape database "
                         f"(meta.application = {meta.get('application')!r})")
    version = meta.get("schema_version")
    if version != str(SCHEMA_VERSION):
        raise StoreError(f"{path} has schema version {version}; this aucscape "
                         f"reads version {SCHEMA_VERSION}")
    missing = {"runs", "minima", "transition_states"} - tables
    if missing:
        raise StoreError(f"{path} lacks tables {sorted(missing)}")
