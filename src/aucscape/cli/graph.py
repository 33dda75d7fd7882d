"""``aucscape graph``: the disconnectivity graph of a database, as PNG, SVG or PDF.

At each threshold T_l = FIRST − l·DELTA (l = 0..LEVELS−1) the minima below T_l that are
joined by transition states below T_l form one superbasin; the basins of successive
levels nest into a tree whose leaves end at the energies of their minima (Becker &
Karplus 1997; Wales' disconnectionDPS). Only minima connected to the global minimum are
drawn. Leaves are coloured by test AUC (the paper's figures), train AUC, LPPHE or energy.
The format follows the file extension; an existing file is overwritten only with --force.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._common import add_db_argument, add_parser, check_flag, check_output_file, open_store

if TYPE_CHECKING:
    from ..landscape.disconnectivity import DisconnectivityTree
    from ..landscape.store import Store

EPILOG = """examples:
  aucscape graph --db auc.db -o auc.png
  aucscape graph --db auc.db --color lpphe --lowest 50 --centre-gmin -o auc_lpphe.pdf
  aucscape graph --db ce.db --first 0.8 --delta 0.01 --levels 40 --labels -o ce.svg --force
"""

COLOURS = ("test_auc", "train_auc", "lpphe", "energy", "none")
_LABELS = {"test_auc": "test AUC", "train_auc": "train AUC", "lpphe": "LPPHE",
           "energy": "loss"}
FORMATS = ("png", "svg", "pdf")


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "graph", help="draw the disconnectivity graph of a database",
                   doc=__doc__, epilog=EPILOG)
    add_db_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="output image: .png, .svg or .pdf")
    p.add_argument("--color", "--colour", dest="color", choices=COLOURS, default="test_auc",
                   help="per-minimum value colouring the leaves (default test_auc)")
    p.add_argument("--first", type=float, help="highest threshold (default: just above the "
                                               "highest transition state)")
    p.add_argument("--delta", type=float, help="spacing of the thresholds (default: spread "
                                               "over the energy range)")
    p.add_argument("--levels", type=int, help="number of thresholds (default 20)")
    p.add_argument("--lowest", type=int, metavar="K", help="draw only the K lowest minima")
    p.add_argument("--min-connections", type=int, default=0, metavar="k",
                   help="leave out minima with fewer than k transition states")
    p.add_argument("--centre-gmin", "--center-gmin", dest="centre_gmin", action="store_true",
                   help="place the global minimum near the middle")
    p.add_argument("--labels", action="store_true", help="label leaves with minimum ids")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--quiet", action="store_true", help="print nothing on standard output")
    p.set_defaults(func=run)


def leaf_values(store: Store, ids: list[int], color: str) -> np.ndarray | None:
    """Per-minimum colour values in the row order of ``ids`` (None for ``none``)."""
    if color == "none":
        return None
    if color in ("energy", "lpphe"):
        by_id = {m.id: getattr(m, color) for m in store.iter_minima(order="id")}
        return np.array([np.nan if by_id[i] is None else by_id[i] for i in ids], dtype=float)
    from ..analysis import analyze_store

    props = {p.id: getattr(p, color) for p in analyze_store(store).minima}
    return np.array([props[i] for i in ids], dtype=float)


def run(args: argparse.Namespace) -> int:
    from ..landscape.disconnectivity import MAX_LEVELS, disconnectivity_tree
    from ..landscape.graph import network_from_store

    check_flag(args.delta, "--delta", minimum=0, strict=True)
    check_flag(args.levels, "--levels", minimum=1, maximum=MAX_LEVELS)
    check_flag(args.lowest, "--lowest", minimum=1)
    check_flag(args.min_connections, "--min-connections", minimum=0)
    out = check_output_file(args.output, force=args.force, suffixes=FORMATS,
                            inputs=[("--db", args.db)])
    with open_store(args.db, read_only=True) as store:
        e_min, e_ts, pairs, ids = network_from_store(store)
        if not ids:
            raise ValueError(f"{args.db} holds no minima; run aucscape explore first")
        tree = disconnectivity_tree(e_min, e_ts, pairs, first=args.first, delta=args.delta,
                                    levels=args.levels, lowest=args.lowest,
                                    min_connections=args.min_connections)
        values = leaf_values(store, ids, args.color)
    if e_ts.size == 0:
        print(f"aucscape graph: warning: {args.db} has no transition states, so the graph "
              "shows the global minimum only; run aucscape connect first", file=sys.stderr)
    _draw(tree, out, values=values, color=args.color, ids=ids, centre=args.centre_gmin,
          labels=args.labels)
    if not args.quiet:
        print(f"wrote {out}: {len(tree.shown)} of {len(ids)} minima, {e_ts.size} transition "
              f"states, {tree.levels.size} levels from {tree.levels[0]:.8g} "
              f"down by {_delta(tree.levels):.3g}")
    return 0


def _delta(levels: np.ndarray) -> float:
    return float(levels[0] - levels[1]) if levels.size > 1 else float("nan")


def _draw(tree: DisconnectivityTree, out: Path, *, values: np.ndarray | None, color: str,
          ids: list[int], centre: bool, labels: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    from ..landscape.disconnectivity_plot import save_disconnectivity

    names = {k: str(mid) for k, mid in enumerate(ids)} if labels else False
    save_disconnectivity(tree, out, values=values, value_label=_LABELS.get(color, ""),
                         centre_gmin=centre, labels=names)
