"""The executor seam: where independent landscape tasks run.

``make_executor(workers, scheduler)`` returns a ``concurrent.futures.Executor``:

- ``workers == 1`` and no scheduler: :class:`SequentialExecutor`, which runs each task
  in-process at ``submit`` (deterministic, debuggable, no pickling);
- ``workers > 1``: a :class:`WorkerPool` (a ``ProcessPoolExecutor``) whose workers pin
  BLAS/OpenMP to one thread (the matrices here are tiny; threaded BLAS was measured 12x
  slower when many quenches run at once);
- ``scheduler`` given (``"tcp://HOST:8786"``, or a ``distributed`` cluster/Client
  object): the same tasks go to a Dask distributed cluster through
  ``Client.get_executor()``; dask is imported only here.

Tasks must be picklable module-level functions with picklable arguments; the caller
(the driver) is the only one that writes results anywhere.

Nothing outlives the driver. Each worker process watches the driver's process id from a
daemon thread (every :data:`WATCH_INTERVAL` seconds, and by ``PR_SET_PDEATHSIG`` on Linux
when the driver is its parent) and exits when the driver is gone, however it ended
(kill -9 included); the forkserver and the resource tracker then end with their last
client. :func:`ending_workers_on_signals` turns SIGTERM (and SIGHUP) in the driver into
:class:`Terminated`, a ``KeyboardInterrupt``, so that the driver's ``finally`` blocks run;
:func:`close_executor` then terminates the workers instead of waiting for their tasks.

This module imports no numerical library at import time, so that in a spawned worker the
thread-count environment variables are set before NumPy loads its BLAS.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from ._validation import check_int

THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS")

_limits: Any = None  # keeps the threadpoolctl limit alive for the worker's lifetime

#: Seconds between a worker's checks that its driver is still alive.
WATCH_INTERVAL = 0.5


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP reached the driver: handled like Ctrl-C (work stored so far is kept,
    workers are ended), with exit status 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


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


def process_alive(pid: int, started: str | None = None) -> bool:
    """True while process ``pid`` runs (a zombie counts as gone); with ``started`` (its
    :func:`_start_time`), a different process that reused the id counts as gone too."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    stat = _proc_stat(pid)
    if stat is None:  # no /proc: os.kill is all there is
        return True
    state, start = stat
    return state not in "ZX" and (started is None or start == started)


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state letter, start time in clock ticks) from ``/proc/PID/stat``; None without it."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], fields[19]


def _start_time(pid: int) -> str | None:
    stat = _proc_stat(pid)
    return None if stat is None else stat[1]


def _watch_driver(driver: int, started: str | None) -> None:
    """Worker side: exit this process as soon as the driver ``driver`` is gone."""
    while process_alive(driver, started):
        time.sleep(WATCH_INTERVAL)
    os._exit(1)


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGKILL to this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - exotic libc
        pass


def init_worker(driver: int, started: str | None = None) -> None:
    """Initializer of every local worker: one BLAS thread, and exit with the driver."""
    pin_blas_threads()
    if os.getppid() == driver:  # spawned directly (not through a forkserver)
        _die_with_parent()
    if not process_alive(driver, started):  # died before the watch began
        os._exit(1)
    threading.Thread(target=_watch_driver, args=(driver, started), daemon=True,
                     name="aucscape-driver-watch").start()


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


class WorkerPool(ProcessPoolExecutor):
    """Local worker processes that end with the driver (see the module docstring)."""

    def terminate(self) -> None:
        """End the workers now (SIGTERM, then SIGKILL after a second), dropping queued
        and running tasks; for interruptions, where waiting for a quench is wrong."""
        procs = list((getattr(self, "_processes", None) or {}).values())
        for proc in procs:
            with contextlib.suppress(OSError, ValueError):
                proc.terminate()
        deadline = time.monotonic() + 1.0
        for proc in procs:
            with contextlib.suppress(OSError, ValueError, AssertionError):
                proc.join(max(0.0, deadline - time.monotonic()))
                if proc.is_alive():
                    proc.kill()
                    proc.join(1.0)
        with contextlib.suppress(Exception):
            self.shutdown(wait=True, cancel_futures=True)


def close_executor(executor: Executor, *, interrupted: bool = False) -> None:
    """Shut ``executor`` down: wait for running tasks normally, end them at once when
    ``interrupted`` (Ctrl-C, SIGTERM or an error in the driver)."""
    if interrupted and isinstance(executor, WorkerPool):
        executor.terminate()
    else:
        executor.shutdown(wait=not interrupted, cancel_futures=True)


@contextlib.contextmanager
def ending_workers_on_signals() -> Iterator[None]:
    """Inside the block, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread
    (as SIGINT raises ``KeyboardInterrupt``), so that executors are closed by
    :func:`close_executor`; the previous handlers come back on exit. No-op off the main
    thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        raise Terminated(signum)

    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {n: signal.signal(getattr(signal, n), handler) for n in names}
    try:
        yield
    finally:
        for n, old in previous.items():
            signal.signal(getattr(signal, n), old)


class DaskExecutor(Executor):
    """A ``distributed`` client's executor that closes the client on shutdown."""

    def __init__(self, scheduler: Any) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "a scheduler address needs dask.distributed: pip install 'aucscape[dask]'"
            ) from exc
        try:
            self.client = Client(scheduler)
        except ValueError as exc:  # e.g. "missing port number in address 'localhost'"
            raise ValueError(f"scheduler {scheduler!r}: {exc} (give tcp://HOST:PORT)") from None
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
    me = os.getpid()
    return WorkerPool(max_workers=workers, initializer=init_worker,
                      initargs=(me, _start_time(me)), mp_context=context)
