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

**Replicates.** A connect run is chaotic: which saddle a search reaches decides the next
pairs, so rounding alone changes the outcome, and one run per row says little about
"start joined". ``--replicates R`` runs each row R times: the first as is, the others
with every Hessian multiplied entrywise by (1 + ``--noise`` · ξ), ξ a symmetric
standard-normal matrix drawn from seed r (:class:`RoundingNoise`); the table then gives
the mean and the range over the replicates. The default noise, 1e-8, is large enough
that replicates part early, and small enough to leave every verification as it is (an
eigenvalue moves by about 1e-8 ‖H‖_F, some 4e-7 here, against the smallest |λ| of 2λ =
2e-5). Noise at the rounding level (1e-14) does not: on the 2,042-minimum sigmoid
database such replicates kept the first run's early path, so those of one code joined
8.8 start minima on average in 150 attempts and those of the same maths with other
rounding 3.9, while at 1e-8 the two gave 5.0 [2, 11] and 4.4 [1, 11]. Throughput
(attempts and transition states per CPU-second) varies much less than the joins.

    python benchmarks/bench_connect_strategies.py
    python benchmarks/bench_connect_strategies.py --db start.db --attempts 300 --only 5 6 7
    python benchmarks/bench_connect_strategies.py --db start.db --only 6 --replicates 8

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

import numpy as np

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


class RoundingNoise:
    """``objective`` with each Hessian multiplied entrywise by (1 + eps · ξ), ξ symmetric
    standard normal from ``seed``: the rounding of another machine, to draw replicates."""

    def __init__(self, objective, eps: float, seed: int) -> None:
        self._objective = objective
        self._eps = float(eps)
        self._rng = np.random.default_rng(seed)

    def __getattr__(self, name):
        return getattr(self._objective, name)

    def hessian(self, w):
        H = self._objective.hessian(w)
        xi = self._rng.standard_normal(H.shape)
        return H * (1.0 + self._eps * 0.5 * (xi + xi.T))


def run_one(start: Path, work: Path, keep: str, early: bool, inter: bool, order: str,
            changes: dict, budget: int, replicate: int = 0, noise: float = 0.0) -> dict:
    from aucscape.cli._common import stored_objective
    from aucscape.landscape.connect import connect_landscape
    from aucscape.landscape.store import Store
    from aucscape.landscape.ts.attempt import TSSettings

    db = work / f"{keep}-{early}-{inter}-{order}-{sorted(changes.items())}-{replicate}.db"
    shutil.copy(start, db)
    with Store(db) as st:
        obj = stored_objective(st)
        if replicate > 0 and noise > 0:
            obj = RoundingNoise(obj, noise, replicate)
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
    ap.add_argument("--replicates", type=int, default=1,
                    help="runs per row, all but the first with Hessian noise (module doc)")
    ap.add_argument("--noise", type=float, default=1e-8,
                    help="relative Hessian noise of replicates 2.. (default 1e-8)")
    args = ap.parse_args()
    if args.replicates < 1 or args.noise < 0:
        ap.error("--replicates must be >= 1 and --noise >= 0")
    chosen = [STRATEGIES[k] for k in (args.only or range(len(STRATEGIES)))]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        start = Path(args.db) if args.db else work / "start.db"
        if not args.db:
            subprocess.run([sys.executable, "-m", "aucscape", "explore", "--dataset", "spiral",
                            "--loss", "ce", "--hidden", "4", "--steps", "300", "--seed", "0",
                            "--db", str(start), "--quiet"], check=True)
        rows = [(name, [run_one(start, work, keep, early, inter, order, changes,
                                args.attempts, rep, args.noise)
                        for rep in range(args.replicates)])
                for name, keep, early, inter, order, changes in chosen]
    print(f"start: {rows[0][1][0]['n0']} minima; at most {args.attempts} attempts per "
          "strategy (shared machine: compare ratios)")
    if args.replicates == 1:
        single_table([(name, reps[0]) for name, reps in rows])
    else:
        print(f"{args.replicates} replicates per row (Hessian noise {args.noise:g}): "
              "mean [min, max]")
        replicate_table(rows)


def single_table(rows: list[tuple[str, dict]]) -> None:
    """One run per row, with the ratio of start minima joined per CPU-s to the default's."""
    ref = next((r for name, r in rows if "(default)" in name), rows[0][1])
    base = ref["joined"] / max(ref["cpu"], 1e-9)
    print(f"{'strategy':42s} {'cpu s':>6s} {'att':>5s} {'att/cpu-s':>9s} {'TS/cpu-s':>8s} "
          f"{'start joined':>12s} {'/cpu-s':>6s} {'ratio':>6s} {'minima':>6s} {'all in GM':>9s}")
    for name, r in rows:
        rate = r["joined"] / max(r["cpu"], 1e-9)
        print(f"{name:42s} {r['cpu']:6.1f} {r['att']:5d} {r['att'] / r['cpu']:9.2f} "
              f"{r['ts'] / r['cpu']:8.2f} {r['joined']:12d} {rate:6.3f} "
              f"{rate / base if base > 0 else float('nan'):6.2f} {r['n1']:6d} "
              f"{100 * r['frac']:8.1f}%")


def replicate_table(rows: list[tuple[str, list[dict]]]) -> None:
    """Mean [min, max] over the replicates of each row."""
    def cell(values: list[float], fmt: str) -> str:
        return f"{np.mean(values):{fmt}} [{min(values):{fmt}}, {max(values):{fmt}}]"

    print(f"{'strategy':42s} {'att/cpu-s':>18s} {'TS/cpu-s':>18s} {'start joined':>18s} "
          f"{'joined/cpu-s':>21s} {'all in GM %':>18s}")
    for name, reps in rows:
        print(f"{name:42s} {cell([r['att'] / r['cpu'] for r in reps], '.2f'):>18s} "
              f"{cell([r['ts'] / r['cpu'] for r in reps], '.2f'):>18s} "
              f"{cell([float(r['joined']) for r in reps], '.1f'):>18s} "
              f"{cell([r['joined'] / r['cpu'] for r in reps], '.3f'):>21s} "
              f"{cell([100 * r['frac'] for r in reps], '.1f'):>18s}")


if __name__ == "__main__":
    main()
