"""Growing a database by single-ended searches until no new minimum appears (PATHSAMPLE's
NEWCONNECTIONS, how the paper explored its landscapes).

Each round chooses up to ``batch`` searches (:func:`.ts.single_ended.search_from`) from
stored minima that have fewer than ``max_ts`` transition states and fewer than
``max_attempts`` searches so far: by default the minima with the fewest searches first,
ties broken by lowest energy (``order="fewest"``: every minimum, including each new one,
is searched from before any is searched from twice); ``order="energy"`` takes the lowest
eligible minimum first, as PATHSAMPLE's ``tssearch`` does. The k-th search from a minimum
follows its k-th mode (:mod:`.ts.single_ended`), so no search is repeated until all 2n
have been made.

Every verified saddle a search finds is stored with the two minima it leads to
(:func:`.record.record_detail` with ``keep="all"``, the store's identity rules): usually
one side returns to the minimum searched from and the other is a neighbour, so the
database grows as one network; when neither side is a stored minimum the pair starts a
component of its own. A search that finds no saddle, or one already stored, is a failed
attempt. Each round's results and its attempt log (run record of kind "grow_attempts":
minimum id, k, new minima, new transition states, outcome) are written in one
transaction, so a killed run leaves a valid file and a later call resumes where it
stopped, with the same attempt counts and the same saturation window.

Stopping rule (fixed before the study used it): **saturated** when the last ``window``
attempts found no new minimum. Otherwise the run ends when ``max_total`` attempts or
``time_limit`` seconds are spent, or no minimum is eligible ("exhausted").
"""

from __future__ import annotations

import bisect
import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .graph import UnionFind, components, network_from_store
from .record import record_detail
from .ts.attempt import AttemptResult, FoundTS, TSSettings
from .ts.single_ended import SearchResult, SearchSettings, search_from

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from ..protocols import Objective
    from .store import Store

__all__ = ["ATTEMPTS_RUN_KIND", "GROW_ORDERS", "GROW_RUN_KIND", "STOPS", "GrowProgress",
           "GrowSettings", "grow", "network_share", "since_new"]

ATTEMPTS_RUN_KIND = "grow_attempts"
GROW_RUN_KIND = "grow"
GROW_ORDERS = ("fewest", "energy")
#: Why a call of :func:`grow` ended (:attr:`GrowProgress.stopped`).
STOPS = ("saturated", "attempts", "time", "exhausted")


@dataclass(frozen=True)
class GrowSettings:
    """Settings of :func:`grow` (module docstring).

    window: W, saturated after W consecutive attempts without a new minimum;
    max_ts: K, search only from minima with fewer than K transition states;
    max_attempts: A, at most A searches from one minimum (None: 2n, every mode both ways);
    order: "fewest" or "energy"; batch: searches per round (0: max(4, workers));
    search: the single-ended search (:class:`~.ts.single_ended.SearchSettings`);
    ts: tolerances, step-off and identity (:class:`~.ts.attempt.TSSettings`).
    """

    window: int = 200
    max_ts: int = 10**7
    max_attempts: int | None = None
    order: str = "fewest"
    batch: int = 0
    search: SearchSettings = dataclasses.field(default_factory=SearchSettings)
    ts: TSSettings = dataclasses.field(default_factory=TSSettings)

    def __post_init__(self) -> None:
        for name in ("window", "max_ts"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.max_attempts is not None and int(self.max_attempts) < 1:
            raise ValueError(f"max_attempts must be >= 1 or None, got {self.max_attempts!r}")
        if self.order not in GROW_ORDERS:
            raise ValueError(f"order must be one of {GROW_ORDERS}, got {self.order!r}")
        if int(self.batch) < 0:
            raise ValueError(f"batch must be >= 0, got {self.batch!r}")

    def to_record(self) -> dict[str, Any]:
        """The settings as a JSON-serialisable dict (for the run record)."""
        return dataclasses.asdict(self)


@dataclass
class GrowProgress:
    """State after a round: attempts (all calls), minima, transition states, minima in the
    global minimum's network, attempts since the last new minimum, why the run stopped
    ("" while running; "saturated", "attempts", "time" or "exhausted"), this call's
    attempts, and outcome counts of this call ("new" saddle stored with the minimum searched
    from on one side, "new, detached" stored with neither side that minimum, "known"
    saddle, or the reason a search failed, shortened)."""

    attempts: int
    n_minima: int
    n_ts: int
    in_network: int
    since_new: int
    stopped: str = ""
    call_attempts: int = 0
    outcomes: Counter[str] = dataclasses.field(default_factory=Counter)

    @property
    def saturated(self) -> bool:
        """Did the run stop because ``window`` attempts found no new minimum?"""
        return self.stopped == "saturated"


def network_share(store: Store) -> tuple[int, int]:
    """(minima, minima in the global minimum's network) of ``store``.

    >>> from aucscape.landscape.store import Store
    >>> st = Store(":memory:")
    >>> a, b, c = (st.add_minimum(e, [e]) for e in (0.0, 1.0, 2.0))
    >>> _ = st.add_ts(3.0, [0.5], a, b)
    >>> network_share(st)
    (3, 2)
    """
    e_min, _, pairs, _ = network_from_store(store)
    if len(e_min) == 0:
        return 0, 0
    labels = components(len(e_min), pairs)
    return len(e_min), int(np.sum(labels == labels[0]))


def load_attempts(store: Store) -> list[list[Any]]:
    """The attempt log of earlier calls: [minimum id, k, new minima, new TS, outcome] rows
    in the order they were made."""
    rows: list[list[Any]] = []
    for _, rec in store.iter_runs():
        if rec.get("kind") == ATTEMPTS_RUN_KIND:
            rows.extend(rec.get("attempts", []))
    return rows


def since_new(log: list[list[Any]]) -> int:
    """Searches at the end of an attempt log (:func:`load_attempts`) since the last one
    that found a new minimum (the saturation window's count)."""
    n = 0
    for row in reversed(log):
        if int(row[2]) > 0:
            break
        n += 1
    return n


class _Graph:
    """The driver's running view of the store, read once and then updated from the new rows
    only (no coordinates): minimum energies, transition states per minimum, sorted
    transition-state energies (the early exit) and the components (union-find)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.energy: dict[int, float] = {}
        self.row: dict[int, int] = {}
        self.uf = UnionFind(0)
        self.ts_counts: Counter[int] = Counter()
        self.ts_energies: list[float] = []
        self.last_min = self.last_ts = 0
        self.refresh()

    def refresh(self) -> None:
        """Take in the minima and transition states stored since the last call."""
        for mid, e in self.store.minimum_index(self.last_min):
            self.energy[mid] = e
            self.row[mid] = self.uf.add()
            self.last_min = mid
        for tid, e, a, b in self.store.ts_edges(self.last_ts):
            self.ts_counts[a] += 1
            self.ts_counts[b] += 1
            bisect.insort(self.ts_energies, e)
            self.uf.union(self.row[a], self.row[b])
            self.last_ts = tid

    def in_network(self) -> int:
        """Minima in the global minimum's component."""
        if not self.energy:
            return 0
        gm = self.uf.find(self.row[min(self.energy, key=lambda m: (self.energy[m], m))])
        return sum(self.uf.find(r) == gm for r in self.row.values())

    def choose(self, counts: Counter[int], n_params: int, settings: GrowSettings,
               limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` (minimum id, k) searches by the settings' order and limits."""
        cap = settings.max_attempts if settings.max_attempts is not None else 2 * n_params
        eligible = [(counts[m], e, m) for m, e in self.energy.items()
                    if counts[m] < cap and self.ts_counts[m] < settings.max_ts]
        eligible.sort(key=(lambda t: (t[1], t[2])) if settings.order == "energy" else None)
        chosen: list[tuple[int, int]] = []
        planned: Counter[int] = Counter()
        while eligible and len(chosen) < limit:  # several per minimum when few are left
            for _, _, mid in eligible:
                if len(chosen) >= limit:
                    break
                chosen.append((mid, counts[mid] + planned[mid]))
                planned[mid] += 1
            eligible = [t for t in eligible if counts[t[2]] + planned[t[2]] < cap]
            if settings.order == "energy":
                break  # PATHSAMPLE's order: the lowest eligible minima, one search each
        return chosen


def _outcome(res: SearchResult, stored: int, attached: bool) -> str:
    if stored:
        return "new" if attached else "new, detached"
    if res.found is not None:
        return "known"
    return res.reason.split(" (")[0].split(":")[0] + ": " + res.reason.split(": ", 1)[-1][:40]


def grow(objective: Objective, store: Store, settings: GrowSettings | None = None, *,
         executor: Executor | None = None, workers: int = 1, max_total: int | None = None,
         time_limit: float | None = None, run_id: int | None = None,
         progress: Callable[[GrowProgress], None] | None = None) -> GrowProgress:
    """Grow ``store`` by single-ended searches until saturated or a budget is spent.

    Parameters
    ----------
    objective : the landscape the store holds.
    store : the database (at least one minimum); the single writer.
    settings : :class:`GrowSettings` (defaults when None).
    executor : runs the searches (``submit``); None: in this process.
    workers : used for the default batch, max(4, workers).
    max_total : stop after this many attempts in this call (None: no limit).
    time_limit : stop after this many seconds (checked between rounds; None: no limit).
    run_id : tag new minima and transition states with this run record (else one of kind
        "grow" is added).
    progress : called after every round with a :class:`GrowProgress`.

    Returns
    -------
    GrowProgress
        The final state; ``stopped`` says why it ended.

    Examples
    --------
    >>> from aucscape.landscape.store import Store
    >>> from aucscape.landscape.ts.single_ended import SearchSettings
    >>> from aucscape.testsurfaces import MuellerBrown
    >>> mb = MuellerBrown()
    >>> st = Store(":memory:")
    >>> _ = st.add_minimum(float(mb.energy(mb.MINIMA[2])), mb.MINIMA[2])
    >>> s = GrowSettings(window=8, search=SearchSettings(max_step=0.2))
    >>> out = grow(mb, st, s)
    >>> out.stopped, out.n_minima, out.n_ts, out.in_network
    ('saturated', 3, 2, 3)
    """
    settings = GrowSettings() if settings is None else settings
    if store.n_minima() == 0:
        raise ValueError("the database holds no minima: run explore first (grow starts from "
                         "stored minima)")
    t0 = time.monotonic()
    batch = int(settings.batch) or max(4, int(workers))
    log = load_attempts(store)
    counts: Counter[int] = Counter(int(r[0]) for r in log)
    graph = _Graph(store)
    since = since_new(log)
    total = len(log)
    done = 0
    outcomes: Counter[str] = Counter()
    if run_id is None:
        run_id = store.add_run({"kind": GROW_RUN_KIND, "settings": settings.to_record()})
    n = int(objective.n_params)

    def state(stopped: str = "") -> GrowProgress:
        return GrowProgress(total, len(graph.energy), len(graph.ts_energies),
                            graph.in_network(), since, stopped, done, Counter(outcomes))

    while True:
        stop = ""
        if since >= settings.window:
            stop = "saturated"
        elif max_total is not None and done >= max_total:
            stop = "attempts"
        elif time_limit is not None and time.monotonic() - t0 >= time_limit:
            stop = "time"
        limit = batch if max_total is None else min(batch, max_total - done)
        chosen = [] if stop else graph.choose(counts, n, settings, limit)
        if not stop and not chosen:
            stop = "exhausted"
        if stop:
            final = state(stop)
            if progress is not None:
                progress(final)
            return final
        known = np.array(graph.ts_energies, dtype=np.float64)
        results = _run(objective, store, chosen, settings, known, executor)
        rows: list[list[Any]] = []
        with store.transaction():  # the round's saddles and its log: together or not at all
            for (mid, k), res in zip(chosen, results, strict=True):
                before = store.n_minima()
                new_ts: list[int] = []
                if res.found is not None:
                    new_ts = record_detail(objective, store, _as_attempt(res), settings.ts,
                                           run_id, "all")[0]
                attached = any(mid in (t.min1, t.min2) for t in map(store.get_ts, new_ts))
                new_min = store.n_minima() - before
                out = _outcome(res, len(new_ts), attached)
                outcomes[out] += 1
                rows.append([mid, k, new_min, len(new_ts), out])
                counts[mid] += 1
                since = 0 if new_min else since + 1
            store.add_run({"kind": ATTEMPTS_RUN_KIND, "run_id": run_id, "attempts": rows})
        graph.refresh()
        total += len(chosen)
        done += len(chosen)
        if progress is not None:
            progress(state())


def _as_attempt(res: SearchResult) -> AttemptResult:
    if isinstance(res.found, FoundTS):
        return AttemptResult(found=[res.found], n_candidates=1)
    return AttemptResult(found=[], n_candidates=1, known=[res.found])


def _run(objective: Objective, store: Store, chosen: list[tuple[int, int]],
         settings: GrowSettings, known: Any, executor: Executor | None) -> list[SearchResult]:
    """Run the chosen searches (through ``executor.submit`` when given)."""
    jobs = [(store.get_minimum(mid).coords, k, mid) for mid, k in chosen]
    if executor is None:
        return [search_from(objective, x, k, settings.search, settings.ts, known, key=mid)
                for x, k, mid in jobs]
    futures = [executor.submit(search_from, objective, x, k, settings.search, settings.ts,
                               known, mid) for x, k, mid in jobs]
    return [f.result() for f in futures]
