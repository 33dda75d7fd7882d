"""Landscape summary in the style of Table 1 of Niroomand et al. (2022), and correlations.

Over the M minima of one database:

- number of minima (and of transition states when the database holds any);
- best (max), mean and sample standard deviation (ddof = 1) of the test AUC;
- mean and sample standard deviation of LPPHE = Σ_k ln λ_k (minima without a stored
  LPPHE are left out and counted in ``n_lpphe``);
- the global minimum (lowest energy) and its test AUC;
- the Pearson correlation r between energy and test AUC (Figure 4 of the paper), and
  between LPPHE and test AUC, each with the two-sided p-value of
  :func:`scipy.stats.pearsonr`.

Statistics of fewer values than they need (a mean of none, an sd or r of fewer than two,
r of a constant column) are None rather than NaN, so the JSON form stays strict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from aucscape.analysis.minima import MinimumProperties, properties_columns

__all__ = ["Correlation", "LandscapeSummary", "pearson", "summarize", "summary_rows"]


@dataclass(frozen=True)
class Correlation:
    """Pearson r between two per-minimum columns over ``n`` minima, with its p-value."""

    x: str
    y: str
    n: int
    r: float | None
    p_value: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pearson(x: ArrayLike, y: ArrayLike, x_name: str = "x", y_name: str = "y") -> Correlation:
    """r = Σ (x_i − x̄)(y_i − ȳ) / √(Σ (x_i − x̄)² Σ (y_i − ȳ)²) over pairs with both finite.

    p-value from :func:`scipy.stats.pearsonr` (two-sided, exact t distribution under
    normality). r and p are None with fewer than two pairs or a constant column.
    """
    from scipy.stats import pearsonr

    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"{x_name} and {y_name} differ in length: {a.size} vs {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = int(a.size)
    if n < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return Correlation(x_name, y_name, n, None, None)
    res = pearsonr(a, b)
    return Correlation(x_name, y_name, n, float(res.statistic), float(res.pvalue))


def _stat(values: np.ndarray, kind: str) -> float | None:
    v = values[np.isfinite(values)]
    if kind == "max":
        return float(v.max()) if v.size else None
    if kind == "mean":
        return float(v.mean()) if v.size else None
    return float(v.std(ddof=1)) if v.size >= 2 else None  # sample sd


@dataclass(frozen=True)
class LandscapeSummary:
    """Table-1 style numbers for one landscape (see the module docstring)."""

    n_minima: int
    n_transition_states: int | None
    best_test_auc: float | None
    mean_test_auc: float | None
    sd_test_auc: float | None
    n_lpphe: int
    mean_lpphe: float | None
    sd_lpphe: float | None
    global_minimum_id: int | None
    global_minimum_energy: float | None
    global_minimum_test_auc: float | None
    best_test_auc_id: int | None
    energy_test_auc: Correlation
    lpphe_test_auc: Correlation

    def to_dict(self) -> dict[str, Any]:
        """Nested plain dict (the correlations as dicts)."""
        return asdict(self)


def summarize(
    props: Sequence[MinimumProperties], n_transition_states: int | None = None
) -> LandscapeSummary:
    """Summary over per-minimum properties (any order); ``n_transition_states`` as given."""
    cols = properties_columns(props)
    auc, energy, lp = cols["test_auc"], cols["energy"], cols["lpphe"]
    ids = [p.id for p in props]
    gmin = int(np.nanargmin(energy)) if np.any(np.isfinite(energy)) else None
    best = int(np.nanargmax(auc)) if np.any(np.isfinite(auc)) else None
    return LandscapeSummary(
        n_minima=len(props),
        n_transition_states=n_transition_states,
        best_test_auc=_stat(auc, "max"),
        mean_test_auc=_stat(auc, "mean"),
        sd_test_auc=_stat(auc, "sd"),
        n_lpphe=int(np.count_nonzero(np.isfinite(lp))),
        mean_lpphe=_stat(lp, "mean"),
        sd_lpphe=_stat(lp, "sd"),
        global_minimum_id=None if gmin is None else ids[gmin],
        global_minimum_energy=None if gmin is None else float(energy[gmin]),
        global_minimum_test_auc=None if gmin is None else float(auc[gmin]),
        best_test_auc_id=None if best is None else ids[best],
        energy_test_auc=pearson(energy, auc, "energy", "test_auc"),
        lpphe_test_auc=pearson(lp, auc, "lpphe", "test_auc"),
    )


def summary_rows(summary: LandscapeSummary) -> list[tuple[str, Any]]:
    """(label, value) pairs in reading order, for a two-column printed table."""
    s = summary
    rows: list[tuple[str, Any]] = [("minima", s.n_minima)]
    if s.n_transition_states:
        rows.append(("transition states", s.n_transition_states))
    rows += [
        ("best test AUC", s.best_test_auc),
        ("mean test AUC", s.mean_test_auc),
        ("sd test AUC", s.sd_test_auc),
        ("mean LPPHE", s.mean_lpphe),
        ("sd LPPHE", s.sd_lpphe),
        ("global minimum id", s.global_minimum_id),
        ("global minimum energy", s.global_minimum_energy),
        ("global minimum test AUC", s.global_minimum_test_auc),
    ]
    if s.n_lpphe != s.n_minima:
        rows.append(("minima with LPPHE", s.n_lpphe))
    for c in (s.energy_test_auc, s.lpphe_test_auc):
        rows.append((f"Pearson r({c.x}, {c.y})", c.r))
        rows.append((f"  p-value (n = {c.n})", c.p_value))
    return rows
