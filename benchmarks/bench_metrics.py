"""Time aucscape.roc_auc against sklearn.metrics.roc_auc_score.

Run: ``python benchmarks/bench_metrics.py [--repeats R] [--sizes 1e3,1e4,...]``.
Prints best-of-R wall time (ms) per call and the ratio sklearn / aucscape (> 1 means
aucscape is faster) for unweighted, weighted and partial (max_fpr = 0.1) AUC on scores
rounded to 3 decimals (so there are many ties), and checks that the values agree.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from aucscape.metrics import roc_auc


def best_ms(fn, repeats: int) -> float:
    number = 1
    # several calls per repeat for tiny inputs so the timer resolution does not dominate
    while timeit.timeit(fn, number=number) < 0.02 and number < 10_000:
        number *= 10
    return min(timeit.repeat(fn, number=number, repeat=repeats)) / number * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6")
    args = parser.parse_args()
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    print(f"{'case':<10} {'N':>9} {'aucscape ms':>12} {'sklearn ms':>11} {'ratio':>7} "
          f"{'|diff|':>9}")
    for n in (int(float(s)) for s in args.sizes.split(",")):
        y = rng.random(n) < 0.3
        s = np.round(rng.normal(size=n) + y, 3)
        w = rng.exponential(size=n)
        cases = {
            "plain": ({}, {}),
            "weighted": ({"sample_weight": w}, {"sample_weight": w}),
            "max_fpr": ({"max_fpr": 0.1}, {"max_fpr": 0.1}),
        }
        for name, (kw_ours, kw_sk) in cases.items():
            t_ours = best_ms(lambda kw=kw_ours, y=y, s=s: roc_auc(y, s, **kw), args.repeats)
            t_sk = best_ms(
                lambda kw=kw_sk, y=y, s=s: roc_auc_score(y, s, **kw), args.repeats
            )
            diff = abs(roc_auc(y, s, **kw_ours) - roc_auc_score(y, s, **kw_sk))
            print(f"{name:<10} {n:>9d} {t_ours:>12.3f} {t_sk:>11.3f} {t_sk / t_ours:>7.2f} "
                  f"{diff:>9.1e}")


if __name__ == "__main__":
    main()
