"""Timing of the network objectives on one core: energy+gradient and exact Hessian.

Targets (issue 3): sigmoid appAUC on the credit-card training split (3936 points, 394
positive) with a 30-5-2 network (167 parameters): energy+gradient <= 3 ms, exact Hessian
+ eigenvalues <= 1 s; 2-10-2 on the spiral: Hessian + eigenvalues <= 0.05 s. Beside each
Hessian, a central finite-difference Hessian (2n gradient evaluations) for comparison,
and its largest deviation from the exact one; then the exact Hessian alone, compiled
(``hessian``, numba) against the NumPy reference (``hessian_numpy``), also for the
spiral 2-4-2 network the connect runs use.

Run: python benchmarks/bench_objectives.py [--repeat 5]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # must precede the NumPy import

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from aucscape.data import credit_card, spiral  # noqa: E402
from aucscape.objectives import make_objective  # noqa: E402
from aucscape.pairwise import pairwise_loss  # noqa: E402


def best_time(fn: Callable[[], object], repeat: int, number: int = 1) -> float:
    """Smallest mean wall time over ``repeat`` rounds of ``number`` calls (seconds)."""
    fn()  # warm-up (numba compilation, caches)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def fd_hessian(obj, w: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of the analytic gradient: 2n gradient evaluations."""
    rows = [
        (obj.energy_gradient(w + h * e)[1] - obj.energy_gradient(w - h * e)[1]) / (2 * h)
        for e in np.eye(w.size)
    ]
    H = np.array(rows)
    return 0.5 * (H + H.T)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass

    rng = np.random.default_rng(0)
    cc = make_objective(credit_card(), "sigmoid", hidden=5)
    sp = make_objective(spiral(), "sigmoid", hidden=10)
    sp4 = make_objective(spiral(), "sigmoid", hidden=4)
    w_cc, w_sp, w_sp4 = cc.random_point(rng), sp.random_point(rng), sp4.random_point(rng)
    s_cc = cc.scores(w_cc, cc.X)
    print(f"credit card: N = {cc.X.shape[0]} ({int(cc.y.sum())} positive), "
          f"{cc.n_params} params; spiral: N = {sp.X.shape[0]}, {sp.n_params} params")

    rows = []
    t_eg = best_time(lambda: cc.energy_gradient(w_cc), args.repeat, number=20)
    t_pair = best_time(
        lambda: pairwise_loss(cc.y, s_cc, "sigmoid", beta=40.0, return_grad=True),
        args.repeat, number=20,
    )
    rows.append(("credit 30-5-2 energy+gradient", t_eg, t_pair, "pair sums only", 3e-3))

    for name, obj, w, target in (
        ("credit 30-5-2 Hessian+eigvalsh", cc, w_cc, 1.0),
        ("spiral 2-10-2 Hessian+eigvalsh", sp, w_sp, 0.05),
    ):
        t_h = best_time(lambda o=obj, x=w: np.linalg.eigvalsh(o.hessian(x)), args.repeat)
        t_fd = best_time(
            lambda o=obj, x=w: np.linalg.eigvalsh(fd_hessian(o, x)), max(1, args.repeat // 2)
        )
        H = obj.hessian(w)
        dev = np.abs(H - fd_hessian(obj, w)).max() / np.abs(H).max()
        rows.append((name, t_h, t_fd, f"FD Hessian (rel. dev {dev:.1e})", target))
    for name, obj, w in (("credit 30-5-2 Hessian", cc, w_cc), ("spiral 2-10-2 Hessian", sp, w_sp),
                         ("spiral 2-4-2 Hessian", sp4, w_sp4)):
        t_k = best_time(lambda o=obj, x=w: o.hessian(x), args.repeat, number=10)
        t_n = best_time(lambda o=obj, x=w: o.hessian_numpy(x), args.repeat, number=10)
        dev = np.abs(obj.hessian(w) - obj.hessian_numpy(w)).max() / np.abs(obj.hessian(w)).max()
        rows.append((name, t_k, t_n, f"NumPy Hessian (rel. dev {dev:.1e})", np.inf))

    print(f"{'case':34s} {'exact':>10s} {'alternative':>12s} {'alt/exact':>9s} "
          f"{'target':>8s}  ok   alternative")
    for name, t, t_alt, alt, target in rows:
        ok = "yes" if t <= target else "NO"
        tgt = f"{target * 1e3:6.0f}ms" if np.isfinite(target) else f"{'-':>8s}"
        print(f"{name:34s} {t * 1e3:8.3f}ms {t_alt * 1e3:10.3f}ms {t_alt / t:9.2f} "
              f"{tgt}  {ok:4s} {alt}")


if __name__ == "__main__":
    main()
