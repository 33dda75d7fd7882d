"""The minima/transition-state graph of a store and OPTIM's missing-connection pair choice.

:class:`Network` holds a store's minima (rows in energy order) with their symmetry-aligned
distances, and its transition states as edges and connected components.

Missing-connection strategy (OPTIM): on the complete graph over the stored minima, an edge
(i, j) weighs 0 when a stored transition state already joins i and j, and
w_ij = D_ij^2 (1 + t_ij)^2 otherwise, with D_ij the symmetry-aligned distance
(:mod:`.ts.symmetry`: hidden-unit permutations and sign flips matched by the objective's
optional ``align`` hook, else canonical forms) and t_ij the number of earlier attempts on
that pair (inf after ``max_tries``). The Dijkstra shortest path (:meth:`Network.dijkstra`)
from a to b then runs through existing connections where they exist and through short,
untried gaps elsewhere; :meth:`Network.gaps_on_path` lists those gaps, and
:meth:`Network.endpoints` gives the band end points for one (x_i and the copy of x_j
aligned to it). :mod:`.connect` attempts and records them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..protocols import FloatArray
from .disconnectivity import UnionFind
from .ts.symmetry import aligned_pair, distance_matrix

Pair = tuple[int, int]


class Network:
    """Minima and transition states of a store as index arrays (row k = ``ids[k]``).

    ``coords`` are the stored coordinates; ``dist`` the symmetry-aligned distances between
    them (:func:`.ts.symmetry.distance_matrix`); ``dist_cache`` (optional) carries known
    distances, keyed by store-id pairs, from one round to the next.
    """

    def __init__(self, objective: Any, store: Any,
                 dist_cache: dict[tuple[int, int], float] | None = None) -> None:
        minima = list(store.iter_minima(order="energy"))
        if not minima:
            raise ValueError("the store holds no minima to connect")
        self.objective = objective
        self.ids = [m.id for m in minima]
        self.row = {mid: k for k, mid in enumerate(self.ids)}
        self.energies = np.array([m.energy for m in minima])
        self.coords = np.array([np.asarray(m.coords, dtype=np.float64) for m in minima])
        self.dist = distance_matrix(objective, self.coords, dist_cache, self.ids)
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
            w = self.dist[u] ** 2
            for v, _tid in self.adj.get(u, []):
                w[v] = 0.0
            for v, t in tried.get(u, []):
                if w[v] > 0:
                    w[v] = np.inf if t >= max_tries else w[v] * (1 + t) ** 2
            better = ~done & (dist[u] + w < dist)
            dist[better] = dist[u] + w[better]
            pred[better] = u
        return pred

    def endpoints(self, i: int, j: int) -> tuple[FloatArray, FloatArray]:
        """Band end points for rows i, j: x_i and the symmetry copy of x_j closest to it."""
        return aligned_pair(self.objective, self.coords[i], self.coords[j])

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
