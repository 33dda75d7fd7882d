"""Multi-label sigmoid loss + gradient against one single-label call per label, same run.

Run: ``python benchmarks/bench_multilabel_scale.py [--n 65536] [--labels 14]
[--prevalence 0.05] [--repeats 5]``.

CheXpert-sized batch: N samples, L labels, each label positive with probability
``prevalence`` and unknown (−1) with probability 0.1; scores uniform in [0, 1]; sigmoid
surrogate at β = 40, float64 (NumPy) and float32 (torch), one thread. For each front end
it times value + gradient of

* multi-label: ``aucscape.pairwise.multilabel_pairwise_loss(y, s, return_grad=True)`` /
  ``aucscape.torch.multilabel_auc_loss(x, y)`` then ``backward()``;
* L single-label calls: ``pairwise_loss(y[:, l], s[:, l], sample_weight=known_l,
  return_grad=True)`` for each l / the mean of L ``pairwise_auc_loss`` calls, then one
  ``backward()``;

and prints the median and the minimum time (the variants timed in turns in one process,
so that a shared machine's drift hits them alike; the minimum is the least disturbed
call), the ratios multi / single (≤ 1 means the multi-label call is
no slower) and each variant's peak memory: the ``ru_maxrss`` growth of a fresh process
per variant from just before the (N, L) inputs are made (after a run on a small batch,
so that numba has compiled) to the end of the timed calls, so inputs included; "one
label" is one single-label call on the same inputs, the reference of the issue's
"at most 2x one call's peak memory".
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

VARIANTS = ("numpy multi", "numpy single x L", "numpy one label",
            "torch multi", "torch single x L", "torch one label")


def data(n: int, n_labels: int, prevalence: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, n_labels)) < prevalence).astype(np.float64)
    y[rng.random((n, n_labels)) < 0.1] = -1.0
    return y, rng.random((n, n_labels))


def variant(name: str, y: np.ndarray, s: np.ndarray):
    """A function computing value + gradient for ``name``."""
    from aucscape.pairwise import multilabel_pairwise_loss, pairwise_loss

    n_labels = y.shape[1]
    known = (y != -1).astype(np.float64)
    if name == "numpy multi":
        return lambda: multilabel_pairwise_loss(y, s, return_grad=True)
    if name.startswith("numpy"):
        cols = range(n_labels) if name == "numpy single x L" else range(1)
        return lambda: [pairwise_loss(y[:, c] == 1, s[:, c], sample_weight=known[:, c],
                                      return_grad=True) for c in cols]
    import torch

    import aucscape.torch as at

    torch.set_num_threads(1)
    yt = torch.tensor(y)
    x = torch.tensor(s, dtype=torch.float32, requires_grad=True)
    wt = torch.tensor(known, dtype=torch.float32)
    pos = (yt == 1).to(torch.float32)

    def multi():
        x.grad = None
        at.multilabel_auc_loss(x, yt).backward()

    def single(cols):
        def run():
            x.grad = None
            total = sum(at.pairwise_auc_loss(x[:, c], pos[:, c], sample_weight=wt[:, c])
                        for c in cols)
            (total / len(cols)).backward()
        return run

    if name == "torch multi":
        return multi
    return single(range(n_labels) if name == "torch single x L" else range(1))


def child(name: str, n: int, n_labels: int, prevalence: float) -> float:
    """Peak memory (MiB) of one ``name`` call in this fresh process, inputs included."""
    ys, ss = data(2048, n_labels, prevalence, seed=1)
    variant(name, ys, ss)()  # compile numba kernels on a small batch
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    y, s = data(n, n_labels, prevalence)
    variant(name, y, s)()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


def interleaved(fns: dict, repeats: int) -> dict:
    """(median, min) seconds of each function, the variants in turns (drift hits all)."""
    for fn in fns.values():
        fn()  # warm-up
    times: dict = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(ts), min(ts)) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=65536)
    parser.add_argument("--labels", type=int, default=14)
    parser.add_argument("--prevalence", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    args = (opts.n, opts.labels, opts.prevalence)
    if opts.child:
        print(json.dumps(child(opts.child, *args)))
        return
    peak = {}
    for name in VARIANTS:
        cmd = [sys.executable, __file__, "--child", name, "--n", str(opts.n), "--labels",
               str(opts.labels), "--prevalence", str(opts.prevalence)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        peak[name] = json.loads(out.strip().splitlines()[-1])
    y, s = data(*args)
    secs = interleaved({name: variant(name, y, s) for name in VARIANTS
                        if not name.endswith("one label")}, opts.repeats)
    print(f"N = {opts.n}, L = {opts.labels}, prevalence {opts.prevalence}, 10 % unknown, "
          f"sigmoid β = 40, {opts.repeats} calls each, one thread")
    print("| front end | multi-label s (median / min) | L single calls s | multi / single "
          "(median / min) | multi peak MiB | one call peak MiB | multi / one call |")
    print("|---|---|---|---|---|---|---|")
    for fe in ("numpy", "torch"):
        (m, m_lo), (sx, sx_lo) = secs[f"{fe} multi"], secs[f"{fe} single x L"]
        pm, one = peak[f"{fe} multi"], peak[f"{fe} one label"]
        print(f"| {fe} | {m:.3f} / {m_lo:.3f} | {sx:.3f} / {sx_lo:.3f} | {m / sx:.2f} / "
              f"{m_lo / sx_lo:.2f} | {pm:.1f} | {one:.1f} | {pm / one:.2f} |")

if __name__ == "__main__":
    main()
