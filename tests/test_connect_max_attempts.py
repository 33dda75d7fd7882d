"""``connect_landscape(max_attempts=N)`` never runs more than N attempts, bridges included.

Every band the driver runs (a chosen pair's attempt, or a bridge band of a detour or of a
re-found saddle) goes through ``executor.submit``; an executor that counts its submissions
is the independent reference. The budget is deliberately not a multiple of the batch, with
one worker (in-process) and two worker processes, and on a resumed call that retries the
pairs of the first (``persist_tries``: larger bands for pairs tried before), or runs
nothing when the first call already joined every minimum (whether 7 attempts join this
landscape depends on rounding).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from aucscape.data import spiral
from aucscape.landscape.basinhopping import BasinHopping
from aucscape.landscape.connect import connect_landscape, load_tries
from aucscape.landscape.store import Store
from aucscape.objectives import make_objective

OBJ = make_objective(spiral(points_per_arm=30), loss="ce", hidden=3)
BATCH = 4


class CountingExecutor:
    """Delegates to ``inner`` (or runs each task at once when None), counting submissions."""

    def __init__(self, inner=None):
        self.inner, self.submitted = inner, 0

    def submit(self, fn, *args):
        self.submitted += 1
        if self.inner is not None:
            return self.inner.submit(fn, *args)
        value = fn(*args)
        return SimpleNamespace(result=lambda: value)


@pytest.fixture(scope="module")
def explored(tmp_path_factory) -> Path:
    """A 2-3-2 spiral CE landscape with several unconnected minima (its bands detour)."""
    path = tmp_path_factory.mktemp("budget") / "explored.db"
    with Store(path, OBJ.describe()) as st:
        BasinHopping(OBJ, st, seed=0).run(max_steps=60)
        assert st.n_minima() >= 6
    return path


@pytest.mark.parametrize(("workers", "max_attempts"), [(1, 5), (1, 7), (2, 7)])
def test_attempts_never_exceed_the_budget(explored, tmp_path, workers, max_attempts):
    from aucscape.parallel import make_executor

    assert max_attempts % BATCH != 0
    path = tmp_path / "c.db"
    shutil.copy(explored, path)
    inner = make_executor(workers) if workers > 1 else None
    try:
        with Store(path, OBJ.describe()) as st:
            joined = False
            for call in range(2):  # the second call resumes and retries the first's pairs
                ex = CountingExecutor(inner)
                before = sum(load_tries(st).values())
                state = connect_landscape(OBJ, st, executor=ex, max_attempts=max_attempts,
                                          batch=BATCH, persist_tries=True)
                assert state.attempts == ex.submitted <= max_attempts, call
                # spent exactly, unless the landscape was joined (or ran out of pairs) first
                assert state.done or state.attempts == max_attempts, call
                recorded = sum(load_tries(st).values()) - before  # chosen pairs, no bridges
                if joined:  # the first call joined every minimum: nothing is left to try
                    assert state.done and state.attempts == recorded == 0, call
                else:
                    assert 1 <= recorded <= state.attempts, call
                joined = state.done
    finally:
        if inner is not None:
            inner.shutdown()
