"""``aucscape grow``: single-ended transition-state searches from the stored minima until no
new minimum appears (PATHSAMPLE's NEWCONNECTIONS, how the paper explored its landscapes).

Each search starts from a stored minimum, follows one of its Hessian's eigenvectors uphill
by hybrid eigenvector-following (the k-th search from a minimum follows its k-th mode,
stiffest first, each both ways; or, with --start displace, a random perturbation then plain
eigenvector-following, OPTIM's perturbed copy), converges an index-1 saddle, verifies it and
steps off both ways into two minima. Every new saddle and the minima it leads to are
written to the database at once, so the network grows from the minima you seeded it with
(aucscape explore). Minima with the fewest searches go first (--order energy: lowest energy
first, as PATHSAMPLE).

Stops when the last --window searches found no new minimum ("saturated"), or when --time,
--attempts or the minima's searches (--max-attempts each) are spent. Killing the process
loses at most the round in flight; running again resumes with the same counts. Minima that
growth leaves outside the global minimum's network can be joined with aucscape connect.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from ..landscape.grow import GROW_ORDERS, GROW_RUN_KIND, GrowSettings
from ..landscape.ts.single_ended import STARTS, SearchSettings
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
    from ..landscape.grow import GrowProgress

_G = GrowSettings()
_S = SearchSettings()

EPILOG = """examples:
  aucscape grow --db ce.db --time 900 --workers 2          # until saturated or 15 min
  aucscape grow --db ce.db --attempts 500 --window 300
  aucscape grow --db auc.db --scheduler tcp://10.0.0.1:8786 --workers 32 --time 3600
  aucscape connect --db ce.db --time 600                   # then join what growth left apart
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "grow", help="grow the database by single-ended transition-state "
                   "searches until no new minimum appears", doc=__doc__, epilog=EPILOG)
    add_db_argument(p)
    p.add_argument("--time", type=float, metavar="SECONDS",
                   help="wall-time budget (checked between rounds; default: no limit)")
    p.add_argument("--attempts", type=int, metavar="N",
                   help="at most N searches in this run (default: no limit)")
    p.add_argument("--window", type=int, default=_G.window, metavar="W",
                   help="saturated when W consecutive searches find no new minimum "
                        f"(default {_G.window})")
    p.add_argument("--max-ts", type=int, default=_G.max_ts, metavar="K",
                   help="search only from minima with fewer than K transition states "
                        f"(default {_G.max_ts:g}: all)")
    p.add_argument("--max-attempts", type=int, metavar="A",
                   help="at most A searches from one minimum (default 2n: every Hessian mode "
                        "of the minimum, both ways)")
    p.add_argument("--order", choices=GROW_ORDERS, default=_G.order,
                   help="which minima first: fewest searches so far, then lowest energy "
                        f"(default {_G.order}); or lowest energy (PATHSAMPLE)")
    p.add_argument("--start", choices=STARTS, default=_S.start,
                   help="follow a Hessian mode of the minimum uphill (default "
                        f"{_S.start}) or perturb it at random and climb the lowest mode "
                        "(displace, OPTIM's perturbed copy)")
    p.add_argument("--displacement", type=float, default=_S.displacement, metavar="D",
                   help="first step along the mode, or largest random displacement of a "
                        f"coordinate (default {_S.displacement:g})")
    p.add_argument("--max-step", type=float, default=_S.max_step, metavar="R",
                   help=f"largest eigenvector-following step (default {_S.max_step:g})")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="local worker processes (default 1: in-process)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address, tcp://HOST:PORT (default: none)")
    p.add_argument("--batch", type=int, metavar="N",
                   help="searches per round (default: max(4, --workers))")
    p.add_argument("--seed", type=int, default=_S.seed, metavar="S",
                   help=f"seed of --start displace (default {_S.seed})")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar and no summary (default: both, the bar only when "
                        "standard error is a terminal)")
    p.set_defaults(func=run)


def settings_from_args(args: argparse.Namespace) -> GrowSettings:
    """Checked :class:`GrowSettings` from the command line (one line per bad value)."""
    check_flag(args.time, "--time", minimum=0, strict=True)
    check_flag(args.attempts, "--attempts", minimum=1)
    check_flag(args.window, "--window", minimum=1)
    check_flag(args.max_ts, "--max-ts", minimum=1)
    check_flag(args.max_attempts, "--max-attempts", minimum=1)
    check_flag(args.displacement, "--displacement", minimum=0, strict=True)
    check_flag(args.max_step, "--max-step", minimum=0, strict=True)
    check_flag(args.workers, "--workers", minimum=1)
    check_flag(args.batch, "--batch", minimum=1)
    search = SearchSettings(start=args.start, displacement=args.displacement,
                            max_step=args.max_step, seed=args.seed)
    return GrowSettings(window=args.window, max_ts=args.max_ts,
                        max_attempts=args.max_attempts, order=args.order,
                        batch=args.batch or 0, search=search)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)  # every value checked before the file is touched
    with open_store(args.db, must_exist=True) as store:
        objective = stored_objective(store)
        if store.n_minima() == 0:
            raise ValueError(f"{args.db} holds no minima; run aucscape explore first")
        with executor(args.workers, args.scheduler) as ex:
            _grow(args, store, objective, ex, settings)
    return 0


def _grow(args: argparse.Namespace, store: Any, objective: Any, ex: Any,
          settings: GrowSettings) -> None:
    from ..landscape.grow import grow

    ts0, min0 = store.n_ts(), store.n_minima()
    run_id = store.add_run({"kind": GROW_RUN_KIND, "command": "grow",
                            "objective": objective.describe(),
                            "settings": settings.to_record(),
                            "budget": {"time": args.time, "attempts": args.attempts}})
    bar = progress_bar(total=args.attempts, desc="grow", unit="search", quiet=args.quiet)

    def progress(s: GrowProgress) -> None:
        bar.update(s.call_attempts - bar.n)
        bar.set_postfix(minima=s.n_minima, ts=s.n_ts, network=s.in_network,
                        since_new=f"{s.since_new}/{settings.window}", refresh=False)

    t0 = time.monotonic()
    with bar:
        final = grow(objective, store, settings, executor=ex, workers=args.workers,
                     max_total=args.attempts, time_limit=args.time, run_id=run_id,
                     progress=progress)
    if args.quiet:
        return
    elapsed = time.monotonic() - t0
    print(f"{args.db}: {describe_objective(objective.describe())}")
    print(f"searches {final.call_attempts} in {elapsed:.1f} s ({final.attempts} in all runs), "
          f"new minima {final.n_minima - min0}, new transition states {final.n_ts - ts0}")
    why = {"saturated": f"saturated: no new minimum in {settings.window} searches",
           "time": f"not saturated: the --time budget ({args.time:g} s) ran out"
                   if args.time is not None else "",
           "attempts": f"not saturated: the --attempts budget ({args.attempts}) ran out",
           "exhausted": "not saturated: every minimum has had its searches (--max-attempts, "
                        "--max-ts)"}[final.stopped]
    print(why + f" ({final.since_new} searches since the last new minimum)")
    share = 100.0 * final.in_network / max(final.n_minima, 1)
    print(f"minima {final.n_minima}, transition states {final.n_ts}; in the global minimum's "
          f"network: {final.in_network} ({share:.1f} %), outside: "
          f"{final.n_minima - final.in_network}")
    top = ", ".join(f"{k} {v}" for k, v in final.outcomes.most_common(5))
    print(f"outcomes this run: {top}")
