"""One attempt as OPTIM's connect makes it: bands between a and b, then between the minima
the bands' saddles lead to, until a and b are joined or the band budget is spent.

A band between stored minima a and b on a rugged landscape (the sigmoid, beta = 40, spiral
networks) usually refines to saddles whose step-off minima are both new: a detour, joined
to nothing stored. Rather than drop it, the attempt keeps its own list of minima
M = {a, b, every step-off minimum} and saddles, and runs OPTIM's missing-connection
strategy on it: the edge (i, j) of M weighs 0 when a saddle of this attempt joins i and j,
and D_ij^2 otherwise (D the symmetry-aligned distance of :mod:`.symmetry`); a pair that
had its band is dropped (the same band would give the same saddles). Each cycle runs one
band (:func:`~.attempt.single_band`) for every gap on the Dijkstra shortest path from a
to b, until a and b share a component of M, no gap remains, or ``settings.local_bands``
bands were run. Every verified saddle is returned; the driver's single writer stores
those that chain to a stored minimum (:func:`aucscape.landscape.record.record_attempt`),
so partial progress from either end is kept even when a and b stay apart.

Saddles re-found by the early exit (their energy matches a stored transition state) are
stepped off here, because the attempt needs their minima for its own graph.

>>> import numpy as np
>>> xs = [np.array([0.0]), np.array([3.0]), np.array([1.0])]
>>> gaps_between(xs, {(0, 2)}, set(), lambda u, v: float(abs(u - v)[0]))
[(1, 2)]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from ...protocols import FloatArray, Objective
from ..graph import UnionFind
from ..identity import same_minimum
from .symmetry import aligned_distance, aligned_pair

if TYPE_CHECKING:
    from .attempt import AttemptResult, FoundMinimum, FoundTS, TSSettings

__all__ = ["connect_pair", "gaps_between"]

_FREE = float(np.finfo(np.float64).tiny)  # weight of a joined pair (0 means no edge)


def gaps_between(coords: list[FloatArray], joined: set[tuple[int, int]],
                 tried: set[tuple[int, int]], distance: Callable[[Any, Any], float],
                 cache: dict[tuple[int, int], float] | None = None) -> list[tuple[int, int]]:
    """Unjoined pairs (i < j) on the missing-connection shortest path from minimum 0 to
    minimum 1 (module docstring); empty when none is left. ``cache`` keeps distances."""
    n = len(coords)
    cache = {} if cache is None else cache
    rows, cols, w = [], [], []
    for i in range(n):
        for j in range(i + 1, n):
            if (i, j) in joined:
                wij = _FREE
            elif (i, j) not in tried:
                if (i, j) not in cache:
                    cache[(i, j)] = float(distance(coords[i], coords[j]))
                wij = max(cache[(i, j)] ** 2, _FREE)
            else:
                continue
            rows.append(i)
            cols.append(j)
            w.append(wij)
    # A sparse matrix keeps the tiny weights of joined pairs (dense input drops them).
    graph = coo_matrix((w, (rows, cols)), shape=(n, n)).tocsr()
    _, pred = dijkstra(graph, directed=False, indices=0, return_predecessors=True)
    gaps: list[tuple[int, int]] = []
    v = 1
    while pred[v] >= 0:
        u = int(pred[v])
        key = (min(u, v), max(u, v))
        if key not in joined:
            gaps.append(key)
        v = u
    return gaps[::-1]


def connect_pair(objective: Objective, x_a: FloatArray, x_b: FloatArray,
                 settings: TSSettings, known_energies: FloatArray | None = None
                 ) -> AttemptResult:
    """Join minima ``x_a`` and ``x_b`` by up to ``settings.local_bands`` bands (module
    docstring); returns every distinct verified saddle found, with its minima."""
    from .attempt import AttemptResult, complete_known, single_band

    def dist(u: Any, v: Any) -> float:
        return aligned_distance(objective, u, v)

    def same(e1: float, x1: Any, e2: float, x2: Any) -> bool:
        return (same_minimum(e1, None, e2, None, edifftol=settings.edifftol)
                and (settings.geomdifftol is None or dist(x1, x2) < settings.geomdifftol))

    coords = [np.asarray(x_a, dtype=np.float64), np.asarray(x_b, dtype=np.float64)]
    energies = [float(objective.energy(coords[0])), float(objective.energy(coords[1]))]
    uf = UnionFind(2)
    joined: set[tuple[int, int]] = set()
    tried: set[tuple[int, int]] = set()
    cache: dict[tuple[int, int], float] = {}
    found: list[FoundTS] = []
    rejected: list[str] = []
    n_cand = bands = 0

    def index_of(m: FoundMinimum) -> int:
        for k, (e, x) in enumerate(zip(energies, coords, strict=True)):
            if same(m.energy, m.coords, e, x):
                return k
        coords.append(np.asarray(m.coords, dtype=np.float64))
        energies.append(float(m.energy))
        return uf.add()

    while bands < settings.local_bands and uf.find(0) != uf.find(1):
        gaps = gaps_between(coords, joined, tried, dist, cache)
        if not gaps:
            break
        for i, j in gaps[: settings.local_bands - bands]:
            tried.add((i, j))
            ends = aligned_pair(objective, coords[i], coords[j])
            res = single_band(objective, *ends, settings, known_energies)
            bands += 1
            n_cand += res.n_candidates
            rejected.extend(res.rejected)
            saddles: list[Any] = list(res.found)
            for k in res.known:
                done = complete_known(objective, k, settings)
                if isinstance(done, str):
                    rejected.append(done)
                else:
                    saddles.append(done)
            for t in saddles:
                if any(same(t.energy, t.coords, f.energy, f.coords) for f in found):
                    continue
                found.append(t)
                p, m = index_of(t.plus), index_of(t.minus)
                if p != m:
                    uf.union(p, m)
                    joined.add((min(p, m), max(p, m)))
    return AttemptResult(found=found, n_candidates=n_cand, rejected=rejected)

