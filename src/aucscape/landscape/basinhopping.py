"""Basin-hopping (Wales & Doye 1997), GMIN-style, with the driver as the only writer.

One step of a walker at minimum x (energy E):

1. propose x' = x + u, u_i ~ U(-step, step) independently for every parameter;
2. quench x' with :func:`~aucscape.landscape.minimize.lbfgs`, GMIN's two stages by
   default (:mod:`.walker`): to the sloppy tolerance rms(g) <= sloppy_tol (1e-6), then
   the sloppy energy is looked up among the stored minima; a match is a *sloppy hit*
   (counted as a hit, nothing tightened); otherwise the quench is tightened to
   rms(g) <= tol (1e-10) and its exact Hessian eigenvalues computed, giving the minimum
   q with energy E_q (``sloppy_tol=None``: every quench goes straight to tol);
3. offer q to the store: it is stored (or counted as a hit on an identical minimum, the
   store being searched again at the tight energy) only when the quench converged and
   every Hessian eigenvalue is > 0; otherwise the rejection is counted by reason
   (``not_converged``, ``nonpositive_eigenvalue``). Every stored minimum therefore has
   rms(g) <= tol and a positive-definite Hessian in both modes;
4. Metropolis at temperature T: move to q when E_q <= E, or else with probability
   exp(-(E_q - E) / T), E_q being the tight energy of a tightened quench and the sloppy
   energy of a sloppy hit. Only quenches that passed step 3 can be accepted.

A walker without a minimum yet (fresh start) proposes a random point instead: every
parameter U(−r, r) with r = ``start_range``, or ``objective.random_point(rng)`` when it is
None (for a network GMIN's U(−1, 1), the same draws as r = 1). ``start_range`` is kept in
the run record, and a run on a store without it given takes the one its last
basin-hopping run recorded. On a store that already holds minima, walker k resumes from
the k-th lowest stored minimum (walker 0 from the lowest); walkers beyond the stored count
start fresh.

Defaults follow GMIN practice for the small networks of the paper: step = 1.0 (each
weight moved by up to +-1), T = 2.0 (in the loss's units), tol = 1e-10, sloppy_tol =
1e-6 (GMIN's SLOPPYCONV). The sloppy lookup needs identity by energy alone: with
``geomdifftol`` given every quench is tightened (single tolerance).

The lookup runs in the worker against the sorted energies of the stored minima, a
snapshot the driver sends with each task (with the energies the walker's previous task
just returned); the driver then counts the hit on the stored minimum nearest in energy
(:meth:`~.identity.MinimumMatcher.find_sloppy`).

Quenches use L-BFGS with a memory of 100 pairs (:data:`DEFAULT_MINIMIZE_OPTIONS`), the
sloppy stage without Newton polish (:data:`DEFAULT_SLOPPY_OPTIONS`), the tightening with
it. ``benchmarks/bench_explore.py`` measures each of these choices against the walk
before them (memory 10, every quench to 1e-10).

Parallelism: a walker's chain depends only on its own state, its random stream and the
known energies sent with its task, so steps
1-4 for ``chunk`` consecutive steps of one walker form a pure task ``walk(...)`` sent
through the :mod:`aucscape.parallel` executor; the driver only stores what comes back
(it is the single writer). A walker's next chunk is sent as soon as its previous one
returns (with the store's energies as they are then), and results are applied in walker
order, so for a given seed and settings
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

from .._validation import check_at_most, check_int, check_nonnegative, check_positive
from ..protocols import FloatArray, Objective
from ..spectrum import eigen_summary
from .identity import DEFAULT_EDIFFTOL, DEFAULT_SLOPPY_EDIFF, MinimumMatcher
from .minimize import check_lbfgs_kwargs
from .store import Store, StoreError, _canonical_json, description_differences
from .walker import (
    QuenchOutcome,
    SloppyStage,
    metropolis,
    quench,
    rejection,
    two_stage_quench,
    walk,
)

#: Minimiser options of exploration quenches unless ``minimize_options`` overrides them.
#: L-BFGS memory 100 (GMIN's M; :func:`.lbfgs` defaults to 10): chosen as the smallest of
#: {10, 20, 40, 60, 100, 200} within 10 % of the fewest energy-gradient evaluations per
#: quench to rms 1e-6, averaged over the spiral CE / sigmoid 2-4-2 / 2-10-2 landscapes
#: (20 perturbed starts each): 2205, 1250, 504, 303, 265, 248 evaluations.
DEFAULT_MINIMIZE_OPTIONS: dict[str, Any] = {"memory": 100}
#: Options of the sloppy stage on top of those: pure L-BFGS (GMIN's quench, no Newton
#: polish), measured faster than polishing there in ``benchmarks/bench_explore.py``.
DEFAULT_SLOPPY_OPTIONS: dict[str, Any] = {"polish_below": None}
MAX_STEP = 1e6  #: largest step / start range: beyond any weight scale, U(−step, step) finite

__all__ = ["DEFAULT_MINIMIZE_OPTIONS", "DEFAULT_SLOPPY_OPTIONS", "MAX_STEP", "BasinHopping",
           "BasinHoppingStats", "QuenchOutcome", "SloppyStage",
           "default_walkers", "metropolis", "quench", "recorded_start_range", "rejection",
           "run_basinhopping", "stats_dict", "two_stage_quench", "walk"]


@dataclass
class BasinHoppingStats:
    """Counters of a run; ``rejected`` maps reason -> count of quenches not stored as new.

    ``hits`` counts every duplicate, of which ``sloppy_hits`` were recognised at the
    sloppy stage; ``tightened`` counts the other two-stage quenches (taken on to tol, or
    rejected as not converged on the way).
    """

    steps: int = 0
    accepted: int = 0
    new_minima: int = 0
    hits: int = 0
    rejected: dict[str, int] = field(default_factory=lambda: {
        "not_converged": 0, "nonpositive_eigenvalue": 0, "duplicate": 0})
    sloppy_hits: int = 0
    tightened: int = 0
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
    tol : RMS-gradient tolerance of stored minima (GMIN's TIGHTCONV).
    sloppy_tol : RMS-gradient tolerance of the walk's quenches (GMIN's SLOPPYCONV,
        default 1e-6); None quenches every step to ``tol`` (single tolerance).
    sloppy_ediff : lower half-width of the sloppy lookup window (:mod:`.identity`).
    sloppy_options : minimiser options of the sloppy stage that replace those of
        ``minimize_options``; None gives :data:`DEFAULT_SLOPPY_OPTIONS` (pure L-BFGS).
    seed : seed of all randomness (perturbations, random starts, Metropolis draws).
    start_range : half-width r of a fresh walker's first point, every parameter U(−r, r)
        (GMIN: 1); None takes the store's last recorded value, else the objective's
        ``random_point``.
    walkers : number of independent walkers (chains that run in parallel).
    edifftol, geomdifftol : identity tolerances (see :mod:`.identity`).
    minimize_options : keyword arguments for :func:`.lbfgs` (max_step, memory, ...) on top
        of :data:`DEFAULT_MINIMIZE_OPTIONS`.
    executor : a ``concurrent.futures`` executor for quenches (in-process when None).
    progress : called as ``progress(stats)`` after every quench is processed.
    chunk : basin-hopping steps a walker runs per task (default 8): fewer round trips to
        worker processes; the time budget is checked between rounds of chunks.
    """

    def __init__(self, objective: Objective, store: Store | None = None, *, step: float = 1.0,
                 temperature: float = 2.0, tol: float = 1e-10,
                 sloppy_tol: float | None = 1e-6,
                 sloppy_ediff: float = DEFAULT_SLOPPY_EDIFF,
                 sloppy_options: dict[str, Any] | None = None, seed: int = 0,
                 walkers: int = 1, edifftol: float = DEFAULT_EDIFFTOL,
                 geomdifftol: float | None = None,
                 minimize_options: dict[str, Any] | None = None,
                 executor: Executor | None = None,
                 progress: Callable[[BasinHoppingStats], None] | None = None,
                 chunk: int = 8, start_range: float | None = None) -> None:
        missing = [name for name in ("n_params", "energy_gradient", "hessian", "random_point",
                                     "describe") if not hasattr(objective, name)]
        if missing:
            raise ValueError(f"objective lacks {', '.join(missing)}; "
                             "see aucscape.protocols.Objective")
        self.objective = objective
        self.step = check_at_most(check_positive(step, "step"), "step", MAX_STEP)
        self.temperature = check_nonnegative(temperature, "temperature")
        self.tol = check_positive(tol, "tol")
        self.sloppy_tol = None if sloppy_tol is None else check_positive(sloppy_tol,
                                                                          "sloppy_tol")
        self.sloppy_ediff = check_positive(sloppy_ediff, "sloppy_ediff")
        self.n_walkers = check_int(walkers, "walkers", minimum=1)
        self.seed = check_int(seed, "seed", minimum=0)
        self.chunk = check_int(chunk, "chunk", minimum=1)
        if "tol" in (minimize_options or {}) or "tol" in (sloppy_options or {}):
            raise ValueError("minimize_options and sloppy_options take no 'tol': give "
                             "tol= and sloppy_tol= to BasinHopping")
        self.minimize_options = check_lbfgs_kwargs(
            {**DEFAULT_MINIMIZE_OPTIONS, **(minimize_options or {})}, "minimize_options")
        self.store = store if store is not None else Store(":memory:", objective.describe())
        self._check_store_objective()
        self.start_range = (recorded_start_range(self.store) if start_range is None else
                            check_at_most(check_positive(start_range, "start_range"),
                                          "start_range", MAX_STEP))
        self.matcher = MinimumMatcher(self.store, edifftol=edifftol, geomdifftol=geomdifftol,
                                      objective=objective)
        self.sloppy_options = dict(DEFAULT_SLOPPY_OPTIONS if sloppy_options is None
                                   else sloppy_options)
        check_lbfgs_kwargs({**self.minimize_options, **self.sloppy_options}, "sloppy_options")
        self.sloppy = (SloppyStage(self.sloppy_tol, self.sloppy_ediff, self.matcher.edifftol,
                                   self.sloppy_options)
                       if self.sloppy_tol is not None and self.sloppy_tol > self.tol
                       and self.matcher.geomdifftol is None else None)
        self._known: FloatArray | None = (self.store.minimum_energies()
                                          if self.sloppy is not None else None)
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
                "sloppy_tol": self.sloppy_tol, "sloppy_ediff": self.sloppy_ediff,
                "sloppy_options": self.sloppy_options,
                "walkers": self.n_walkers, "edifftol": self.matcher.edifftol,
                "geomdifftol": self.matcher.geomdifftol,
                "minimize_options": self.minimize_options, "start_range": self.start_range}

    # -- bookkeeping of one quench (driver side) ------------------------------------------
    def _apply(self, q: QuenchOutcome, accepted: bool) -> None:
        st = self.stats
        st.steps += 1
        st.n_eval += q.n_eval
        st.accepted += int(accepted)
        if q.sloppy_hit:
            match = self.matcher.find_sloppy(q.energy, self.sloppy_ediff)
            if match is None:  # the worker matched an energy the store must hold
                raise RuntimeError(f"sloppy hit at E = {q.energy!r} has no stored minimum "
                                   "in its window")
            self.store.record_hit(match.id)
            st.hits += 1
            st.sloppy_hits += 1
            st.rejected["duplicate"] += 1
            return
        st.tightened += int(self.sloppy is not None)
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
            if self._known is not None:
                self._known = np.insert(self._known, np.searchsorted(self._known, q.energy),
                                        q.energy)
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
        if max_steps is not None:
            max_steps = check_int(max_steps, "max_steps", minimum=0)
        if max_time is not None:
            check_nonnegative(max_time, "max_time")
        if self.stats.run_id is None:
            self.stats.run_id = self.store.add_run({
                "objective": self.objective.describe(), "basinhopping": self.settings(),
                "seed": self.seed})
        t0 = time.monotonic()
        start_elapsed = self.stats.elapsed
        submitted = 0

        def submit(i: int, just_found: list[float] = ()) -> Any:
            """Send walker i's next chunk (None when the budget is spent), with the known
            energies: the store's and ``just_found`` (its last chunk's, not yet stored)."""
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
            kw: dict[str, Any] = {"start_range": self.start_range}
            if self.sloppy is not None:
                known = self._known
                if just_found:
                    known = np.sort(np.concatenate([known, np.asarray(just_found)]))
                kw.update(sloppy=self.sloppy, known=known)
            if self.executor is None:
                return _Done(walk(*args, **kw))
            return self.executor.submit(walk, *args, **kw)

        # Pipelined: a walker's next chunk is sent as soon as its result is back, before
        # the driver stores that result, so workers never wait for the database. Results
        # are applied in walker order, which keeps the database the same for any executor.
        pending = {i: f for i in range(self.n_walkers) if (f := submit(i)) is not None}
        while pending:
            for i in sorted(pending):
                outcomes, accepted, x, energy, rng = pending[i].result()
                w = self.walkers[i]
                w.x, w.energy, w.rng = x, energy, rng
                nxt = submit(i, [q.energy for q in outcomes
                                 if not q.sloppy_hit and rejection(q) is None])
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


def recorded_start_range(store: Store) -> float | None:
    """The ``start_range`` of the store's last basin-hopping run that recorded one (None
    when none did), so that a resumed run starts fresh walkers as the first did."""
    value = None
    for _, record in store.iter_runs():
        recorded = record.get("basinhopping", {}).get("start_range")
        if recorded is not None:
            value = float(recorded)
    return value


def default_walkers(workers: int) -> int:
    """Walkers for ``workers`` processes: 1 in-process, else two per worker (see module)."""
    return 1 if workers <= 1 else 2 * workers


def run_basinhopping(objective: Objective, store: Store | None = None, *,
                     max_steps: int | None = None, max_time: float | None = None,
                     workers: int = 1, scheduler: Any = None,
                     **kwargs: Any) -> tuple[BasinHoppingStats, Store]:
    """Create an executor (see :func:`aucscape.parallel.make_executor`), run, shut it down.

    ``kwargs`` go to :class:`BasinHopping` (step, temperature, tol, seed, walkers, ...);
    ``walkers`` defaults to :func:`default_walkers` (two per worker process).
    Returns the statistics and the store (in-memory when none was given).
    """
    from ..parallel import close_executor, make_executor

    kwargs.setdefault("walkers", default_walkers(workers))
    executor = make_executor(workers, scheduler)
    try:
        bh = BasinHopping(objective, store, executor=executor, **kwargs)
        stats = bh.run(max_steps=max_steps, max_time=max_time)
    except BaseException:  # interrupted or failed: end the workers, do not wait for them
        close_executor(executor, interrupted=True)
        raise
    close_executor(executor)
    return stats, bh.store


def stats_dict(stats: BasinHoppingStats) -> dict[str, Any]:
    """Plain-dict view of the statistics (for logs and JSON)."""
    return asdict(stats)
