"""Connection strategies side by side: minima joined per CPU-second, same start database.

Each strategy runs :func:`aucscape.landscape.connect.connect_landscape` on its own copy
of one start database with the same budget of attempts (``--attempts``; equal attempts
rather than equal wall time, because on a shared machine a wall budget buys each row a
different amount of CPU), one after the other in the same run. The table gives the CPU
seconds used (process time: attempts run in-process), attempts and transition states
per CPU-second, "start joined": minima of the start database in the global minimum's
network at the end minus at the start, per CPU-second and as a ratio to the default row
(the first row is main before this change: every TS stored, no early exit; its rate can
be negative when a detour finds a new global minimum in a side component), and the
fraction of all stored minima in that network at the end (the issue's goal: >= 99 %).
A row that joins everything stops early.

Strategies: ``keep`` "all" (every verified TS stored) or "attached" (only TSs with a
stored minimum: no new side components); ``early`` (skip the step-off of saddles whose
energy matches a stored TS); ``intermediate`` (bridge each detour to the band's ends,
:mod:`aucscape.landscape.ts.detour`); ``order`` nearest | energy (PATHSAMPLE's CONNECTUNC);
and :class:`~aucscape.landscape.ts.attempt.TSSettings` changes: ``hef_patience`` (None:
eigenvector-following runs to ``hef_max_iter``, the code before the stall test),
``local_bands`` (bands per attempt through the minima its saddles lead to,
:mod:`aucscape.landscape.ts.local`), ``dneb_max_iter``. ``--only`` runs a subset of
rows (by number), e.g. to split the table over two processes.

    python benchmarks/bench_connect_strategies.py
    python benchmarks/bench_connect_strategies.py --db start.db --attempts 300 --only 5 6 7

Without ``--db`` the start database is made as the issue's target case:
``aucscape explore --dataset spiral --loss ce --hidden 4 --steps 300 --seed 0``.
Timings on a shared machine: compare the ratios, not the absolute rates.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_BEFORE = {"hef_patience": None}  # HEF to hef_max_iter: the code before the stall test
STRATEGIES = [  # (name, keep, early_exit, intermediate, order, TSSettings changes)
    ("all, HEF to max_iter (before)", "all", False, False, "nearest", _BEFORE),
    ("all + early exit", "all", True, False, "nearest", _BEFORE),
    ("attached", "attached", False, False, "nearest", _BEFORE),
    ("attached + early exit", "attached", True, False, "nearest", _BEFORE),
    ("attached + early + intermediate", "attached", True, True, "nearest", _BEFORE),
    ("+ HEF patience 20", "attached", True, True, "nearest", {"hef_patience": 20}),
    ("+ HEF patience 40 (default)", "attached", True, True, "nearest", {}),
    ("HEF to max_iter, band <= 150 iterations", "attached", True, True, "nearest",
     {**_BEFORE, "dneb_max_iter": 150}),
    ("default, band <= 150 iterations", "attached", True, True, "nearest",
     {"dneb_max_iter": 150}),
    ("default, energy order", "attached", True, True, "energy", {}),
    ("default + local 4 bands", "attached", True, True, "nearest", {"local_bands": 4}),
    ("default + local 8 bands", "attached", True, True, "nearest", {"local_bands": 8}),
]


def in_gm(store, among: set[int] | None = None) -> int:
    """Minima (of ``among``, default all) in the global minimum's connected network."""
    from aucscape.landscape.graph import UnionFind

    mins = list(store.iter_minima(order="energy"))
    row = {m.id: k for k, m in enumerate(mins)}
    uf = UnionFind(len(mins))
    for t in store.iter_ts():
        uf.union(row[t.min1], row[t.min2])
    gm = uf.find(0)
    return sum(uf.find(k) == gm for k, m in enumerate(mins) if among is None or m.id in among)


def run_one(start: Path, work: Path, keep: str, early: bool, inter: bool, order: str,
            changes: dict, budget: int) -> dict:
    from aucscape.cli._common import stored_objective
    from aucscape.landscape.connect import connect_landscape
    from aucscape.landscape.store import Store
    from aucscape.landscape.ts.attempt import TSSettings

    db = work / f"{keep}-{early}-{inter}-{order}-{sorted(changes.items())}.db"
    shutil.copy(start, db)
    with Store(db) as st:
        obj = stored_objective(st)
        start_ids = {m.id for m in st.iter_minima()}
        n0, j0, ts0 = st.n_minima(), in_gm(st, start_ids), st.n_ts()
        c0, w0 = time.process_time(), time.monotonic()
        state = connect_landscape(obj, st, settings=dataclasses.replace(TSSettings(), **changes),
                                  max_attempts=budget, keep=keep, early_exit=early,
                                  intermediate=inter, order=order, passes=10**9)
        cpu, wall = time.process_time() - c0, time.monotonic() - w0
        n1, j1, ts1 = st.n_minima(), in_gm(st, start_ids), st.n_ts()
        frac = in_gm(st) / n1
    return {"cpu": cpu, "wall": wall, "joined": j1 - j0, "frac": frac, "n0": n0, "n1": n1,
            "att": state.attempts, "ts": ts1 - ts0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="start database (default: made by explore, see module doc)")
    ap.add_argument("--attempts", type=int, default=150, help="attempts per strategy")
    ap.add_argument("--only", type=int, nargs="+", metavar="ROW",
                    help="run only these rows (0-based numbers of STRATEGIES)")
    args = ap.parse_args()
    chosen = [STRATEGIES[k] for k in (args.only or range(len(STRATEGIES)))]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        start = Path(args.db) if args.db else work / "start.db"
        if not args.db:
            subprocess.run([sys.executable, "-m", "aucscape", "explore", "--dataset", "spiral",
                            "--loss", "ce", "--hidden", "4", "--steps", "300", "--seed", "0",
                            "--db", str(start), "--quiet"], check=True)
        rows = [(name, run_one(start, work, keep, early, inter, order, changes, args.attempts))
                for name, keep, early, inter, order, changes in chosen]
    ref = next((r for name, r in rows if "(default)" in name), rows[0][1])
    base = ref["joined"] / max(ref["cpu"], 1e-9)
    print(f"start: {rows[0][1]['n0']} minima; at most {args.attempts} attempts per strategy "
          "(shared machine: compare ratios)")
    print(f"{'strategy':42s} {'cpu s':>6s} {'att':>5s} {'att/cpu-s':>9s} {'TS/cpu-s':>8s} "
          f"{'start joined':>12s} {'/cpu-s':>6s} {'ratio':>6s} {'minima':>6s} {'all in GM':>9s}")
    for name, r in rows:
        rate = r["joined"] / max(r["cpu"], 1e-9)
        print(f"{name:42s} {r['cpu']:6.1f} {r['att']:5d} {r['att'] / r['cpu']:9.2f} "
              f"{r['ts'] / r['cpu']:8.2f} {r['joined']:12d} {rate:6.3f} "
              f"{rate / base if base > 0 else float('nan'):6.2f} {r['n1']:6d} "
              f"{100 * r['frac']:8.1f}%")


if __name__ == "__main__":
    main()
