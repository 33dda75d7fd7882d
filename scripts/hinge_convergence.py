"""Do quenches of the hinge landscapes reach the RMS-gradient criterion? (docs/surrogates.md)

The paper reports Hessian eigenvalues (LPPHE) of hinge minima converged by GMIN/OPTIM to
tight RMS gradients. This script quenches the same N random starting points (GMIN's
uniform [−1, 1]) on the quick preset's spiral set-up (sampled spiral, 2 turns, 194 points
per arm, MLPNORM, 2-3-2 network, λ = 1e-5) with L-BFGS to an RMS gradient ``--tol`` and
counts how many converge, for the kinked hinge max(0, m − βz), its softplus smoothing
log(1 + e^{m − βz}) (``smooth_hinge``), squared hinge and sigmoid, each at β = 40 and 4,
m = 1. It prints one table; a small measurement, not a benchmark (nothing is timed).

    PYTHONPATH=src python3 scripts/hinge_convergence.py --quenches 8 --tol 1e-7
"""

from __future__ import annotations

import argparse

import numpy as np

from aucscape.data.spiral import spiral
from aucscape.landscape.minimize import lbfgs
from aucscape.objectives import make_objective

LOSSES = ("hinge", "smooth_hinge", "squared_hinge", "sigmoid")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quenches", type=int, default=8)
    ap.add_argument("--tol", type=float, default=1e-7)
    ap.add_argument("--max-iter", type=int, default=5000)
    ap.add_argument("--betas", type=float, nargs="+", default=[40.0, 4.0])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    ds = spiral(noise=0.05, points_per_arm=194, seed=args.seed, generator="sampled",
                turns=2.0, mlpnorm=True)
    print(f"| loss | β | converged (RMS ≤ {args.tol:g}) | stopped at max_iter "
          f"({args.max_iter}) | median final RMS gradient |")
    print("| --- | --- | --- | --- | --- |")
    for beta in args.betas:
        for loss in LOSSES:
            obj = make_objective(ds, loss, hidden=3, beta=beta, margin=1.0, lam=1e-5)
            rng = np.random.default_rng(args.seed)
            res = [lbfgs(obj, obj.random_point(rng), tol=args.tol, max_iter=args.max_iter)
                   for _ in range(args.quenches)]
            ok = sum(r.converged for r in res)
            stuck = sum(r.message.startswith("max_iter") for r in res)
            med = float(np.median([r.rms_grad for r in res]))
            print(f"| {loss} | {beta:g} | {ok}/{args.quenches} | {stuck} | {med:.2e} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
