"""Benchmark: pairwise AUC risk (value + gradient) against the naive NP×NN broadcast.

One core (BLAS and numba pinned to one thread), N scores with 10 % positives. For each
surrogate prints the automatic fast path next to the naive broadcast
``z = s_p[:, None] − s_n[None, :]`` (ℓ and ℓ' on the full matrix, then row/column sums),
with wall time (best of ``--repeat``) and peak extra memory.

Memory: "tracemalloc" counts NumPy allocations; numba kernels allocate outside it, so for
them the peak resident-set growth (Linux VmHWM after resetting it) is reported too.
The naive broadcast needs ~24·NP·NN bytes (about 22 GB of float64 temporaries at N = 1e5),
so it is run only up to ``--naive-max`` and *extrapolated* as N² beyond, marked "~".

    python benchmarks/bench_pairwise.py                 # N = 1e4 and 1e5
    python benchmarks/bench_pairwise.py --sizes 2000 --repeat 3
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from aucscape.pairwise import pairwise_loss  # noqa: E402
from aucscape.surrogates import get_surrogate  # noqa: E402

TARGETS_S = {"exp": 5e-3, "quad": 5e-3, "hinge": 15e-3, "squared_hinge": 15e-3, "sigmoid": 2.0}
CASES = [("exp", "auto"), ("quad", "auto"), ("hinge", "auto"), ("squared_hinge", "auto"),
         ("sigmoid", "auto"), ("tanh", "auto"), ("sigmoid", "blocked")]  # fmt: skip


def naive(y: np.ndarray, s: np.ndarray, name: str):
    """Mean risk and gradient from the full broadcast matrix (the baseline), default β, m."""
    sur = get_surrogate(name)
    beta, margin = sur.params()
    sp, sn = s[y], s[~y]
    z = sp[:, None] - sn[None, :]
    lv, d = sur.value(z, beta, margin), sur.d1(z, beta, margin)
    npairs = z.size
    g = np.zeros(s.size)
    g[y] = d.sum(axis=1) / npairs
    g[~y] = -d.sum(axis=0) / npairs
    return float(lv.sum()) / npairs, g


def _rss_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak-RSS counter (Linux >= 4.0)
        return True
    except OSError:
        return False


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float, float | None, object]:
    """Best time (s), tracemalloc peak (MB), RSS peak growth (MB or None), result."""
    out = fn()  # warm-up: numba compile / caches
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    rss0 = _rss_kib("VmRSS:")
    rss = None
    if rss0 is not None and _reset_hwm():
        fn()
        hwm = _rss_kib("VmHWM:")
        rss = max(0, hwm - rss0) / 1024 if hwm is not None else None
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak, rss, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--naive-max", type=int, default=20_000,
                    help="largest N for the naive broadcast (~2.2·N² bytes)")
    ap.add_argument("--blocked-max", type=int, default=20_000,
                    help="largest N for the NumPy blocked sigmoid (slow)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print("pairwise risk, value + gradient, one thread, 10 % positives; best of "
          f"{args.repeat}; '~' = naive extrapolated as N² from N = {args.naive_max}")
    hdr = (f"{'surrogate':<14}{'method':<9}{'N':>8}{'fast':>11}{'tracemalloc':>13}"
           f"{'rss+':>9}{'naive':>11}{'naive mem':>11}{'speedup':>10}{'target':>9}  ok")
    print(hdr)
    print("-" * len(hdr))
    naive_cache: dict[tuple[str, int], tuple[float, float]] = {}
    for n in args.sizes:
        y = rng.random(n) < 0.1
        s = rng.random(n)  # probabilities, as the paper's s = p1
        n_ref = min(n, args.naive_max)
        for name, method in CASES:
            if method == "blocked" and n > args.blocked_max:
                continue
            t_fast, mem, rss, (v, g) = measure(
                lambda name=name, method=method, y=y, s=s: pairwise_loss(
                    y, s, name, return_grad=True, method=method), args.repeat)
            key = (name, n_ref)
            if key not in naive_cache:
                yr, sr = y[:n_ref], s[:n_ref]
                t_n, m_n, _, (vn, gn) = measure(lambda yr=yr, sr=sr, name=name:
                                                naive(yr, sr, name), 1)
                if n_ref == n:  # the fast path must agree with the baseline
                    assert abs(vn - v) <= 1e-9 * abs(vn), (name, vn, v)
                    assert np.abs(gn - g).max() <= 1e-9 * np.abs(gn).max(), name
                naive_cache[key] = (t_n, m_n)
            t_n, m_n = naive_cache[key]
            scale = (n / n_ref) ** 2
            mark = "~" if n_ref < n else " "
            target = TARGETS_S.get(name) if method == "auto" and n == 100_000 else None
            ok = "" if target is None else ("yes" if t_fast <= target else "NO")
            rss_txt = f"{rss:8.1f}M" if rss is not None else "      n/a"
            print(f"{name:<14}{method:<9}{n:>8}{t_fast * 1e3:>9.2f}ms{mem:>11.1f}MB{rss_txt}"
                  f" {mark}{t_n * scale:>8.3f}s {mark}{m_n * scale:>7.0f}MB"
                  f"{t_n * scale / t_fast:>9.0f}x"
                  f"{'' if target is None else f'{target * 1e3:.0f}ms':>9}  {ok}")


if __name__ == "__main__":
    main()
