"""The study's figures (matplotlib, drawn off-screen) from a :class:`StudyResults`.

- one disconnectivity graph per landscape of the main, surrogates and creditcard parts,
  leaves coloured by test AUC, drawn from the global minimum's network alone (as the
  paper's PATHSAMPLE graphs); title and caption say "N of M minima in the network; K
  outside", or "not connected (no transition-state search)" where that search was off
  (:mod:`aucscape.study.connected`);
- Figure 4: loss (energy) against test AUC over the minima of each surrogate, Pearson r;
- Figure 5: CE loss against test AUC for the minima of the CE and sigmoid landscapes;
- Figures 6 and 7: β ablations (best test AUC, minima, median |appAUC − AUC|,
  evaluations per quench) against β on a log axis;
- Figure 8: disconnectivity graphs of the λ grid;
- the discovery curves: distinct minima against quenches for the CE and appAUC
  landscapes of the main part, every replicate.

Graphs and scatter plots show replicate 0 (every replicate is in the tables).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_path
from .connected import connectivity, network_arrays
from .results import LandscapeResult, StudyResults
from .stats import discovery_curve
from .tables import fmt, group_mean, median_gap

__all__ = ["FigureFile", "draw_graph", "make_figures"]

#: At most this many lowest minima are drawn in a graph (paper-sized runs hold 10^4).
MAX_LEAVES = 250


@dataclass(frozen=True)
class FigureFile:
    """A saved figure: file stem, title, caption and the PNG path."""

    name: str
    title: str
    caption: str
    path: Path


def _figure(w: float, h: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h))


def _figure_file(fig: Any, out: Path, name: str, title: str, caption: str) -> FigureFile:
    """Save ``fig`` as ``out/name.png`` (110 dpi) and describe it."""
    path = out / f"{name}.png"
    fig.tight_layout()
    with atomic_path(path) as tmp:  # never a half-written image
        fig.savefig(tmp, format="png", dpi=110)
    return FigureFile(name, title, caption, path)


def draw_graph(r: LandscapeResult, ax: Any, *, title: str | None = None) -> bool:
    """Draw the disconnectivity graph of the global minimum's network of ``r`` on ``ax``
    (at most the :data:`MAX_LEAVES` lowest of its minima), titled with how many minima
    it holds (:meth:`Connectivity.text`); False when there is nothing to draw (no minima,
    or no transition-state search)."""
    from ..landscape.disconnectivity import disconnectivity_tree
    from ..landscape.disconnectivity_plot import plot_disconnectivity

    conn = connectivity(r)
    ax.set_title(f"{title or r.label}\n{conn.text()}", fontsize=8)
    if r.n_minima == 0 or not conn.searched:
        what = "no minima" if r.n_minima == 0 else f"{_stored(r)}, no network"
        ax.text(0.5, 0.5, what, ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return False
    energy, e_ts, pairs = network_arrays(r)
    tree = disconnectivity_tree(energy, e_ts, pairs, gmin_component=True,
                                lowest=min(conn.connected, MAX_LEAVES))
    plot_disconnectivity(tree, values=r.column("test_auc"), value_label="test AUC", ax=ax)
    return True


def _stored(r: LandscapeResult) -> str:
    return f"{r.n_minima} minim{'um' if r.n_minima == 1 else 'a'} stored"


def _graph_file(r: LandscapeResult, out: Path, part: str) -> FigureFile:
    fig = _figure(7.0, 4.5)
    draw_graph(r, fig.add_subplot(1, 1, 1))
    conn = connectivity(r)
    if conn.searched and conn.connected:
        scope = (f"{conn.text()} (the {min(conn.connected, MAX_LEAVES)} lowest of the "
                 f"network drawn, leaves coloured by test AUC)")
    else:
        scope = f"{conn.text()}: {_stored(r)}, no graph drawn"
    return _figure_file(fig, out, f"graph_{r.key}", f"{part}: {r.label}",
                        f"Disconnectivity graph of {r.label} ({r.dataset}, "
                        f"{r.architecture} network): {scope}; {r.n_ts} transition states "
                        f"stored. Budget: {r.budget()}.")


def _figure4(lands: list[LandscapeResult], out: Path) -> FigureFile:
    n = len(lands)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = _figure(4.0 * cols, 3.3 * rows)
    for k, r in enumerate(lands):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.scatter(r.column("energy"), r.column("test_auc"), s=10, alpha=0.7)
        ax.set_title(f"{r.label}: r = {fmt(r.energy_auc_r(), '.2f')}", fontsize=9)
        ax.set_xlabel("loss")
        ax.set_ylabel("test AUC")
    return _figure_file(fig, out, "figure4_loss_vs_auc", "Figure 4: loss against test AUC",
                        "Loss (energy, λ term included) against test AUC over the minima of "
                        "each surrogate, with Pearson r.")


def _figure5(res: StudyResults, out: Path) -> FigureFile | None:
    lands = [r for r in res.part("main") if r.loss in ("ce", "sigmoid") and r.replicate == 0]
    if not lands:
        return None
    from ..analysis import pearson

    fig = _figure(5.5, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    parts = []
    for r, marker in zip(lands, ("o", "^"), strict=False):
        c = pearson(r.column("ce_loss"), r.column("test_auc"))
        ax.scatter(r.column("ce_loss"), r.column("test_auc"), s=12, marker=marker, alpha=0.7,
                   label=f"minima of {r.label} (r = {fmt(c.r, '.2f')})")
        parts.append(f"{r.loss}: r = {fmt(c.r, '.2f')}")
    ax.set_xlabel("CE loss (training data, no λ term)")
    ax.set_ylabel("test AUC")
    ax.legend(fontsize=7)
    return _figure_file(fig, out, "figure5_ce_loss", "Figure 5: CE loss against test AUC",
                        "Cross-entropy of the training data at the minima of the CE and "
                        f"sigmoid landscapes, against their test AUC ({'; '.join(parts)}).")


def _ablation(res: StudyResults, part: str, out: Path, name: str, title: str,
              gap: bool) -> FigureFile | None:
    groups = sorted(res.groups(part), key=lambda g: g[0].beta or 0.0)
    if not groups:
        return None
    lands = [r for g in groups for r in g]
    beta = np.array([g[0].beta for g in groups], dtype=float)

    def mean(f: Any) -> np.ndarray:
        return np.array([group_mean(g, f) or math.nan for g in groups], dtype=float)

    panels: list[tuple[str, np.ndarray]] = [
        ("best test AUC", mean(lambda r: r.stat("best_test_auc"))),
        ("number of minima", mean(lambda r: r.n_minima)),
    ]
    if gap:
        panels.append(("median |appAUC − AUC|", mean(median_gap)))
    panels.append(("evaluations per quench", mean(lambda r: r.mean_evals_per_quench)))
    fig = _figure(3.2 * len(panels), 3.2)
    for k, (label, y) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), k + 1)
        ax.plot(beta, y, "o-")
        ax.set_xscale("log")
        ax.set_xlabel("β")
        ax.set_ylabel(label)
        if label.startswith("median") and np.isfinite(y).any():
            ax.set_yscale("log")
            ref = y[np.isfinite(y)][0] * beta[np.isfinite(y)][0] / beta
            ax.plot(beta, ref, "k:", lw=0.8, label="∝ 1/β")
            ax.legend(fontsize=7)
    return _figure_file(fig, out, name, title, f"{title}; budget per β: "
                        f"{', '.join(sorted({r.budget() for r in lands}))}.")


def _figure8(res: StudyResults, out: Path) -> FigureFile | None:
    lands = [r for r in res.part("lambda") if r.replicate == 0]
    if not lands:
        return None
    losses = list(dict.fromkeys(r.loss for r in lands))
    lams = sorted({r.lam for r in lands}, reverse=True)
    fig = _figure(3.4 * len(lams), 3.0 * len(losses))
    for i, loss in enumerate(losses):
        for j, lam in enumerate(lams):
            r = next((x for x in lands if x.loss == loss and x.lam == lam), None)
            if r is not None:
                ax = fig.add_subplot(len(losses), len(lams), i * len(lams) + j + 1)
                draw_graph(r, ax, title=f"{loss}, λ = {lam:g}")
    return _figure_file(fig, out, "figure8_lambda_graphs",
                        "Figure 8: disconnectivity graphs against λ",
                        "Disconnectivity graphs of the global minimum's network for each "
                        "loss (rows) and λ (columns), leaves coloured by test AUC; each "
                        "panel's title says how many of its stored minima are in the network "
                        "(or that its transition-state search was off).")


def _discovery(res: StudyResults, out: Path) -> FigureFile | None:
    """Distinct minima (strict identity) against quenches, CE and appAUC, each replicate."""
    lands = [r for r in res.part("main") if r.discovery or r.steps]
    if not lands:
        return None
    fig = _figure(5.5, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    colours = {}
    for r in lands:
        q = np.arange(0, r.steps + 1)
        c = colours.setdefault(r.loss, f"C{len(colours)}")
        ax.plot(q, discovery_curve([f for f, _ in r.discovery], q), color=c, lw=1,
                label=r.label if r.replicate == 0 else None)
    ax.set_xlabel("quenches")
    ax.set_ylabel("distinct minima found")
    ax.legend(fontsize=7)
    return _figure_file(fig, out, "discovery_curves",
                        "Discovery curves: distinct minima against quenches",
                        "Distinct minima (strict identity) found by basin-hopping against the "
                        "number of quenches, one line per replicate, for the landscapes of "
                        "the main part. A curve that still climbs has not exhausted its "
                        "landscape: raw counts then measure the discovery rate, which is why "
                        "the findings compare Chao1 sizes.")


def make_figures(res: StudyResults, out: str | Path) -> list[FigureFile]:
    """Draw every figure the results allow into ``out`` (PNG) and return them in order."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figs: list[FigureFile] = []
    drawn: set[str] = set()
    for part in ("main", "surrogates", "creditcard"):
        for r in res.part(part):
            if r.key not in drawn and r.replicate == 0:
                figs.append(_graph_file(r, out, part))
                drawn.add(r.key)
    sur = [r for r in res.part("surrogates") if r.replicate == 0]
    if sur:
        figs.append(_figure4(sur, out))
    for f in (_figure5(res, out),
              _ablation(res, "beta_sigmoid", out, "figure6_beta_sigmoid",
                        "Figure 6: β ablation of the sigmoid surrogate", gap=True),
              _ablation(res, "beta_exp", out, "figure7_beta_exp",
                        "Figure 7: β ablation of the exp surrogate", gap=False),
              _figure8(res, out), _discovery(res, out)):
        if f is not None:
            figs.append(f)
    return figs
