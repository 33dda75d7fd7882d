"""Issue 24 item 1: a driver ended by SIGTERM, SIGINT or kill -9 leaves no worker process.

A real ``python -m aucscape explore --workers 2`` is started, its descendants (workers,
forkserver, resource tracker) are read from /proc once the workers run, the driver is
signalled, and every one of those process ids must be gone within a bounded wait.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aucscape.parallel import process_alive

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        out.setdefault(ppid, []).append(int(entry))
    return out


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    return {p for p in pids if process_alive(p)}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_killed_explore_leaves_no_worker(tmp_path, sig):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "aucscape", "explore", "--db", str(tmp_path / "w.db"),
           "--loss", "sigmoid", "--hidden", "3", "--steps", "100000", "--workers", "2",
           "--quiet"]
    driver = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    family: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and driver.poll() is None:
            family |= _descendants(driver.pid)
            workers = [p for p in family if p not in _children().get(driver.pid, [])]
            if len(workers) >= 2 and (tmp_path / "w.db").exists():
                break
            time.sleep(0.2)
        assert driver.poll() is None, driver.stderr.read().decode()
        family |= _descendants(driver.pid)
        assert len(family) >= 3  # forkserver (or spawn) workers and their helpers
        os.kill(driver.pid, sig)
        driver.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _alive(family) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(family), f"survivors after {sig!r}: {sorted(_alive(family))}"
        if sig != signal.SIGKILL:  # ended through the CLI's own handler
            err = driver.stderr.read().decode()
            assert "interrupted" in err and "Traceback" not in err, err
            assert driver.returncode == 128 + sig if sig == signal.SIGTERM else 130
    finally:
        for pid in _alive(family | {driver.pid}):  # never leak what this test started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        driver.wait(timeout=10)
