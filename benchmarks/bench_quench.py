"""Quench speed on the paper's spiral 2-10-2 network: NumPy L-BFGS vs the numba fast path.

Three ways to run the same L-BFGS (tol 1e-10) from the same random starts:

- ``numpy``: :func:`minimize_fn` over ``energy_gradient_numpy`` (what runs without numba);
- ``np loop+kernel``: ``lbfgs(backend="numpy")``: NumPy loop, compiled E/∇E kernel;
- ``numba``: ``lbfgs(backend="numba")``: compiled loop bookkeeping and kernel.

Trajectories of these long, ill-conditioned quenches depend on the last bit of every
gradient, so the paths differ in iteration count; compare quenches/s and µs per
evaluation. Usage: ``python benchmarks/bench_quench.py [n_quenches]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from aucscape.data import spiral
from aucscape.landscape.minimize import lbfgs, minimize_fn
from aucscape.objectives import make_objective


def _time(quench, starts):
    t = time.perf_counter()
    res = [quench(x0) for x0 in starts]
    dt = time.perf_counter() - t
    n_eval = sum(r.n_eval for r in res)
    n_conv = sum(r.converged for r in res)
    return len(starts) / dt, dt / n_eval * 1e6, n_eval / len(starts), n_conv


def main(n: int = 3) -> None:
    ds = spiral()
    rows = []
    for loss in ("ce", "sigmoid"):
        obj = make_objective(ds, loss, hidden=10)
        rng = np.random.default_rng(0)
        starts = [obj.random_point(rng) for _ in range(n)]
        lbfgs(obj, starts[0], backend="numba", max_iter=2)  # load/compile outside the timing
        methods = {
            "numpy": lambda x0, o=obj: minimize_fn(o.energy_gradient_numpy, x0),
            "np loop+kernel": lambda x0, o=obj: lbfgs(o, x0, backend="numpy"),
            "numba": lambda x0, o=obj: lbfgs(o, x0, backend="numba"),
        }
        out = {name: _time(q, starts) for name, q in methods.items()}
        base = out["numpy"][0]
        for name, (qps, us, ev, conv) in out.items():
            rows.append((loss, name, qps, us, ev, f"{conv}/{n}", qps / base))
    print(f"spiral 2-10-2, {n} quenches per row, tol 1e-10")
    print(f"{'loss':8s} {'method':15s} {'quench/s':>9s} {'us/eval':>8s} {'evals':>7s} "
          f"{'conv':>5s} {'x numpy':>8s}")
    for loss, name, qps, us, ev, conv, ratio in rows:
        print(f"{loss:8s} {name:15s} {qps:9.2f} {us:8.1f} {ev:7.0f} {conv:>5s} {ratio:8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
