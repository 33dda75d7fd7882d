"""What counts as reproducing each finding: the paper's value and a band, fixed before
any run, and the four verdicts.

Every finding tests a quantity q (computed on each replicate; its 90 % Student-t
interval over the replicates, :func:`aucscape.study.stats.interval`). Its
:class:`Band` states the paper's value of q and the interval [low, high] of values that
count as the paper's result, written here before the runs they judge (issue 21). The
verdict (:func:`classify`) of an interval [lo, hi]:

- **reproduced**: the paper's direction and low ≤ lo ≤ hi ≤ high (inside the band);
- **same direction**: the whole interval on the paper's side of the threshold (the
  sign), not inside the band (the magnitude differs, or is not pinned down yet);
- **contradicted**: the whole interval on the other side of the threshold;
- **undecided**: the interval straddles the threshold, or there is none.

A *level* finding (side ``"band"``: a quantity the paper gives a value of, not a
direction, e.g. transition states per minimum) is reproduced inside the band,
contradicted when the interval lies wholly outside it, undecided otherwise.

:func:`power` says how often R replicates would put the interval inside the band if q
really were the paper's value with the spread measured between this run's replicates
(normal q_r; Monte Carlo with a fixed seed); none where the paper gives no number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BANDS", "VERDICTS", "Band", "classify", "combine", "power"]

VERDICTS = ("reproduced", "same direction", "contradicted", "undecided")


@dataclass(frozen=True)
class Band:
    """The paper's value of a finding's quantity (None: the paper gives no number) and the
    closed interval [low, high] that counts as reproducing it; ``why`` says where both
    come from."""

    paper: float | None
    low: float
    high: float
    why: str

    def text(self) -> str:
        """"[low, high] (paper p)", infinities as ±∞.

        >>> Band(2.0, 1.5, 2.5, "").text()
        '[1.5, 2.5] (paper 2)'
        """
        lo = "−∞" if self.low == -math.inf else f"{self.low:g}"
        hi = "∞" if self.high == math.inf else f"{self.high:g}"
        paper = "gives no number" if self.paper is None else f"{self.paper:g}"
        return f"[{lo}, {hi}] (paper {paper})"


_INF = math.inf
#: Finding id → band. The paper's numbers are those of its Tables 1-3 (docs/reproduction.md,
#: "Bands"); where it states a direction only, the band asks for a clear effect.
BANDS: dict[str, Band] = {
    "main.minima": Band(7.33, 4.9, 11.0, "13,948 / 1,903 minima; a factor 1.5 either way"),
    "main.mean_auc": Band(0.04, 0.02, 0.06, "0.70 − 0.66; ±0.02"),
    "main.best_auc": Band(0.04, 0.02, 0.06, "0.81 − 0.77; ±0.02"),
    "main.gmin_auc": Band(0.04, 0.02, 0.06, "section 4.3 compares the global minima; "
                          "its gap taken as the best-AUC gap, ±0.02"),
    "main.lowest_k_auc": Band(0.04, 0.02, 0.06, "as the best-AUC gap, ±0.02"),
    "main.lpphe": Band(17.0, 8.5, 25.5, "−93 − (−110); ±50 %"),
    "main.ce_r": Band(None, -2.0, -0.3, "Figure 5 (no number): a clear difference, "
                      "at least 0.3 in r"),
    "main.ce_loss": Band(2.0, 1.5, 2.5, "about 1.2 against about 0.6; ±25 %"),
    "main.distance": Band(None, 1.5, _INF, "no number: at least 1.5× the CE spacing"),
    "main.ts_ce": Band(1.89, 1.4, 2.4, "3,606 / 1,903 transition states per minimum"),
    "main.ts_sigmoid": Band(1.86, 1.4, 2.4, "25,957 / 13,948 transition states per minimum"),
    "main.funnel": Band(None, 0.3, 1.0, "Figures 2 and 3 (no number): CE one funnel, "
                        "appAUC many; a share gap of at least 0.3"),
    "sur.r_all": Band(None, -1.0, -0.1, "every r < 0 (tanh −0.83): the largest ≤ −0.1"),
    "sur.tanh_r": Band(None, -1.0, -0.05, "tanh's r = −0.83 the most negative; "
                       "a gap of at least 0.05"),
    "sur.tanh_auc": Band(None, 0.005, 1.0, "tanh best (no gap given): at least 0.005"),
    "sur.hinge_minima": Band(1.45, 1.2, 1.8, "6,086 / 4,202 minima (hinge / sigmoid)"),
    "sur.hinge_auc": Band(None, -1.0, -0.01, "hinge lower (no number): at least 0.01"),
    "sur.exp_lpphe": Band(None, -_INF, -2.0, "exp flattest (no number): at least 2 lower"),
    "beta.minima": Band(None, 0.8, 1.0, "a monotone trend: Spearman ρ ≥ 0.8"),
    "beta.best_auc": Band(None, 0.8, 1.0, "a monotone trend: Spearman ρ ≥ 0.8"),
    "beta.gap": Band(None, -1.0, -0.8, "a monotone trend: Spearman ρ ≤ −0.8"),
    "beta.plateau": Band(0.04, 0.02, 0.06, "the gap approaches 0.04 at large β; ±0.02"),
    "beta.cost": Band(1.0, 0.5, 1.5, "cost ∝ β: log-log slope 1 ± 0.5"),
    "bexp.minima": Band(None, 0.8, 1.0, "a monotone trend: Spearman ρ ≥ 0.8"),
    "lambda.minima": Band(None, -1.0, -0.8, "a monotone trend: Spearman ρ ≤ −0.8"),
    "cc.minima": Band(2.0, 1.5, 2.7, "3,448 / 1,721 minima"),
    "cc.best_auc": Band(0.02, 0.01, 0.03, "0.99 − 0.97; ±0.01"),
    "cc.lpphe": Band(86.0, 43.0, 129.0, "−772 − (−858); ±50 %"),
}


def classify(lo: float | None, hi: float | None, threshold: float, side: str,
             band: Band) -> str:
    """One of :data:`VERDICTS` for the interval [lo, hi] (module doc).

    >>> b = Band(2.0, 1.5, 2.5, "")
    >>> [classify(*iv, 1.0, "above", b) for iv in [(1.6, 2.4), (3.4, 6.6), (0.2, 0.8),
    ...                                            (0.9, 1.9), (None, None)]]
    ['reproduced', 'same direction', 'contradicted', 'undecided', 'undecided']
    >>> classify(2.6, 3.0, 0.0, "band", b), classify(1.4, 1.6, 0.0, "band", b)
    ('contradicted', 'undecided')
    """
    if side not in ("above", "below", "band"):
        raise ValueError(f"side must be 'above', 'below' or 'band', got {side!r}")
    if lo is None or hi is None:
        return "undecided"
    # the band is closed; an edge computed with rounding (ρ = −0.8 as −0.7999…) counts
    inside = band.low - _slack(band.low) <= lo and hi <= band.high + _slack(band.high)
    if side == "band":
        if inside:
            return "reproduced"
        return "contradicted" if hi < band.low or lo > band.high else "undecided"
    right = lo > threshold if side == "above" else hi < threshold
    wrong = hi < threshold if side == "above" else lo > threshold
    if wrong:
        return "contradicted"
    if not right:
        return "undecided"
    return "reproduced" if inside else "same direction"


def _slack(edge: float) -> float:
    return 1e-9 * max(1.0, abs(edge)) if math.isfinite(edge) else 0.0


def combine(a: str, b: str) -> str:
    """The verdict of a claim tested twice (e.g. Chao1 sizes and equal-quench counts):
    decided only as far as both tests agree.

    >>> combine("reproduced", "same direction"), combine("contradicted", "undecided")
    ('same direction', 'undecided')
    """
    if a == b:
        return a
    if {a, b} <= {"reproduced", "same direction"}:
        return "same direction"
    return "undecided"


def power(band: Band, sd: float | None, replicates: int, threshold: float, side: str, *,
          level: float = 0.90, draws: int = 4000, seed: int = 0) -> float | None:
    """P(verdict "reproduced") with ``replicates`` replicates if the quantity's true value
    were the paper's and its replicates normal with standard deviation ``sd`` (None when
    sd is missing or the paper gives no number: any value put in its place would decide
    the answer).

    >>> round(power(Band(2.0, 1.5, 2.5, ""), 0.05, 3, 1.0, "above"), 2)
    1.0
    >>> power(Band(2.0, 1.5, 2.5, ""), 1.0, 3, 1.0, "above") < 0.05
    True
    """
    from scipy.stats import t as student_t

    centre = band.paper
    if centre is None or sd is None or not math.isfinite(sd) or replicates < 2:
        return None
    rng = np.random.default_rng(seed)
    q = centre + sd * rng.standard_normal((draws, replicates))
    half = (student_t.ppf((1 + level) / 2, replicates - 1) * q.std(axis=1, ddof=1)
            / math.sqrt(replicates))
    m = q.mean(axis=1)
    lo, hi = m - half, m + half
    hits = sum(classify(a, b, threshold, side, band) == "reproduced"
               for a, b in zip(lo, hi, strict=True))
    return round(hits / draws, 2)
