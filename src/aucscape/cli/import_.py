"""``aucscape import``: read PATHSAMPLE files (min.data, ts.data, points.min, points.ts).

The minima and transition states of DIR are added to the database. A database records
the objective its points belong to, so either import into an existing database (its
objective is used), or give the objective flags as for ``aucscape explore`` (--dataset,
--loss, --beta, ...) to create a new one. Before anything is written, the energy of
every imported point is recomputed, E(W) from points.*, and compared with the energy in
min.data / ts.data: |ΔE| ≤ 1e-8·max(1, |E|) (skip with --no-verify), so points from
another objective are refused instead of stored.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..protocols import Objective
from . import CLIError
from ._common import (
    add_db_argument,
    add_objective_args,
    add_parser,
    check_db_path,
    objective_flags_given,
    objective_from_args,
    open_store,
    stored_objective,
)

if TYPE_CHECKING:
    from ..landscape.pathsample import PathsampleData

EPILOG = """examples:
  aucscape import --db auc.db --format pathsample auc_pathsample/
  aucscape import --db new.db --format pathsample run1/ \\
      --dataset spiral --loss sigmoid --beta 40 --hidden 10
"""

FORMATS = ("pathsample",)
#: relative energy agreement required between a data file and E(points)
ENERGY_RTOL = 1e-8


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "import", help="add PATHSAMPLE files to a database",
                   doc=__doc__, epilog=EPILOG)
    add_db_argument(p, "created when the objective flags are given")
    p.add_argument("--format", choices=FORMATS, default="pathsample",
                   help="input format (default pathsample)")
    p.add_argument("directory", metavar="DIR", help="directory holding min.data, ts.data, "
                                                    "points.min, points.ts")
    add_objective_args(p)
    p.add_argument("--no-verify", action="store_true",
                   help="do not recompute energies before importing")
    p.add_argument("--quiet", action="store_true", help="print nothing on standard output")
    p.set_defaults(func=run)


def check_energies(objective: Objective, energies: np.ndarray, coords: np.ndarray | None,
                   what: str) -> None:
    """Raise CLIError at the first point whose E(W) differs from its recorded energy."""
    if coords is None:
        return
    for k, (e, x) in enumerate(zip(energies, coords, strict=True)):
        e_w = float(objective.energy(x))
        if not abs(e_w - e) <= ENERGY_RTOL * max(1.0, abs(e)):
            raise CLIError(f"{what} {k + 1}: recorded energy {e:.12g} but E(W) = {e_w:.12g} "
                           "for this objective; wrong objective? (--no-verify to import "
                           "anyway)")


def _check_points(objective: Objective, data: PathsampleData, d: Path, no_verify: bool) -> None:
    n = data.min_coords.shape[1]
    if n != objective.n_params:
        raise CLIError(f"{d}: points have {n} coordinates but the objective has "
                       f"{objective.n_params} parameters")
    if not no_verify:
        check_energies(objective, data.min_energies, data.min_coords, "min.data line")
        check_energies(objective, data.ts_energies, data.ts_coords, "ts.data line")


def run(args: argparse.Namespace) -> int:
    from ..landscape.pathsample import import_into_store, read_pathsample

    d = Path(args.directory)
    if not d.is_dir():
        raise FileNotFoundError(f"{d}: no such directory")
    data = read_pathsample(d)
    if data.min_coords is None or (data.ts_energies.size and data.ts_coords is None):
        raise CLIError(f"{d} lacks points.min / points.ts; coordinates are needed to import")
    exists = check_db_path(args.db, must_exist=False).exists()
    if objective_flags_given(args):
        objective = objective_from_args(args)
        if not exists:  # check the points before creating the file
            _check_points(objective, data, d, args.no_verify)
        store = open_store(args.db, objective.describe())
    elif not exists:
        raise CLIError(f"--db {args.db} does not exist; to create it, give the objective "
                       "flags as for explore (--dataset, --loss, --beta, --hidden, ...)")
    else:
        store = open_store(args.db, must_exist=True)
    with store:
        if exists:
            if not objective_flags_given(args):
                objective = stored_objective(store)
            _check_points(objective, data, d, args.no_verify)
        n_min, n_ts = store.n_minima(), store.n_ts()
        with store.transaction():  # the run record and its points, or nothing
            run_id = store.add_run({"command": "import", "objective": objective.describe(),
                                    "source": str(d.resolve()), "format": args.format})
            import_into_store(d, store, objective=objective, run_id=run_id)
        new_min, new_ts = store.n_minima() - n_min, store.n_ts() - n_ts
        total = store.n_minima()
    if not args.quiet:
        known = (data.min_energies.size - new_min) + (data.ts_energies.size - new_ts)
        print(f"imported {new_min} minima and {new_ts} transition states from {d} "
              f"into {args.db} (now {total} minima; {known} points were already stored)")
    return 0
