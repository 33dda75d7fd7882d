"""Pair selection at scale: one round of the connect driver's choice of gaps.

Synthetic stored minima of a 2-4-2 spiral CE network (random weights, random hidden-unit
permutations and sign flips, a chain of transition states joining every tenth minimum) in
a temporary store. One round = read the store into a :class:`Network`, Dijkstra from the
global minimum, gaps on the paths of the 4 nearest unconnected minima. Sparse (this
package): descriptor k-d tree candidates (k = 10), weights from exact alignments of the
candidates up to EXACT_UP_TO minima and from the descriptor bound above (cold: empty
caches; warm: the descriptor, neighbour and alignment caches of the previous round, as the driver
keeps them), csgraph Dijkstra. Dense
(before): the complete aligned distance matrix (a Hungarian alignment per pair) and the
O(N^2) Dijkstra, at the sizes it can do. Time and peak traced memory (tracemalloc).

Run: python benchmarks/bench_connect_scale.py [--sizes 1000 10000 30000] [--dense 300 1000]
Timings on a shared 2-core machine: compare the columns of one run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

from aucscape.data import spiral
from aucscape.landscape.network import EXACT_UP_TO, Network
from aucscape.landscape.store import Store
from aucscape.landscape.ts.symmetry import distance_matrix
from aucscape.objectives import make_objective


def synthetic_store(obj: Any, n: int, path: Path) -> Store:
    rng = np.random.default_rng(n)
    st = Store(path, obj.describe())
    H = 4
    with st.transaction():
        ids = []
        for k in range(n):
            w = rng.normal(size=obj.n_params)
            W1, b1, W2, b2 = obj.model.unpack(w)
            p = rng.permutation(H)
            s = rng.choice([-1.0, 1.0], size=H)
            w = obj.model.pack(W1[p] * s[:, None], b1[p] * s, W2[:, p] * s[None, :], b2)
            ids.append(st.add_minimum(float(k), w))
        for k in range(0, n - 10, 10):
            st.add_ts(float(n + k), rng.normal(size=obj.n_params), ids[k], ids[k + 10])
    return st


def one_round(net: Network) -> list[tuple[int, int]]:
    pred = net.dijkstra(0, {}, 3)
    gm = net.uf.find(0)
    outside = [k for k in range(len(net.ids)) if net.uf.find(k) != gm]
    chosen: list[tuple[int, int]] = []
    for k in sorted(outside, key=lambda k: net.cost[k])[:4]:
        chosen.extend(g for g in net.gaps_on_path(pred, k) if g not in chosen)
    return chosen


def dense_round(obj: Any, st: Store) -> int:
    minima = list(st.iter_minima(order="energy"))
    coords = np.array([m.coords for m in minima])
    d = distance_matrix(obj, coords)
    # Today's dense Dijkstra: O(N^2) over the complete graph.
    n = len(minima)
    dist = np.full(n, np.inf)
    dist[0] = 0.0
    done = np.zeros(n, dtype=bool)
    for _ in range(n):
        u = int(np.argmin(np.where(done, np.inf, dist)))
        done[u] = True
        dist = np.minimum(dist, np.where(done, dist, dist[u] + d[u] ** 2))
    return int(np.isfinite(dist).sum())


def measure(fn: Any, *args: Any) -> tuple[float, float, Any]:
    """(CPU seconds of this process, peak traced MB, result); CPU time, not wall time,
    because the machine is shared (wall time is printed in the note)."""
    tracemalloc.start()
    t = time.process_time()
    w = time.perf_counter()
    out = fn(*args)
    dt = time.process_time() - t
    global WALL
    WALL = time.perf_counter() - w
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return dt, peak, out


WALL = 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 30000])
    ap.add_argument("--dense", type=int, nargs="*", default=[300])
    args = ap.parse_args()
    obj = make_objective(spiral(points_per_arm=30), loss="ce", hidden=4)
    print(f"{'N':>7} {'method':<14} {'CPU s':>8} {'peak MB':>8}  note")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(set(args.sizes) | set(args.dense)):
            st = synthetic_store(obj, n, Path(tmp) / f"m{n}.db")
            cache: dict[tuple[int, int], float] = {}
            descs: dict[int, np.ndarray] = {}
            nbs: dict[int, tuple[int, np.ndarray]] = {}
            if n in args.sizes:
                for label in ("sparse cold", "sparse warm"):
                    dt, peak, gaps = measure(
                        lambda o, s, c, d, b: one_round(Network(o, s, c, desc_cache=d,
                                                                nb_cache=b)),
                        obj, st, cache, descs, nbs)
                    print(f"{n:>7} {label:<14} {dt:8.2f} {peak:8.1f}  wall {WALL:.2f} s, "
                          f"{len(gaps)} gaps, "
                          f"{len(cache)} exact alignments cached, "
                          f"{'exact' if n <= EXACT_UP_TO else 'descriptor'} weights")
                    sparse_t = dt
            if n in args.dense:
                dt, peak, _ = measure(dense_round, obj, st)
                print(f"{n:>7} {'dense (before)':<14} {dt:8.2f} {peak:8.1f}  wall {WALL:.2f} s, "
                      f"{n * (n - 1) // 2} alignments")
                if n in args.sizes:
                    print(f"{n:>7} {'ratio':<14} {dt / sparse_t:8.1f}x dense / sparse warm")
            st.close()


if __name__ == "__main__":
    main()
