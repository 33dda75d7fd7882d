"""Nearest aligned distances at the paper's scale: a k-d tree of symmetry copies against
pair-by-pair Hungarian alignment.

The study's "appAUC minima are not close to CE minima" finding needs, per replicate, the
aligned distance from every sigmoid minimum to its nearest CE minimum and from every CE
minimum to its nearest other one (:func:`aucscape.landscape.ts.symmetry.nearest_distances`).
At the paper's scale (13,948 sigmoid and 1,903 CE minima) the pair-by-pair way is
2.7·10^7 alignments per replicate. Synthetic minima of the study's 2-3-2 spiral network
(clusters of perturbed symmetry copies); the pairwise time is measured on ``--sample``
query rows and scaled to all of them (shown as "scaled"), the tree's on all of them; the
sampled rows' distances are compared between the two.

Run: python benchmarks/bench_nearest.py [--ref 2000] [--queries 2000 14000 30000]
Timings on a shared 2-core machine: compare the columns of one run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from aucscape.data import spiral
from aucscape.landscape.ts.symmetry import aligned_distance, nearest_distances
from aucscape.objectives import make_objective


def clustered(obj, rng: np.random.Generator, n: int, centres: np.ndarray) -> np.ndarray:
    """n points: a random symmetry copy of a random centre, perturbed by N(0, 0.3²)."""
    out = np.empty((n, obj.n_params))
    for k in range(n):
        c = centres[rng.integers(len(centres))] + rng.normal(0, 0.3, obj.n_params)
        copies = obj.symmetry_copies(c)
        out[k] = copies[rng.integers(len(copies))]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", type=int, default=2000, help="reference (CE) minima")
    ap.add_argument("--queries", type=int, nargs="+", default=[2000, 14000, 30000])
    ap.add_argument("--sample", type=int, default=100, help="rows timed pairwise")
    ap.add_argument("--hidden", type=int, default=3)
    args = ap.parse_args(argv)
    obj = make_objective(spiral(points_per_arm=20), "ce", hidden=args.hidden)
    rng = np.random.default_rng(0)
    centres = rng.uniform(-8, 8, size=(200, obj.n_params))
    ref = clustered(obj, rng, args.ref, centres)
    print(f"2-{args.hidden}-2 network ({obj.n_params} parameters), {args.ref} reference "
          f"minima, {len(obj.symmetry_copies(ref[0]))} symmetry copies each\n")
    print("| queries | pairwise alignment s (scaled) | k-d tree of copies s | ratio | "
          "sampled rows equal |")
    print("|---|---|---|---|---|")
    for nq in args.queries:
        x = clustered(obj, rng, nq, centres)
        sample = x[: args.sample]
        t0 = time.perf_counter()
        brute = [min(aligned_distance(obj, xi, y) for y in ref) for xi in sample]
        t_pair = (time.perf_counter() - t0) * nq / len(sample)
        t0 = time.perf_counter()
        tree = nearest_distances(obj, x, ref)
        t_tree = time.perf_counter() - t0
        same = np.allclose(tree[: args.sample], brute, rtol=1e-10, atol=1e-12)
        print(f"| {nq:,} | {t_pair:,.0f} | {t_tree:.2f} | {t_pair / t_tree:,.0f}× | "
              f"{'yes' if same else 'NO'} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
