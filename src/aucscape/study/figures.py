"""The study's figures (matplotlib, drawn off-screen) from a :class:`StudyResults`.

- one disconnectivity graph per landscape of the main, surrogates and creditcard parts,
  leaves coloured by test AUC (every stored minimum is drawn: minima not yet joined by
  transition states appear as separate trees);
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

from .results import LandscapeResult, StudyResults
from .stats import discovery_curve
from .tables import fmt, group_mean, median_gap

__all__ = ["FigureFile", "draw_graph", "make_figures"]

#: At most this many lowest minima are drawn in a graph (paper-sized runs hold 10^4).
MAX_LEAVES = 250
MIN_COMPONENT = 10  # smallest global-minimum component drawn on its own


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


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    return path


def draw_graph(r: LandscapeResult, ax: Any, *, title: str | None = None) -> bool:
    """Draw the disconnectivity graph of ``r`` on ``ax``; False when it has no minima."""
    from ..landscape.disconnectivity import disconnectivity_tree
    from ..landscape.disconnectivity_plot import plot_disconnectivity

    ax.set_title(title or r.label, fontsize=9)
    if r.n_minima == 0:
        ax.text(0.5, 0.5, "no minima", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return False
    energy, e_ts, pairs = _network(r)
    tree = disconnectivity_tree(energy, e_ts, pairs,
                                gmin_component=gmin_component_shown(energy, pairs),
                                lowest=min(r.n_minima, MAX_LEAVES))
    plot_disconnectivity(tree, values=r.column("test_auc"), value_label="test AUC", ax=ax)
    return True


def _network(r: LandscapeResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum energies, TS energies and TS (row, row) pairs of a landscape's results."""
    energy = r.column("energy")
    row = {int(i): k for k, i in enumerate(r.minima["id"])}
    ts = [t for t in r.ts if int(t[1]) in row and int(t[2]) in row]
    e_ts = np.array([t[0] for t in ts], dtype=float)
    pairs = np.array([[row[int(t[1])], row[int(t[2])]] for t in ts], dtype=np.int64)
    return energy, e_ts, pairs.reshape(-1, 2)


def gmin_component_size(energy: np.ndarray, pairs: np.ndarray) -> int:
    """Number of minima connected (through stored transition states) to the global one."""
    from ..landscape.graph import components

    if len(energy) == 0:  # a landscape whose quenches stored no minimum
        return 0
    comp = components(len(energy), pairs)
    return int(np.sum(comp == comp[int(np.argmin(energy))]))


def gmin_component_shown(energy: np.ndarray, pairs: np.ndarray) -> bool:
    """Draw only the global minimum's connected set (as the paper does) once it holds at
    least ``MIN_COMPONENT`` minima; below that (small connection budgets) draw every
    minimum, unconnected ones hanging from the top line, so the graph is not empty."""
    return gmin_component_size(energy, pairs) >= MIN_COMPONENT


def _graph_file(r: LandscapeResult, out: Path, part: str) -> FigureFile:
    fig = _figure(7.0, 4.5)
    draw_graph(r, fig.add_subplot(1, 1, 1))
    path = _save(fig, out / f"graph_{r.key}.png")
    cap = (f"Disconnectivity graph of {r.label} ({r.dataset}, {r.architecture} network): "
           f"{_graph_scope(r)}, {r.n_ts} transition states; leaves coloured by "
           f"test AUC. Budget: {r.budget()}.")
    return FigureFile(path.stem, f"{part}: {r.label}", cap, path)


def _graph_scope(r: LandscapeResult) -> str:
    """Which minima a graph shows, in words (see :func:`gmin_component_shown`)."""
    energy, _, pairs = _network(r)
    size = gmin_component_size(energy, pairs)
    if size >= MIN_COMPONENT:
        return (f"the {min(size, MAX_LEAVES)} lowest of the {size} minima connected to the "
                f"global minimum ({r.n_minima} stored)")
    return (f"{min(r.n_minima, MAX_LEAVES)} of {r.n_minima} minima, those not yet connected "
            f"hanging from the top line")


def _scatter_panels(lands: list[LandscapeResult], x: str, out: Path, name: str,
                    xlabel: str) -> Path:
    n = len(lands)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = _figure(4.0 * cols, 3.3 * rows)
    for k, r in enumerate(lands):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.scatter(r.column(x), r.column("test_auc"), s=10, alpha=0.7)
        ax.set_title(f"{r.label}: r = {fmt(r.energy_auc_r(), '.2f')}", fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test AUC")
    return _save(fig, out / f"{name}.png")


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
    path = _save(fig, out / "figure5_ce_loss.png")
    return FigureFile(path.stem, "Figure 5: CE loss against test AUC",
                      "Cross-entropy of the training data at the minima of the CE and sigmoid "
                      f"landscapes, against their test AUC ({'; '.join(parts)}).", path)


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
    path = _save(fig, out / f"{name}.png")
    return FigureFile(path.stem, title, f"{title}; budget per β: "
                      f"{', '.join(sorted({r.budget() for r in lands}))}.", path)


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
    path = _save(fig, out / "figure8_lambda_graphs.png")
    return FigureFile(path.stem, "Figure 8: disconnectivity graphs against λ",
                      "Disconnectivity graphs for each loss (rows) and λ (columns), leaves "
                      "coloured by test AUC.", path)


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
    path = _save(fig, out / "discovery_curves.png")
    return FigureFile(path.stem, "Discovery curves: distinct minima against quenches",
                      "Distinct minima (strict identity) found by basin-hopping against the "
                      "number of quenches, one line per replicate, for the landscapes of the "
                      "main part. A curve that still climbs has not exhausted its landscape: "
                      "raw counts then measure the discovery rate, which is why the findings "
                      "compare Chao1 sizes.", path)


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
        path = _scatter_panels(sur, "energy", out, "figure4_loss_vs_auc", "loss")
        figs.append(FigureFile(path.stem, "Figure 4: loss against test AUC",
                               "Loss (energy, λ term included) against test AUC over the "
                               "minima of each surrogate, with Pearson r.", path))
    for f in (_figure5(res, out),
              _ablation(res, "beta_sigmoid", out, "figure6_beta_sigmoid",
                        "Figure 6: β ablation of the sigmoid surrogate", gap=True),
              _ablation(res, "beta_exp", out, "figure7_beta_exp",
                        "Figure 7: β ablation of the exp surrogate", gap=False),
              _figure8(res, out), _discovery(res, out)):
        if f is not None:
            figs.append(f)
    return figs
