"""Basin-hopping (Wales & Doye 1997), GMIN-style, with the driver as the only writer.

One step of a walker at minimum x (energy E):

1. propose x' = x + u, u_i ~ U(-step, step) independently for every parameter;
2. quench x' with :func:`~aucscape.landscape.minimize.lbfgs` to rms(g) <= tol, giving
   the minimum q with energy E_q, and its exact Hessian eigenvalues;
3. offer q to the store: it is stored (or counted as a hit on an identical minimum) only
   when the quench converged and every Hessian eigenvalue is > 0; otherwise the
   rejection is counted by reason (``not_converged``, ``nonpositive_eigenvalue``);
4. Metropolis at temperature T: move to q when E_q <= E, or else with probability
   exp(-(E_q - E) / T). Only quenches that passed step 3 can be accepted.

A walker without a minimum yet (fresh start) proposes ``objective.random_point(rng)``
instead. On a store that already holds minima, walker k resumes from the k-th lowest
stored minimum (walker 0 from the lowest); walkers beyond the stored count start fresh.

Defaults follow GMIN practice for the small networks of the paper: step = 1.0 (each
weight moved by up to +-1), T = 2.0 (in the loss's units), tol = 1e-10.

Parallelism: a walker's chain depends only on its own state and random stream, so steps
1-4 for ``chunk`` consecutive steps of one walker form a pure task ``walk(...)`` sent
through the :mod:`aucscape.parallel` executor; the driver only stores what comes back
(it is the single writer). A walker's next chunk is sent as soon as its previous one
returns, and results are applied in walker order, so for a given seed and settings
(walkers, chunk) the database contents (energies, coordinates, hits, ids) are the same
whether the work ran in-process, in a process pool or on Dask; only timestamps differ.
Walker k draws its random numbers from ``SeedSequence(seed).spawn(walkers)[k]``.
:func:`run_basinhopping` uses two walkers per worker process by default, so a worker
always has a queued chunk while the driver waits on another walker (measured: 2 workers
give 2.0x the quench rate and 1.9x the distinct-minima rate of 1 on 2 cores).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .._validation import check_nonnegative, check_positive
from ..protocols import FloatArray
from ..spectrum import eigen_summary, hessian_eigenvalues
from .identity import DEFAULT_EDIFFTOL, MinimumMatcher
from .minimize import lbfgs
from .store import Store, StoreError, _canonical_json, description_differences


@dataclass
class QuenchOutcome:
    """What a worker sends back: the quenched point and, if converged, Hessian eigenvalues."""

    x: FloatArray
    energy: float
    rms_grad: float
    converged: bool
    n_iter: int
    n_eval: int
    eigenvalues: FloatArray | None


def quench(objective: Any, x0: FloatArray, tol: float = 1e-10,
           options: dict[str, Any] | None = None) -> QuenchOutcome:
    """Worker task: L-BFGS from x0, then the Hessian spectrum when converged (pure)."""
    res = lbfgs(objective, x0, tol=tol, **(options or {}))
    eigs = hessian_eigenvalues(objective, res.x) if res.converged else None
    return QuenchOutcome(res.x, res.energy, res.rms_grad, res.converged, res.n_iter,
                         res.n_eval, eigs)


def rejection(q: QuenchOutcome) -> str | None:
    """Why the store refuses a quench ("not_converged", "nonpositive_eigenvalue"), or None
    for a valid minimum (converged, every Hessian eigenvalue positive)."""
    if not q.converged or q.eigenvalues is None:
        return "not_converged"
    if not eigen_summary(q.eigenvalues).is_minimum:
        return "nonpositive_eigenvalue"
    return None


def metropolis(rng: np.random.Generator, e_old: float | None, e_new: float,
               temperature: float) -> bool:
    """Accept always downhill (or from no point yet), else with probability exp(-ΔE/T)."""
    if e_old is None or e_new - e_old <= 0:
        return True
    if temperature == 0:
        return False
    return bool(rng.random() < np.exp(-(e_new - e_old) / temperature))


def walk(objective: Any, x: FloatArray | None, energy: float, rng: np.random.Generator,
         n_steps: int, step: float, temperature: float, tol: float,
         options: dict[str, Any] | None = None
         ) -> tuple[list[QuenchOutcome], list[bool], FloatArray | None, float,
                    np.random.Generator]:
    """Worker task: ``n_steps`` basin-hopping steps of one walker (pure).

    Each step perturbs every coordinate of the current minimum by U(−step, step) (a random
    start when there is none yet), quenches, and applies the Metropolis test to valid minima
    only. Returns the outcomes, which were accepted, and the walker's new state (x, energy,
    rng), so a walker's chain is the same whichever process runs it. Running several steps
    per task amortises the cost of sending work to another process.
    """
    outcomes, accepted = [], []
    for _ in range(n_steps):
        if x is None:
            x0 = np.asarray(objective.random_point(rng), dtype=np.float64)
        else:
            x0 = x + rng.uniform(-step, step, size=x.shape)
        q = quench(objective, x0, tol, options)
        ok = rejection(q) is None and metropolis(rng, None if x is None else energy,
                                                q.energy, temperature)
        if ok:
            x, energy = q.x, q.energy
        outcomes.append(q)
        accepted.append(ok)
    return outcomes, accepted, x, energy, rng


@dataclass
class BasinHoppingStats:
    """Counters of a run; ``rejected`` maps reason -> count of quenches not stored as new."""

    steps: int = 0
    accepted: int = 0
    new_minima: int = 0
    hits: int = 0
    rejected: dict[str, int] = field(default_factory=lambda: {
        "not_converged": 0, "nonpositive_eigenvalue": 0, "duplicate": 0})
    best_energy: float = float("inf")
    best_id: int | None = None
    n_eval: int = 0
    elapsed: float = 0.0
    run_id: int | None = None


class _Done:
    """A finished result with the ``Future.result()`` interface (in-process runs)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


@dataclass
class _Walker:
    rng: np.random.Generator
    x: FloatArray | None = None
    energy: float = float("inf")


class BasinHopping:
    """Basin-hopping driver over ``objective`` writing into ``store`` (see module doc).

    Parameters
    ----------
    objective : anything satisfying :class:`aucscape.protocols.Objective`.
    store : a :class:`Store`; None gives a fresh in-memory store.
    step : half-width of the uniform perturbation of every parameter.
    temperature : Metropolis temperature T (0: accept only downhill or equal moves).
    tol : RMS-gradient tolerance of quenches (stored minima satisfy it).
    seed : seed of all randomness (perturbations, random starts, Metropolis draws).
    walkers : number of independent walkers (chains that run in parallel).
    edifftol, geomdifftol : identity tolerances (see :mod:`.identity`).
    minimize_options : extra keyword arguments for :func:`.lbfgs` (max_step, ...).
    executor : a ``concurrent.futures`` executor for quenches (in-process when None).
    progress : called as ``progress(stats)`` after every quench is processed.
    chunk : basin-hopping steps a walker runs per task (default 8): fewer round trips to
        worker processes; the time budget is checked between rounds of chunks.
    """

    def __init__(self, objective: Any, store: Store | None = None, *, step: float = 1.0,
                 temperature: float = 2.0, tol: float = 1e-10, seed: int = 0,
                 walkers: int = 1, edifftol: float = DEFAULT_EDIFFTOL,
                 geomdifftol: float | None = None,
                 minimize_options: dict[str, Any] | None = None,
                 executor: Executor | None = None,
                 progress: Callable[[BasinHoppingStats], None] | None = None,
                 chunk: int = 8) -> None:
        missing = [name for name in ("n_params", "energy_gradient", "hessian", "random_point",
                                     "describe") if not hasattr(objective, name)]
        if missing:
            raise ValueError(f"objective lacks {', '.join(missing)}; "
                             "see aucscape.protocols.Objective")
        self.objective = objective
        self.step = check_positive(step, "step")
        self.temperature = check_nonnegative(temperature, "temperature")
        self.tol = check_positive(tol, "tol")
        if isinstance(walkers, bool) or not isinstance(walkers, int) or walkers < 1:
            raise ValueError(f"walkers must be an integer >= 1, got {walkers!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self.n_walkers = walkers
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk must be an integer >= 1, got {chunk!r}")
        self.chunk = chunk
        self.minimize_options = dict(minimize_options or {})
        self.store = store if store is not None else Store(":memory:", objective.describe())
        self._check_store_objective()
        self.matcher = MinimumMatcher(self.store, edifftol=edifftol, geomdifftol=geomdifftol,
                                      objective=objective)
        self.executor = executor
        self.progress = progress
        seqs = np.random.SeedSequence(self.seed).spawn(walkers)
        self.walkers = [_Walker(np.random.default_rng(s)) for s in seqs]
        for w, m in zip(self.walkers, self.store.lowest_minima(walkers), strict=False):
            w.x, w.energy = m.coords, m.energy  # resume from the lowest stored minima
        self.stats = BasinHoppingStats()
        low = self.store.lowest_minima(1)
        if low:
            self.stats.best_energy, self.stats.best_id = low[0].energy, low[0].id

    def _check_store_objective(self) -> None:
        stored = self.store.objective_description
        if stored is None:
            return
        diff = description_differences(stored, _canonical_json(self.objective.describe()))
        if diff:
            raise StoreError(f"store {self.store.path} was made for a different objective; "
                             f"differing keys: {', '.join(diff)}")

    def settings(self) -> dict[str, Any]:
        """The basin-hopping settings as recorded in the run record."""
        return {"step": self.step, "temperature": self.temperature, "tol": self.tol,
                "walkers": self.n_walkers, "edifftol": self.matcher.edifftol,
                "geomdifftol": self.matcher.geomdifftol,
                "minimize_options": self.minimize_options}

    # -- bookkeeping of one quench (driver side) ------------------------------------------
    def _apply(self, q: QuenchOutcome, accepted: bool) -> None:
        st = self.stats
        st.steps += 1
        st.n_eval += q.n_eval
        st.accepted += int(accepted)
        reason = rejection(q)
        if reason is not None:
            st.rejected[reason] += 1
            return
        summary = eigen_summary(q.eigenvalues)
        mid, new = self.matcher.add_or_hit(
            q.energy, q.x, rms_grad=q.rms_grad, min_eig=summary.min_eig,
            n_nonpositive=summary.n_nonpositive, lpphe=summary.lpphe, run_id=st.run_id)
        if new:
            st.new_minima += 1
        else:
            st.hits += 1
            st.rejected["duplicate"] += 1
        if q.energy < st.best_energy:
            st.best_energy, st.best_id = q.energy, mid

    # -- the loop --------------------------------------------------------------------------
    def run(self, max_steps: int | None = None, max_time: float | None = None
            ) -> BasinHoppingStats:
        """Run until ``max_steps`` quenches (all walkers together) or ``max_time`` seconds.

        The time budget is checked whenever a walker's next chunk is sent, so a run may
        exceed it by one chunk per walker.
        Can be called again to continue; counters accumulate.
        """
        if max_steps is None and max_time is None:
            raise ValueError("give a budget: max_steps and/or max_time")
        if max_steps is not None and (isinstance(max_steps, bool) or int(max_steps) != max_steps
                                      or max_steps < 0):
            raise ValueError(f"max_steps must be an integer >= 0, got {max_steps!r}")
        if max_time is not None:
            check_nonnegative(max_time, "max_time")
        if self.stats.run_id is None:
            self.stats.run_id = self.store.add_run({
                "objective": self.objective.describe(), "basinhopping": self.settings(),
                "seed": self.seed})
        t0 = time.monotonic()
        start_elapsed = self.stats.elapsed
        submitted = 0

        def submit(i: int) -> Any:
            """Send walker i's next chunk (None when the budget is spent)."""
            nonlocal submitted
            if max_time is not None and time.monotonic() - t0 >= max_time:
                return None
            n = self.chunk
            if max_steps is not None:
                left = max_steps - submitted
                n = min(n, left, -(-left // self.n_walkers))  # share what is left
            if n <= 0:
                return None
            submitted += n
            w = self.walkers[i]
            args = (self.objective, w.x, w.energy, w.rng, n, self.step, self.temperature,
                    self.tol, self.minimize_options)
            if self.executor is None:
                return _Done(walk(*args))
            return self.executor.submit(walk, *args)

        # Pipelined: a walker's next chunk is sent as soon as its result is back, before
        # the driver stores that result, so workers never wait for the database. Results
        # are applied in walker order, which keeps the database the same for any executor.
        pending = {i: f for i in range(self.n_walkers) if (f := submit(i)) is not None}
        while pending:
            for i in sorted(pending):
                outcomes, accepted, x, energy, rng = pending[i].result()
                w = self.walkers[i]
                w.x, w.energy, w.rng = x, energy, rng
                nxt = submit(i)
                if nxt is None:
                    del pending[i]
                else:
                    pending[i] = nxt
                for q, ok in zip(outcomes, accepted, strict=True):
                    self._apply(q, ok)
                    self.stats.elapsed = start_elapsed + time.monotonic() - t0
                    if self.progress is not None:
                        self.progress(self.stats)
        self.stats.elapsed = start_elapsed + time.monotonic() - t0
        return self.stats


def default_walkers(workers: int) -> int:
    """Walkers for ``workers`` processes: 1 in-process, else two per worker (see module)."""
    return 1 if workers <= 1 else 2 * workers


def run_basinhopping(objective: Any, store: Store | None = None, *,
                     max_steps: int | None = None, max_time: float | None = None,
                     workers: int = 1, scheduler: Any = None,
                     **kwargs: Any) -> tuple[BasinHoppingStats, Store]:
    """Create an executor (see :func:`aucscape.parallel.make_executor`), run, shut it down.

    ``kwargs`` go to :class:`BasinHopping` (step, temperature, tol, seed, walkers, ...);
    ``walkers`` defaults to :func:`default_walkers` (two per worker process).
    Returns the statistics and the store (in-memory when none was given).
    """
    from ..parallel import make_executor

    kwargs.setdefault("walkers", default_walkers(workers))
    executor = make_executor(workers, scheduler)
    try:
        bh = BasinHopping(objective, store, executor=executor, **kwargs)
        stats = bh.run(max_steps=max_steps, max_time=max_time)
    finally:
        executor.shutdown()
    return stats, bh.store


def stats_dict(stats: BasinHoppingStats) -> dict[str, Any]:
    """Plain-dict view of the statistics (for logs and JSON)."""
    return asdict(stats)
