"""Time AUC-M (loss + backward) against the quadratic pairwise loss, in the same run.

Run: ``python benchmarks/bench_aucm.py [--sizes 1e4,1e5,1e6] [--repeats 7]``.

Both losses are O(N) class moments, so AUC-M should cost about what the quad loss costs
(issue 13 asks ≤ 3×). For each N (10 % positives, float32 scores) it prints the median
wall time of value + gradient for ``aucscape.torch.AUCMLoss`` (the min-max objective with
its a, b, α), ``aucscape.torch.aucm_loss`` (closed form), ``aucscape.torch.QuadAUCLoss``,
and ``aucscape.jax.aucm_loss`` against ``aucscape.jax.pairwise_auc_loss(surrogate="quad")``
under ``jax.jit``, with the ratios AUC-M / quad. One thread (``torch.set_num_threads(1)``;
set ``OMP_NUM_THREADS=1`` for JAX); on a shared machine compare the ratios, not the times.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up (and compilation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def torch_cases(y: np.ndarray, s: np.ndarray) -> dict:
    import torch

    import aucscape.torch as at

    torch.set_num_threads(1)
    yt = torch.tensor(y)
    x = torch.tensor(s, requires_grad=True)
    module, quad = at.AUCMLoss(margin=1.0), at.QuadAUCLoss(margin=1.0)

    def run(loss_fn):
        def step():
            x.grad = None
            module.zero_grad()
            loss_fn(x, yt).backward()
        return step

    return {
        "torch AUCMLoss (a, b, α)": run(module),
        "torch aucm_loss (closed form)": run(lambda v, t: at.aucm_loss(v, t)),
        "torch QuadAUCLoss": run(quad),
    }


def jax_cases(y: np.ndarray, s: np.ndarray) -> dict:
    import jax

    import aucscape.jax as aj

    aucm = jax.jit(jax.value_and_grad(lambda v: aj.aucm_loss(y, v)))
    quad = jax.jit(jax.value_and_grad(lambda v: aj.pairwise_auc_loss(y, v, surrogate="quad")))

    def run(fn):
        return lambda: jax.block_until_ready(fn(s))

    return {"jax aucm_loss (closed form)": run(aucm), "jax quad pairwise_auc_loss": run(quad)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'N':>9} {'loss + gradient':<32} {'median ms':>10} {'vs quad':>8}")
    for n in (int(float(v)) for v in args.sizes.split(",")):
        y = (rng.random(n) < 0.1).astype(np.int64)
        s = rng.random(n).astype(np.float32)
        for cases in (torch_cases(y, s), jax_cases(y, s)):
            times = {name: median_ms(fn, args.repeats) for name, fn in cases.items()}
            quad = times[next(k for k in times if "quad" in k.lower())]
            for name, ms in times.items():
                print(f"{n:>9d} {name:<32} {ms:>10.3f} {ms / quad:>8.2f}")


if __name__ == "__main__":
    main()
