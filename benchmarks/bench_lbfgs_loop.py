"""Bookkeeping cost of the compiled L-BFGS loop per evaluation, this tree vs a reference.

The compiled loop (:mod:`aucscape.landscape._lbfgs_numba`) spends, per energy-gradient
evaluation, the kernel's time plus its own: the Python round trip and the two-loop
recursion over ``memory`` pairs. This script quenches the same random starts of the
spiral networks (CE and sigmoid appAUC, β 40, λ 1e-5; 2-4-2 and 2-10-2) to rms 1e-6 with
exploration's memory 100 (the walk's sloppy stage), with this tree's loop and with a
reference copy of the module, taking turns in one process (``--rounds`` rounds, the
fastest round kept), and prints µs per evaluation, the kernel's own µs per call (timed
apart), the loop's overhead (the difference) and the speed-up per evaluation. The
reference is a file, e.g. the loop as it was before a change::

    git show main:src/aucscape/landscape/_lbfgs_numba.py > /tmp/lbfgs_ref.py
    python benchmarks/bench_lbfgs_loop.py --reference /tmp/lbfgs_ref.py

The two loops may sum dot products in another order, so a quench may end in another
minimum; the evaluations column says how comparable the workloads were.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time

import numpy as np

from aucscape.data import spiral
from aucscape.landscape import _lbfgs_numba
from aucscape.objectives import make_objective
from aucscape.parallel import pin_blas_threads

OPTIONS = {"tol": 1e-6, "max_iter": 20000, "max_step": 0.4, "memory": 100,
           "max_rise": 1e-10, "dguess": 0.1, "max_halvings": 20}


def load_reference(path: str):
    """The reference module, loaded inside the package so its relative imports work."""
    name = "aucscape.landscape._lbfgs_reference"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's disk cache finds the module by name
    spec.loader.exec_module(module)
    return module


def per_eval(loop, fn, args, starts) -> tuple[float, int]:
    """µs per evaluation over all starts, and the evaluations made."""
    t = time.perf_counter()
    n_eval = sum(loop.run(fn, args, x0, **OPTIONS)[4] for x0 in starts)
    return (time.perf_counter() - t) / n_eval * 1e6, n_eval


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True, help="path of the reference module")
    ap.add_argument("--starts", type=int, default=10, help="random starts per landscape")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    pin_blas_threads()
    loops = {"this tree": _lbfgs_numba, "reference": load_reference(args.reference)}
    ds = spiral(noise=0.1, seed=0)
    rows = []
    for loss in ("ce", "sigmoid"):
        for h in (4, 10):
            obj = make_objective(ds, loss, hidden=h, beta=40.0, lam=1e-5)
            fn, fargs = obj.numba_kernel()
            rng = np.random.default_rng(0)
            starts = [rng.uniform(-1, 1, obj.n_params) for _ in range(args.starts)]
            for loop in loops.values():  # compile / load from cache outside the timing
                loop.run(fn, fargs, starts[0], **OPTIONS)
            best = {name: (float("inf"), 0) for name in loops}
            kernel = float("inf")
            for _ in range(args.rounds):
                for name, loop in loops.items():
                    best[name] = min(best[name], per_eval(loop, fn, fargs, starts))
                t = time.perf_counter()
                for x0 in starts * 100:
                    fn(x0, *fargs)
                kernel = min(kernel, (time.perf_counter() - t) / (100 * len(starts)) * 1e6)
            for name, (us, n_eval) in best.items():
                rows.append((f"{loss} 2-{h}-2", name, us, kernel, us - kernel,
                             best["reference"][0] / us, n_eval))
    print(f"spiral nets, rms 1e-6, memory 100, {args.starts} starts, fastest of "
          f"{args.rounds} rounds, 1 BLAS thread (shared machine)")
    fmt = "{:<16}{:<11}{:>9}{:>9}{:>10}{:>18}{:>7}"
    print(fmt.format("landscape", "loop", "us/eval", "kernel", "overhead",
                     "speed-up/eval", "evals"))
    for r in rows:
        print(fmt.format(r[0], r[1], f"{r[2]:.1f}", f"{r[3]:.1f}", f"{r[4]:.1f}",
                         f"{r[5]:.2f}", r[6]))
    print("speed-up/eval: the reference's us per evaluation over this loop's (whole quench, "
          "kernel included); kernel: the kernel alone, timed separately; overhead: the "
          "difference, noisy on a loaded machine")


if __name__ == "__main__":
    main()
