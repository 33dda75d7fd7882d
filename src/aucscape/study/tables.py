"""The study's tables and the loss-selection summary, aggregated over replicates.

Each row describes one landscape *group*: the same data set, loss, network, λ and β
over R replicates (data draws and basin-hopping seeds). A per-landscape statistic is
averaged over the replicates; its 90 % interval (``… interval`` columns) is the
Student-t interval of :func:`aucscape.study.stats.interval`. Minima are counted at the strict
identity of the store and at the energy criterion ΔE < ``duplicate_ediff`` (1e-4, GMIN
and PATHSAMPLE's), and the landscape size is estimated by Chao1 from the hit counts.
These counts, the test AUCs and the LPPHEs are of every minimum basin-hopping found; the
network columns (:data:`NETWORK_COLUMNS`) say how many of the stored minima lie in the
global minimum's network, the set the disconnectivity graphs draw.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..surrogates import SURROGATES
from .connected import NOT_CONNECTED, connectivity
from .results import LandscapeResult, StudyResults
from .stats import auc_se, chao1, interval, merge_by_energy

__all__ = ["NETWORK_COLUMNS", "PATHSAMPLE_COLUMNS", "Table", "fmt", "group_interval",
           "group_mean", "landscape_size", "loss_selection", "median_gap", "n_distinct",
           "network_cells", "tables"]

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


# -- per-landscape measures ----------------------------------------------------------------
def _ediff(res_or_none: StudyResults | None) -> float:
    cfg = res_or_none.config if res_or_none is not None else {}
    return float(cfg.get("duplicate_ediff", 1e-4) or 1e-4)


def _bh_rows(r: LandscapeResult) -> np.ndarray:
    """Rows of the minima basin-hopping found (connect's stepping stones left out)."""
    ids = [int(i) for i in r.minima.get("id", [])]
    if not r.discovery:
        return np.arange(len(ids))
    found = {int(i) for _, i in r.discovery}
    return np.array([k for k, i in enumerate(ids) if i in found], dtype=np.int64)


def _bh_hits(r: LandscapeResult, ediff: float | None) -> np.ndarray:
    rows = _bh_rows(r)
    hits = np.array([1 if h is None else int(h) for h in r.minima.get("hits", [])],
                    dtype=np.int64)
    if hits.size == 0:
        return hits
    e = r.column("energy")[rows]
    return hits[rows] if ediff is None else merge_by_energy(e, hits[rows], ediff)


def n_distinct(r: LandscapeResult, ediff: float | None = None) -> int:
    """Minima basin-hopping found, strict identity (``ediff`` None) or merged at ΔE."""
    return int(_bh_hits(r, ediff).size)


def landscape_size(r: LandscapeResult, ediff: float | None = 1e-4) -> float:
    """Chao1 estimate of the number of minima from basin-hopping's hit counts."""
    return chao1(_bh_hits(r, ediff))


def group_mean(reps: Sequence[LandscapeResult], f: Callable[[LandscapeResult], Any],
               idx: Sequence[int] | None = None) -> float | None:
    """Mean of f over replicates ``idx`` (default all), None/NaN values left out."""
    idx = range(len(reps)) if idx is None else idx
    vals = [f(reps[i]) for i in idx]
    vals = [float(v) for v in vals if v is not None and math.isfinite(float(v))]
    return float(np.mean(vals)) if vals else None


def group_interval(reps: Sequence[LandscapeResult], f: Callable[[LandscapeResult], Any]
                   ) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high): f averaged over replicates with its 90 % t-interval."""
    return interval(lambda idx: group_mean(reps, f, idx), len(reps))


def interval_text(lo: float | None, hi: float | None, spec: str = ".3f") -> str:
    """``[lo, hi]`` or '–' when there is no interval."""
    return "–" if lo is None or hi is None else f"[{fmt(lo, spec)}, {fmt(hi, spec)}]"


def median_gap(r: LandscapeResult) -> float:
    """Median over minima of |appAUC − AUC| on the training split (smoothing error)."""
    gap = np.abs(r.column("app_auc") - r.column("train_auc"))
    gap = gap[np.isfinite(gap)]
    return float(np.median(gap)) if gap.size else math.nan


# -- tables ---------------------------------------------------------------------------------
#: The network columns: minima stored (basin-hopping's and connect's), those in the
#: global minimum's network and those outside it (:mod:`aucscape.study.connected`).
NETWORK_COLUMNS = ("minima stored", "connected minima", "outside network")
#: Minima and transition states under PATHSAMPLE's identity (EDIFFTOL 1e-4 with the
#: template's GEOMDIFFTOL 1e2, and with 1e-2, which keeps geometrically distinct minima
#: apart; :mod:`aucscape.landscape.counts`).
PATHSAMPLE_COLUMNS = ("minima (PATHSAMPLE, geom 1e2)", "TS (PATHSAMPLE, geom 1e2)",
                      "minima (PATHSAMPLE, geom 1e-2)", "TS (PATHSAMPLE, geom 1e-2)")
_T1 = ("landscape", "network", "replicates", "minima", "minima (dE < ediff)",
       "Chao1 size (dE < ediff)", "transition states", *NETWORK_COLUMNS, "best test AUC",
       "mean test AUC",
       "mean test AUC 90% interval", "test-set SE", "sd test AUC", "mean LPPHE",
       "mean LPPHE 90% interval", "sd LPPHE", "quenches", "connection attempts",
       *PATHSAMPLE_COLUMNS, "growth searches", "saturated replicates")


def _stat(name: str) -> Callable[[LandscapeResult], float | None]:
    return lambda r: r.stat(name)


def network_cells(reps: Sequence[LandscapeResult]) -> tuple[Any, Any, Any]:
    """The :data:`NETWORK_COLUMNS` of a landscape over its replicates (means): minima
    stored M, in the global minimum's network N, outside it K = M − N; N reads
    :data:`~aucscape.study.connected.NOT_CONNECTED` and K is missing when the landscape's
    transition-state search was off.

    >>> from aucscape.study.results import LandscapeResult
    >>> r = LandscapeResult(key="k", label="k", dataset="d", loss="ce", hidden=1, n_in=2,
    ...                     lam=0.0, beta=None, margin=None, parts=[], db="",
    ...                     minima={"id": [1, 2, 3], "energy": [0.1, 0.2, 0.3]},
    ...                     ts=[[0.5, 1, 3]])
    >>> network_cells([r])
    (3.0, 2.0, 1.0)
    """
    cs = [connectivity(r) for r in reps]  # one components() pass per replicate
    stored = float(np.mean([c.stored for c in cs]))
    if not all(c.searched for c in cs):
        return stored, NOT_CONNECTED, None
    return (stored, float(np.mean([c.connected for c in cs])),
            float(np.mean([c.outside for c in cs])))


def pathsample_cells(reps: Sequence[LandscapeResult]) -> tuple[Any, ...]:
    """:data:`PATHSAMPLE_COLUMNS` averaged over replicates (None where not counted)."""
    def count(geom: str, k: int) -> Callable[[LandscapeResult], float | None]:
        return lambda r: (r.counts.get("pathsample", {}).get(geom) or [None, None])[k]

    return tuple(group_mean(reps, count(g, k)) for g in ("100", "0.01") for k in (0, 1))


def _t1_row(reps: list[LandscapeResult], ediff: float) -> tuple:
    r0 = reps[0]
    auc, auc_lo, auc_hi = group_interval(reps, _stat("mean_test_auc"))
    lp, lp_lo, lp_hi = group_interval(reps, _stat("mean_lpphe"))
    se = (auc_se(auc, r0.n_test_pos, r0.n_test_neg) / math.sqrt(len(reps))
          if auc is not None and r0.n_test_pos else None)
    return (r0.label, r0.architecture, len(reps), group_mean(reps, n_distinct),
            group_mean(reps, lambda r: n_distinct(r, ediff)),
            group_mean(reps, lambda r: landscape_size(r, ediff)),
            group_mean(reps, lambda r: r.n_ts), *network_cells(reps),
            group_mean(reps, _stat("best_test_auc")),
            auc, interval_text(auc_lo, auc_hi), se, group_mean(reps, _stat("sd_test_auc")),
            lp, interval_text(lp_lo, lp_hi, ".1f"), group_mean(reps, _stat("sd_lpphe")),
            group_mean(reps, lambda r: r.steps),
            group_mean(reps, lambda r: r.connect_attempts), *pathsample_cells(reps),
            group_mean(reps, lambda r: r.grow_attempts),
            f"{sum(r.grow_stopped == 'saturated' for r in reps)} of {len(reps)}")


def _ablation_table(name: str, title: str, groups: list[list[LandscapeResult]],
                    gap: bool, ediff: float) -> Table:
    headers = ("beta", "replicates", "minima", "Chao1 size (dE < ediff)", "best test AUC",
               "mean test AUC")
    headers += ("median |appAUC - AUC|",) if gap else ()
    headers += ("evaluations per quench", "quenches")
    rows = []
    for reps in groups:
        row: tuple = (reps[0].beta, len(reps), group_mean(reps, n_distinct),
                      group_mean(reps, lambda r: landscape_size(r, ediff)),
                      group_mean(reps, _stat("best_test_auc")),
                      group_mean(reps, _stat("mean_test_auc")))
        row += (group_mean(reps, median_gap),) if gap else ()
        rows.append((*row, group_mean(reps, lambda r: r.mean_evals_per_quench),
                     group_mean(reps, lambda r: r.steps)))
    return Table(name, title, headers, rows)


def tables(res: StudyResults) -> list[Table]:
    """Tables 1-4 of the paper and the two β ablations, for the parts that ran."""
    ed = _ediff(res)
    out = []
    if res.part("main"):
        out.append(Table("table1_spiral", "Table 1: CE and appAUC landscapes (spiral)", _T1,
                         [_t1_row(g, ed) for g in res.groups("main")]))
    if res.part("surrogates"):
        k = _T1.index("mean LPPHE") + 1
        rows = [(*_t1_row(g, ed)[:k], group_mean(g, lambda r: r.energy_auc_r()),
                 "yes" if SURROGATES[g[0].loss].consistent else "no",
                 group_mean(g, lambda r: r.steps)) for g in res.groups("surrogates")]
        out.append(Table("table2_surrogates", "Table 2: AUC surrogates (spiral)",
                         (*_T1[:k], "r(loss, test AUC)", "AUC-consistent", "quenches"),
                         rows))
    if res.part("creditcard"):
        out.append(Table("table3_creditcard", "Table 3: credit-card data", _T1,
                         [_t1_row(g, ed) for g in res.groups("creditcard")]))
    if res.part("lambda"):
        rows = [(g[0].loss, g[0].lam, len(g), group_mean(g, n_distinct),
                 group_mean(g, lambda r: r.n_ts), group_mean(g, _stat("best_test_auc")),
                 group_mean(g, _stat("mean_test_auc")), group_mean(g, _stat("sd_test_auc")),
                 group_mean(g, lambda r: r.steps)) for g in res.groups("lambda")]
        out.append(Table("table4_lambda", "Table 4: test AUC against λ", (
            "loss", "lambda", "replicates", "minima", "transition states", "best test AUC",
            "mean test AUC", "sd test AUC", "quenches"), rows))
    for part, title, gap in (("beta_sigmoid", "β ablation, sigmoid (Figure 6)", True),
                             ("beta_exp", "β ablation, exp (Figure 7)", False)):
        if res.part(part):
            groups = sorted(res.groups(part), key=lambda g: g[0].beta or 0.0)
            out.append(_ablation_table(part, title, groups, gap, ed))
    return out


# -- loss selection -------------------------------------------------------------------------
def loss_selection(res: StudyResults) -> tuple[Table | None, list[str]]:
    """Landscape features of the spiral losses side by side and a reading of them.

    Criteria (all measured): highest best test AUC (what the landscape can reach), lowest
    mean LPPHE (flatter, more robust minima), most negative r(loss, test AUC) (lower loss
    means better AUC, so the loss is a faithful proxy), fewest minima (smallest Chao1
    size, easier to search). Each is the mean over replicates. The overall pick is the
    lowest mean rank over the four criteria.
    """
    groups: dict[str, list[LandscapeResult]] = {}
    for g in [*res.groups("main"), *res.groups("surrogates")]:
        groups.setdefault(g[0].group or g[0].key, g)
    if not groups:
        return None, ["Neither the main nor the surrogates part ran: nothing to select from."]
    reps_src = list(groups.values())
    rows_src = [g[0] for g in reps_src]
    best = [group_mean(g, _stat("best_test_auc")) for g in reps_src]
    crit = {
        "best test AUC": (best, True),
        "mean LPPHE": ([group_mean(g, _stat("mean_lpphe")) for g in reps_src], False),
        "r(loss, test AUC)": ([group_mean(g, lambda r: r.energy_auc_r()) for g in reps_src],
                              False),
        "minima": ([group_mean(g, landscape_size) for g in reps_src], False),
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
                "minima": "simplest landscape (smallest estimated size)"}[name]
        lines.append(f"{what}: **{top.label}** ({fmt(vals[int(np.flatnonzero(ok)[order[0]])])})")
    mean_rank = np.where(counted > 0, ranks / np.maximum(counted, 1), math.nan)
    table = Table("loss_selection",
                  f"Loss selection: landscape features ({rows_src[0].dataset})",
                  ("loss", "best test AUC", "mean test AUC", "mean LPPHE",
                   "r(loss, test AUC)", "Chao1 size", "mean rank"),
                  [(r.label, crit["best test AUC"][0][i],
                    group_mean(reps_src[i], _stat("mean_test_auc")), crit["mean LPPHE"][0][i],
                    crit["r(loss, test AUC)"][0][i], crit["minima"][0][i], mean_rank[i])
                   for i, r in enumerate(rows_src)])
    if np.isfinite(mean_rank).any():
        pick = rows_src[int(np.nanargmin(mean_rank))]
        lines.append(f"Best mean rank over these criteria: **{pick.label}** "
                     f"({fmt(float(np.nanmin(mean_rank)), '.2f')}). This weighs the criteria "
                     "equally; a user who needs robustness above all should read the LPPHE "
                     "column, one who needs the best classifier the best-AUC column.")
    return table, lines
