"""Plain-Python checks shared by the tests and the Keras backend scripts (run as
subprocesses); importing this module imports nothing from aucscape."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np


def expect_value_errors(cases: Iterable[tuple[Callable[[], object], str]]) -> None:
    """Each call must raise ValueError whose message contains its text."""
    for fn, message in cases:
        try:
            fn()
        except ValueError as exc:
            assert message in str(exc), (message, exc)
        else:
            raise AssertionError(f"no ValueError for {message!r}")


def close_value_grad(got, ref, tol: float) -> None:
    """(value, gradient) ``got`` equals ``ref`` to ``tol`` relative to max(1, |ref|)."""
    (v, g), (rv, rg) = got, ref
    assert abs(float(v) - rv) <= tol * max(1.0, abs(rv)), (float(v), rv)
    np.testing.assert_allclose(np.asarray(g, np.float64), rg, rtol=tol,
                               atol=tol * max(1.0, np.abs(rg).max()))


def run_cli(capsys, *argv: object) -> tuple[int, str, str]:
    """Run ``aucscape argv`` in-process (each argument as ``str``): (exit status, stdout,
    stderr), the exit status of argparse errors and ``--help`` included."""
    from aucscape.cli import main

    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:
        rc = int(exc.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err


def one_line_error(rc: int, err: str, *needles: str) -> None:
    """A refused run: exit status 2, one line on stderr besides warnings, no traceback,
    every needle in it."""
    lines = [x for x in err.strip().splitlines() if ": warning: " not in x]
    assert rc == 2 and len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


def count_rows(db: Path, sql: str) -> int:
    """The count that ``sql`` returns from ``db`` opened read-only; 0 while the file or its
    schema is not written yet."""
    try:
        con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def sigkill_when(argv: Iterable[str], ready: Callable[[], bool], *, timeout: float = 120.0,
                 poll: float = 0.1) -> None:
    """Run ``python -m aucscape argv`` (one BLAS thread) and SIGKILL it as soon as
    ``ready()`` holds or ``timeout`` seconds have passed; it must have been alive until
    then and die by the signal."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "aucscape", *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while not ready() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(poll)
        assert proc.poll() is None, proc.stderr.read().decode()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def assert_sqlite_intact(db: Path) -> None:
    """SQLite's own integrity check of ``db`` passes."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
