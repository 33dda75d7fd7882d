"""``aucscape connect``: transition states joining the stored minima into one network.

Rounds of connection attempts (OPTIM's missing-connection Dijkstra from the global
minimum, then a doubly nudged elastic band between each chosen pair and hybrid
eigenvector-following of its climbing images to index-1 saddles, verified by stepping off
± along the negative mode and minimising; see aucscape.landscape.connect). Every
verified transition state, and any new minimum it leads to, is written to the database
at once. The objective is rebuilt from the database's own record, so nothing but the
file is needed. The goal is every minimum in the file, including those found while
connecting. Stops when all minima are connected to the global minimum, when the budget
(--attempts, --time) is spent, or when no pair remains; minima given up after repeated
failures are listed with the reason. Running again resumes, and retries the given-up
minima with other partners and larger bands (attempt counts are kept in the file).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ..protocols import Objective
from ._common import (
    add_db_argument,
    add_parser,
    check_flag,
    describe_objective,
    executor,
    open_store,
    progress_bar,
    stored_objective,
)

if TYPE_CHECKING:
    from ..landscape.store import Store
    from ..landscape.ts.attempt import TSSettings

EPILOG = """examples:
  aucscape connect --db ce.db --attempts 200
  aucscape connect --db ce.db --attempts 100 --order energy   # lowest minima first
  aucscape connect --db auc.db --time 600 --workers 2 --local-bands 4
  aucscape connect --db auc.db --time 3600 --workers 8
  aucscape connect --db auc.db --scheduler tcp://10.0.0.1:8786 --workers 32 --batch 64
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "connect", help="find transition states connecting stored minima",
                   doc=__doc__, epilog=EPILOG)
    add_db_argument(p)
    p.add_argument("--attempts", type=int, metavar="N",
                   help="at most N connection attempts, bridge bands included (default: no "
                        "limit, until every minimum is connected or no pair remains)")
    p.add_argument("--time", type=float, metavar="SECONDS",
                   help="wall-time budget (checked between rounds; default: no limit)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="local worker processes (default 1: in-process)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address, tcp://HOST:PORT (default: none, local "
                        "processes)")
    p.add_argument("--batch", type=int, metavar="N",
                   help="attempts per round (default: max(4, --workers))")
    p.add_argument("--max-tries", type=int, default=3, metavar="N",
                   help="attempts per pair of minima before giving it up (default 3)")
    p.add_argument("--local-bands", type=int, default=1, metavar="N",
                   help="bands one attempt may run through the minima its own saddles lead "
                        "to, as OPTIM's connect does (default 1: one band per attempt; see "
                        "README for what 4 did on the sigmoid spiral landscape)")
    p.add_argument("--order", choices=("nearest", "energy"), default="nearest",
                   help="which unconnected minima first: nearest in path cost (default) or "
                        "lowest in energy (PATHSAMPLE's CONNECTUNC)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar and no summary on standard output (default: "
                        "both, the bar only when standard error is a terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..landscape.ts.attempt import TSSettings

    check_flag(args.attempts, "--attempts", minimum=0, strict=True)
    check_flag(args.time, "--time", minimum=0, strict=True)
    check_flag(args.workers, "--workers", minimum=1)
    check_flag(args.batch, "--batch", minimum=1)
    check_flag(args.max_tries, "--max-tries", minimum=1)
    check_flag(args.local_bands, "--local-bands", minimum=1)
    batch = args.batch if args.batch is not None else max(4, args.workers)
    settings = TSSettings(local_bands=args.local_bands)
    with open_store(args.db, must_exist=True) as store:
        objective = stored_objective(store)
        if store.n_minima() == 0:
            raise ValueError(f"{args.db} holds no minima; run aucscape explore first")
        with executor(args.workers, args.scheduler) as ex:  # before anything is written
            _connect(args, store, objective, ex, batch, settings)
    return 0


def _passes(args: argparse.Namespace) -> int:
    """Passes over the given-up minima: as many as the budget allows when one is given
    (a later run would retry them anyway), else the library's default of 3."""
    return 10**9 if args.time is not None or args.attempts is not None else 3


def _connect(args: argparse.Namespace, store: Store, objective: Objective, ex: Any, batch: int,
             settings: TSSettings) -> None:
    from ..landscape.connect import LandscapeProgress, connect_landscape

    run_id = store.add_run({"kind": "connect", "command": "connect",
                   "objective": objective.describe(),
                   "connect": {"batch": batch, "max_tries": args.max_tries,
                               "max_attempts": args.attempts, "time_limit": args.time,
                               "order": args.order},
                   "ts_settings": asdict(settings)})
    bar = progress_bar(total=args.attempts, desc="connect", unit="attempt",
                       quiet=args.quiet)

    def progress(state: LandscapeProgress) -> None:
        bar.update(state.attempts - bar.n)
        bar.set_postfix(ts=state.n_ts, largest=f"{state.largest}/{state.n_minima}",
                        joined=f"{state.targets_connected}/{state.n_targets}",
                        refresh=False)

    t0 = time.monotonic()
    with bar:
        final = connect_landscape(objective, store, settings=settings,
                                  executor=ex,
                                  max_attempts=args.attempts, time_limit=args.time,
                                  batch=batch, max_tries=args.max_tries, order=args.order,
                                  run_id=run_id, persist_tries=True, progress=progress,
                                  passes=_passes(args))
    elapsed = time.monotonic() - t0
    if not args.quiet:
        print(f"{args.db}: {describe_objective(objective.describe())}")
        # What this run stored (its run id), not the growth of a file other runs may share.
        print(f"attempts {final.attempts} in {elapsed:.1f} s, new transition states "
              f"{store.n_ts(run_id)}, new minima {store.n_minima(run_id)}")
        state = ("every minimum is connected" if final.done else
                 "not every minimum is connected yet (run again to continue)")
        print(f"minima in the global minimum's network: {final.targets_connected} of "
              f"{final.n_minima} ({100.0 * final.targets_connected / final.n_minima:.1f} %), "
              f"largest connected set {final.largest}, {final.n_ts} transition states: "
              f"{state}")
        if final.given_up:
            print(f"given up this run ({len(final.given_up)}; a later run retries them with "
                  "other partners and larger bands):")
            for mid, why in sorted(final.given_up.items()):
                print(f"  minimum {mid}: {why}")
