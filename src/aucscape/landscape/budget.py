"""How far a database's network is from holding a share F of its minima, in transition states.

A database after some ``connect`` holds M minima, N of them in the global minimum's
network (its component in the graph whose edges are the transition states). Minima are
**explored** when a run other than ``connect`` stored them (basin-hopping; minima without
a run record count as explored) and otherwise were found by step-off quenches while
connecting. :func:`census` counts what a budget needs:

- **floor** (:meth:`NetworkCensus.floor_ts`): each new transition state joins at most one
  outside component to the network, so lifting N to ⌈F·M⌉ takes at least as many
  transition states as the fewest outside components (largest first) that cover the
  shortfall. It assumes every search succeeds and finds no new minimum (M only grows while
  connecting), so it is a lower bound on the work left;
- **hops** d_i: for each explored minimum in the network, the number of transition states
  to the nearest other explored minimum in the network (:func:`nearest_other_hops`). A tree
  joining k terminals has at least ½ Σ d_i edges (balls of radius d_i/2 about the
  terminals are disjoint), so ½ mean(d) per explored minimum still outside estimates the
  work if those outside are like those joined. The d_i are distances in the network as
  found (upper bounds of the landscape's), so this is an estimate, not a bound.

>>> c = NetworkCensus(n_minima=10, n_explored=10, n_network=5, n_network_explored=5,
...                   n_network_ts=4, outside_sizes=[3, 1, 1], hops=np.array([1.0]))
>>> c.floor_ts(0.9)  # 9 minima needed, 5 in: the components of 3 and 1
2
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix

from ..protocols import FloatArray
from .connect import _connect_runs, _is_target
from .graph import components, network_from_store

if TYPE_CHECKING:
    from .store import Store

__all__ = ["NetworkCensus", "census", "nearest_other_hops"]


@dataclass(frozen=True)
class NetworkCensus:
    """Counts of one database (module docstring). ``outside_sizes``: sizes of the
    components other than the network, largest first; ``hops``: d_i of the explored
    minima in the network (inf for the only one)."""

    n_minima: int
    n_explored: int
    n_network: int
    n_network_explored: int
    n_network_ts: int
    outside_sizes: list[int]
    hops: FloatArray

    @property
    def explored_outside(self) -> int:
        """Explored minima not in the network."""
        return self.n_explored - self.n_network_explored

    def ts_per_join(self) -> float:
        """Transition states in the network per explored minimum joined to the global
        minimum (nan before any joined)."""
        joined = self.n_network_explored - 1
        return self.n_network_ts / joined if joined > 0 else float("nan")

    def floor_ts(self, fraction: float) -> int | None:
        """Fewest transition states that could put ``fraction`` of the minima stored now in
        the network (one per outside component, largest first); None: not reachable."""
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        short = math.ceil(fraction * self.n_minima) - self.n_network
        done = 0
        for k, size in enumerate(self.outside_sizes):
            if done >= short:
                return k
            done += size
        return len(self.outside_sizes) if done >= short else None

    def hop_estimate_ts(self) -> float:
        """½ mean(d) × explored minima outside (module docstring); nan without hops."""
        finite = self.hops[np.isfinite(self.hops)]
        return 0.5 * float(finite.mean()) * self.explored_outside if finite.size else math.nan


def census(store: Store) -> NetworkCensus:
    """Count ``store``'s network, its explored minima and their hop distances."""
    _, _, pairs, ids = network_from_store(store)
    n = len(ids)
    if n == 0:
        raise ValueError(f"{store.path} holds no minimum")
    runs = _connect_runs(store)  # "explored": the driver's own rule (targets="explored")
    explored = np.array([_is_target(m, runs, "explored")
                         for m in store.iter_minima(order="energy")], dtype=bool)
    label = components(n, pairs)
    in_net = label == label[0]  # row 0 is the global minimum (energy order)
    counts = np.bincount(label[~in_net], minlength=n)
    sizes = sorted((int(s) for s in counts if s > 0), reverse=True)
    terminals = np.flatnonzero(in_net & explored)
    hops = nearest_other_hops(n, pairs, terminals)
    return NetworkCensus(
        n_minima=n, n_explored=int(explored.sum()), n_network=int(in_net.sum()),
        n_network_explored=int(terminals.size),
        n_network_ts=int(in_net[pairs[:, 0]].sum()) if len(pairs) else 0,
        outside_sizes=sizes, hops=hops)


def nearest_other_hops(n: int, pairs: NDArray[np.int64], terminals: NDArray[np.intp]
                       ) -> FloatArray:
    """For each of ``terminals`` (node numbers of a graph of n nodes with edges ``pairs``),
    the fewest edges to another terminal (inf: none reachable), in O(n + edges) memory.

    One breadth-first search from all terminals at once gives each node its nearest
    terminal t(v) at distance δ(v) (a Voronoi partition); the answer for terminal t is
    the least δ(u) + 1 + δ(v) over edges (u, v) with t(u) = t ≠ t(v). (Along a shortest
    path from t to its nearest other terminal, the first edge leaving t's cell gives
    exactly that length, and no edge gives less.)

    >>> nearest_other_hops(5, np.array([[0, 1], [1, 2], [2, 3]]), np.array([0, 2, 4])).tolist()
    [2.0, 2.0, inf]
    """
    terminals = np.asarray(terminals, dtype=np.int64)
    best = np.full(terminals.size, np.inf)
    if terminals.size < 2 or len(pairs) == 0:
        return best
    a, b = pairs[:, 0], pairs[:, 1]
    adj = coo_matrix((np.ones(2 * len(pairs)), (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    dist = np.full(n, -1, dtype=np.int64)
    label = np.full(n, -1, dtype=np.int64)
    dist[terminals] = 0
    label[terminals] = np.arange(terminals.size)
    frontier = terminals
    while frontier.size:  # layer by layer; a node takes the label of its first reacher
        nxt = []
        for u in frontier:
            for v in adj.indices[adj.indptr[u]:adj.indptr[u + 1]]:
                if dist[v] < 0:
                    dist[v] = dist[u] + 1
                    label[v] = label[u]
                    nxt.append(v)
        frontier = np.array(nxt, dtype=np.int64)
    reached = (dist[a] >= 0) & (dist[b] >= 0) & (label[a] != label[b])
    length = (dist[a] + dist[b] + 1)[reached].astype(np.float64)
    np.minimum.at(best, label[a][reached], length)
    np.minimum.at(best, label[b][reached], length)
    return best
