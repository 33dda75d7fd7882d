"""Store + identity throughput: indexed energy-window lookup vs naive linear scans.

Offers N minima (20 % repeats of earlier ones, perturbed by 1e-12, so they are hits) to
a file-backed Store through MinimumMatcher, one committed transaction per offer, as
basin-hopping does. Naive alternatives: the same SQL window with ``NOT INDEXED`` (full
table scan in C), and a Python loop over every stored row. Then lookup time per query
with 10^5 stored minima.

Run: python benchmarks/bench_store.py [--n 5000] [--params 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from aucscape.landscape.identity import MinimumMatcher, energy_tolerance
from aucscape.landscape.store import Store


def offers(n: int, n_params: int, seed: int = 0) -> list[tuple[float, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out: list[tuple[float, np.ndarray]] = []
    for i in range(n):
        if i > 10 and rng.random() < 0.2:
            e, x = out[int(rng.integers(len(out)))]
            out.append((e + 1e-12, x))
        else:
            out.append((float(rng.normal() * 10), rng.normal(size=n_params)))
    return out


class SqlScanMatcher(MinimumMatcher):
    """Same rule, but the window query forces a full table scan."""

    def find(self, energy, coords):
        e = float(energy)
        tol = energy_tolerance(e, self.edifftol)
        row = self.store._conn.execute(
            "SELECT id FROM minima NOT INDEXED WHERE energy > ? AND energy < ? "
            "ORDER BY abs(energy - ?) LIMIT 1", (e - tol, e + tol, e)).fetchone()
        return None if row is None else self.store.get_minimum(row[0])


class PythonScanMatcher(MinimumMatcher):
    """Same rule, checked in Python against every stored minimum."""

    def find(self, energy, coords):
        e = float(energy)
        tol = energy_tolerance(e, self.edifftol)
        best = None
        for m in self.store.iter_minima("id"):
            if abs(m.energy - e) < tol and (best is None or
                                            abs(m.energy - e) < abs(best.energy - e)):
                best = m
        return best


def insert_run(cls, data, directory: Path, tag: str) -> tuple[float, int]:
    path = directory / f"{tag}.db"
    with Store(path, {"kind": "bench"}) as store:
        matcher = cls(store)
        t0 = time.perf_counter()
        for e, x in data:
            matcher.add_or_hit(e, x, rms_grad=1e-11)
        dt = time.perf_counter() - t0
        return dt, store.n_minima()


def lookup_bench(directory: Path, n: int, n_params: int, queries: int = 200) -> tuple[float, float]:
    rng = np.random.default_rng(1)
    path = directory / "big.db"
    with Store(path, {"kind": "bench"}) as store:
        store.add_minimum(0.0, np.zeros(n_params))
        now = time.time()
        blob = np.zeros(n_params).tobytes()
        conn = store._conn
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO minima(energy, coords, hits, first_found, last_found) "
            "VALUES (?, ?, 1, ?, ?)",
            ((float(e), blob, now, now) for e in rng.normal(size=n - 1) * 10))
        conn.execute("COMMIT")
        qs = rng.normal(size=queries) * 10
        times = []
        for cls, k in ((MinimumMatcher, queries), (SqlScanMatcher, max(1, queries // 10))):
            m = cls(store)
            t0 = time.perf_counter()
            for q in qs[:k]:
                m.find(q, None)
            times.append((time.perf_counter() - t0) / k)
    return times[0], times[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--params", type=int, default=50)
    ap.add_argument("--python-n", type=int, default=1000,
                    help="offers for the (quadratic) Python-scan baseline")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        data = offers(args.n, args.params)
        t_idx, n_idx = insert_run(MinimumMatcher, data, d, "indexed")
        t_sql, n_sql = insert_run(SqlScanMatcher, data, d, "sqlscan")
        small = data[: args.python_n]
        t_idx_small, _ = insert_run(MinimumMatcher, small, d, "indexed_small")
        t_py, _ = insert_run(PythonScanMatcher, small, d, "pyscan")
        assert n_idx == n_sql
        print(f"insert with identity check, {args.params} params, 1 commit per offer")
        print(f"{'method':<28}{'offers':>8}{'minima':>8}{'seconds':>10}{'us/offer':>10}"
              f"{'ratio':>8}")
        for name, n, nm, t, ref in [
            ("indexed window (Store)", args.n, n_idx, t_idx, t_idx),
            ("SQL NOT INDEXED scan", args.n, n_sql, t_sql, t_idx),
            ("indexed window (Store)", args.python_n, None, t_idx_small, t_idx_small),
            ("Python loop over rows", args.python_n, None, t_py, t_idx_small),
        ]:
            nm_s = "" if nm is None else str(nm)
            print(f"{name:<28}{n:>8}{nm_s:>8}{t:>10.3f}{1e6 * t / n:>10.1f}{t / ref:>8.1f}")
        big = 100_000
        t_i, t_s = lookup_bench(d, big, args.params)
        print(f"\nlookup with {big} stored minima")
        print(f"{'method':<28}{'us/query':>10}{'ratio':>8}")
        print(f"{'indexed window (Store)':<28}{1e6 * t_i:>10.1f}{1.0:>8.1f}")
        print(f"{'SQL NOT INDEXED scan':<28}{1e6 * t_s:>10.1f}{t_s / t_i:>8.1f}")


if __name__ == "__main__":
    main()
