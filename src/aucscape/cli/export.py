"""``aucscape export``: write a database as PATHSAMPLE / disconnectionDPS files.

``--format pathsample DIR`` writes into DIR (created if needed):

- min.data: per minimum, lowest energy first, ``E  Σ ln λ_k  1  0 0 0`` (LPPHE, point
  group order 1, zero moments of inertia);
- ts.data: per transition state ``E  Σ ln λ_k⁺  1  min1  min2  0 0 0`` (1-based lines of
  min.data);
- points.min, points.ts: coordinates as little-endian float64 records of n_params values.

Numbers carry 17 significant digits, so ``aucscape import`` reads back the same values.
Existing files in DIR are overwritten only with --force.
"""

from __future__ import annotations

import argparse

from .._files import check_not_input
from . import CLIError
from ._common import add_db_argument, add_parser, open_store

EPILOG = """examples:
  aucscape export --db auc.db --format pathsample auc_pathsample/
  disconnectionDPS            # run in auc_pathsample/ with a dinfo file
  aucscape export --db old.db --format pathsample out/ --fill-lpphe 0 --force
"""

FORMATS = ("pathsample",)


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "export", help="write a database as PATHSAMPLE files",
                   doc=__doc__, epilog=EPILOG)
    add_db_argument(p)
    p.add_argument("--format", choices=FORMATS, default="pathsample",
                   help="output format (default pathsample)")
    p.add_argument("directory", metavar="DIR", help="output directory (created if needed)")
    p.add_argument("--fill-lpphe", type=float, metavar="VALUE",
                   help="LPPHE written for records that have none (default: refuse)")
    p.add_argument("--force", action="store_true", help="overwrite existing files in DIR")
    p.add_argument("--quiet", action="store_true", help="print nothing on standard output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..landscape.pathsample import MIN_DATA, POINTS_MIN, POINTS_TS, TS_DATA, export_store

    d = Path(args.directory)
    if d.exists() and not d.is_dir():
        raise CLIError(f"{d} exists and is not a directory")
    if not d.exists() and not d.resolve().parent.is_dir():
        raise CLIError(f"{d}: directory {d.parent} does not exist")
    names = (MIN_DATA, TS_DATA, POINTS_MIN, POINTS_TS)
    for name in names:  # even with --force, never write over the database being read
        check_not_input(d / name, [("--db", args.db)])
    clash = [n for n in names if (d / n).exists()]
    if clash and not args.force:
        raise CLIError(f"{d} already holds {', '.join(clash)}; pass --force to overwrite")
    with open_store(args.db, read_only=True) as store:
        if store.n_minima() == 0:
            raise ValueError(f"{args.db} holds no minima to export")
        missing = (sum(m.lpphe is None for m in store.iter_minima())
                   + sum(t.lpphe is None for t in store.iter_ts()))
        if missing and args.fill_lpphe is None:
            raise CLIError(f"{missing} stationary points in {args.db} have no LPPHE; "
                           "pass --fill-lpphe VALUE to export them anyway")
        data, _ = export_store(store, d, fill_lpphe=args.fill_lpphe)
    if not args.quiet:
        print(f"wrote {data.min_energies.size} minima and {data.ts_energies.size} transition "
              f"states to {d} ({MIN_DATA}, {TS_DATA}, {POINTS_MIN}, {POINTS_TS})")
    return 0
