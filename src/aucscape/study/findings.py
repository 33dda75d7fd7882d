"""The paper's findings against this run, each tested on an interval over replicates.

Each finding states one result of Niroomand et al. (2022), the paper's value and the
band that counts as reproducing it (:mod:`aucscape.study.bands`, fixed before the runs),
this run's estimate of the tested quantity q (the mean over replicates of q computed on
each replicate), its 90 % Student-t interval over the R replicates and the budget
(:mod:`aucscape.study.finding`). Verdicts: "reproduced" (interval inside the band),
"same direction" (the paper's sign, not inside the band), "contradicted" (the other
sign), "undecided" (a part switched off, too few replicates or minima, the interval
straddling the threshold; "undecided (no minima converged: …)" when a landscape the test
reads stored no minimum). Claims about numbers of minima are tested twice, on Chao1
landscape sizes and on the minima found after equal numbers of quenches, both at the
energy criterion ΔE < ``duplicate_ediff`` (1e-4 by default), and decided only as far as
both tests agree. The findings added by issue 21 (global minima, transition states per
minimum, funnels, λ and exp's β trends, the gap's plateau, cost against β, the credit
card's LPPHE) are in :mod:`aucscape.study.findings_more`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .finding import (
    Finding,
    Reps,
    decide,
    diff,
    found_by,
    ratio,
    size_tests,
    undecided,
)
from .results import LandscapeResult, StudyResults
from .spec import HINGE_LOSSES, loss_label
from .tables import (
    Table,
    _ediff,
    fmt,
    group_mean,
    loss_selection,
    median_gap,
    tables,
)

__all__ = ["Finding", "Table", "findings", "hinge_findings", "loss_selection", "tables"]


def _stat(name: str) -> Callable[[LandscapeResult], float | None]:
    return lambda r: r.stat(name)


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
        return None
    return float(np.corrcoef(x[keep], y[keep])[0, 1])


def _ce_r(r: LandscapeResult) -> float | None:
    return _pearson(r.column("ce_loss"), r.column("test_auc"))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman ρ of the finite pairs (None with fewer than 3 or a constant side)."""
    from scipy.stats import spearmanr

    a, b = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return None
    return float(spearmanr(a[keep], b[keep]).statistic)


def loglog_slope(x: Sequence[float], y: Sequence[float | None]) -> float | None:
    """Least-squares slope of log y against log x over the positive finite pairs."""
    a = np.asarray(x, float)
    b = np.array([math.nan if v is None else v for v in y], float)
    keep = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    if keep.sum() < 2:
        return None
    return float(np.polyfit(np.log(a[keep]), np.log(b[keep]), 1)[0])


def findings(res: StudyResults) -> list[Finding]:
    """The paper's findings, each with this run's interval and verdict (module doc)."""
    from .findings_more import more_findings

    return [*_main_findings(res), *_surrogate_findings(res), *_beta_findings(res),
            *_creditcard_findings(res), *more_findings(res)]


def app_minus_ce(spec: tuple, ce: Reps, sg: Reps, f: Callable[[LandscapeResult], float | None],
                 label: str, digits: str = ".3f") -> Finding:
    """Δ of the replicate means of ``f``, appAUC − CE, tested above 0."""
    extra = f"{fmt(group_mean(sg, f), digits)} vs {fmt(group_mean(ce, f), digits)}"
    return decide(*spec, [ce, sg], diff(sg, ce, f), 0.0, "above", f"Δ {label} (appAUC − CE)",
                  extra, digits)


def _app_over_ce_minima(spec: tuple, ce: Reps, sg: Reps, ed: float) -> Finding:
    """Numbers of minima, appAUC / CE, tested above 1 (both size tests)."""
    return size_tests(*spec, [ce, sg], lambda f: ratio(sg, ce, f), 1.0, "above",
                      "ratio appAUC/CE", ed)


def _main_findings(res: StudyResults) -> list[Finding]:
    ce, sg = res.replicates("main", loss="ce"), res.replicates("main", loss="sigmoid")
    ed = _ediff(res)
    specs = [
        ("main.minima", "appAUC has several times more minima than CE",
         "13,948 vs 1,903 minima (7.3×)"),
        ("main.mean_auc", "appAUC's mean test AUC exceeds CE's", "mean 0.70 vs 0.66"),
        ("main.best_auc", "appAUC's best test AUC exceeds CE's (best of all minima: grows "
         "with the number of minima, see the global-minimum and equal-count findings)",
         "best 0.81 vs 0.77"),
        ("main.lpphe", "appAUC minima are sharper (higher mean LPPHE)",
         "mean LPPHE −93 vs −110"),
        ("main.ce_r", "CE loss predicts test AUC more strongly for CE minima than for "
         "appAUC minima",
         "Figure 5: test AUC falls with CE loss for CE minima, not for appAUC minima"),
        ("main.ce_loss", "appAUC minima have a higher mean CE loss than CE minima",
         "about 1.2, roughly twice CE's"),
        ("main.distance", "appAUC minima are not close to CE minima",
         "appAUC minima lie away from the CE minima"),
    ]
    if not (ce and sg):
        return [undecided(*s, "main part not run") for s in specs]
    both = [ce, sg]
    ce_loss = lambda r: float(np.nanmean(r.column("ce_loss"))) if r.n_minima else None  # noqa: E731
    return [
        _app_over_ce_minima(specs[0], ce, sg, ed),
        app_minus_ce(specs[1], ce, sg, _stat("mean_test_auc"), "mean test AUC"),
        app_minus_ce(specs[2], ce, sg, _stat("best_test_auc"), "best test AUC"),
        app_minus_ce(specs[3], ce, sg, _stat("mean_lpphe"), "mean LPPHE", ".1f"),
        decide(*specs[4], both, diff(ce, sg, _ce_r), 0.0, "below",
               "r(CE loss, test AUC) of CE minima − that of appAUC minima",
               f"{fmt(group_mean(ce, _ce_r), '.2f')} vs {fmt(group_mean(sg, _ce_r), '.2f')}"),
        decide(*specs[5], both, ratio(sg, ce, ce_loss), 1.0, "above",
               "mean CE loss ratio appAUC/CE",
               f"{fmt(group_mean(sg, ce_loss))} vs {fmt(group_mean(ce, ce_loss))}", ".2f"),
        decide(*specs[6], both, ratio(sg, ce, _median_nearest), 1.0, "above",
               "median distance appAUC→nearest CE minimum / median CE→nearest other CE",
               f"{fmt(group_mean(sg, _median_nearest), '.3g')} vs "
               f"{fmt(group_mean(ce, _median_nearest), '.3g')} (aligned distances)", ".2f"),
    ]


def _median_nearest(r: LandscapeResult) -> float | None:
    d = np.asarray(r.nearest_ce, float)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else None


def _vs_others(mine: Reps, others: list[Reps], f: Callable, how: str) -> Callable:
    """q = mean f of ``mine`` minus the max / min / mean over ``others`` of their means,
    or (``how`` "ratio max") divided by the largest of them."""
    agg = {"max": max, "min": min, "mean": lambda v: float(np.mean(v)), "ratio max": max}[how]

    def q(idx: Sequence[int]) -> float | None:
        x = group_mean(mine, f, idx)
        ys = [group_mean(g, f, idx) for g in others]
        if x is None or any(y is None for y in ys) or not ys:
            return None
        if how == "ratio max":
            return x / agg(ys) if agg(ys) else None
        return x - agg(ys)
    return q


def lead_hinge(res: StudyResults) -> tuple[str | None, str | None]:
    """(the hinge the findings lead with, the other form run beside it): the first of
    :data:`~aucscape.study.spec.HINGE_LOSSES` in the surrogates part, then the next."""
    present = [h for h in HINGE_LOSSES if any(g[0].loss == h
                                              for g in res.groups("surrogates"))]
    padded = [*present, None, None]
    return padded[0], padded[1]


def _surrogate_findings(res: StudyResults) -> list[Finding]:
    lead, other = lead_hinge(res)
    groups = [g for g in res.groups("surrogates") if g[0].loss != other]
    out = _general_surrogate_findings(res, groups)
    return [*out[:3], *hinge_findings(res, lead or "hinge"), out[3]]


def _general_surrogate_findings(res: StudyResults, groups: list[Reps]) -> list[Finding]:
    specs = [
        ("sur.r_all", "loss and test AUC correlate negatively for every surrogate",
         "r < 0 for all"),
        ("sur.tanh_r", "tanh has the strongest negative loss–AUC correlation",
         "tanh r = −0.83"),
        ("sur.tanh_auc", "tanh has the best mean test AUC of the surrogates", "tanh best"),
        ("sur.exp_lpphe", "exp has the flattest surrogate minima (lowest mean LPPHE)",
         "exp flattest"),
    ]
    if len(groups) < 2:
        return [undecided(*s, "surrogates part not run (or one surrogate)") for s in specs]
    r_of = lambda r: r.energy_auc_r()  # noqa: E731

    def max_r(idx: Sequence[int]) -> float | None:
        vals = [group_mean(g, r_of, idx) for g in groups]
        return None if any(v is None for v in vals) else max(vals)

    rs = ", ".join(f"{loss_label(g[0].loss)} {fmt(group_mean(g, r_of), '.2f')}"
                   for g in groups)
    out = [decide(*specs[0], groups, max_r, 0.0, "below", "largest r over surrogates",
                  "r = " + rs, ".2f")]
    for k, loss, f, how, what in (
            (1, "tanh", r_of, "min", "r(tanh) − lowest other r"),
            (2, "tanh", _stat("mean_test_auc"), "max", "tanh mean test AUC − best other"),
            (3, "exp", _stat("mean_lpphe"), "min", "exp mean LPPHE − lowest other")):
        out.append(_one_vs_others(specs[k], groups, loss, f, how,
                                  "above" if k == 2 else "below", what))
    return out


def _one_vs_others(spec: tuple, groups: list[Reps], loss: str, f: Callable, how: str,
                   side: str, what: str) -> Finding:
    mine = next((g for g in groups if g[0].loss == loss), None)
    others = [g for g in groups if g[0].loss != loss]
    if mine is None or not others:
        return undecided(*spec, f"{loss} not in the surrogates part")
    extra = ", ".join(f"{loss_label(g[0].loss)} {fmt(group_mean(g, f), '.3g')}"
                      for g in groups)
    return decide(*spec, [mine, *others], _vs_others(mine, others, f, how), 0.0, side, what,
                  extra, ".3g")


def hinge_findings(res: StudyResults, hinge: str) -> list[Finding]:
    """The two hinge findings with ``hinge`` ("hinge": the literal max(0, m − βz), or
    "smooth_hinge") as the paper's hinge, against the surrogates other than either hinge."""
    specs = [("sur.hinge_minima", "hinge (not AUC-consistent) has the most minima",
              "hinge 6,086, next 4,202 (1.45×)"),
             ("sur.hinge_auc", "hinge has a lower mean test AUC than the other surrogates",
              "hinge lower")]
    specs = [(i, f"{c}; here the {loss_label(hinge)}", p) for i, c, p in specs]
    groups = res.groups("surrogates")
    mine = next((g for g in groups if g[0].loss == hinge), None)
    others = [g for g in groups if g[0].loss not in HINGE_LOSSES]
    if mine is None or not others:
        return [undecided(*s, f"{hinge} not in the surrogates part (or alone)") for s in specs]
    ed = _ediff(res)
    return [size_tests(*specs[0], [mine, *others],
                       lambda f: _vs_others(mine, others, f, "ratio max"), 1.0, "above",
                       "ratio hinge / largest other", ed),
            _one_vs_others(specs[1], [mine, *others], hinge, _stat("mean_test_auc"), "mean",
                           "below", "hinge mean test AUC − others' average")]


def rho_findings(groups: list[Reps], x: list[float], name: str,
                 rows: list[tuple], extra_of: Callable | None = None) -> list[Finding]:
    """Trend findings: Spearman ρ(x, per-group mean of f) over the grid, per replicate;
    ``rows`` are (id, claim, paper, f, side, what)."""
    out = []
    for fid, claim, paper, f, side, what in rows:
        def rho(idx: Sequence[int], f: Callable = f) -> float | None:
            return spearman(x, [group_mean(g, f, idx) or math.nan for g in groups])
        extra = ", ".join(f"{name}={b:g}: {fmt(group_mean(g, f), '.3g')}"
                          for b, g in zip(x, groups, strict=True))
        if extra_of is not None:
            extra += extra_of(f)
        out.append(decide(fid, claim, paper, groups, rho, 0.0, side,
                          f"Spearman ρ({name}, {what})", extra, ".2f"))
    return out


def by_beta(res: StudyResults, part: str) -> list[Reps]:
    """The groups of ``part`` in increasing β."""
    return sorted(res.groups(part), key=lambda g: g[0].beta or 0.0)


def equal_quench_minima(groups: Sequence[Reps], ed: float
                        ) -> tuple[Callable[[LandscapeResult], float | None], str]:
    """(f, what) of a size trend: f(r) = minima (ΔE < ``ed``) found in q quenches, q the
    fewest quenches of any landscape of ``groups`` (0 without one)."""
    q = min((r.steps for g in groups for r in g), default=0)
    return (lambda r: found_by(r, q, ed)), f"minima (ΔE < {ed:g}) found in {q} quenches"


def _beta_findings(res: StudyResults) -> list[Finding]:
    groups = by_beta(res, "beta_sigmoid")
    minima, what = equal_quench_minima(groups, _ediff(res))
    rows = [("beta.minima", "as β grows the sigmoid landscape has more minima",
             "more minima with β", minima, "above", what),
            ("beta.best_auc", "as β grows the best test AUC improves",
             "better best AUC with β", _stat("best_test_auc"), "above", "best test AUC"),
            ("beta.gap", "as β grows |appAUC − AUC| falls (like 1/β)",
             "median gap ∝ 1/β, ≈ 0.04 at large β", median_gap, "below", "median gap")]
    if len(groups) < 3:
        return [undecided(*r[:3], "beta_sigmoid part has fewer than 3 values of β")
                for r in rows]
    betas = [g[0].beta for g in groups]
    slope = loglog_slope(betas, [group_mean(g, median_gap) for g in groups])
    return rho_findings(groups, betas, "β", rows,
                        lambda f: f"; gap ∝ β^{fmt(slope, '.2f')}" if f is median_gap else "")


def _creditcard_findings(res: StudyResults) -> list[Finding]:
    ce, sg = res.replicates("creditcard", loss="ce"), res.replicates("creditcard",
                                                                     loss="sigmoid")
    specs = [("cc.minima", "credit card: appAUC has more minima than CE",
              "3,448 vs 1,721 minima (2.0×)"),
             ("cc.best_auc", "credit card: appAUC's best test AUC exceeds CE's",
              "best 0.99 vs 0.97"),
             ("cc.lpphe", "credit card: appAUC minima are sharper (higher mean LPPHE)",
              "mean LPPHE −772 vs −858")]
    if not (ce and sg):
        return [undecided(*s, "creditcard part not run") for s in specs]
    ed = _ediff(res)
    return [
        _app_over_ce_minima(specs[0], ce, sg, ed),
        app_minus_ce(specs[1], ce, sg, _stat("best_test_auc"), "best test AUC"),
        app_minus_ce(specs[2], ce, sg, _stat("mean_lpphe"), "mean LPPHE", ".1f"),
    ]
