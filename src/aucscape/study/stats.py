"""The study's statistics: intervals over replicates, verdicts, landscape-size estimates.

- :func:`interval`: a Student-t interval over replicates. Replicate r of every landscape
  shares the data draw r, so a finding's quantity is computed on each replicate (q_r,
  paired across the landscapes it compares) and q̄ ± t·s/√R is its 90 % interval. (A
  percentile bootstrap over R = 3 replicates was tried first: its interval is narrower
  than the range of three values and covered far less than 90 %; two seeds then gave
  opposite verdicts on one finding.)
- the verdicts read the interval against the paper's direction and band:
  :func:`aucscape.study.bands.classify`.
- :func:`chao1`: the bias-corrected Chao1 estimate of the number of distinct minima from
  the hit counts, Ŝ = S_obs + f1(f1 − 1) / (2(f2 + 1)), f_k = minima hit exactly k times.
- :func:`merge_by_energy`: hit counts when two minima count as the same if their
  energies differ by less than ``ediff`` (GMIN/PATHSAMPLE's EDIFFTOL, 1e-4): sorted
  energies are cut wherever the gap to the previous one is ≥ ``ediff``.
- :func:`auc_se`: the Hanley & McNeil (1982) standard error of one AUC on a test set of
  n_p positives and n_n negatives (how much a test AUC moves with the test draw).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["LEVEL", "MIN_REPLICATES", "auc_se", "chao1", "discovery_curve", "interval",
           "merge_by_energy"]

#: Two-sided level of every interval in the report.
LEVEL = 0.90
#: Fewest replicates an interval is computed from (a t-interval on two values is
#: legal but rests on one degree of freedom).
MIN_REPLICATES = 3


def interval(quantity: Callable[[Sequence[int]], float | None], n_replicates: int, *,
             level: float = LEVEL) -> tuple[float | None, float | None, float | None]:
    """(estimate, low, high): Student-t interval on the tested quantity over replicates.

    ``quantity(idx)`` evaluates the quantity on the replicates ``idx``; it is evaluated
    on each replicate alone, q_r = quantity([r]), and

        q̄ = (1/R) Σ_r q_r,   q̄ ± t_{(1+level)/2, R−1} · s / √R,

    with s the sample standard deviation of the q_r (exact for normal q_r; with R = 3,
    t = 2.92 at 90 %). Replicates where q_r is undefined (None or NaN) are left out; with
    fewer than :data:`MIN_REPLICATES` defined, the interval is (None, None) and the
    estimate is the quantity on all replicates together.

    >>> vals = [0.1, 0.2, 0.3, 0.4]
    >>> est, lo, hi = interval(lambda idx: float(np.mean([vals[i] for i in idx])), 4)
    >>> round(est, 2), round(lo, 3), round(hi, 3)
    (0.25, 0.098, 0.402)
    """
    from scipy.stats import t as student_t

    q = [_finite(quantity([r])) for r in range(n_replicates)]
    q = [v for v in q if v is not None]
    if len(q) < MIN_REPLICATES:
        return _finite(quantity(list(range(n_replicates)))), None, None
    v = np.asarray(q, dtype=np.float64)
    est = float(v.mean())
    half = float(student_t.ppf((1.0 + level) / 2.0, v.size - 1) * v.std(ddof=1)
                 / math.sqrt(v.size))
    return est, est - half, est + half


def _finite(v: float | None) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def chao1(hits: ArrayLike) -> float:
    """Bias-corrected Chao1 number of distinct minima from per-minimum hit counts.

    Ŝ = S_obs + f1(f1 − 1) / (2(f2 + 1)) with f1, f2 the numbers of minima found exactly
    once and twice (Chao 1987; Colwell's bias-corrected form, finite when f2 = 0).

    >>> chao1([1, 1, 1, 2, 5])  # 5 + 3·2 / (2·2)
    6.5
    """
    h = np.asarray(hits, dtype=np.int64)
    if h.size == 0:
        return 0.0
    f1, f2 = int(np.sum(h == 1)), int(np.sum(h == 2))
    return float(h.size + f1 * (f1 - 1) / (2.0 * (f2 + 1)))


def merge_by_energy(energies: ArrayLike, hits: ArrayLike, ediff: float) -> np.ndarray:
    """Hit counts after merging minima whose sorted energies are closer than ``ediff``.

    Energies are sorted; a new distinct minimum starts wherever E_(i) − E_(i−1) ≥ ediff
    (so chains of close energies merge, as an energy-only identity test does); the hits
    of merged minima add up.

    >>> merge_by_energy([1.0, 1.00005, 2.0], [1, 2, 1], 1e-4).tolist()
    [3, 1]
    """
    e = np.asarray(energies, dtype=np.float64)
    h = np.asarray(hits, dtype=np.int64)
    if e.shape != h.shape:
        raise ValueError(f"energies has {e.size} entries but hits has {h.size}")
    if e.size == 0:
        return h.copy()
    order = np.argsort(e, kind="stable")
    new = np.concatenate([[True], np.diff(e[order]) >= ediff])
    return np.add.reduceat(h[order], np.flatnonzero(new))


def discovery_curve(found_at: ArrayLike, quenches: ArrayLike) -> np.ndarray:
    """Distinct minima found by each quench count: #{k : found_at_k ≤ q} for q in
    ``quenches``.

    >>> discovery_curve([1, 2, 5], [1, 4, 10]).tolist()
    [1, 2, 3]
    """
    f = np.sort(np.asarray(found_at, dtype=np.int64))
    return np.searchsorted(f, np.asarray(quenches, dtype=np.int64), side="right")


def auc_se(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil (1982) standard error of an AUC A on n_p positives, n_n negatives:

        SE² = [A(1 − A) + (n_p − 1)(Q1 − A²) + (n_n − 1)(Q2 − A²)] / (n_p n_n),
        Q1 = A / (2 − A),  Q2 = 2A² / (1 + A).

    >>> round(auc_se(0.66, 19, 19), 3)
    0.089
    """
    if n_pos < 1 or n_neg < 1:
        return math.nan
    a = float(auc)
    q1, q2 = a / (2.0 - a), 2.0 * a * a / (1.0 + a)
    var = (a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a))
    return math.sqrt(max(var, 0.0) / (n_pos * n_neg))
