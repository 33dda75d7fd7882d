"""Time aucscape.roc_auc / average_precision against their sklearn.metrics twins.

Run: ``python benchmarks/bench_metrics.py [--repeats R] [--sizes 1e3,1e4,...]``.
Prints best-of-R wall time (ms) per call and the ratio sklearn / aucscape (> 1 means
aucscape is faster) for unweighted, weighted and partial (max_fpr = 0.1) AUC and for
unweighted and weighted average precision (``average_precision_score``) on scores rounded
to 3 decimals (so there are many ties), and the absolute difference of the values.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from aucscape.metrics import average_precision, roc_auc


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
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(0)
    print(f"{'case':<12} {'N':>9} {'aucscape ms':>12} {'sklearn ms':>11} {'ratio':>7} "
          f"{'|diff|':>9}")
    for n in (int(float(s)) for s in args.sizes.split(",")):
        y = rng.random(n) < 0.3
        s = np.round(rng.normal(size=n) + y, 3)
        w = rng.exponential(size=n)
        weighted = {"sample_weight": w}
        cases = {  # name: (ours, sklearn's, keyword arguments of both)
            "plain": (roc_auc, roc_auc_score, {}),
            "weighted": (roc_auc, roc_auc_score, weighted),
            "max_fpr": (roc_auc, roc_auc_score, {"max_fpr": 0.1}),
            "AP": (average_precision, average_precision_score, {}),
            "AP weighted": (average_precision, average_precision_score, weighted),
        }
        for name, (ours, theirs, kw) in cases.items():
            t_ours = best_ms(lambda f=ours, kw=kw, y=y, s=s: f(y, s, **kw), args.repeats)
            t_sk = best_ms(lambda f=theirs, kw=kw, y=y, s=s: f(y, s, **kw), args.repeats)
            diff = abs(ours(y, s, **kw) - theirs(y, s, **kw))
            print(f"{name:<12} {n:>9d} {t_ours:>12.3f} {t_sk:>11.3f} {t_sk / t_ours:>7.2f} "
                  f"{diff:>9.1e}")


if __name__ == "__main__":
    main()
