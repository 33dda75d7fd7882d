"""Executor seam: sequential, process pool (BLAS pinned), Dask; same basin-hopping database."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from aucscape.landscape.basinhopping import BasinHopping, run_basinhopping
from aucscape.parallel import (
    THREAD_ENV_VARS,
    SequentialExecutor,
    blas_thread_counts,
    make_executor,
)
from aucscape.testsurfaces import SeparableWells

TILTS = [0.3, -0.2, 0.45, 0.1]


def _worker_threads():
    import numpy as np  # loaded inside the worker, after the initializer ran

    np.dot(np.ones((4, 4)), np.ones((4, 4)))
    return os.getpid(), {v: os.environ.get(v) for v in THREAD_ENV_VARS}, blas_thread_counts()


def _fail(x):
    raise ArithmeticError(f"bad {x}")


def rows(store):
    return [(m.id, m.energy, m.coords.tobytes(), m.hits) for m in store.iter_minima("id")]


def reference_rows(walkers, steps=24, seed=11):
    bh = BasinHopping(SeparableWells(TILTS), step=1.8, seed=seed, walkers=walkers)
    bh.run(max_steps=steps)
    return rows(bh.store)


def test_sequential_executor():
    ex = make_executor(1)
    assert isinstance(ex, SequentialExecutor)
    assert ex.submit(pow, 2, 10).result() == 1024
    assert list(ex.map(abs, [-1, 2, -3])) == [1, 2, 3]
    fut = ex.submit(_fail, 3)
    with pytest.raises(ArithmeticError, match="bad 3"):
        fut.result()
    ex.shutdown()
    with pytest.raises(RuntimeError):
        ex.submit(abs, 1)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_make_executor_validation(bad):
    with pytest.raises(ValueError, match="workers"):
        make_executor(bad)


def test_process_pool_pins_blas_and_matches_sequential():
    ex = make_executor(2)
    assert isinstance(ex, ProcessPoolExecutor)
    try:
        infos = [ex.submit(_worker_threads).result() for _ in range(4)]
        assert all(pid != os.getpid() for pid, _, _ in infos)
        for _, env, counts in infos:
            assert all(v == "1" for v in env.values())
            assert counts and all(c == 1 for c in counts)  # empty: threadpoolctl missing
        bh = BasinHopping(SeparableWells(TILTS), step=1.8, seed=11, walkers=2, executor=ex)
        bh.run(max_steps=24)
    finally:
        ex.shutdown()
    assert rows(bh.store) == reference_rows(walkers=2)
    assert len(rows(bh.store)) > 1


def test_run_basinhopping_with_workers_is_deterministic():
    stats, store = run_basinhopping(SeparableWells(TILTS), max_steps=24, workers=2,
                                    step=1.8, seed=11)
    assert stats.steps == 24
    assert rows(store) == reference_rows(walkers=4)  # two walkers per worker by default


def test_dask_local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster:
        ex = make_executor(scheduler=cluster)
        try:
            assert ex.submit(pow, 3, 4).result() == 81
            with pytest.raises(ArithmeticError):
                ex.submit(_fail, 1).result()
            bh = BasinHopping(SeparableWells(TILTS), step=1.8, seed=11, walkers=2,
                              executor=ex)
            bh.run(max_steps=24)
        finally:
            ex.shutdown()
    assert rows(bh.store) == reference_rows(walkers=2)


def test_cli_sequential_run_pins_blas_to_one_thread_and_restores_it():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import numpy as np

    from aucscape.cli._common import executor

    np.dot(np.ones((4, 4)), np.ones((4, 4)))  # BLAS loaded
    with threadpoolctl.threadpool_limits(limits=2):
        if not blas_thread_counts() or max(blas_thread_counts()) < 2:
            pytest.skip("this BLAS runs one thread only")
        with executor(1, None) as ex:
            inside = ex.submit(blas_thread_counts).result()
        after = blas_thread_counts()
    assert inside and all(c == 1 for c in inside)
    assert max(after) == 2  # the driver's own setting comes back


def test_dask_client_closed_when_pinning_fails(monkeypatch):
    distributed = pytest.importorskip("distributed")
    from aucscape import parallel

    closed = []

    class FakeClient:
        def __init__(self, scheduler):
            pass

        def run(self, fn):
            raise OSError("worker gone")

        def close(self):
            closed.append(True)

    monkeypatch.setattr(distributed, "Client", FakeClient)
    with pytest.raises(OSError, match="worker gone"):
        parallel.DaskExecutor("tcp://nowhere:1")
    assert closed == [True]
