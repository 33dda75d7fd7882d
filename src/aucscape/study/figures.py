"""The study's figures (matplotlib, drawn off-screen) from a :class:`StudyResults`.

Every figure is saved twice, as vector PDF and as a 300-dpi PNG (the HTML report embeds
the PNG), each written atomically. A figure that cannot be drawn is not written: it is
returned as a :class:`FigureFile` without a path whose caption says why, and the report
lists it under "not drawn".

- Figures 2 and 3: disconnectivity graphs of the main part's CE and sigmoid landscapes,
  one panel per replicate; the surrogates' and the credit card's graphs likewise. Each
  is drawn from the global minimum's network alone (the paper's PATHSAMPLE graphs), at
  most its :data:`MAX_LEAVES` lowest minima (disconnectionDPS's TRMIN; the basins are
  computed with all of them), :data:`LEVELS` levels; leaves coloured by test AUC on one
  fixed scale, :data:`AUC_RANGE`, with 2-decimal ticks, on every graph. The caption says
  how many minima are drawn out of how many are in the network, and how many leaves
  they make (minima whose basins merge below the lowest level share a leaf).
- Figure 4: loss against test AUC over the minima of each surrogate, every replicate.
- Figure 5: CE loss against test AUC for the CE and sigmoid minima, every replicate.
- Figures 6 and 7: the β ablations (mean over replicates, bars from the lowest to the
  highest replicate), minima counted at the grid's equal quenches.
- Figure 8: disconnectivity graphs of the λ grid (rows: loss and replicate).
- Discovery curves: distinct minima against quenches, main part, every replicate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_path
from .connected import connectivity, in_network, network_arrays
from .finding import found_by
from .results import LandscapeResult, StudyResults
from .stats import discovery_curve
from .tables import fmt, median_gap

__all__ = ["AUC_RANGE", "FigureFile", "draw_graph", "make_figures"]

#: At most this many lowest minima of a network are drawn (paper-sized runs hold 10^4).
MAX_LEAVES = 300
#: Levels of every graph (disconnectionDPS's LEVELS).
LEVELS = 40
#: The one test-AUC colour scale of every graph.
AUC_RANGE = (0.5, 1.0)
DPI = 300
CMAP = "viridis"
#: Mathematical names of the losses whose labels hold formulas.
MATH_LABELS = {"smooth_hinge": r"hinge, smoothed: $\log(1 + e^{m - \beta z})$",
               "hinge": r"hinge: $\max(0, m - \beta z)$"}


@dataclass(frozen=True)
class FigureFile:
    """A figure: file stem, title, caption, the PNG and PDF paths (None: not drawn, and
    the caption says why)."""

    name: str
    title: str
    caption: str
    path: Path | None
    vector: Path | None = None


def _figure(w: float, h: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), layout="constrained")


def _save(fig: Any, out: Path, name: str, title: str, caption: str) -> FigureFile:
    """Save ``fig`` as ``out/name.pdf`` and ``out/name.png`` (300 dpi), atomically."""
    paths = {}
    for ext in ("pdf", "png"):
        paths[ext] = out / f"{name}.{ext}"
        with atomic_path(paths[ext]) as tmp:
            fig.savefig(tmp, format=ext, dpi=DPI)
    return FigureFile(name, title, caption, paths["png"], paths["pdf"])


def _label(r: LandscapeResult, sep: str = " ") -> str:
    """The landscape's label with formulas as mathematical text; ``sep`` goes between
    the loss and its parameters."""
    from .spec import loss_label

    name = loss_label(r.loss)
    if not r.label.startswith(name):
        return r.label
    return MATH_LABELS.get(r.loss, name) + sep + r.label[len(name):].strip()


# -- disconnectivity graphs ------------------------------------------------------------------
def graph_reason(r: LandscapeResult) -> str | None:
    """Why ``r`` has no graph (None when it has one)."""
    conn = connectivity(r)
    if r.n_minima == 0:
        return "no minima"
    if not conn.searched:
        return conn.text()
    if conn.connected < 2:
        return f"{conn.text()}: one minimum, nothing to draw ({r.n_ts} transition states)"
    return None


def draw_graph(r: LandscapeResult, ax: Any, *, title: str | None = None,
               colorbar: bool = True) -> tuple[int, int, int] | None:
    """Draw the disconnectivity graph of the global minimum's network of ``r`` on ``ax``
    (module doc); return (minima drawn, minima in the network, leaves), or None (and draw
    nothing) when :func:`graph_reason` says there is no graph."""
    from ..landscape.disconnectivity import disconnectivity_tree, merge_energy
    from ..landscape.disconnectivity_plot import plot_disconnectivity

    if graph_reason(r) is not None:
        return None
    conn = connectivity(r)
    energy, e_ts, pairs = network_arrays(r)
    first = None
    if conn.connected > MAX_LEAVES:  # levels over the part drawn, not the whole network
        keep = np.flatnonzero(in_network(r))
        shown = keep[np.argsort(energy[keep], kind="stable")[:MAX_LEAVES]]
        top = merge_energy(energy, e_ts, pairs, shown)
        first = top + (top - float(energy.min())) / (2 * (LEVELS - 1))
    tree = disconnectivity_tree(energy, e_ts, pairs, gmin_component=True, levels=LEVELS,
                                first=first, lowest=min(conn.connected, MAX_LEAVES))
    n_leaves = len(tree.leaves)
    plot_disconnectivity(tree, values=r.column("test_auc"), value_label="test AUC", ax=ax,
                         cmap=CMAP, vmin=AUC_RANGE[0], vmax=AUC_RANGE[1],
                         tick_format="{x:.2f}", colorbar=colorbar, centre_gmin=True,
                         linewidth=0.8 if n_leaves < 100 else 0.4,
                         marker_size=12.0 if n_leaves < 60 else max(1.0, 720.0 / n_leaves))
    drawn = int(tree.shown.size)
    ax.set_title(f"{title or _label(r)}\n{conn.text()}\n{drawn} of {conn.connected} "
                 f"drawn, {n_leaves} lea{'f' if n_leaves == 1 else 'ves'}", fontsize=9)
    return drawn, conn.connected, n_leaves


def _auc_colorbar(fig: Any, axes: list[Any]) -> None:
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.ticker import StrMethodFormatter

    sm = ScalarMappable(Normalize(*AUC_RANGE), CMAP)
    cb = fig.colorbar(sm, ax=axes, label="test AUC", extend="min", shrink=0.9)
    cb.ax.yaxis.set_major_formatter(StrMethodFormatter("{x:.2f}"))


def _graphs(rows: list[tuple[str, list[LandscapeResult]]], out: Path, name: str,
            title: str, what: str) -> FigureFile:
    """One figure of graphs: a row per (label, replicates), a panel per replicate."""
    ok = [(lab, [r for r in reps if graph_reason(r) is None]) for lab, reps in rows]
    why = _reasons([r for _, reps in rows for r in reps])
    if not any(reps for _, reps in ok):
        return FigureFile(name, title, f"Not drawn: {'; '.join(why)}.", None)
    n_cols = max(len(reps) for _, reps in ok)
    n_rows = sum(1 for _, reps in ok if reps)
    fig = _figure(3.6 * n_cols + 0.8, 3.4 * n_rows)
    axes, notes = [], []
    for i, (lab, reps) in enumerate([x for x in ok if x[1]]):
        for j, r in enumerate(reps):
            ax = fig.add_subplot(n_rows, n_cols, i * n_cols + j + 1)
            drawn, net, leaves = draw_graph(r, ax, title=f"{lab}, replicate {r.replicate}",
                                            colorbar=False)
            axes.append(ax)
            notes.append(f"{r.label} replicate {r.replicate}: {connectivity(r).text()}, "
                         f"{drawn} of the {net} drawn ({leaves} leaves), {r.n_ts} transition "
                         "states stored")
    _auc_colorbar(fig, axes)
    caption = (f"{what}: disconnectivity graphs of the global minimum's network, "
               f"{LEVELS} levels, at most the {MAX_LEAVES} lowest minima drawn; leaves "
               f"coloured by test AUC on the fixed scale {AUC_RANGE[0]:g}-{AUC_RANGE[1]:g} "
               "(minima whose basins merge below the lowest level share a leaf). "
               + "; ".join(notes) + "." + (f" Not drawn: {'; '.join(why)}." if why else ""))
    return _save(fig, out, name, title, caption)


def _reasons(lands: list[LandscapeResult]) -> list[str]:
    """Why graphs are missing, one entry per landscape and reason (replicates listed)."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for r in lands:
        why = graph_reason(r)
        if why is not None:
            grouped.setdefault((r.label, why), []).append(r.replicate)
    return [f"{label}, replicate{'s' if len(reps) > 1 else ''} "
            f"{', '.join(map(str, reps))}: {why}" for (label, why), reps in grouped.items()]


# -- scatter plots ---------------------------------------------------------------------------
def _r_text(rs: list[float | None]) -> str:
    vals = [v for v in rs if v is not None]
    mean = fmt(float(np.mean(vals)), ".2f") if vals else "–"
    return f"r = {mean} (replicates {', '.join(fmt(v, '.2f') for v in rs)})"


def _figure4(groups: list[list[LandscapeResult]], out: Path) -> FigureFile:
    n = len(groups)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = _figure(4.2 * cols, 3.5 * rows)
    for k, reps in enumerate(groups):
        ax = fig.add_subplot(rows, cols, k + 1)
        for r in reps:
            ax.scatter(r.column("energy"), r.column("test_auc"), s=8, alpha=0.6,
                       label=f"replicate {r.replicate}")
        ax.set_title(f"{_label(reps[0], chr(10))}\n"
                     f"{_r_text([r.energy_auc_r() for r in reps])}", fontsize=8)
        ax.set_xlabel("loss (energy)")
        ax.set_ylabel("test AUC")
    fig.axes[0].legend(fontsize=7)
    return _save(fig, out, "figure4_loss_vs_auc", "Figure 4: loss against test AUC",
                 "Loss (energy, λ term included) against test AUC over the minima of each "
                 "surrogate, every replicate (colours); Pearson r, the mean over replicates "
                 "and each replicate's, as the findings use them.")


def _figure5(res: StudyResults, out: Path) -> FigureFile | None:
    from ..analysis import pearson

    groups = [g for g in res.groups("main") if g[0].loss in ("ce", "sigmoid")]
    if not groups:
        return None
    fig = _figure(6.0, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    parts = []
    for reps, marker, colour in zip(groups, ("o", "^"), ("C0", "C3"), strict=False):
        rs = [pearson(r.column("ce_loss"), r.column("test_auc")).r for r in reps]
        mean_r = fmt(float(np.mean([v for v in rs if v is not None] or [math.nan])), ".2f")
        for r in reps:
            ax.scatter(r.column("ce_loss"), r.column("test_auc"), s=10, marker=marker,
                       alpha=0.5, color=colour,
                       label=f"{_label(reps[0])}, r = {mean_r}" if r is reps[0] else None)
        parts.append(f"{reps[0].loss}: {_r_text(rs)}")
    ax.set_xscale("log")
    ax.set_xlabel("CE loss (training data, no λ term; log scale)")
    ax.set_ylabel("test AUC")
    ax.legend(fontsize=7)
    return _save(fig, out, "figure5_ce_loss", "Figure 5: CE loss against test AUC",
                 "Cross-entropy of the training data at the minima of the CE and sigmoid "
                 "landscapes against their test AUC, every replicate pooled; r is Pearson's "
                 f"on each replicate and their mean, as the finding uses it "
                 f"({'; '.join(parts)}).")


# -- ablations -------------------------------------------------------------------------------
def _ablation(res: StudyResults, part: str, out: Path, name: str, title: str,
              gap: bool) -> FigureFile | None:
    from matplotlib.ticker import NullFormatter

    groups = sorted(res.groups(part), key=lambda g: g[0].beta or 0.0)
    if not groups:
        return None
    beta = np.array([g[0].beta for g in groups], dtype=float)
    q = min(r.steps for g in groups for r in g)
    panels: list[tuple[str, Any]] = [
        ("best test AUC", lambda r: r.stat("best_test_auc")),
        (f"minima in {q} quenches", lambda r: found_by(r, q)),
    ]
    if gap:
        panels.append((r"median $|\mathrm{appAUC} - \mathrm{AUC}|$", median_gap))
    panels.append(("evaluations per quench", lambda r: r.mean_evals_per_quench))
    fig = _figure(3.3 * len(panels), 3.3)
    for k, (label, f) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), k + 1)
        v = np.array([[math.nan if f(r) is None else f(r) for r in g] for g in groups],
                     dtype=float)
        mean = np.nanmean(v, axis=1)
        err = np.vstack([mean - np.nanmin(v, axis=1), np.nanmax(v, axis=1) - mean])
        ax.errorbar(beta, mean, yerr=err, fmt="o-", capsize=3, ms=4)
        ax.set_xscale("log")
        ax.set_xticks(beta, labels=[f"{b:g}" for b in beta])  # only the grid's β
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(r"$\beta$")
        ax.set_ylabel(label)
        if k == 2 and gap and np.isfinite(mean).any():
            ax.set_yscale("log")
            ok = np.isfinite(mean)
            ax.plot(beta, mean[ok][0] * beta[ok][0] / beta, "k:", lw=0.8,
                    label=r"$\propto 1/\beta$")
            ax.legend(fontsize=7)
    budgets = sorted({r.budget() for g in groups for r in g})
    return _save(fig, out, name, title,
                 f"{title}: mean over {len(groups[0])} replicates, bars from the lowest to "
                 f"the highest replicate; minima counted after the grid's {q} quenches; "
                 f"budget per β: {', '.join(budgets)}.")


def _discovery(res: StudyResults, out: Path) -> FigureFile | None:
    """Distinct minima (strict identity) against quenches, CE and appAUC, each replicate."""
    lands = [r for r in res.part("main") if r.discovery or r.steps]
    if not lands:
        return None
    fig = _figure(5.5, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    colours: dict[str, str] = {}
    for r in lands:
        q = np.arange(0, r.steps + 1)
        c = colours.setdefault(r.loss, f"C{len(colours)}")
        ax.plot(q, discovery_curve([f for f, _ in r.discovery], q), color=c, lw=1,
                label=_label(r) if r.replicate == 0 else None)
    ax.set_xlabel("quenches")
    ax.set_ylabel("distinct minima found")
    ax.legend(fontsize=7)
    return _save(fig, out, "discovery_curves",
                 "Discovery curves: distinct minima against quenches",
                 "Distinct minima (strict identity) found by basin-hopping against the "
                 "number of quenches, one line per replicate, for the landscapes of the "
                 "main part. A curve that still climbs has not exhausted its landscape: raw "
                 "counts then measure the discovery rate, which is why the findings compare "
                 "Chao1 sizes and counts at equal quenches.")


def make_figures(res: StudyResults, out: str | Path) -> list[FigureFile]:
    """Draw every figure the results allow into ``out`` (PDF and PNG); return them in
    order, those that could not be drawn without paths (their captions say why)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figs: list[FigureFile] = []
    main = {g[0].loss: g for g in res.groups("main")}
    for num, loss in ((2, "ce"), (3, "sigmoid")):
        if loss in main:
            r0 = main[loss][0]
            figs.append(_graphs([(_label(r0), main[loss])], out, f"figure{num}_graph_{loss}",
                                f"Figure {num}: disconnectivity graph, {r0.label}",
                                f"Main part, {r0.label}"))
    for part in ("surrogates", "creditcard"):
        for g in res.groups(part):
            if part == "surrogates" and g[0].group in {x[0].group for x in main.values()}:
                continue
            figs.append(_graphs([(_label(g[0]), g)], out, f"graph_{part}_{g[0].group}",
                                f"{part}: disconnectivity graph, {g[0].label}",
                                f"{part}, {g[0].label}"))
    sur = res.groups("surrogates")
    if sur:
        figs.append(_figure4(sur, out))
    lam = sorted(res.groups("lambda"), key=lambda g: (g[0].loss, -g[0].lam))
    for f in (_figure5(res, out),
              _ablation(res, "beta_sigmoid", out, "figure6_beta_sigmoid",
                        "Figure 6: β ablation of the sigmoid surrogate", gap=True),
              _ablation(res, "beta_exp", out, "figure7_beta_exp",
                        "Figure 7: β ablation of the exp surrogate", gap=False),
              _graphs([(f"{g[0].loss}, λ = {g[0].lam:g}", g) for g in lam], out,
                      "figure8_lambda_graphs", "Figure 8: disconnectivity graphs against λ",
                      "Each loss and λ (rows), every replicate (columns)") if lam else None,
              _discovery(res, out)):
        if f is not None:
            figs.append(f)
    return figs
