"""Single-ended growth against the double-ended connect, on copies of one start database.

Rows, one after the other in one process (BLAS on one thread, process time = CPU time):

- ``grow, mode`` : :func:`aucscape.landscape.grow.grow` with the default single-ended
  search (follow a Hessian mode of the minimum uphill, stiffest first);
- ``grow, displace`` : OPTIM's perturbed copy (uniform ±d per coordinate, then plain
  hybrid eigenvector-following, which climbs the lowest mode), at d = ``--displace``;
- ``connect`` : :func:`aucscape.landscape.connect.connect_landscape` (DNEB + HEF between
  pairs of stored minima, the package's default strategy).

Each row gets the same CPU budget (``--cpu`` seconds, checked between rounds, so a row
overshoots by at most one round) on its own copy of the start database, for
``--replicates`` start databases (explore seeds 0, 1, ...). The table gives, per
CPU-second: attempts, new transition states, new minima, and the share of all minima in
the global minimum's network at the end; then, for the single-ended rows, where an
attempt's time goes (the climb by eigenvector-following, saddle verification, step-off),
for attempts that found a saddle and those that did not, from a separate sample of
``--sample`` searches (every mode of a few stored minima).

The start databases are the study's spiral CE 2-3-2 landscape seeded as the growth issue
does (``explore --steps 100 --step 1``) and grown for ``--seed-attempts`` searches, so that
connect has pairs to work on. Shared machine: compare ratios within one run.

    python benchmarks/bench_grow.py
    python benchmarks/bench_grow.py --cpu 60 --replicates 3 --loss sigmoid
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SPIRAL = ["--dataset", "spiral", "--hidden", "3", "--generator", "sampled", "--turns", "2",
          "--points-per-arm", "194", "--noise", "0.05", "--mlpnorm"]


def make_start(work: Path, loss: str, seed: int, seed_attempts: int) -> Path:
    db = work / f"start-{seed}.db"
    subprocess.run([sys.executable, "-m", "aucscape", "explore", *SPIRAL, "--loss", loss,
                    "--steps", "100", "--step", "1", "--seed", str(seed), "--db", str(db),
                    "--quiet"], check=True)
    subprocess.run([sys.executable, "-m", "aucscape", "grow", "--db", str(db), "--attempts",
                    str(seed_attempts), "--quiet"], check=True)
    return db


def run_row(kind: str, start: Path, work: Path, cpu: float, displace: float) -> dict:
    from aucscape.cli._common import stored_objective
    from aucscape.landscape.connect import connect_landscape
    from aucscape.landscape.grow import GrowSettings, grow, network_share
    from aucscape.landscape.store import Store
    from aucscape.landscape.ts.single_ended import SearchSettings

    db = work / f"{kind}-{start.name}"
    shutil.copy(start, db)
    with Store(db) as st:
        obj = stored_objective(st)
        n0, ts0 = st.n_minima(), st.n_ts()
        c0 = time.process_time()
        stop_at = c0 + cpu
        attempts = 0
        if kind == "connect":
            while time.process_time() < stop_at:  # rounds of 4 attempts, tries kept in the file
                out = connect_landscape(obj, st, max_attempts=4, passes=10**9,
                                        persist_tries=True)
                attempts += out.attempts
                if out.done or out.attempts == 0:
                    break
        else:
            search = (SearchSettings() if kind == "grow, mode"
                      else SearchSettings(start="displace", displacement=displace))
            settings = GrowSettings(window=10**9, search=search)
            while time.process_time() < stop_at:
                res = grow(obj, st, settings, max_total=4)
                attempts += res.call_attempts
                if res.stopped == "exhausted":
                    break
        used = time.process_time() - c0
        n1, inside = network_share(st)
        return {"cpu": used, "attempts": attempts, "ts": st.n_ts() - ts0, "minima": n1 - n0,
                "share": inside / max(n1, 1), "n0": n0}


def phase_sample(start: Path, n_sample: int, displace: float) -> dict[str, dict[str, float]]:
    from aucscape.cli._common import stored_objective
    from aucscape.landscape.store import Store
    from aucscape.landscape.ts.single_ended import SearchSettings, search_from

    with Store(start, read_only=True) as st:
        obj = stored_objective(st)
        minima = list(st.iter_minima())
    out = {}
    for name, s in (("mode", SearchSettings()),
                    ("displace", SearchSettings(start="displace", displacement=displace))):
        agg = {"found": np.zeros(4), "failed": np.zeros(4)}  # climb, verify, step-off, n
        k = 0
        while k < n_sample:
            m = minima[k // (2 * obj.n_params) % len(minima)]
            r = search_from(obj, m.coords, k % (2 * obj.n_params), s, key=m.id)
            row = agg["found" if r.found is not None else "failed"]
            row += [r.seconds.get("climb", 0), r.seconds.get("verify", 0),
                    r.seconds.get("step_off", 0), 1]
            k += 1
        out[name] = {key: v for key, v in agg.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpu", type=float, default=30.0, help="CPU seconds per row (default 30)")
    ap.add_argument("--replicates", type=int, default=2, help="start databases (default 2)")
    ap.add_argument("--loss", default="ce", help="loss of the landscape (default ce)")
    ap.add_argument("--seed-attempts", type=int, default=60,
                    help="searches that grow each start database first (default 60)")
    ap.add_argument("--displace", type=float, default=0.1,
                    help="d of the displaced start (default 0.1)")
    ap.add_argument("--sample", type=int, default=68, help="searches in the phase sample")
    args = ap.parse_args()
    from aucscape.parallel import pin_blas_threads

    pin_blas_threads()
    kinds = ("grow, mode", "grow, displace", "connect")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        starts = [make_start(work, args.loss, s, args.seed_attempts)
                  for s in range(args.replicates)]
        rows = {k: [] for k in kinds}
        for start in starts:
            for k in kinds:
                rows[k].append(run_row(k, start, work, args.cpu, args.displace))
        phases = phase_sample(starts[0], args.sample, args.displace)
    print(f"spiral {args.loss} 2-3-2, {args.replicates} start databases "
          f"({', '.join(str(r['n0']) for r in rows['connect'])} minima), {args.cpu:g} CPU-s "
          "per row; mean [min, max] over start databases")
    print(f"{'row':16s} {'attempts/cpu-s':>20s} {'new TS/cpu-s':>20s} {'new minima/cpu-s':>20s}"
          f" {'in GM network %':>20s}")

    def cell(vals, fmt):
        return f"{np.mean(vals):{fmt}} [{min(vals):{fmt}}, {max(vals):{fmt}}]"

    ref = np.mean([r["ts"] / r["cpu"] for r in rows["connect"]])
    for k in kinds:
        rs = rows[k]
        print(f"{k:16s} {cell([r['attempts'] / r['cpu'] for r in rs], '.2f'):>20s} "
              f"{cell([r['ts'] / r['cpu'] for r in rs], '.2f'):>20s} "
              f"{cell([r['minima'] / r['cpu'] for r in rs], '.2f'):>20s} "
              f"{cell([100 * r['share'] for r in rs], '.1f'):>20s}")
    for k in kinds[:2]:
        ratio = np.mean([r["ts"] / r["cpu"] for r in rows[k]]) / ref if ref > 0 else np.nan
        print(f"{k}: new TS per CPU-s / connect's = {ratio:.1f}")
    print()
    print(f"where a search's time goes (s per search, {args.sample} searches of start 0; "
          "wall time, so shared-machine load shows):")
    print(f"{'start':9s} {'outcome':8s} {'n':>4s} {'climb':>8s} {'verify':>8s} {'step-off':>8s}")
    for name, agg in phases.items():
        for outcome, v in agg.items():
            n = max(v[3], 1)
            print(f"{name:9s} {outcome:8s} {int(v[3]):4d} {v[0] / n:8.4f} {v[1] / n:8.4f} "
                  f"{v[2] / n:8.4f}")


if __name__ == "__main__":
    main()
