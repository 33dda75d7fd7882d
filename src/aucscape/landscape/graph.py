"""Graph helpers for the minima/transition-state network: disjoint sets, components and
the store-to-arrays reader (one home for each; the drawing and connect code import them).

A network of n minima and m transition states is read as E_min (n,), E_ts (m,) and
0-based pairs (m, 2) with minima in energy order (row 0 the global minimum); a
component is a maximal set of minima joined by transition states.

>>> uf = UnionFind(3); uf.union(0, 2)
True
>>> components(3, np.array([[0, 2]])).tolist()
[0, 1, 0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..protocols import FloatArray

if TYPE_CHECKING:
    from .store import Store

IntArray = NDArray[np.int64]

__all__ = ["UnionFind", "components", "descent_ends", "network_from_store"]


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def add(self) -> int:
        """A new singleton set; returns its element (the former n).

        >>> uf = UnionFind(2); uf.add()
        2
        """
        self.parent.append(len(self.parent))
        self.size.append(1)
        return len(self.parent) - 1

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return i

    def union(self, i: int, j: int) -> bool:
        """Join the sets of i and j; return True when they were different."""
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return False
        if self.size[ri] < self.size[rj]:
            ri, rj = rj, ri
        self.parent[rj] = ri
        self.size[ri] += self.size[rj]
        return True


def components(n: int, pairs: IntArray, mask: NDArray[np.bool_] | None = None) -> IntArray:
    """Component label (its smallest member) of each of n nodes, joining the rows of
    ``pairs`` selected by ``mask`` (all by default)."""
    uf = UnionFind(n)
    sel = pairs if mask is None else pairs[mask]
    for a, b in sel:
        uf.union(int(a), int(b))
    roots = np.array([uf.find(i) for i in range(n)], dtype=np.int64)
    label: dict[int, int] = {}
    for i, r in enumerate(roots):
        label.setdefault(int(r), i)
    return np.array([label[int(r)] for r in roots], dtype=np.int64)


def network_from_store(store: Store) -> tuple[FloatArray, FloatArray, IntArray, list[int]]:
    """(E_min, E_ts, 0-based pairs, minimum ids) of a
    :class:`~aucscape.landscape.store.Store`, minima in energy order, ready for
    :func:`~aucscape.landscape.disconnectivity.disconnectivity_tree`; row k of E_min is
    minimum ``ids[k]``."""
    minima = list(store.iter_minima(order="energy"))
    row = {m.id: k for k, m in enumerate(minima)}
    tss = list(store.iter_ts(order="id"))
    pairs = np.array([[row[t.min1], row[t.min2]] for t in tss], dtype=np.int64).reshape(-1, 2)
    return (np.array([m.energy for m in minima]), np.array([t.energy for t in tss]), pairs,
            [m.id for m in minima])


def descent_ends(min_energies: FloatArray, ts_energies: FloatArray, pairs: IntArray
                 ) -> IntArray:
    """Where each minimum's lowest-barrier descent ends: its monotonic sequence basin.

    From minimum i the descent steps to the lower neighbour (E_j < E_i) joined to i by
    the lowest transition state among those to lower neighbours, and repeats until a
    minimum has no lower neighbour (a funnel bottom; Berry & Kunz 1995, Wales 2003,
    "monotonic sequences"). A single-funnel landscape sends every minimum of the network
    to its global minimum; the share that ends elsewhere measures how many funnels
    compete. Returns the end minimum's index for every minimum (itself for a bottom).

    >>> descent_ends(np.array([0.0, 0.5, 0.2, 0.9]), np.array([1.0, 0.8, 1.2]),
    ...              np.array([[0, 1], [1, 2], [2, 3]])).tolist()
    [0, 2, 2, 2]
    """
    e = np.asarray(min_energies, dtype=np.float64)
    n = e.size
    best = np.full(n, np.inf)
    step = np.arange(n)
    for t, (a, b) in zip(np.asarray(ts_energies, float), np.asarray(pairs).reshape(-1, 2),
                         strict=True):
        for i, j in ((int(a), int(b)), (int(b), int(a))):
            if e[j] < e[i] and t < best[i]:
                best[i], step[i] = t, j
    end = np.full(n, -1, dtype=np.int64)
    for i in np.argsort(e, kind="stable"):  # lower minima first: their end is known
        end[i] = i if step[i] == i else end[step[i]]
    return end
