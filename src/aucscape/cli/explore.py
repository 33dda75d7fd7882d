"""``aucscape explore``: basin-hopping over a network's loss landscape into a database.

Each step perturbs every weight by U(−step, step), quenches with L-BFGS to
rms(∇E) = ‖∇E‖/√n ≤ sloppy-tol, counts a hit when the energy matches a stored minimum,
else converges it to rms(∇E) ≤ tol and keeps it when every Hessian eigenvalue is > 0, and
moves there by the Metropolis rule min(1, exp(−ΔE/T)) (GMIN's basin-hopping; see
aucscape.landscape.basinhopping). Every quench is written to the SQLite database at
once, so a killed run loses at most the quench in flight.

An existing database is resumed: walkers restart from its lowest minima and new minima
are added to it. Without objective flags the database's own objective is used; with any
of them the objective they define (defaults for the others) must equal the stored one,
else the run is refused, naming the differing keys.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..protocols import Objective
from . import CLIError
from ._common import (
    add_db_argument,
    add_objective_args,
    add_parser,
    check_db_path,
    check_flag,
    describe_objective,
    executor,
    forget_new_database,
    objective_flags_given,
    objective_from_args,
    open_store,
    progress_bar,
    stored_objective,
)

if TYPE_CHECKING:
    from ..landscape.basinhopping import BasinHoppingStats
    from ..landscape.store import Store

EPILOG = """examples:
  aucscape explore --dataset spiral --loss ce --hidden 10 --steps 1000 --db ce.db
  aucscape explore --dataset spiral --loss sigmoid --beta 40 --time 3600 --workers 8 --db auc.db
  aucscape explore --db auc.db --steps 500          # resume auc.db with its own objective
  aucscape explore --loss ce --hidden 3 --generator sampled --turns 2 --points-per-arm 194 \\
      --noise 0.05 --mlpnorm --steps 500 --db study.db   # the study presets' spiral
  aucscape explore --dataset creditcard --loss sigmoid --hidden 3 --steps 200 --db cc.db \\
      --scheduler tcp://10.0.0.1:8786 --workers 32   # 32 walkers on a Dask cluster
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "explore", help="basin-hopping: find minima of a loss landscape",
                   doc=__doc__, epilog=EPILOG)
    add_db_argument(p, "created, or resumed when it exists")
    add_objective_args(p)
    b = p.add_argument_group("budget and parallelism")
    b.add_argument("--steps", type=int, metavar="N",
                   help="number of quenches (default: no limit; give --steps, --time or both)")
    b.add_argument("--time", type=float, metavar="SECONDS",
                   help="wall-time budget (checked between rounds of quenches; default: no "
                        "limit)")
    b.add_argument("--workers", type=int, default=1, metavar="N",
                   help="local worker processes (default 1: in-process); with --scheduler, "
                        "the number of quenches sent to the cluster at once")
    b.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address, e.g. tcp://HOST:8786, instead of local "
                        "processes (default: none, local processes)")
    b.add_argument("--walkers", type=int, metavar="N",
                   help="independent basin-hopping walkers (default: 1 in-process, two per "
                        "worker process otherwise)")
    s = p.add_argument_group("basin-hopping")
    s.add_argument("--seed", type=int, default=0, metavar="N",
                   help="random seed of the walk (default 0)")
    s.add_argument("--step", type=float, default=1.0, metavar="S",
                   help="half-width of the uniform perturbation (default 1.0, GMIN's "
                        "STEP; the study uses 5, at which a walker on its spiral CE "
                        "landscapes is not trapped: scripts/step_sensitivity.py)")
    s.add_argument("--temperature", type=float, default=2.0, metavar="T",
                   help="Metropolis temperature T (default 2.0)")
    s.add_argument("--tol", type=float, default=1e-10,
                   help="RMS-gradient tolerance of stored minima (default 1e-10)")
    s.add_argument("--start-range", type=float, metavar="R",
                   help="a fresh walker's first point has every weight uniform in [-R, R] "
                        "(default: R as the database's last explore run recorded it, else "
                        "1, GMIN's start); resumed walkers start from stored minima")
    s.add_argument("--sloppy-tol", type=float, default=1e-6, metavar="TOL",
                   help="RMS-gradient tolerance of the walk's quenches (GMIN's SLOPPYCONV, "
                        "default 1e-6): only minima new at this stage are converged to --tol "
                        "and stored; 0 quenches every step to --tol")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar and no summary on standard output (default: "
                        "both, the bar only when standard error is a terminal)")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> None:
    if args.steps is None and args.time is None:
        raise CLIError("give a budget: --steps N and/or --time SECONDS")
    check_flag(args.steps, "--steps", minimum=0, strict=True)
    check_flag(args.time, "--time", minimum=0, strict=True)
    check_flag(args.workers, "--workers", minimum=1)
    check_flag(args.walkers, "--walkers", minimum=1)
    check_flag(args.seed, "--seed", minimum=0)
    from ..landscape.basinhopping import MAX_STEP

    check_flag(args.step, "--step", minimum=0, strict=True, maximum=MAX_STEP)
    check_flag(args.temperature, "--temperature", minimum=0)
    check_flag(args.tol, "--tol", minimum=0, strict=True)
    check_flag(args.sloppy_tol, "--sloppy-tol", minimum=0)
    check_flag(args.start_range, "--start-range", minimum=0, strict=True, maximum=MAX_STEP)


def run(args: argparse.Namespace) -> int:
    _check(args)
    creating = objective_flags_given(args) or not check_db_path(args.db,
                                                                must_exist=False).exists()
    if creating:  # the file is opened (perhaps created) only once the executor is up
        store, objective = None, objective_from_args(args)
    else:  # resume with the database's own objective
        store = open_store(args.db, must_exist=True)
        try:
            objective = stored_objective(store)
        except BaseException:
            store.close()
            raise
    path = Path(args.db)
    found = path.stat().st_size if path.exists() else None  # None: no file; 0: empty file
    try:
        with executor(args.workers, args.scheduler) as ex:
            if store is None:
                store = open_store(args.db, objective.describe())
            _explore(args, store, objective, ex)
    except BaseException:
        if store is not None and not found and store.n_minima() == 0:
            store.close()  # a refused or failed run that stored nothing: undo the new file
            store = None
            forget_new_database(path, existed=found is not None)
        raise
    finally:
        if store is not None:
            store.close()
    return 0


def _explore(args: argparse.Namespace, store: Store, objective: Objective, ex: Any) -> None:
    from ..landscape.basinhopping import BasinHopping, default_walkers

    before = store.n_minima()
    walkers = args.walkers if args.walkers is not None else default_walkers(args.workers)
    bar = progress_bar(total=args.steps, desc="explore", unit="quench", quiet=args.quiet)

    def progress(stats: BasinHoppingStats) -> None:
        bar.update(1)
        bar.set_postfix(minima=before + stats.new_minima, best=f"{stats.best_energy:.8g}",
                        refresh=False)

    with bar:
        bh = BasinHopping(objective, store, step=args.step, temperature=args.temperature,
                          tol=args.tol, sloppy_tol=args.sloppy_tol or None, seed=args.seed,
                          walkers=walkers, executor=ex, start_range=args.start_range,
                          progress=progress)
        stats = bh.run(max_steps=args.steps, max_time=args.time)
    if not args.quiet:
        _summary(args.db, objective.describe(), stats, before, store.n_minima())


def _summary(db: str, desc: dict, stats: BasinHoppingStats, before: int, after: int) -> None:
    rate = stats.steps / stats.elapsed if stats.elapsed > 0 else float("nan")
    rej = stats.rejected
    resumed = f"resumed with {before} minima" if before else "new database"
    print(f"{db}: {describe_objective(desc)} ({resumed})")
    print(f"quenches {stats.steps} in {stats.elapsed:.1f} s ({rate:.3g} quenches/s), "
          f"accepted {stats.accepted}, new minima {stats.new_minima}, "
          f"database now holds {after}")
    print(f"rejected: duplicate {rej.get('duplicate', 0)} ({stats.sloppy_hits} seen at the "
          f"sloppy stage), not converged "
          f"{rej.get('not_converged', 0)}, non-positive eigenvalue "
          f"{rej.get('nonpositive_eigenvalue', 0)}")
    if stats.best_id is not None:
        print(f"best energy {stats.best_energy:.12g} (minimum {stats.best_id})")
