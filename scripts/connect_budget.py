"""How much transition-state work a database still needs before its network holds 99 %.

Reads a database after some ``aucscape connect`` and answers, from its own graph
(:func:`aucscape.landscape.budget.census`) and a rate measured here, how far the global
minimum's network is from holding a fraction F (default 0.99) of the stored minima, and
what three estimates of the work left cost at that rate:

- **floor**: the fewest transition states that could do it (one per outside component,
  every search succeeding, no new minimum): a lower bound;
- **hop estimate**: ½ mean(d) transition states per explored minimum outside, d the hops
  between explored minima in the network found so far (an estimate);
- **observed**: transition states in the network per explored minimum joined, times the
  explored minima outside: the cost at the efficiency of the connecting done so far.

The rate (transition states and explored minima joined per CPU-second) is measured by
``--attempts`` attempts of :func:`aucscape.landscape.connect.connect_landscape` run
in-process on a temporary copy (the database itself is only read); ``--rate`` gives it
instead. Times are CPU-seconds and wall seconds on ``--workers`` workers (CPU / workers,
i.e. perfect scaling: optimistic).

    PYTHONPATH=src python3 scripts/connect_budget.py --db sig.db
    PYTHONPATH=src python3 scripts/connect_budget.py --db sig.db --rate 1.76 --workers 2

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from aucscape.landscape.budget import census
from aucscape.landscape.store import Store


def measure_rate(db: Path, attempts: int) -> tuple[float, float, float]:
    """(transition states, explored minima joined, attempts) per CPU-second over
    ``attempts`` in-process connect attempts on a temporary copy of ``db``."""
    from aucscape.cli._common import stored_objective
    from aucscape.landscape.connect import connect_landscape

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copy(db, copy)
        with Store(copy) as st:
            before = census(st)
            ts0 = st.n_ts()
            obj = stored_objective(st)
            c0 = time.process_time()
            state = connect_landscape(obj, st, max_attempts=attempts, passes=10**9)
            cpu = max(time.process_time() - c0, 1e-9)
            after = census(st)
            return ((st.n_ts() - ts0) / cpu,
                    (after.n_network_explored - before.n_network_explored) / cpu,
                    state.attempts / cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="database after some `aucscape connect`")
    ap.add_argument("--fraction", type=float, default=0.99, help="target share (0.99)")
    ap.add_argument("--attempts", type=int, default=100,
                    help="attempts run on a copy to measure the rate (100)")
    ap.add_argument("--rate", type=float, default=None,
                    help="transition states per CPU-second (skips the measurement)")
    ap.add_argument("--workers", type=int, default=2, help="workers for the wall times (2)")
    args = ap.parse_args()
    if not 0.0 < args.fraction <= 1.0:
        ap.error(f"--fraction must be in (0, 1], got {args.fraction}")
    if args.workers < 1 or args.attempts < 1:
        ap.error("--workers and --attempts must be >= 1")
    db = Path(args.db)
    if not db.is_file():
        ap.error(f"no database at {db}")
    with Store(db) as st:
        c = census(st)
    if args.rate is not None:
        if args.rate <= 0:
            ap.error(f"--rate must be > 0, got {args.rate}")
        rate, joined_rate, att_rate, how = args.rate, None, None, "given (--rate)"
    else:
        rate, joined_rate, att_rate = measure_rate(db, args.attempts)
        how = f"measured: {args.attempts} attempts in-process on a copy"
    outside_explored = c.explored_outside
    finite = c.hops[np.isfinite(c.hops)]
    per_ts = c.ts_per_join()
    floor = c.floor_ts(args.fraction)
    hop_ts = c.hop_estimate_ts()
    obs_ts = per_ts * outside_explored

    def cost(ts: float | None) -> str:
        if ts is None or not np.isfinite(ts):
            return "n/a"
        cpu = ts / rate
        return f"{ts:,.0f} TS, {cpu:,.0f} CPU-s, {cpu / args.workers / 3600:.2f} h wall"

    q = np.percentile(finite, [25, 50, 75]) if finite.size else [np.nan] * 3
    rows = [
        ("minima stored (explored / found while connecting)",
         f"{c.n_minima:,} ({c.n_explored:,} / {c.n_minima - c.n_explored:,})"),
        ("in the global minimum's network (explored)",
         f"{c.n_network:,} = {100 * c.n_network / c.n_minima:.1f} % ({c.n_network_explored:,})"),
        ("outside components (largest)",
         f"{len(c.outside_sizes):,} ({c.outside_sizes[0] if c.outside_sizes else 0})"),
        ("transition states in the network, per explored minimum joined",
         f"{c.n_network_ts:,}, {per_ts:.1f}"),
        ("hops to the nearest other explored minimum: quartiles, mean",
         f"{q[0]:.0f} / {q[1]:.0f} / {q[2]:.0f}, {finite.mean() if finite.size else np.nan:.2f}"),
        ("transition states per CPU-s", f"{rate:.2f} ({how})"),
    ]
    if joined_rate is not None:
        rows.append(("explored minima joined, attempts per CPU-s",
                     f"{joined_rate:.3f}, {att_rate:.2f}"))
    pct = f"{100 * args.fraction:g} %"
    rows += [
        (f"floor to {pct} of the minima stored now (lower bound)", cost(floor)),
        (f"hop estimate: ½ mean(d) per explored minimum outside ({outside_explored:,})",
         cost(hop_ts)),
        ("at the observed efficiency (TS per explored minimum joined, × outside)",
         cost(obs_ts)),
    ]
    print(f"{db}: wall times on {args.workers} workers assume perfect scaling\n")
    print("| quantity | value |\n| --- | --- |")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
