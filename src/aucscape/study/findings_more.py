"""The findings issue 21 added: global minima, equal numbers of lowest minima, transition
states per minimum, funnels, the λ and exp β trends, the gap's plateau, cost against β.

Same rule as :mod:`aucscape.study.findings` (bands in :mod:`aucscape.study.bands`).

- **Global minima** (the paper's section 4.3): Δ test AUC of the two landscapes' lowest
  minima, replicate by replicate. The best test AUC of *all* minima grows with their
  number (the maximum of more draws), so it is also compared among the k lowest minima
  of each landscape, k = the smaller landscape's count in that replicate.
- **Transition states per minimum**: of the global minimum's network, T_N / N (the
  paper: 3,606 / 1,903 and 25,957 / 13,948).
- **Funnels**: the share of the network's minima whose lowest-barrier descent ends at
  the global minimum (:func:`aucscape.landscape.graph.descent_ends`, the monotonic
  sequence basin of the global minimum): 1 for a single funnel, small when many funnels
  compete. Chosen because it reads Figures 2-3's "CE is funnelled, appAUC is not"
  directly off the network, needs no temperature (unlike a heat capacity) and no choice
  of levels (unlike counting graph branches). The finding is CE's share − appAUC's.
- Both network measures need networks of at least :data:`MIN_NETWORK` minima in every
  replicate; smaller ones (or no transition-state search) read "undecided" and say why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .connected import in_network, network_arrays
from .finding import Finding, Reps, decide, diff, undecided
from .findings import (
    app_minus_ce,
    by_beta,
    equal_quench_minima,
    loglog_slope,
    rho_findings,
)
from .results import LandscapeResult, StudyResults
from .tables import _ediff, fmt, group_mean, median_gap

__all__ = ["MIN_NETWORK", "funnel_share", "gmin_test_auc", "more_findings",
           "ts_per_minimum"]

#: Fewest minima in a network for the network findings (TS per minimum, funnels).
MIN_NETWORK = 10


def gmin_test_auc(r: LandscapeResult) -> float | None:
    """Test AUC of the landscape's lowest stored minimum."""
    if not r.n_minima:
        return None
    v = r.column("test_auc")[int(np.argmin(r.column("energy")))]
    return float(v) if math.isfinite(v) else None


def _best_of_lowest(r: LandscapeResult, k: int) -> float | None:
    auc = r.column("test_auc")[np.argsort(r.column("energy"), kind="stable")[:k]]
    auc = auc[np.isfinite(auc)]
    return float(auc.max()) if auc.size else None


def _lowest_k_diff(a: Reps, b: Reps) -> Callable[[Sequence[int]], float | None]:
    """q(idx): mean over replicates i of [best test AUC among the k_i lowest minima of
    a_i − the same of b_i], k_i = min(minima of a_i, minima of b_i)."""
    def q(idx: Sequence[int]) -> float | None:
        vals = []
        for i in idx:
            k = min(a[i].n_minima, b[i].n_minima)
            x, y = _best_of_lowest(a[i], k), _best_of_lowest(b[i], k)
            if x is not None and y is not None:
                vals.append(x - y)
        return float(np.mean(vals)) if vals else None
    return q


def _network(r: LandscapeResult) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(energies, TS energies, pairs) of the global minimum's network, re-indexed."""
    if not r.ts_search or not r.n_minima:
        return None
    keep = in_network(r)
    energy, e_ts, pairs = network_arrays(r)
    row = -np.ones(energy.size, dtype=np.int64)
    row[keep] = np.arange(int(keep.sum()))
    inside = keep[pairs[:, 0]] & keep[pairs[:, 1]] if pairs.size else np.zeros(0, bool)
    return energy[keep], e_ts[inside], row[pairs[inside]].reshape(-1, 2)


def ts_per_minimum(r: LandscapeResult) -> float | None:
    """Transition states joining two minima of the network ÷ minima in it (None below
    :data:`MIN_NETWORK` minima or without a transition-state search)."""
    net = _network(r)
    if net is None or net[0].size < MIN_NETWORK:
        return None
    return net[1].size / net[0].size


def funnel_share(r: LandscapeResult) -> float | None:
    """Share of the network's minima whose lowest-barrier descent ends at the global
    minimum (None below :data:`MIN_NETWORK` minima)."""
    from ..landscape.graph import descent_ends

    net = _network(r)
    if net is None or net[0].size < MIN_NETWORK:
        return None
    end = descent_ends(*net)
    return float(np.mean(end == int(np.argmin(net[0]))))


def _small_networks(groups: Sequence[Reps]) -> str | None:
    """Why a network finding cannot be tested, or None: no transition-state search, a
    landscape whose growth did not saturate (its network is a sample, not the landscape's),
    or a network below :data:`MIN_NETWORK` minima."""
    lands = [r for g in groups for r in g]
    if not all(r.ts_search for r in lands):
        return "undecided: no transition-state search (no network)"
    grown = [r.grow_stopped == "saturated" for r in lands]
    if not all(grown):
        return (f"undecided: {len(grown) - sum(grown)} of {len(grown)} landscapes not grown "
                "to saturation (the paper's networks are of saturated databases)")
    sizes = [int(in_network(r).sum()) if r.n_minima else 0 for r in lands]
    if min(sizes) < MIN_NETWORK:
        return (f"undecided: networks of {min(sizes)}-{max(sizes)} minima, fewer than "
                f"{MIN_NETWORK} in some replicate")
    return None


def more_findings(res: StudyResults) -> list[Finding]:
    """The findings listed in the module doc, for the parts that ran."""
    return [*_main_more(res), *_grid_more(res)]


def _main_more(res: StudyResults) -> list[Finding]:
    ce, sg = res.replicates("main", loss="ce"), res.replicates("main", loss="sigmoid")
    specs = [
        ("main.gmin_auc", "appAUC's global minimum has a higher test AUC than CE's",
         "section 4.3: the global minima compared"),
        ("main.lowest_k_auc", "appAUC's best test AUC exceeds CE's among equal numbers of "
         "lowest minima", "best 0.81 vs 0.77 (of landscapes of different sizes)"),
        ("main.ts_ce", "CE landscape: about 1.9 transition states per minimum",
         "3,606 / 1,903 = 1.89"),
        ("main.ts_sigmoid", "appAUC landscape: about 1.9 transition states per minimum",
         "25,957 / 13,948 = 1.86"),
        ("main.funnel", "the CE landscape is funnelled, the appAUC landscape is not",
         "Figures 2 and 3"),
    ]
    if not (ce and sg):
        return [undecided(*s, "main part not run") for s in specs]
    both = [ce, sg]
    out = [app_minus_ce(specs[0], ce, sg, gmin_test_auc, "test AUC of the global minima"),
           decide(*specs[1], both, _lowest_k_diff(sg, ce), 0.0, "above",
                  "Δ best test AUC among the k lowest minima of each (appAUC − CE)",
                  "k = the smaller landscape's number of minima, per replicate")]
    for spec, reps in ((specs[2], ce), (specs[3], sg)):
        why = _small_networks([reps])
        out.append(undecided(*spec, why) if why else decide(
            *spec, [reps], lambda idx, g=reps: group_mean(g, ts_per_minimum, idx), 0.0,
            "band", "transition states per network minimum", spec=".2f"))
    why = _small_networks(both)
    out.append(undecided(*specs[4], why) if why else decide(
        *specs[4], both, diff(ce, sg, funnel_share), 0.0, "above",
        "share of network minima descending to the global minimum, CE − appAUC",
        f"{fmt(group_mean(ce, funnel_share), '.2f')} vs "
        f"{fmt(group_mean(sg, funnel_share), '.2f')}", ".2f"))
    return out


def _grid_more(res: StudyResults) -> list[Finding]:
    ed = _ediff(res)
    out: list[Finding] = []
    bs = by_beta(res, "beta_sigmoid")
    plateau = ("beta.plateau", "|appAUC − AUC| approaches about 0.04 at the largest β",
               "≈ 0.04 at large β")
    cost = ("beta.cost", "the cost of a quench grows like β (sigmoid)", "cost ∝ β")
    if len(bs) < 3:
        out += [undecided(*s, "beta_sigmoid part has fewer than 3 values of β")
                for s in (plateau, cost)]
    else:
        top = bs[-1]
        out.append(decide(*plateau, [top], lambda idx: group_mean(top, median_gap, idx),
                          0.0, "band", f"median |appAUC − AUC| at β = {top[0].beta:g}",
                          spec=".3f"))
        betas = [g[0].beta for g in bs]

        def slope(idx: Sequence[int]) -> float | None:
            return loglog_slope(betas, [group_mean(g, lambda r: r.mean_evals_per_quench,
                                                   idx) for g in bs])
        out.append(decide(*cost, bs, slope, 0.0, "above",
                          "log-log slope of evaluations per quench against β",
                          ", ".join(f"β={b:g}: {fmt(group_mean(g, lambda r: r.mean_evals_per_quench), '.0f')}"  # noqa: E501
                                    for b, g in zip(betas, bs, strict=True)), ".2f"))
    be = by_beta(res, "beta_exp")
    row = ("bexp.minima", "as β grows the exp landscape has more minima",
           "Figure 7 (as the issue lists exp's β trends; direction read as the sigmoid's)")
    if len(be) < 3:
        out.append(undecided(*row, "beta_exp part has fewer than 3 values of β"))
    else:
        minima, what = equal_quench_minima(be, ed)
        out += rho_findings(be, [g[0].beta for g in be], "β", [(*row, minima, "above", what)])
    lam = res.groups("lambda")
    if not lam:
        out.append(undecided("lambda.minima", "as λ grows each landscape has fewer minima",
                             "Table 4 / Figure 8", "lambda part not run"))
    for loss in dict.fromkeys(g[0].loss for g in lam):
        gs = sorted((g for g in lam if g[0].loss == loss), key=lambda g: g[0].lam)
        row = ("lambda.minima", f"as λ grows the {loss} landscape has fewer minima",
               "Table 4 / Figure 8: weight decay smooths the landscape")
        if len(gs) < 3:
            out.append(undecided(*row, f"fewer than 3 values of λ for {loss}"))
            continue
        minima, what = equal_quench_minima(gs, ed)
        out += rho_findings(gs, [g[0].lam for g in gs], "λ", [(*row, minima, "below", what)])
    return out
