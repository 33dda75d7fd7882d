"""Transition states and disconnectivity trees: timings against the naive alternatives.

1. Saddle refinement on Mueller-Brown from DNEB climbing images: hybrid
   eigenvector-following (exact Hessian) versus scipy.optimize.root on the gradient
   (hybr, a gradient root finder that can land on any stationary point).
2. Merge levels of random networks: union-find superbasins (disconnectivity_tree)
   versus the brute-force minimax-barrier matrix (Floyd-Warshall, O(N^3)).
3. Connection attempts between every pair of minima of a 2-4-2 spiral CE landscape:
   band end points in canonical form (sorted hidden units) versus symmetry-aligned
   (Hungarian matching), and the old band (FIRE, 12 images, tol 1e-3) versus the
   default (L-BFGS, images proportional to distance, tol 1e-2, HEF from the maxima).

4. Band robustness on Mueller-Brown: FIRE versus L-BFGS (trust radius, non-monotone
   force-norm acceptance, FIRE blocks when it stalls) over image counts 8-40 with end
   points moved by 1e-10: how often HEF from the candidates reaches both saddles, and
   the spread of the final RMS force (the old L-BFGS without step control ranged
   0.0016-2.37 under 1e-13 moves).

Run: python benchmarks/bench_landscape_ts.py
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import root

from aucscape.data import spiral
from aucscape.landscape.basinhopping import BasinHopping
from aucscape.landscape.connect import Network
from aucscape.landscape.disconnectivity import disconnectivity_tree
from aucscape.landscape.minimize import lbfgs
from aucscape.landscape.store import Store
from aucscape.landscape.ts import dneb, hef
from aucscape.landscape.ts.attempt import TSSettings, attempt_connection
from aucscape.objectives import make_objective
from aucscape.protocols import canonical
from aucscape.testsurfaces import MuellerBrown


def bench_saddles() -> None:
    mb = MuellerBrown()
    rng = np.random.default_rng(0)
    band = dneb(mb, mb.MINIMA[0], mb.MINIMA[1])
    starts = [c + rng.normal(scale=0.03, size=2)
              for c in band.candidate_points() for _ in range(50)]
    rows = []
    for name, fn in (
        ("hef (exact Hessian)", lambda x: hef(mb, x)),
        ("scipy root (hybr)", lambda x: root(lambda z: mb.energy_gradient(z)[1], x,
                                             jac=mb.hessian, tol=1e-14)),
    ):
        t0 = time.perf_counter()
        ok = 0
        for x0 in starts:
            r = fn(x0)
            x = r.x
            g = mb.energy_gradient(x)[1]
            if np.linalg.norm(g) / np.sqrt(2) <= 1e-10 and np.sum(
                    np.linalg.eigvalsh(mb.hessian(x)) < 0) == 1:
                ok += 1
        rows.append((name, (time.perf_counter() - t0) / len(starts), ok / len(starts)))
    base = rows[0][1]
    print(f"{'saddle refinement':24s} {'ms/start':>9s} {'index-1 @1e-10':>15s} {'time ratio':>11s}")
    for name, t, frac in rows:
        print(f"{name:24s} {1e3 * t:9.3f} {frac:15.2f} {t / base:11.2f}")


def minimax_all(e_min, e_ts, pairs):
    n = len(e_min)
    b = np.full((n, n), np.inf)
    np.fill_diagonal(b, e_min)
    for e, (i, j) in zip(e_ts, pairs, strict=True):
        c = max(e, e_min[i], e_min[j])
        b[i, j] = b[j, i] = min(b[i, j], c)
    for k in range(n):
        b = np.minimum(b, np.maximum(b[:, [k]], b[[k], :]))
    return b


def bench_trees() -> None:
    print(f"\n{'N minima':>8s} {'union-find s':>13s} {'Floyd-Warshall s':>17s}"
          f" {'ratio FW/UF':>12s}")
    rng = np.random.default_rng(1)
    for n in (100, 300, 600):
        m = 3 * n
        e_min = rng.uniform(0, 1, n)
        pairs = rng.integers(0, n, size=(m, 2))
        e_ts = np.maximum(e_min[pairs[:, 0]], e_min[pairs[:, 1]]) + rng.uniform(0.01, 1, m)
        t0 = time.perf_counter()
        disconnectivity_tree(e_min, e_ts, pairs, levels=30, gmin_component=False)
        t_uf = time.perf_counter() - t0
        t0 = time.perf_counter()
        minimax_all(e_min, e_ts, pairs)
        t_fw = time.perf_counter() - t0
        print(f"{n:8d} {t_uf:13.4f} {t_fw:17.4f} {t_fw / t_uf:12.2f}")


def bench_network_attempts() -> None:
    obj = make_objective(spiral(points_per_arm=40), loss="ce", hidden=4)
    st = Store(":memory:", obj.describe())
    BasinHopping(obj, st, seed=2).run(max_steps=80)
    net = Network(obj, st)
    pairs = [(i, j) for i in range(len(net.ids)) for j in range(i + 1, len(net.ids))]
    old = TSSettings(dneb_method="fire", image_density=0.0, dneb_tol=1e-3,
                     dneb_max_iter=1000, hef_max_iter=500)
    rows = []
    for name, settings, aligned in (("canonical + old band", old, False),
                                    ("aligned + old band", old, True),
                                    ("aligned + default", TSSettings(), True)):
        t0 = time.perf_counter()
        found = direct = 0
        for i, j in pairs:
            if aligned:
                a, b = net.endpoints(i, j)
            else:
                a, b = canonical(obj, net.coords[i]), canonical(obj, net.coords[j])
            res = attempt_connection(obj, a, b, settings)
            found += len(res.found)
            ends = {round(net.energies[i], 8), round(net.energies[j], 8)}
            direct += any({round(f.plus.energy, 8), round(f.minus.energy, 8)} == ends
                          for f in res.found)
        rows.append((name, time.perf_counter() - t0, found, direct))
    print(f"\n{len(net.ids)} minima of a 2-4-2 spiral CE landscape, all {len(pairs)} pairs")
    print(f"{'attempt':22s} {'s/attempt':>10s} {'TS found':>9s} {'joined directly':>16s}"
          f" {'time ratio':>11s}")
    base = rows[-1][1]
    for name, t, found, direct in rows:
        print(f"{name:22s} {t / len(pairs):10.3f} {found:9d} {direct:16d} {t / base:11.2f}")


def bench_band_robustness() -> None:
    mb = MuellerBrown()
    rng = np.random.default_rng(0)
    a0, b0 = (lbfgs(mb, np.array(m, float)).x for m in mb.MINIMA[:2])
    saddles = [hef(mb, s).x for s in mb.SADDLES]
    print(f"\n{'band':8s} {'runs':>5s} {'both saddles':>13s} {'RMS min':>9s} {'RMS median':>11s}"
          f" {'RMS max':>9s} {'s/band':>8s}")
    for method in ("fire", "lbfgs"):
        hits, forces, t0, runs = 0, [], time.perf_counter(), 0
        for n in (8, 12, 16, 20, 24, 30, 40):
            for _ in range(3):
                d = 1e-10 * rng.normal(size=(2, 2))
                band = dneb(mb, a0 + d[0], b0 + d[1], n_images=n, method=method)
                found = [h.x for h in (hef(mb, c) for c in band.candidate_points())
                         if h.converged]
                hits += all(any(np.linalg.norm(f - s) < 1e-6 for f in found) for s in saddles)
                forces.append(band.rms_force)
                runs += 1
        t = (time.perf_counter() - t0) / runs
        print(f"{method:8s} {runs:5d} {hits:13d} {min(forces):9.2g} {np.median(forces):11.2g}"
              f" {max(forces):9.2g} {t:8.3f}")


if __name__ == "__main__":
    bench_band_robustness()
    bench_saddles()
    bench_trees()
    bench_network_attempts()
