"""Drawing a :class:`~aucscape.landscape.disconnectivity.DisconnectivityTree` with matplotlib.

Vertical axis: energy (loss). Each node is drawn at (x, T_l) from :func:`layout`; an edge
joins a node to each child at the next threshold, and each leaf continues vertically down
to the energy of its lowest minimum. Leaves (the vertical end segments and a dot at the
bottom) are coloured by a per-minimum value (test AUC in the paper) with a colour bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_path
from .disconnectivity import DisconnectivityTree, layout

FORMATS = ("png", "svg", "pdf")


def plot_disconnectivity(
    tree: DisconnectivityTree,
    *,
    values: Any | None = None,
    value_label: str = "",
    cmap: str = "viridis",
    centre_gmin: bool = False,
    labels: bool | dict[int, str] = False,
    ax: Any | None = None,
    linewidth: float = 0.8,
    energy_label: str = "loss",
    vmin: float | None = None,
    vmax: float | None = None,
    tick_format: str | None = None,
    colorbar: bool = True,
    marker_size: float = 12.0,
) -> Any:
    """Draw the tree on ``ax`` (a new figure when None) and return the Axes.

    values : optional (n_minima,) per-minimum numbers colouring the leaves (NaN: grey);
        a colour bar labelled ``value_label`` is added (unless ``colorbar`` is False).
    vmin, vmax : a fixed colour scale (e.g. 0.5-1 for test AUC, the same on every
        panel); values outside it take the end colours and the bar shows an arrow. By
        default the scale spans the drawn leaves' values.
    tick_format : colour-bar tick labels, e.g. ``"{x:.2f}"``.
    marker_size : area of the dot at the bottom of each coloured leaf (points²).
    labels : True to label leaves with their lowest minimum's index, or a dict
        {minimum index: text}.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    x = layout(tree, centre_gmin=centre_gmin)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.12 * len(tree.leaves) + 3), 5))
    nodes = tree.nodes
    segs = []
    for k, nd in enumerate(nodes):
        for c in nd.children:
            segs.append([(x[k], tree.levels[nd.level]), (x[c], tree.levels[nodes[c].level])])
    ax.add_collection(LineCollection(segs, colors="k", linewidths=linewidth))

    leaves = tree.leaves
    leaf_x = np.array([x[k] for k in leaves])
    leaf_top = np.array([tree.levels[nodes[k].level] for k in leaves])
    leaf_min = np.array([nodes[k].lowest for k in leaves], dtype=np.int64)
    leaf_bottom = tree.min_energies[leaf_min]
    leaf_segs = [[(xx, t), (xx, b)] for xx, t, b in zip(leaf_x, leaf_top, leaf_bottom, strict=True)]
    if values is None:
        ax.add_collection(LineCollection(leaf_segs, colors="k", linewidths=linewidth))
    else:
        vals = np.asarray(values, dtype=np.float64).ravel()
        if vals.size != tree.min_energies.size:
            raise ValueError(
                f"values must have one entry per minimum ({tree.min_energies.size}), "
                f"got {vals.size}"
            )
        leaf_vals = vals[leaf_min]
        finite = np.isfinite(leaf_vals)
        lo = float(leaf_vals[finite].min()) if finite.any() else 0.0
        hi = float(leaf_vals[finite].max()) if finite.any() else 1.0
        fixed = vmin is not None and vmax is not None
        if fixed and not float(vmax) > float(vmin):
            raise ValueError(f"vmax must exceed vmin, got vmin={vmin!r}, vmax={vmax!r}")
        constant = not fixed and not hi > lo
        if fixed:
            norm = plt.Normalize(float(vmin), float(vmax))
        elif constant:  # one value: centre it in a readable range, not [lo, lo + 1e-12]
            half = 0.01 * max(1.0, abs(lo))
            norm = plt.Normalize(lo - half, lo + half)
        else:
            norm = plt.Normalize(lo, hi)
        lc = LineCollection(
            [s for s, f in zip(leaf_segs, finite, strict=True) if f], cmap=cmap, norm=norm,
            linewidths=1.5 * linewidth,
        )
        lc.set_array(leaf_vals[finite])
        ax.add_collection(lc)
        if (~finite).any():
            ax.add_collection(LineCollection(
                [s for s, f in zip(leaf_segs, finite, strict=True) if not f], colors="0.6",
                linewidths=linewidth,
            ))
        ax.scatter(leaf_x[finite], leaf_bottom[finite], c=leaf_vals[finite], cmap=cmap,
                   norm=norm, s=marker_size, zorder=3)
        if colorbar:
            extend = ("neither" if not fixed else
                      {(False, False): "neither", (True, False): "min", (False, True): "max",
                       (True, True): "both"}[(lo < norm.vmin, hi > norm.vmax)])
            cbar = ax.figure.colorbar(lc, ax=ax, label=value_label, extend=extend)
            if constant:
                cbar.set_ticks([lo], labels=[f"{lo:.6g}"])
            elif tick_format is not None:
                from matplotlib.ticker import StrMethodFormatter

                cbar.ax.yaxis.set_major_formatter(StrMethodFormatter(tick_format))
            else:  # plain tick labels, never an offset such as "+0.9" at the top
                cbar.formatter.set_useOffset(False)

    if labels:
        names = labels if isinstance(labels, dict) else {int(m): str(m) for m in leaf_min}
        for xx, b, m in zip(leaf_x, leaf_bottom, leaf_min, strict=True):
            if int(m) in names:
                ax.annotate(names[int(m)], (xx, b), textcoords="offset points", xytext=(0, -9),
                            ha="center", va="top", fontsize=6)

    pad = 0.05 * (tree.levels[0] - float(leaf_bottom.min()) or 1.0)
    ax.set_xlim(-1, max(len(leaves), 1))
    ax.set_ylim(float(leaf_bottom.min()) - pad, float(tree.levels[0]) + pad)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel(energy_label)
    return ax


def save_disconnectivity(tree: DisconnectivityTree, path: str | Path, **kwargs: Any) -> Path:
    """Draw the tree (keyword arguments as :func:`plot_disconnectivity`) and save it; the
    format (PNG, SVG or PDF) follows the file extension."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unsupported graph format {path.suffix!r}; use one of .png, .svg, .pdf")
    if "ax" in kwargs:
        raise ValueError("save_disconnectivity draws its own figure; do not pass ax")
    ax = plot_disconnectivity(tree, **kwargs)
    fig = ax.figure
    fig.tight_layout()
    try:
        with atomic_path(path) as tmp:  # never a half-written image
            fig.savefig(tmp, format=fmt, dpi=150)
    finally:
        plt.close(fig)
    return path
