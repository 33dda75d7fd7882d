"""Connecting minima with verified transition states (OPTIM's connect, PATHSAMPLE's driver).

Missing-connection strategy (OPTIM): on the complete graph over the stored minima, an edge
(i, j) weighs 0 when a stored transition state already joins i and j, and
w_ij = d_ij^2 (1 + t_ij)^2 otherwise, with d_ij the distance between the (canonical)
coordinates and t_ij the number of earlier attempts on that pair (inf after
``max_tries``). The Dijkstra shortest path from a to b then runs through existing
connections where they exist and through short, untried gaps elsewhere; every gap on it
becomes one DNEB + HEF attempt (:func:`~aucscape.landscape.ts.attempt.attempt_connection`).
Repeat until a and b share a connected component.

Workers only compute; :func:`record_attempt` is the single writer: each verified TS is
matched against stored ones by the criteria of :mod:`.identity` (relative energy
difference, then distance between canonical coordinates) and stored once; its two minima
are matched to stored minima the same way (:class:`.identity.MinimumMatcher`) or added.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..objective import FloatArray, canonical
from .disconnectivity import UnionFind
from .identity import MinimumMatcher, energy_tolerance, same_minimum
from .ts.attempt import AttemptResult, FoundMinimum, FoundTS, TSSettings, attempt_connection

Pair = tuple[int, int]


class Network:
    """Minima and transition states of a store as index arrays (row k = ``ids[k]``)."""

    def __init__(self, objective: Any, store: Any) -> None:
        minima = list(store.iter_minima(order="energy"))
        if not minima:
            raise ValueError("the store holds no minima to connect")
        self.ids = [m.id for m in minima]
        self.row = {mid: k for k, mid in enumerate(self.ids)}
        self.energies = np.array([m.energy for m in minima])
        self.coords = np.array([canonical(objective, m.coords) for m in minima])
        self.uf = UnionFind(len(self.ids))
        self.edges: set[Pair] = set()
        self.adj: dict[int, list[tuple[int, int]]] = {}
        for t in store.iter_ts():
            a, b = self.row.get(t.min1), self.row.get(t.min2)
            if a is None or b is None or a == b:
                continue
            self.uf.union(a, b)
            self.edges.add((min(a, b), max(a, b)))
            self.adj.setdefault(a, []).append((b, t.id))
            self.adj.setdefault(b, []).append((a, t.id))

    def component_sizes(self) -> dict[int, int]:
        sizes: dict[int, int] = {}
        for k in range(len(self.ids)):
            r = self.uf.find(k)
            sizes[r] = sizes.get(r, 0) + 1
        return sizes

    def connected(self, a: int, b: int) -> bool:
        return self.uf.find(a) == self.uf.find(b)

    def ts_path(self, a: int, b: int) -> list[int]:
        """Stored TS ids along a breadth-first path of connections from row a to row b."""
        prev: dict[int, tuple[int, int]] = {a: (-1, -1)}
        queue = [a]
        for u in queue:
            if u == b:
                break
            for v, tid in self.adj.get(u, []):
                if v not in prev:
                    prev[v] = (u, tid)
                    queue.append(v)
        if b not in prev:
            return []
        path = []
        u = b
        while u != a:
            u, tid = prev[u]
            path.append(tid)
        return path[::-1]

    def dijkstra(self, source: int, tries: dict[Pair, int], max_tries: int) -> np.ndarray:
        """Predecessor rows of the missing-connection shortest-path tree from ``source``
        (module docstring), by dense O(N^2) Dijkstra."""
        n = len(self.ids)
        dist = np.full(n, np.inf)
        pred = np.full(n, -1, dtype=np.int64)
        done = np.zeros(n, dtype=bool)
        dist[source] = 0.0
        tried: dict[int, list[tuple[int, int]]] = {}
        for (i, j), t in tries.items():
            tried.setdefault(i, []).append((j, t))
            tried.setdefault(j, []).append((i, t))
        for _ in range(n):
            cand = np.where(done, np.inf, dist)
            u = int(np.argmin(cand))
            if not np.isfinite(cand[u]):
                break
            done[u] = True
            w = np.sum((self.coords - self.coords[u]) ** 2, axis=1)
            for v, _tid in self.adj.get(u, []):
                w[v] = 0.0
            for v, t in tried.get(u, []):
                if w[v] > 0:
                    w[v] = np.inf if t >= max_tries else w[v] * (1 + t) ** 2
            better = ~done & (dist[u] + w < dist)
            dist[better] = dist[u] + w[better]
            pred[better] = u
        return pred

    def gaps_on_path(self, pred: np.ndarray, target: int) -> list[Pair]:
        """Unconnected consecutive pairs (rows) on the Dijkstra path ending at ``target``."""
        gaps = []
        v = target
        while pred[v] >= 0:
            u = int(pred[v])
            key = (min(u, v), max(u, v))
            if key not in self.edges:
                gaps.append(key)
            v = u
        return gaps


def _match_or_add_minimum(objective: Any, store: Any, m: FoundMinimum, s: TSSettings) -> int:
    matcher = MinimumMatcher(store, edifftol=s.edifftol, geomdifftol=s.geomdifftol,
                             objective=objective)
    old = matcher.find(m.energy, m.coords)
    if old is not None:
        return int(old.id)
    return int(store.add_minimum(m.energy, m.coords, rms_grad=m.rms_grad, min_eig=m.min_eig,
                                 n_nonpositive=m.n_nonpositive, lpphe=m.lpphe))


def record_attempt(objective: Any, store: Any, result: AttemptResult,
                   settings: TSSettings) -> list[int]:
    """Store the new transition states of ``result`` (and any new minima); return new TS ids."""
    new = []
    for ts in result.found:
        tol = energy_tolerance(ts.energy, settings.edifftol)
        known = store.ts_in_window(ts.energy - tol, ts.energy + tol)
        if any(same_minimum(ts.energy, ts.coords, t.energy, t.coords,
                            edifftol=settings.edifftol, geomdifftol=settings.geomdifftol,
                            objective=objective) for t in known):
            continue
        m1 = _match_or_add_minimum(objective, store, ts.plus, settings)
        m2 = _match_or_add_minimum(objective, store, ts.minus, settings)
        new.append(int(store.add_ts(ts.energy, ts.coords, m1, m2, rms_grad=ts.rms_grad,
                                    neg_eig=ts.neg_eig, lpphe=ts.lpphe)))
    return new


def _run_batch(objective: Any, pairs: list[tuple[FloatArray, FloatArray]], settings: TSSettings,
               executor: Any | None) -> list[AttemptResult]:
    if executor is None:
        return [attempt_connection(objective, a, b, settings) for a, b in pairs]
    futures = [executor.submit(attempt_connection, objective, a, b, settings) for a, b in pairs]
    return [f.result() for f in futures]


@dataclass
class ConnectResult:
    """connected: a and b share a component; ts_path: stored TS ids joining them;
    n_attempts: DNEB attempts made; new_ts: ids of transition states added."""

    connected: bool
    ts_path: list[int]
    n_attempts: int
    new_ts: list[int] = field(default_factory=list)


def connect(objective: Any, store: Any, min_a: int, min_b: int, *,
            settings: TSSettings | None = None, max_cycles: int = 20, max_tries: int = 3,
            executor: Any | None = None) -> ConnectResult:
    """Join stored minima ``min_a`` and ``min_b`` (store ids) by verified transition states.

    Each cycle attempts every gap on the current missing-connection Dijkstra path (in
    parallel through ``executor.submit`` when given) and stores what it finds; stops when
    a and b are connected, after ``max_cycles`` cycles, or when no untried gap remains.
    """
    settings = TSSettings() if settings is None else settings
    tries: dict[Pair, int] = {}
    n_att = 0
    new: list[int] = []
    for _ in range(int(max_cycles) + 1):
        net = Network(objective, store)
        for name, mid in (("min_a", min_a), ("min_b", min_b)):
            if mid not in net.row:
                raise ValueError(f"{name} = {mid} is not a stored minimum")
        a, b = net.row[min_a], net.row[min_b]
        if net.connected(a, b):
            return ConnectResult(True, net.ts_path(a, b), n_att, new)
        if _ == max_cycles:
            break
        # Row indices change as minima are added; tries are keyed on store ids.
        row_tries = {(min(net.row[i], net.row[j]), max(net.row[i], net.row[j])): t
                     for (i, j), t in tries.items()}
        gaps = net.gaps_on_path(net.dijkstra(a, row_tries, max_tries), b)
        if not gaps:
            break
        results = _run_batch(objective, [(net.coords[i], net.coords[j]) for i, j in gaps],
                             settings, executor)
        for (i, j), res in zip(gaps, results, strict=True):
            key = (min(net.ids[i], net.ids[j]), max(net.ids[i], net.ids[j]))
            tries[key] = tries.get(key, 0) + 1
            new.extend(record_attempt(objective, store, res, settings))
        n_att += len(gaps)
    return ConnectResult(False, [], n_att, new)


@dataclass
class LandscapeProgress:
    """Reported after every round: attempts so far, transition states stored, minima stored,
    size of the largest connected component, and whether all minima are connected."""

    attempts: int
    n_ts: int
    n_minima: int
    largest: int
    done: bool


def connect_landscape(objective: Any, store: Any, *, settings: TSSettings | None = None,
                      executor: Any | None = None, max_attempts: int | None = None,
                      time_limit: float | None = None, batch: int = 4, max_tries: int = 3,
                      progress: Callable[[LandscapeProgress], None] | None = None
                      ) -> LandscapeProgress:
    """Connect every stored minimum to the global minimum's component (PATHSAMPLE's role).

    Each round: Dijkstra from the global minimum over the missing-connection graph; the
    minima outside its component, nearest (in distance to the component) first, each
    contribute the gaps on their shortest path, until ``batch`` distinct pairs are chosen;
    those attempts run (in parallel through ``executor``) and are recorded. Stops when all
    minima form one component, ``max_attempts`` attempts are spent, ``time_limit`` seconds
    have passed, or no untried pair remains. All state lives in the store, so a later call
    resumes where this one stopped.
    """
    settings = TSSettings() if settings is None else settings
    if int(batch) < 1:
        raise ValueError(f"batch must be >= 1, got {batch!r}")
    t0 = time.monotonic()
    tries: dict[Pair, int] = {}
    attempts = 0
    while True:
        net = Network(objective, store)
        sizes = net.component_sizes()
        gm_root = net.uf.find(0)  # row 0 is the global minimum (energy order)
        outside = [k for k in range(len(net.ids)) if net.uf.find(k) != gm_root]
        state = LandscapeProgress(attempts, store.n_ts(), len(net.ids), max(sizes.values()),
                                  not outside)
        if progress is not None:
            progress(state)
        if (not outside or (max_attempts is not None and attempts >= max_attempts)
                or (time_limit is not None and time.monotonic() - t0 >= time_limit)):
            return state
        inside = np.array([k for k in range(len(net.ids)) if net.uf.find(k) == gm_root])
        d_in = [float(np.min(np.sum((net.coords[inside] - net.coords[k]) ** 2, axis=1)))
                for k in outside]
        row_tries = {(min(net.row[i], net.row[j]), max(net.row[i], net.row[j])): t
                     for (i, j), t in tries.items()}
        pred = net.dijkstra(0, row_tries, max_tries)
        limit = batch if max_attempts is None else min(batch, max_attempts - attempts)
        chosen: list[Pair] = []
        for k in np.array(outside)[np.argsort(d_in, kind="stable")]:
            for gap in net.gaps_on_path(pred, int(k)):
                if gap not in chosen and len(chosen) < limit:
                    chosen.append(gap)
            if len(chosen) >= limit:
                break
        if not chosen:
            return state
        results = _run_batch(objective, [(net.coords[i], net.coords[j]) for i, j in chosen],
                             settings, executor)
        for (i, j), res in zip(chosen, results, strict=True):
            key = (min(net.ids[i], net.ids[j]), max(net.ids[i], net.ids[j]))
            tries[key] = tries.get(key, 0) + 1
            record_attempt(objective, store, res, settings)
        attempts += len(chosen)


__all__ = [
    "ConnectResult", "FoundTS", "LandscapeProgress", "Network", "connect", "connect_landscape",
    "record_attempt",
]
