"""Re-verify every stationary point of a database from its stored coordinates.

For each stored minimum: the objective rebuilt from the file's own record gives E, the
gradient and the exact Hessian at the stored coordinates; the minimum passes when
|E − E_stored| ≤ 1e-9 max(1, |E|), the RMS gradient ≤ ``--tol`` and every Hessian
eigenvalue is positive. For each transition state: the same energy and gradient tests,
exactly one negative eigenvalue, and an energy above both of its minima. Prints the counts
and the worst values, and exits 1 when anything fails (the database is only read).

    PYTHONPATH=src python3 scripts/verify_database.py --db ce.db
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="the database to check")
    ap.add_argument("--tol", type=float, default=1e-10, help="RMS-gradient tolerance")
    args = ap.parse_args()
    from aucscape.cli._common import stored_objective
    from aucscape.landscape.store import Store
    from aucscape.landscape.ts.verify import check_saddle

    bad: list[str] = []
    worst_rms = worst_de = 0.0
    with Store(args.db, read_only=True) as st:
        obj = stored_objective(st)
        energies = {}
        n_min = n_ts = 0
        for m in st.iter_minima(order="id"):
            chk = check_saddle(obj, m.coords, tol=args.tol)
            de = abs(chk.energy - m.energy)
            worst_rms, worst_de = max(worst_rms, chk.rms_grad), max(worst_de, de)
            if de > 1e-9 * max(1.0, abs(m.energy)) or chk.rms_grad > args.tol \
                    or chk.eigenvalues[0] <= 0:
                bad.append(f"minimum {m.id}: dE {de:.2g}, rms {chk.rms_grad:.2g}, "
                           f"lowest eigenvalue {chk.eigenvalues[0]:.3g}")
            energies[m.id] = m.energy
            n_min += 1
        for t in st.iter_ts(order="id"):
            chk = check_saddle(obj, t.coords, tol=args.tol)
            de = abs(chk.energy - t.energy)
            worst_rms, worst_de = max(worst_rms, chk.rms_grad), max(worst_de, de)
            above = t.energy > max(energies[t.min1], energies[t.min2])
            if de > 1e-9 * max(1.0, abs(t.energy)) or not chk.is_ts or not above:
                bad.append(f"transition state {t.id}: dE {de:.2g}, rms {chk.rms_grad:.2g}, "
                           f"index {chk.n_negative}, above its minima: {above}")
            n_ts += 1
    print(f"{args.db}: {n_min} minima, {n_ts} transition states re-verified; "
          f"{len(bad)} failed; largest RMS gradient {worst_rms:.2g}, largest energy "
          f"difference {worst_de:.2g}")
    for line in bad[:20]:
        print("  " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
