"""The executor seam: where independent landscape tasks run.

``make_executor(workers, scheduler)`` returns a ``concurrent.futures.Executor``:

- ``workers == 1`` and no scheduler: :class:`SequentialExecutor`, which runs each task
  in-process at ``submit`` (deterministic, debuggable, no pickling);
- ``workers > 1``: a ``ProcessPoolExecutor`` whose workers pin BLAS/OpenMP to one
  thread (the matrices here are tiny; threaded BLAS was measured 12x slower when many
  quenches run at once);
- ``scheduler`` given (``"tcp://HOST:8786"``, or a ``distributed`` cluster/Client
  object): the same tasks go to a Dask distributed cluster through
  ``Client.get_executor()``; dask is imported only here.

Tasks must be picklable module-level functions with picklable arguments; the caller
(the driver) is the only one that writes results anywhere.

This module imports no numerical library at import time, so that in a spawned worker the
thread-count environment variables are set before NumPy loads its BLAS.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from ._validation import check_int

THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS")

_limits: Any = None  # keeps the threadpoolctl limit alive for the worker's lifetime


def pin_blas_threads() -> None:
    """Limit BLAS/OpenMP in this process to one thread (env vars + threadpoolctl)."""
    global _limits
    for var in THREAD_ENV_VARS:
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: env vars still cover libraries loaded from now on
        return
    _limits = threadpool_limits(limits=1)


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Limit the BLAS/OpenMP pools of this process to one thread inside the ``with`` block
    (threadpoolctl; restored on exit). For sequential runs, which compute in the driver."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: nothing to limit without it
        yield
        return
    with threadpool_limits(limits=1):
        yield


def blas_thread_counts() -> list[int]:
    """Thread counts of the BLAS/OpenMP pools loaded in this process (for checks)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [int(info["num_threads"]) for info in threadpool_info()]


class SequentialExecutor(Executor):
    """Runs each task immediately in the calling process; futures come back completed."""

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot submit after shutdown")
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, as a pool would
            fut.set_exception(exc)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


class DaskExecutor(Executor):
    """A ``distributed`` client's executor that closes the client on shutdown."""

    def __init__(self, scheduler: Any) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "a scheduler address needs dask.distributed: pip install 'aucscape[dask]'"
            ) from exc
        self.client = Client(scheduler)
        try:
            self.client.run(pin_blas_threads)
            self._executor = self.client.get_executor(pure=False)
        except BaseException:  # a half-made executor must not keep the connection open
            self.client.close()
            raise

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)
        self.client.close()


def make_executor(workers: int = 1, scheduler: Any = None) -> Executor:
    """Executor for ``workers`` local processes, or for a Dask ``scheduler``.

    ``scheduler`` takes precedence over ``workers`` (the cluster decides its own size).
    """
    if scheduler is not None:
        return DaskExecutor(scheduler)
    workers = check_int(workers, "workers", minimum=1)
    if workers == 1:
        return SequentialExecutor()
    # Workers start from a fresh interpreter ("forkserver", else "spawn"), never by fork():
    # forking a driver that already runs JAX, torch or numba threads can deadlock.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers, initializer=pin_blas_threads,
                               mp_context=context)
