"""The minima/transition-state graph of a store and OPTIM's missing-connection pair choice,
on a sparse candidate graph (no N^2 work).

:class:`Network` holds a store's minima (rows in energy order) and its transition states
as edges and connected components.

Missing-connection strategy (OPTIM): over candidate pairs of minima an edge (i, j) weighs
0 when a stored transition state already joins i and j, and w_ij = D_ij^2 (1 + t_ij)^2
otherwise, with D_ij the symmetry-aligned distance and t_ij the number of earlier
attempts on that pair (the pair is dropped after ``max_tries``). The Dijkstra shortest
path (:meth:`Network.dijkstra`, :func:`scipy.sparse.csgraph.dijkstra`) from a to b then
runs through existing connections where they exist and through short, untried gaps
elsewhere; :meth:`Network.gaps_on_path` lists those gaps and :meth:`Network.endpoints`
gives the band end points for one (x_i and the copy of x_j aligned to it).

Candidates, not the complete graph: every minimum proposes its k nearest neighbours
(``k_neighbours`` plus one per exhausted pair of that minimum, so a minimum given up with
one partner gets another) in the objective's ``descriptor`` (an optional hook: a cheap
symmetry copy, e.g. sign-canonical hidden units sorted by norm; ``canonical`` or the
coordinates otherwise), found with a k-d tree (:class:`scipy.spatial.cKDTree`). The
descriptor distance is an upper bound on D (it compares one symmetry copy of each);
exact alignments (:func:`.ts.symmetry.aligned_distance`, a Hungarian matching in Python)
weigh the candidates of networks up to ``EXACT_UP_TO`` minima, cached by store ids so a
growing network costs only its new rows; larger networks use the descriptor bound as the
weight and align only the end points of the chosen gaps. Components of
the candidate graph that do not reach the source are joined to it by their nearest
descriptor pair, so every minimum always has a path. Cost per round: O(N k log N) for the
tree and O(N k) alignments on a cold cache, O(N k) memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.sparse.csgraph import dijkstra as sparse_dijkstra
from scipy.spatial import cKDTree

from ..protocols import FloatArray, Objective, canonical
from .graph import UnionFind
from .ts.symmetry import aligned_distance, aligned_pair, distance_matrix

if TYPE_CHECKING:
    from .store import Store

Pair = tuple[int, int]

#: Networks up to this many minima weigh candidate gaps by exact alignments (cached);
#: larger ones by the descriptor bound, aligning only the chosen gaps' end points.
EXACT_UP_TO = 1000
#: Approximate k-d tree search: each proposed neighbour is within (1 + KD_EPS) times the
#: true k-th nearest descriptor distance (exact search in ~20 dimensions is near brute
#: force; the weights, not the proposals, decide which gaps are attempted).
KD_EPS = 2.0

#: Weight of an edge that a stored transition state already provides ("free"); a tiny
#: positive number because sparse graphs have no explicit zero-weight edges.
_FREE = float(np.finfo(np.float64).tiny)


def descriptors(objective: Objective, coords: FloatArray, ids: list[int] | None = None,
                cache: dict[int, FloatArray] | None = None) -> FloatArray:
    """Rows ``descriptor(x)`` (optional hook), else ``canonical(x)``, else x (module doc);
    ``cache`` (optional) keeps them by store id ``ids[k]`` between rounds."""
    fn = getattr(objective, "descriptor", None)
    if fn is None:
        fn = lambda x: canonical(objective, x)  # noqa: E731
    out = np.empty(coords.shape)
    for k, x in enumerate(coords):
        d = None if cache is None or ids is None else cache.get(ids[k])
        if d is None:
            d = np.asarray(fn(x), dtype=np.float64)
            if cache is not None and ids is not None:
                cache[ids[k]] = d
        out[k] = d
    return out


class Network:
    """Minima and transition states of a store as index arrays (row k = ``ids[k]``).

    ``coords`` are the stored coordinates, ``desc`` their descriptors; ``dist_cache`` and
    ``desc_cache`` (optional) carry exact aligned distances (keyed by store-id pairs) and
    descriptors (by store id) from one round to the next, ``nb_cache`` each minimum's
    proposed neighbours (store ids); ``k_neighbours``: descriptor neighbours proposed per
    minimum.

    >>> from types import SimpleNamespace
    >>> st = SimpleNamespace(
    ...     iter_minima=lambda order="energy": iter([SimpleNamespace(id=i, energy=float(i),
    ...         coords=np.array([float(i), 0.0])) for i in range(3)]),
    ...     iter_ts=lambda order="id": iter([]))
    >>> net = Network(SimpleNamespace(), st)
    >>> sorted(net.gaps_on_path(net.dijkstra(0, {}, 3), 2))
    [(0, 1), (1, 2)]
    """

    def __init__(self, objective: Objective, store: Store,
                 dist_cache: dict[tuple[int, int], float] | None = None, *,
                 k_neighbours: int = 10,
                 desc_cache: dict[int, FloatArray] | None = None,
                 nb_cache: dict[int, tuple[int, np.ndarray]] | None = None) -> None:
        minima = list(store.iter_minima(order="energy"))
        if not minima:
            raise ValueError("the store holds no minima to connect")
        if int(k_neighbours) < 1:
            raise ValueError(f"k_neighbours must be >= 1, got {k_neighbours!r}")
        self.objective = objective
        self.k_neighbours = int(k_neighbours)
        self.ids = [m.id for m in minima]
        self.row = {mid: k for k, mid in enumerate(self.ids)}
        self.energies = np.array([m.energy for m in minima])
        self.coords = np.array([np.asarray(m.coords, dtype=np.float64) for m in minima])
        self.desc = descriptors(objective, self.coords, self.ids, desc_cache)
        self._tree: cKDTree | None = None
        self.nb_cache = nb_cache
        self.cache: dict[tuple[int, int], float] = {} if dist_cache is None else dist_cache
        self.exact = (getattr(objective, "align", None) is not None
                      and len(self.ids) <= EXACT_UP_TO)
        self.uf = UnionFind(len(self.ids))
        self.edges: set[Pair] = set()
        self.adj: dict[int, list[tuple[int, int]]] = {}
        self.cost: FloatArray = np.zeros(0)
        for t in store.iter_ts():
            a, b = self.row.get(t.min1), self.row.get(t.min2)
            if a is None or b is None or a == b:
                continue
            self.uf.union(a, b)
            self.edges.add((min(a, b), max(a, b)))
            self.adj.setdefault(a, []).append((b, t.id))
            self.adj.setdefault(b, []).append((a, t.id))

    # ------------------------------------------------------------------ components
    def component_sizes(self) -> dict[int, int]:
        """Size of each connected component, keyed by its union-find root."""
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

    # ------------------------------------------------------------------ distances
    @property
    def tree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(self.desc)
        return self._tree

    def distance(self, i: int, j: int) -> float:
        """Exact aligned distance D between rows i and j (cached by store ids)."""
        key = (min(self.ids[i], self.ids[j]), max(self.ids[i], self.ids[j]))
        v = self.cache.get(key)
        if v is None:
            v = aligned_distance(self.objective, self.coords[i], self.coords[j])
            self.cache[key] = v
        return v

    @property
    def dist(self) -> FloatArray:
        """Dense (N, N) aligned distances (diagnostics and small networks only: O(N^2))."""
        return distance_matrix(self.objective, self.coords, self.cache, self.ids)

    def candidates(self, exhausted: dict[int, int] | None = None) -> np.ndarray:
        """Row pairs (i < j) proposed by the descriptor k-d tree (module docstring), as an
        (m, 2) integer array without repeats, sorted. With ``nb_cache`` only rows that are
        new (or whose number of exhausted pairs changed) are queried."""
        n = len(self.ids)
        if n < 2:
            return np.zeros((0, 2), dtype=np.int64)
        extra = np.zeros(n, dtype=np.int64)
        for r, c in (exhausted or {}).items():
            extra[r] = c
        ids = np.asarray(self.ids, dtype=np.int64)
        id_to_row = np.full(int(ids.max()) + 1, -1, dtype=np.int64)
        id_to_row[ids] = np.arange(n)
        cache = self.nb_cache
        blocks = []
        stale = np.ones(n, dtype=bool)
        if cache is not None:
            for r, mid in enumerate(self.ids):
                hit = cache.get(mid)
                if hit is not None and hit[0] == extra[r]:
                    stale[r] = False
                    blocks.append(np.stack([np.full(hit[1].size, r), id_to_row[hit[1]]], axis=1))
        for k in np.unique(extra[stale]):
            rows = np.flatnonzero(stale & (extra == k))
            kk = int(min(n, self.k_neighbours + k + 1))
            _, nb = self.tree.query(self.desc[rows], k=kk, eps=KD_EPS)
            nb = np.asarray(nb).reshape(len(rows), kk)
            blocks.append(np.stack([np.repeat(rows, kk), nb.ravel()], axis=1))
            if cache is not None:
                for r, row_nb in zip(rows.tolist(), nb, strict=True):
                    cache[self.ids[r]] = (int(k), ids[row_nb[row_nb < n]])
        ij = np.concatenate(blocks)
        ij = ij[(ij[:, 0] != ij[:, 1]) & (ij[:, 1] < n) & (ij[:, 1] >= 0)]
        ij = np.sort(ij, axis=1)
        return np.unique(ij, axis=0).astype(np.int64)

    # ------------------------------------------------------------------ Dijkstra
    def dijkstra(self, source: int, tries: dict[Pair, int], max_tries: int,
                 earlier: dict[Pair, int] | None = None) -> np.ndarray:
        """Predecessor rows of the missing-connection shortest-path tree from ``source``
        (module docstring); the path costs are left in ``self.cost``.

        ``tries`` (row pairs) drop a pair at ``max_tries``; ``earlier`` (row pairs: attempts
        of earlier calls) only add to t in the weight, so a later call retries a pair, but
        after every pair not yet tried as often.
        """
        n = len(self.ids)
        earlier = earlier or {}
        exhausted: dict[int, int] = {}
        for (i, j), t in tries.items():
            if t >= max_tries:
                exhausted[i] = exhausted.get(i, 0) + 1
                exhausted[j] = exhausted.get(j, 0) + 1
        ij = self.candidates(exhausted)
        w = self._weights(ij)
        keys = ij[:, 0] * n + ij[:, 1]  # sorted, as ij is
        keep = np.ones(len(keys), dtype=bool)
        for (i, j), t in tries.items():
            k = min(i, j) * n + max(i, j)
            p = int(np.searchsorted(keys, k))
            if t >= max_tries and p < len(keys) and keys[p] == k:
                keep[p] = False
        t_all = np.zeros(len(keys))
        for (i, j), t in [*tries.items(), *earlier.items()]:
            k = min(i, j) * n + max(i, j)
            p = int(np.searchsorted(keys, k))
            if p < len(keys) and keys[p] == k:
                t_all[p] += t
        w = np.maximum(w * (1 + t_all) ** 2, _FREE)
        if self.edges:
            e = np.array(sorted(self.edges), dtype=np.int64)
            keep &= ~np.isin(keys, e[:, 0] * n + e[:, 1])
            ij = np.concatenate([ij[keep], e])
            w = np.concatenate([w[keep], np.full(len(e), _FREE)])
        else:
            ij, w = ij[keep], w[keep]
        ij, w = self._join_components(source, ij, w, tries, max_tries, earlier)
        if not len(w):
            self.cost = np.where(np.arange(n) == source, 0.0, np.inf)
            return np.full(n, -1, dtype=np.int64)
        graph = coo_matrix((w, (ij[:, 0], ij[:, 1])), shape=(n, n)).tocsr()
        cost, pred = sparse_dijkstra(graph, directed=False, indices=source,
                                     return_predecessors=True)
        self.cost = np.where(cost < 1e-250, 0.0, cost)  # free edges sum to ~0
        return np.where(pred < 0, -1, pred).astype(np.int64)

    def _weight(self, i: int, j: int) -> float:
        return float(self._weights(np.array([[i, j]]))[0])

    def _weights(self, ij: np.ndarray) -> FloatArray:
        """D^2 for row pairs ``ij``: exact (cached) with ``align``, else descriptor."""
        if self.exact:
            return np.array([self.distance(i, j) ** 2 for i, j in ij.tolist()])
        diff = self.desc[ij[:, 0]] - self.desc[ij[:, 1]]
        return np.einsum("ij,ij->i", diff, diff)

    def _join_components(self, source: int, ij: np.ndarray, w: FloatArray,
                         tries: dict[Pair, int], max_tries: int, earlier: dict[Pair, int]
                         ) -> tuple[np.ndarray, FloatArray]:
        """Add, for each candidate-graph component without ``source``, its nearest
        descriptor pair to the source's component that is not exhausted."""
        n = len(self.ids)
        if n < 2:
            return ij, w
        graph = coo_matrix((np.ones(len(w)), (ij[:, 0], ij[:, 1])), shape=(n, n)).tocsr()
        n_comp, label = connected_components(graph, directed=False)
        if n_comp == 1:
            return ij, w
        home = np.flatnonzero(label == label[source])
        tree = cKDTree(self.desc[home])
        kk = int(min(len(home), 8))
        add_ij, add_w = [], []
        for c in range(n_comp):
            if c == label[source]:
                continue
            members = np.flatnonzero(label == c)
            dd, nb = tree.query(self.desc[members], k=kk)
            dd = np.asarray(dd).reshape(len(members), kk)
            nb = np.asarray(nb).reshape(len(members), kk)
            for flat in np.argsort(dd, axis=None, kind="stable"):
                m, q = divmod(int(flat), kk)
                i, j = int(members[m]), int(home[nb[m, q]])
                key = (min(i, j), max(i, j))
                t = tries.get(key, 0)
                if t < max_tries:
                    t_all = t + earlier.get(key, 0)
                    add_ij.append(key)
                    add_w.append(max(self._weight(*key) * (1 + t_all) ** 2, _FREE))
                    break
        if not add_ij:
            return ij, w
        return (np.concatenate([ij, np.array(add_ij, dtype=np.int64)]),
                np.concatenate([w, np.array(add_w)]))

    # ------------------------------------------------------------------ paths
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
