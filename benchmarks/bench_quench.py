"""Quench speed on the paper's spiral 2-10-2 network, to RMS gradient 1e-10.

Every row quenches the same random starts (CE and sigmoid appAUC, β 40, λ 1e-5):

- ``scipy L-BFGS-B``: ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` with
  gtol 1e-12 and ftol 0 (its tightest settings); converged = reached RMS 1e-10;
- ``numpy L-BFGS``: :func:`minimize_fn` over ``energy_gradient_numpy`` (what runs without
  numba), no Newton polish: GMIN's algorithm as it is;
- ``numba L-BFGS``: ``lbfgs(backend="numba", polish_below=None)``;
- ``numba + Newton``: ``lbfgs()`` with its defaults (compiled loop, Newton polish with the
  exact Hessian from RMS 1e-4), what ``aucscape explore`` ran before the two-stage quench;
- ``numba m100``: the same with L-BFGS memory 100, no polish (exploration's memory);
- ``m100 sloppy+tight``: exploration's two-stage quench of a new minimum: memory 100 to
  RMS 1e-6 without polish, then ``lbfgs`` (Newton polish) from there to 1e-10.

Trajectories of these long, ill-conditioned quenches depend on the last bit of every
gradient, so rows may end in different minima; compare quenches/s and the converged count.
Usage: ``python benchmarks/bench_quench.py [--quenches N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import minimize

from aucscape.data import spiral
from aucscape.landscape.minimize import lbfgs, minimize_fn, rms
from aucscape.objectives import make_objective
from aucscape.parallel import pin_blas_threads


def _time(quench, starts, obj):
    t = time.perf_counter()
    res = [quench(x0) for x0 in starts]
    dt = time.perf_counter() - t
    n_conv = sum(rms(obj.energy_gradient_numpy(x)[1]) <= 1e-10 for x, _ in res)
    n_eval = sum(ev for _, ev in res)
    return len(starts) / dt, n_eval / len(starts), n_conv


def _scipy(obj, x0):
    r = minimize(obj.energy_gradient, x0, jac=True, method="L-BFGS-B",
                 options={"gtol": 1e-12, "ftol": 0.0, "maxiter": 100000, "maxfun": 100000})
    return r.x, r.nfev


def _two_stage(obj, x0):
    s = lbfgs(obj, x0, tol=1e-6, memory=100, polish_below=None)
    t = lbfgs(obj, s.x, memory=100)
    return t.x, s.n_eval + t.n_eval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quenches", type=int, default=5, help="quenches per row")
    args = parser.parse_args()
    pin_blas_threads()
    ds = spiral()
    rows = []
    for loss in ("ce", "sigmoid"):
        obj = make_objective(ds, loss, hidden=10)
        rng = np.random.default_rng(0)
        starts = [obj.random_point(rng) for _ in range(args.quenches)]
        lbfgs(obj, starts[0], backend="numba", max_iter=2)  # load/compile outside the timing

        def run(o=obj, **kw):
            return lambda x0: (lambda r: (r.x, r.n_eval))(lbfgs(o, x0, **kw))

        methods = {
            "scipy L-BFGS-B": lambda x0, o=obj: _scipy(o, x0),
            "numpy L-BFGS": lambda x0, o=obj: (lambda r: (r.x, r.n_eval))(
                minimize_fn(o.energy_gradient_numpy, x0)),
            "numba L-BFGS": run(backend="numba", polish_below=None),
            "numba + Newton": run(),
            "numba m100": run(memory=100, polish_below=None),
            "m100 sloppy+tight": lambda x0, o=obj: _two_stage(o, x0),
        }
        out = {name: _time(q, starts, obj) for name, q in methods.items()}
        base = out["scipy L-BFGS-B"][0]
        for name, (qps, ev, conv) in out.items():
            rows.append((loss, name, qps, ev, f"{conv}/{args.quenches}", qps / base))
    print(f"spiral 2-10-2, {args.quenches} quenches per row, converged = RMS gradient <= 1e-10")
    print(f"{'loss':8s} {'method':18s} {'quench/s':>9s} {'evals':>7s} {'conv':>6s} {'x scipy':>8s}")
    for loss, name, qps, ev, conv, ratio in rows:
        print(f"{loss:8s} {name:18s} {qps:9.2f} {ev:7.0f} {conv:>6s} {ratio:8.2f}")


if __name__ == "__main__":
    main()
