"""Streaming AUC: the binned mode's error and bound against the exact mode, and its cost.

Run: ``python benchmarks/bench_streaming.py [--n 1e6] [--batch 1e4] [--labels 1]``.
Feeds N scores (σ of 1.5·y + a standard normal, 10 % positives, per label) in batches to
``aucscape.streaming.StreamingAUC`` in exact mode and in binned mode with several bin
counts, then prints the total wall time of the updates plus ``compute`` (ms), the ratio
exact / binned (> 1 means binned is faster), the actual error |binned − exact| and the
stated bound ε (which must not be smaller), and the bytes of state each mode keeps.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from aucscape.streaming import StreamingAUC


def run(metric: StreamingAUC, y, s, batch: int) -> tuple[float, float, float]:
    start = time.perf_counter()
    for a in range(0, len(y), batch):
        metric.update(y[a:a + batch], s[a:a + batch])
    value = metric.compute()
    return (time.perf_counter() - start) * 1e3, float(value), float(metric.error_bound())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6)
    parser.add_argument("--batch", type=float, default=1e4)
    parser.add_argument("--labels", type=int, default=1)
    parser.add_argument("--bins", default="64,256,1024,4096")
    args = parser.parse_args()
    n, batch = int(args.n), int(args.batch)
    rng = np.random.default_rng(0)
    shape = (n,) if args.labels == 1 else (n, args.labels)
    y = rng.random(shape) < 0.1
    s = 1.0 / (1.0 + np.exp(-(1.5 * y + rng.normal(size=shape))))
    t_exact, exact, _ = run(StreamingAUC("exact"), y, s, batch)
    state = y.nbytes + s.nbytes + 8 * n
    print(f"N = {n}, batches of {batch}, {args.labels} label(s); exact AUC {exact:.6f}")
    print(f"{'mode':<14} {'ms':>9} {'exact/binned':>13} {'|error|':>10} {'bound':>10} "
          f"{'state bytes':>12}")
    print(f"{'exact':<14} {t_exact:>9.1f} {1.0:>13.2f} {0.0:>10.1e} {0.0:>10.1e} {state:>12d}")
    for bins in (int(b) for b in args.bins.split(",")):
        t, value, bound = run(StreamingAUC("binned", n_bins=bins), y, s, batch)
        assert abs(value - exact) <= bound + 1e-12
        print(f"{'binned ' + str(bins):<14} {t:>9.1f} {t_exact / t:>13.2f} "
              f"{abs(value - exact):>10.1e} {bound:>10.1e} {16 * bins * args.labels:>12d}")


if __name__ == "__main__":
    main()
