"""The study's tables, the paper-versus-measured comparisons and the loss-selection summary.

Everything here is computed from a :class:`~aucscape.study.results.StudyResults`. Each
:class:`Finding` states one qualitative result of Niroomand et al. (2022), the paper's
numbers, this run's numbers, the test applied to decide agreement (fixed in advance, not
tuned) and the budget that produced the measurement. ``agrees`` is None when the run
cannot decide (a part switched off, fewer minima than a statistic needs).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..surrogates import SURROGATES
from .results import LandscapeResult, StudyResults

__all__ = ["Finding", "Table", "findings", "loss_selection", "tables"]


@dataclass(frozen=True)
class Table:
    """A result table: ``name`` (file stem), ``title``, column headers and rows."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.headers)
        for r in self.rows:
            w.writerow(["" if _missing(v) else v for v in r])
        return buf.getvalue()

    def to_markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |",
                 "|" + "|".join("---" for _ in self.headers) + "|"]
        lines += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in self.rows]
        return "\n".join(lines)


@dataclass(frozen=True)
class Finding:
    """One paper finding next to this run's measurement."""

    claim: str
    paper: str
    measured: str
    criterion: str
    agrees: bool | None
    budget: str

    @property
    def verdict(self) -> str:
        return {True: "agrees", False: "disagrees", None: "undecided"}[self.agrees]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt(v: Any, spec: str = ".3f") -> str:
    """Table cell text: '–' for missing, integers as is, floats with ``spec``."""
    if _missing(v):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3g}"
        return format(float(v), spec)
    return str(v)


def median_gap(r: LandscapeResult) -> float:
    """Median over minima of |appAUC − AUC| on the training split (smoothing error)."""
    gap = np.abs(r.column("app_auc") - r.column("train_auc"))
    gap = gap[np.isfinite(gap)]
    return float(np.median(gap)) if gap.size else math.nan


def _spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    from scipy.stats import spearmanr

    a, b = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return None
    return float(spearmanr(a[keep], b[keep]).statistic)


def _loglog_slope(x: Sequence[float], y: Sequence[float]) -> float | None:
    a, b = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    if keep.sum() < 2:
        return None
    return float(np.polyfit(np.log(a[keep]), np.log(b[keep]), 1)[0])


# -- tables ---------------------------------------------------------------------------------
_T1 = ("landscape", "network", "minima", "transition states", "best test AUC",
       "mean test AUC", "sd test AUC", "mean LPPHE", "sd LPPHE", "quenches",
       "connection attempts")


def _t1_row(r: LandscapeResult) -> tuple:
    return (r.label, r.architecture, r.n_minima, r.n_ts, r.stat("best_test_auc"),
            r.stat("mean_test_auc"), r.stat("sd_test_auc"), r.stat("mean_lpphe"),
            r.stat("sd_lpphe"), r.steps, r.connect_attempts)


def _ablation_table(name: str, title: str, lands: list[LandscapeResult],
                    gap: bool) -> Table:
    headers = ("beta", "minima", "best test AUC", "mean test AUC")
    headers += ("median |appAUC - AUC|",) if gap else ()
    headers += ("evaluations per quench", "quenches")
    rows = []
    for r in lands:
        row: tuple = (r.beta, r.n_minima, r.stat("best_test_auc"), r.stat("mean_test_auc"))
        row += (median_gap(r),) if gap else ()
        rows.append((*row, r.mean_evals_per_quench, r.steps))
    return Table(name, title, headers, rows)


def tables(res: StudyResults) -> list[Table]:
    """Tables 1-4 of the paper and the two β ablations, for the parts that ran."""
    out = []
    if res.part("main"):
        out.append(Table("table1_spiral", "Table 1: CE and appAUC landscapes (spiral)", _T1,
                         [_t1_row(r) for r in res.part("main")]))
    if res.part("surrogates"):
        rows = [(*_t1_row(r)[:7], r.stat("mean_lpphe"), r.energy_auc_r(),
                 "yes" if SURROGATES[r.loss].consistent else "no", r.steps)
                for r in res.part("surrogates")]
        out.append(Table("table2_surrogates", "Table 2: AUC surrogates (spiral)",
                         (*_T1[:7], "mean LPPHE", "r(loss, test AUC)", "AUC-consistent",
                          "quenches"), rows))
    if res.part("creditcard"):
        out.append(Table("table3_creditcard", "Table 3: credit-card data", _T1,
                         [_t1_row(r) for r in res.part("creditcard")]))
    if res.part("lambda"):
        rows = [(r.loss, r.lam, r.n_minima, r.n_ts, r.stat("best_test_auc"),
                 r.stat("mean_test_auc"), r.stat("sd_test_auc"), r.steps)
                for r in res.part("lambda")]
        out.append(Table("table4_lambda", "Table 4: test AUC against λ", (
            "loss", "lambda", "minima", "transition states", "best test AUC",
            "mean test AUC", "sd test AUC", "quenches"), rows))
    if res.part("beta_sigmoid"):
        out.append(_ablation_table("beta_sigmoid", "β ablation, sigmoid (Figure 6)",
                                   res.part("beta_sigmoid"), gap=True))
    if res.part("beta_exp"):
        out.append(_ablation_table("beta_exp", "β ablation, exp (Figure 7)",
                                   res.part("beta_exp"), gap=False))
    return out


# -- findings -------------------------------------------------------------------------------
def _undecided(claim: str, paper: str, why: str) -> Finding:
    return Finding(claim, paper, why, "–", None, "–")


def _budget(lands: Sequence[LandscapeResult]) -> str:
    if not lands:
        return "–"
    arch = sorted({r.architecture for r in lands})
    steps = sorted({r.steps for r in lands})
    att = sorted({r.connect_attempts for r in lands})
    s = f"{'/'.join(arch)} network; " + (f"{steps[0]}" if len(steps) == 1
                                         else f"{steps[0]}–{steps[-1]}")
    s += " quenches per landscape"
    if att[-1]:
        s += ", " + (f"{att[0]}" if len(att) == 1 else f"{att[0]}–{att[-1]}")
        s += " connection attempts"
    return s


def _pair(res: StudyResults, part: str) -> tuple[LandscapeResult | None, LandscapeResult | None]:
    return res.find(part, loss="ce"), res.find(part, loss="sigmoid")


def _both(a: float | None, b: float | None, op: Any) -> bool | None:
    return None if a is None or b is None else bool(op(a, b))


def findings(res: StudyResults) -> list[Finding]:
    """The paper's qualitative findings, each with this run's measurement (module doc)."""
    out = []
    ce, sg = _pair(res, "main")
    claim = "appAUC has several times more minima than CE"
    paper = "13,948 vs 1,903 minima (7.3×)"
    if ce and sg:
        ratio = sg.n_minima / ce.n_minima if ce.n_minima else math.inf
        out.append(Finding(claim, paper,
                           f"{sg.n_minima} vs {ce.n_minima} minima ({ratio:.1f}×)",
                           "ratio ≥ 2", ratio >= 2, _budget([ce, sg])))
    else:
        out.append(_undecided(claim, paper, "main part not run"))

    claim = "appAUC's best and mean test AUC exceed CE's"
    paper = "best 0.81 vs 0.77, mean 0.70 vs 0.66"
    if ce and sg:
        b = (sg.stat("best_test_auc"), ce.stat("best_test_auc"))
        m = (sg.stat("mean_test_auc"), ce.stat("mean_test_auc"))
        ok_b, ok_m = _both(*b, float.__gt__), _both(*m, float.__gt__)
        verdict = None if ok_b is None or ok_m is None else ok_b and ok_m
        out.append(Finding(claim, paper, f"best {fmt(b[0])} vs {fmt(b[1])}, mean "
                           f"{fmt(m[0])} vs {fmt(m[1])}", "both best and mean higher",
                           verdict, _budget([ce, sg])))
    else:
        out.append(_undecided(claim, paper, "main part not run"))

    claim = "appAUC minima are sharper (larger mean LPPHE)"
    paper = "mean LPPHE −93 vs −110"
    if ce and sg:
        a, c = sg.stat("mean_lpphe"), ce.stat("mean_lpphe")
        out.append(Finding(claim, paper, f"mean LPPHE {fmt(a, '.1f')} vs {fmt(c, '.1f')}",
                           "appAUC mean LPPHE higher", _both(a, c, float.__gt__),
                           _budget([ce, sg])))
    else:
        out.append(_undecided(claim, paper, "main part not run"))

    out += _surrogate_findings(res)
    out += _beta_finding(res)

    ce, sg = _pair(res, "creditcard")
    claim = "credit card: appAUC has more and better minima than CE"
    paper = "best test AUC 0.99 vs 0.97; more minima"
    if ce and sg:
        a, c = sg.stat("best_test_auc"), ce.stat("best_test_auc")
        better = _both(a, c, float.__gt__)
        verdict = None if better is None else better and sg.n_minima > ce.n_minima
        out.append(Finding(claim, paper, f"best {fmt(a)} vs {fmt(c)}; {sg.n_minima} vs "
                           f"{ce.n_minima} minima", "more minima and higher best AUC",
                           verdict, _budget([ce, sg])))
    else:
        out.append(_undecided(claim, paper, "creditcard part not run"))
    return out


def _surrogate_findings(res: StudyResults) -> list[Finding]:
    lands = res.part("surrogates")
    claim = "loss and test AUC correlate negatively for every surrogate, tanh most strongly"
    paper = "r < 0 for all; tanh r = −0.83"
    claim2 = "hinge (not AUC-consistent) has the most minima but lower test AUC"
    paper2 = "hinge: most minima, lower test AUC"
    if not lands:
        return [_undecided(claim, paper, "surrogates part not run"),
                _undecided(claim2, paper2, "surrogates part not run")]
    rs = {r.loss: r.energy_auc_r() for r in lands}
    text = ", ".join(f"{k} {fmt(v, '.2f')}" for k, v in rs.items())
    known = {k: v for k, v in rs.items() if v is not None}
    verdict = None
    if len(known) == len(rs) and "tanh" in known:
        verdict = all(v < 0 for v in known.values()) and min(known, key=known.get) == "tanh"
    out = [Finding(claim, paper, "r = " + text, "every r < 0 and tanh's the lowest",
                   verdict, _budget(lands))]
    hinge = next((r for r in lands if r.loss == "hinge"), None)
    others = [r for r in lands if r.loss != "hinge"]
    if hinge is None or not others:
        out.append(_undecided(claim2, paper2, "hinge or the other surrogates not run"))
        return out
    most = hinge.n_minima >= max(r.n_minima for r in others)
    h_mean = hinge.stat("mean_test_auc")
    o_means = [r.stat("mean_test_auc") for r in others if r.stat("mean_test_auc") is not None]
    lower = None if h_mean is None or not o_means else h_mean < float(np.mean(o_means))
    verdict = None if lower is None else most and lower
    out.append(Finding(
        claim2, paper2,
        f"hinge {hinge.n_minima} minima (others max {max(r.n_minima for r in others)}); "
        f"mean test AUC {fmt(h_mean)} vs others' average "
        f"{fmt(float(np.mean(o_means)) if o_means else None)}",
        "hinge has the most minima and a mean test AUC below the others' average",
        verdict, _budget(lands)))
    return out


def _beta_finding(res: StudyResults) -> list[Finding]:
    lands = sorted(res.part("beta_sigmoid"), key=lambda r: r.beta or 0.0)
    claim = "as β grows: more minima, better best AUC, |appAUC − AUC| falling like 1/β"
    paper = "more minima and better best AUC with β; median gap ∝ 1/β, ≈ 0.04 at large β"
    if len(lands) < 3:
        return [_undecided(claim, paper, "beta_sigmoid part has fewer than 3 values of β")]
    betas = [r.beta for r in lands]
    n = _spearman(betas, [r.n_minima for r in lands])
    best = _spearman(betas, [r.stat("best_test_auc") or math.nan for r in lands])
    gaps = [median_gap(r) for r in lands]
    g = _spearman(betas, gaps)
    slope = _loglog_slope(betas, gaps)
    measured = (f"Spearman ρ(β, minima) {fmt(n, '.2f')}, ρ(β, best AUC) {fmt(best, '.2f')}, "
                f"ρ(β, gap) {fmt(g, '.2f')}; gap ∝ β^{fmt(slope, '.2f')}, "
                f"{fmt(gaps[-1])} at β = {betas[-1]:g}")
    verdict = None if None in (n, best, g) else (n > 0 and best > 0 and g < 0)
    return [Finding(claim, paper, measured, "ρ(β, minima) > 0, ρ(β, best AUC) > 0, "
                    "ρ(β, gap) < 0", verdict, _budget(lands))]


# -- loss selection -------------------------------------------------------------------------
def loss_selection(res: StudyResults) -> tuple[Table | None, list[str]]:
    """Landscape features of the spiral losses side by side and a reading of them.

    Criteria (all measured): highest best test AUC (what the landscape can reach), lowest
    mean LPPHE (flatter, more robust minima), most negative r(loss, test AUC) (lower loss
    means better AUC, so the loss is a faithful proxy), fewest minima (easier to search).
    The overall pick is the lowest mean rank over the four criteria.
    """
    lands = {r.key: r for r in [*res.part("main"), *res.part("surrogates")]}
    if not lands:
        return None, ["Neither the main nor the surrogates part ran: nothing to select from."]
    rows_src = list(lands.values())
    crit = {
        "best test AUC": ([r.stat("best_test_auc") for r in rows_src], True),
        "mean LPPHE": ([r.stat("mean_lpphe") for r in rows_src], False),
        "r(loss, test AUC)": ([r.energy_auc_r() for r in rows_src], False),
        "minima": ([r.n_minima for r in rows_src], False),
    }
    ranks = np.zeros(len(rows_src))
    counted = np.zeros(len(rows_src))
    lines = []
    for name, (vals, high_good) in crit.items():
        v = np.array([math.nan if x is None else x for x in vals], float)
        ok = np.isfinite(v)
        if not ok.any():
            continue
        order = np.argsort(-v[ok] if high_good else v[ok], kind="stable")
        rank = np.empty(ok.sum())
        rank[order] = np.arange(1, ok.sum() + 1)
        ranks[ok] += rank
        counted[ok] += 1
        top = rows_src[int(np.flatnonzero(ok)[order[0]])]
        what = {"best test AUC": "highest best test AUC",
                "mean LPPHE": "flattest minima (lowest mean LPPHE)",
                "r(loss, test AUC)": "loss most faithful to test AUC (most negative r)",
                "minima": "simplest landscape (fewest minima)"}[name]
        lines.append(f"{what}: **{top.label}** ({fmt(vals[int(np.flatnonzero(ok)[order[0]])])})")
    mean_rank = np.where(counted > 0, ranks / np.maximum(counted, 1), math.nan)
    table = Table("loss_selection",
                  f"Loss selection: landscape features ({rows_src[0].dataset})",
                  ("loss", "best test AUC", "mean test AUC", "mean LPPHE",
                   "r(loss, test AUC)", "minima", "mean rank"),
                  [(r.label, r.stat("best_test_auc"), r.stat("mean_test_auc"),
                    r.stat("mean_lpphe"), r.energy_auc_r(), r.n_minima, mean_rank[i])
                   for i, r in enumerate(rows_src)])
    if np.isfinite(mean_rank).any():
        pick = rows_src[int(np.nanargmin(mean_rank))]
        lines.append(f"Best mean rank over these criteria: **{pick.label}** "
                     f"({fmt(float(np.nanmin(mean_rank)), '.2f')}). This weighs the criteria "
                     "equally; a user who needs robustness above all should read the LPPHE "
                     "column, one who needs the best classifier the best-AUC column.")
    return table, lines
