"""The paper's findings against this run, each tested on an interval over replicates.

Each :class:`Finding` states one qualitative result of Niroomand et al. (2022), the
paper's numbers, this run's estimate of the tested quantity q (the mean over replicates
of q computed on each replicate), its 90 % Student-t interval over the R replicates
(:func:`aucscape.study.stats.interval`), the test (a threshold and the side the paper
is on, fixed in advance) and the budget. The verdict is
"agrees" only when the whole interval lies on the paper's side, "disagrees" only when it
lies wholly on the other side, "undecided" otherwise (a part switched off, one
replicate, too few minima; "undecided (no minima converged: …)" when a landscape the
test reads stored no minimum, e.g. a kinked hinge whose quenches never reach the RMS
gradient criterion). Claims about numbers of minima are tested twice, on Chao1
landscape sizes and on the minima found after equal numbers of quenches (discovery
curves), both at the energy criterion ΔE < ``duplicate_ediff`` (1e-4 by default), and
agree (disagree) only when both tests do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .results import LandscapeResult, StudyResults
from .spec import HINGE_LOSSES, loss_label
from .stats import interval, merge_by_energy, verdict
from .tables import (
    Table,
    _ediff,
    fmt,
    group_mean,
    interval_text,
    landscape_size,
    loss_selection,
    median_gap,
    tables,
)

__all__ = ["Finding", "Table", "findings", "loss_selection", "tables"]

Reps = list[LandscapeResult]
Quantity = Callable[[Sequence[int]], float | None]


@dataclass(frozen=True)
class Finding:
    """One paper finding next to this run's measurement of the tested quantity."""

    claim: str
    paper: str
    measured: str
    criterion: str
    agrees: bool | None
    budget: str
    estimate: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def verdict(self) -> str:
        return {True: "agrees", False: "disagrees", None: "undecided"}[self.agrees]

    @property
    def interval(self) -> str:
        return interval_text(self.low, self.high)


def _budget(groups: Sequence[Reps]) -> str:
    lands = [r for g in groups for r in g]
    if not lands:
        return "–"
    arch = sorted({r.architecture for r in lands})
    steps = sorted({r.steps for r in lands})
    reps = sorted({len(g) for g in groups})
    s = f"{'/'.join(arch)} network; {'–'.join(str(x) for x in reps)} replicates × "
    s += f"{steps[0]}" if len(steps) == 1 else f"{steps[0]}–{steps[-1]}"
    s += " quenches"
    att = sorted({r.connect_attempts for r in lands})
    if att[-1]:
        s += ", " + (f"{att[0]}" if len(att) == 1 else f"{att[0]}–{att[-1]}")
        s += " connection attempts"
    return s


def _undecided(claim: str, paper: str, why: str) -> Finding:
    return Finding(claim, paper, why, "–", None, "–")


def _no_minima(groups: Sequence[Reps]) -> str | None:
    """"undecided (no minima converged: …)" naming the landscapes without a stored
    minimum (any replicate), or None when every landscape has minima."""
    empty = sorted({f"{r.label} replicate {r.replicate}" for g in groups for r in g
                    if not r.n_minima})
    return f"undecided (no minima converged: {'; '.join(empty)})" if empty else None


def _test(claim: str, paper: str, groups: Sequence[Reps], q: Quantity, threshold: float,
          side: str, what: str, extra: str = "", spec: str = ".3f") -> Finding:
    """A finding whose quantity ``q(idx)`` must lie ``side`` of ``threshold``."""
    criterion = f"{what} {'>' if side == 'above' else '<'} {threshold:g}"
    empty = _no_minima(groups)
    if empty:
        return Finding(claim, paper, empty, criterion, None, _budget(groups))
    n = min(len(g) for g in groups)
    est, lo, hi = interval(q, n)
    measured = f"{what} = {fmt(est, spec)}" + (f"; {extra}" if extra else "")
    return Finding(claim, paper, measured, criterion, verdict(lo, hi, threshold, side),
                   _budget(groups), est, lo, hi)


def _diff(a: Reps, b: Reps, f: Callable[[LandscapeResult], float | None]) -> Quantity:
    def q(idx: Sequence[int]) -> float | None:
        x, y = group_mean(a, f, idx), group_mean(b, f, idx)
        return None if x is None or y is None else x - y
    return q


def _ratio(a: Reps, b: Reps, f: Callable[[LandscapeResult], float | None]) -> Quantity:
    def q(idx: Sequence[int]) -> float | None:
        x, y = group_mean(a, f, idx), group_mean(b, f, idx)
        return None if x is None or not y else x / y
    return q


def _stat(name: str) -> Callable[[LandscapeResult], float | None]:
    return lambda r: r.stat(name)


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
        return None
    return float(np.corrcoef(x[keep], y[keep])[0, 1])


def _ce_r(r: LandscapeResult) -> float | None:
    return _pearson(r.column("ce_loss"), r.column("test_auc"))


def _spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    from scipy.stats import spearmanr

    a, b = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return None
    return float(spearmanr(a[keep], b[keep]).statistic)


def _loglog_slope(x: Sequence[float], y: Sequence[float | None]) -> float | None:
    a = np.asarray(x, float)
    b = np.array([math.nan if v is None else v for v in y], float)
    keep = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    if keep.sum() < 2:
        return None
    return float(np.polyfit(np.log(a[keep]), np.log(b[keep]), 1)[0])


def _found_by(r: LandscapeResult, q: int, ediff: float | None = None) -> float:
    """Distinct minima basin-hopping had found after ``q`` quenches (strict identity, or
    merged at ΔE < ``ediff``), read off the discovery record."""
    ids = {int(i) for f, i in r.discovery if f <= q}
    if ediff is None:
        return float(len(ids))
    e = [en for i, en in zip(r.minima.get("id", []), r.minima.get("energy", []),
                             strict=True) if int(i) in ids]
    return float(merge_by_energy(e, np.ones(len(e), dtype=np.int64), ediff).size)


def _q_star(groups: Sequence[Reps]) -> int:
    return min(r.steps for g in groups for r in g)


def _and(first: Finding, second: Finding) -> Finding:
    """A size claim tested twice: on Chao1 sizes (``first``) and on minima found after
    equal quenches (``second``). It agrees only when both agree, disagrees only when both
    disagree (Chao1 alone is dominated by the singletons at small budgets)."""
    both = (first.agrees if first.agrees == second.agrees else None)
    measured = (f"{first.measured}; {second.measured} "
                f"{interval_text(second.low, second.high, '.2f')}")
    return Finding(first.claim, first.paper, measured,
                   f"{first.criterion}, and {second.criterion}", both, first.budget,
                   first.estimate, first.low, first.high)


def _size_tests(claim: str, paper: str, groups: Sequence[Reps],
                make: Callable[[Callable[[LandscapeResult], float | None]], Quantity],
                threshold: float, side: str, what: str, ed: float) -> Finding:
    """Chao1 (ΔE < ``ed``) and equal-quench counts (ΔE < ``ed``), each through ``make``."""
    empty = _no_minima(groups)
    if empty:
        return Finding(claim, paper, empty, f"Chao1 {what} {side} {threshold:g}", None,
                       _budget(groups))
    q = _q_star(groups)
    chao = _test(claim, paper, groups, make(lambda r: landscape_size(r, ed)), threshold,
                 side, f"Chao1 {what}", spec=".2f")
    count = _test(claim, paper, groups, make(lambda r: _found_by(r, q, ed)), threshold,
                  side, f"{what} of minima found in {q} quenches", spec=".2f")
    return _and(chao, count)


def findings(res: StudyResults) -> list[Finding]:
    """The paper's findings, each with this run's interval and verdict (module doc)."""
    return [*_main_findings(res), *_surrogate_findings(res), *_beta_findings(res),
            *_creditcard_findings(res)]


def _main_findings(res: StudyResults) -> list[Finding]:
    ce, sg = res.replicates("main", loss="ce"), res.replicates("main", loss="sigmoid")
    ed = _ediff(res)
    specs = [
        ("appAUC has several times more minima than CE", "13,948 vs 1,903 minima (7.3×)"),
        ("appAUC's mean test AUC exceeds CE's", "mean 0.70 vs 0.66"),
        ("appAUC's best test AUC exceeds CE's", "best 0.81 vs 0.77"),
        ("appAUC minima are sharper (higher mean LPPHE)", "mean LPPHE −93 vs −110"),
        ("CE loss predicts test AUC more strongly for CE minima than for appAUC minima",
         "Figure 5: test AUC falls with CE loss for CE minima, not for appAUC minima"),
        ("appAUC minima have a higher mean CE loss than CE minima",
         "about 1.2, roughly twice CE's"),
        ("appAUC minima are not close to CE minima",
         "appAUC minima lie away from the CE minima"),
    ]
    if not (ce and sg):
        return [_undecided(c, p, "main part not run") for c, p in specs]
    both = [ce, sg]
    out = [
        _size_tests(*specs[0], both, lambda f: _ratio(sg, ce, f), 2.0, "above",
                    "ratio appAUC/CE", ed),
        _test(*specs[1], both, _diff(sg, ce, _stat("mean_test_auc")), 0.0, "above",
              "Δ mean test AUC (appAUC − CE)",
              f"{fmt(group_mean(sg, _stat('mean_test_auc')))} vs "
              f"{fmt(group_mean(ce, _stat('mean_test_auc')))}"),
        _test(*specs[2], both, _diff(sg, ce, _stat("best_test_auc")), 0.0, "above",
              "Δ best test AUC (appAUC − CE)",
              f"{fmt(group_mean(sg, _stat('best_test_auc')))} vs "
              f"{fmt(group_mean(ce, _stat('best_test_auc')))}"),
        _test(*specs[3], both, _diff(sg, ce, _stat("mean_lpphe")), 0.0, "above",
              "Δ mean LPPHE (appAUC − CE)",
              f"{fmt(group_mean(sg, _stat('mean_lpphe')), '.1f')} vs "
              f"{fmt(group_mean(ce, _stat('mean_lpphe')), '.1f')}", ".1f"),
        _test(*specs[4], both, _diff(ce, sg, _ce_r), 0.0, "below",
              "r(CE loss, test AUC) of CE minima − that of appAUC minima",
              f"{fmt(group_mean(ce, _ce_r), '.2f')} vs {fmt(group_mean(sg, _ce_r), '.2f')}"),
        _test(*specs[5], both, _ratio(sg, ce, lambda r: float(np.nanmean(r.column("ce_loss")))
                                      if r.n_minima else None), 1.0, "above",
              "mean CE loss ratio appAUC/CE", "", ".2f"),
        _test(*specs[6], both, _ratio(sg, ce, _median_nearest), 1.0, "above",
              "median distance appAUC→nearest CE minimum / median CE→nearest other CE",
              f"{fmt(group_mean(sg, _median_nearest), '.3g')} vs "
              f"{fmt(group_mean(ce, _median_nearest), '.3g')} (aligned distances)", ".2f"),
    ]
    return out


def _median_nearest(r: LandscapeResult) -> float | None:
    d = np.asarray(r.nearest_ce, float)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else None


def _others(groups: list[Reps], loss: str) -> tuple[Reps | None, list[Reps]]:
    mine = next((g for g in groups if g[0].loss == loss), None)
    return mine, [g for g in groups if g[0].loss != loss]


def _vs_others(mine: Reps, others: list[Reps], f: Callable, how: str) -> Quantity:
    """q = mean f of ``mine`` minus the max / min / mean over ``others`` of their means."""
    agg = {"max": max, "min": min, "mean": lambda v: float(np.mean(v))}[how]

    def q(idx: Sequence[int]) -> float | None:
        x = group_mean(mine, f, idx)
        ys = [group_mean(g, f, idx) for g in others]
        if x is None or any(y is None for y in ys) or not ys:
            return None
        return x - agg(ys)
    return q


def _surrogate_findings(res: StudyResults) -> list[Finding]:
    groups = res.groups("surrogates")
    ed = _ediff(res)
    specs = [
        ("loss and test AUC correlate negatively for every surrogate", "r < 0 for all"),
        ("tanh has the strongest negative loss–AUC correlation", "tanh r = −0.83"),
        ("tanh has the best mean test AUC of the surrogates", "tanh best"),
        ("hinge (not AUC-consistent) has the most minima", "hinge 6,086, next 4,202"),
        ("hinge has a lower mean test AUC than the other surrogates", "hinge lower"),
        ("exp has the flattest surrogate minima (lowest mean LPPHE)", "exp flattest"),
    ]
    if len(groups) < 2:
        return [_undecided(c, p, "surrogates part not run (or one surrogate)")
                for c, p in specs]
    r_of = lambda r: r.energy_auc_r()  # noqa: E731
    auc = _stat("mean_test_auc")
    size = lambda r: landscape_size(r, ed)  # noqa: E731

    def max_r(idx: Sequence[int]) -> float | None:
        vals = [group_mean(g, r_of, idx) for g in groups]
        return None if any(v is None for v in vals) else max(vals)

    rs = ", ".join(f"{loss_label(g[0].loss)} {fmt(group_mean(g, r_of), '.2f')}"
                   for g in groups)
    out = [_test(*specs[0], groups, max_r, 0.0, "below", "largest r over surrogates",
                 "r = " + rs, ".2f")]
    # the paper's hinge: the smooth hinge where the part has it (spec.HINGE_LOSSES)
    hinge = next((h for h in HINGE_LOSSES if any(g[0].loss == h for g in groups)), "hinge")
    if hinge != "hinge":  # say which hinge stands for the paper's
        for k in (3, 4):
            specs[k] = (f"{specs[k][0]}; here the {loss_label(hinge)}", specs[k][1])
    for k, loss, f, how, side, what in (
            (1, "tanh", r_of, "min", "below", "r(tanh) − lowest other r"),
            (2, "tanh", auc, "max", "above", "tanh mean test AUC − best other"),
            (3, hinge, size, "max", "above", "hinge Chao1 size − largest other"),
            (4, hinge, auc, "mean", "below", "hinge mean test AUC − others' average"),
            (5, "exp", _stat("mean_lpphe"), "min", "below",
             "exp mean LPPHE − lowest other")):
        mine, others = _others(groups, loss)
        if mine is None or not others:
            out.append(_undecided(*specs[k], f"{loss} not in the surrogates part"))
            continue
        if f is size:
            out.append(_size_tests(*specs[k], [mine, *others],
                                   lambda f, m=mine, o=others, h=how: _vs_others(m, o, f, h),
                                   0.0, side,
                                   "hinge − largest other", ed))
            continue
        extra = ", ".join(f"{loss_label(g[0].loss)} {fmt(group_mean(g, f), '.3g')}"
                          for g in groups)
        out.append(_test(*specs[k], [mine, *others], _vs_others(mine, others, f, how), 0.0,
                         side, what, extra, ".3g"))
    return out


def _beta_findings(res: StudyResults) -> list[Finding]:
    groups = sorted(res.groups("beta_sigmoid"), key=lambda g: g[0].beta or 0.0)
    ed = _ediff(res)
    # β = 40 is shared with the main part and may have more quenches: minima are compared
    # at the smallest budget of the grid, from the discovery curves
    q_star = min(r.steps for g in groups for r in g) if groups else 0
    specs = [("as β grows the sigmoid landscape has more minima", "more minima with β",
              lambda r: _found_by(r, q_star, ed), "above",
              f"minima (ΔE < {ed:g}) found in {q_star} quenches"),
             ("as β grows the best test AUC improves", "better best AUC with β",
              _stat("best_test_auc"), "above", "best test AUC"),
             ("as β grows |appAUC − AUC| falls (like 1/β)",
              "median gap ∝ 1/β, ≈ 0.04 at large β", median_gap, "below", "median gap")]
    if len(groups) < 3:
        return [_undecided(c, p, "beta_sigmoid part has fewer than 3 values of β")
                for c, p, *_ in specs]
    betas = [g[0].beta for g in groups]
    gaps = [group_mean(g, median_gap) for g in groups]
    slope = _loglog_slope(betas, gaps)
    out = []
    for claim, paper, f, side, name in specs:
        def rho(idx: Sequence[int], f: Callable = f) -> float | None:
            return _spearman(betas, [group_mean(g, f, idx) or math.nan for g in groups])
        extra = ", ".join(f"β={b:g}: {fmt(group_mean(g, f), '.3g')}"
                          for b, g in zip(betas, groups, strict=True))
        if f is median_gap:
            extra += f"; gap ∝ β^{fmt(slope, '.2f')}"
        out.append(_test(claim, paper, groups, rho, 0.0, side, f"Spearman ρ(β, {name})",
                         extra, ".2f"))
    return out


def _creditcard_findings(res: StudyResults) -> list[Finding]:
    ce, sg = res.replicates("creditcard", loss="ce"), res.replicates("creditcard",
                                                                     loss="sigmoid")
    specs = [("credit card: appAUC has more minima than CE", "3,448 vs 1,721 minima"),
             ("credit card: appAUC's best test AUC exceeds CE's", "best 0.99 vs 0.97")]
    if not (ce and sg):
        return [_undecided(c, p, "creditcard part not run") for c, p in specs]
    ed = _ediff(res)
    return [
        _size_tests(*specs[0], [ce, sg], lambda f: _ratio(sg, ce, f), 1.0, "above",
                    "ratio appAUC/CE", ed),
        _test(*specs[1], [ce, sg], _diff(sg, ce, _stat("best_test_auc")), 0.0, "above",
              "Δ best test AUC (appAUC − CE)",
              f"{fmt(group_mean(sg, _stat('best_test_auc')))} vs "
              f"{fmt(group_mean(ce, _stat('best_test_auc')))}"),
    ]
