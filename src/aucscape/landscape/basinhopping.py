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

Parallelism: quenches (step 2) are pure tasks ``quench(objective, x', tol, options)``
sent through the :mod:`aucscape.parallel` executor. The walkers advance in rounds (one
quench per walker per round), and results are applied in walker order, so for a given
seed and settings the database contents (energies, coordinates, hits, ids) are the same
whether quenches ran in-process, in a process pool or on Dask; only timestamps differ.
Walker k draws its random numbers from ``SeedSequence(seed).spawn(walkers)[k]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .._validation import check_nonnegative, check_positive
from ..objective import FloatArray
from .identity import DEFAULT_EDIFFTOL, MinimumMatcher
from .minimize import lbfgs
from .properties import eigen_summary, hessian_eigenvalues
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


@dataclass
class _Walker:
    rng: np.random.Generator
    x: FloatArray | None = None
    energy: float = float("inf")


class BasinHopping:
    """Basin-hopping driver over ``objective`` writing into ``store`` (see module doc).

    Parameters
    ----------
    objective : anything satisfying :class:`aucscape.objective.Objective`.
    store : a :class:`Store`; None gives a fresh in-memory store.
    step : half-width of the uniform perturbation of every parameter.
    temperature : Metropolis temperature T (0: accept only downhill or equal moves).
    tol : RMS-gradient tolerance of quenches (stored minima satisfy it).
    seed : seed of all randomness (perturbations, random starts, Metropolis draws).
    walkers : number of independent walkers (parallel quenches per round).
    edifftol, geomdifftol : identity tolerances (see :mod:`.identity`).
    minimize_options : extra keyword arguments for :func:`.lbfgs` (max_step, ...).
    executor : a ``concurrent.futures`` executor for quenches (in-process when None).
    progress : called as ``progress(stats)`` after every quench is processed.
    """

    def __init__(self, objective: Any, store: Store | None = None, *, step: float = 1.0,
                 temperature: float = 2.0, tol: float = 1e-10, seed: int = 0,
                 walkers: int = 1, edifftol: float = DEFAULT_EDIFFTOL,
                 geomdifftol: float | None = None,
                 minimize_options: dict[str, Any] | None = None,
                 executor: Executor | None = None,
                 progress: Callable[[BasinHoppingStats], None] | None = None) -> None:
        missing = [name for name in ("n_params", "energy_gradient", "hessian", "random_point",
                                     "describe") if not hasattr(objective, name)]
        if missing:
            raise ValueError(f"objective lacks {', '.join(missing)}; "
                             "see aucscape.objective.Objective")
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

    # -- one step --------------------------------------------------------------------------
    def _propose(self, w: _Walker) -> FloatArray:
        if w.x is None:
            return np.asarray(self.objective.random_point(w.rng), dtype=np.float64)
        return w.x + w.rng.uniform(-self.step, self.step, size=w.x.shape)

    def _metropolis(self, w: _Walker, energy: float) -> bool:
        if w.x is None:
            return True
        de = energy - w.energy
        if de <= 0:
            return True
        if self.temperature == 0:
            return False
        return bool(w.rng.random() < np.exp(-de / self.temperature))

    def _apply(self, w: _Walker, q: QuenchOutcome) -> None:
        st = self.stats
        st.steps += 1
        st.n_eval += q.n_eval
        if not q.converged or q.eigenvalues is None:
            st.rejected["not_converged"] += 1
            return
        summary = eigen_summary(q.eigenvalues)
        if not summary.is_minimum:
            st.rejected["nonpositive_eigenvalue"] += 1
            return
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
        if self._metropolis(w, q.energy):
            w.x, w.energy = q.x, q.energy
            st.accepted += 1

    # -- the loop --------------------------------------------------------------------------
    def run(self, max_steps: int | None = None, max_time: float | None = None
            ) -> BasinHoppingStats:
        """Run until ``max_steps`` quenches (all walkers together) or ``max_time`` seconds.

        The time budget is checked between rounds, so a run may exceed it by one round.
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
        done = 0
        while True:
            if max_steps is not None and done >= max_steps:
                break
            if max_time is not None and time.monotonic() - t0 >= max_time:
                break
            k = self.n_walkers if max_steps is None else min(self.n_walkers, max_steps - done)
            starts = [self._propose(w) for w in self.walkers[:k]]
            if self.executor is None:
                outcomes = [quench(self.objective, x, self.tol, self.minimize_options)
                            for x in starts]
            else:
                futures = [self.executor.submit(quench, self.objective, x, self.tol,
                                                self.minimize_options) for x in starts]
                outcomes = [f.result() for f in futures]
            for w, q in zip(self.walkers[:k], outcomes, strict=True):
                self._apply(w, q)
                done += 1
                self.stats.elapsed = start_elapsed + time.monotonic() - t0
                if self.progress is not None:
                    self.progress(self.stats)
        self.stats.elapsed = start_elapsed + time.monotonic() - t0
        return self.stats


def run_basinhopping(objective: Any, store: Store | None = None, *,
                     max_steps: int | None = None, max_time: float | None = None,
                     workers: int = 1, scheduler: Any = None,
                     **kwargs: Any) -> tuple[BasinHoppingStats, Store]:
    """Create an executor (see :func:`aucscape.parallel.make_executor`), run, shut it down.

    ``kwargs`` go to :class:`BasinHopping` (step, temperature, tol, seed, walkers, ...);
    ``walkers`` defaults to ``workers`` so that every worker has a quench per round.
    Returns the statistics and the store (in-memory when none was given).
    """
    from ..parallel import make_executor

    kwargs.setdefault("walkers", workers)
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
