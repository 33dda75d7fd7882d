"""Time per Keras training step: aucscape's pairwise AUC losses vs the naive broadcast loss.

For each backend (torch, jax; one subprocess each, since Keras fixes its backend at
import), batch size N (256, 4096, 65536; 10 % positives) and loss, one compiled
``model.train_on_batch`` step of a 30-16-1 MLP is timed (median of ``--repeats`` after one
warm-up step that also compiles). Losses:

* ``SigmoidAUCLoss`` (blocked while-loop over rows of the smaller class, fused value and
  gradient under stop-gradient: memory O(block + N)) and ``HingeAUCLoss`` (argsort and
  prefix sums: O(N log N));
* the naive loss found in most tutorials: Σ mask ⊙ ℓ(s[:, None] − s[None, :]) / Σ mask over
  the full N × N matrix (sigmoid and hinge), whose autodiff keeps several N × N arrays.

Memory is the peak extra resident set size of the process during the timed steps (sampled
every millisecond by a thread, minus the size just before; glibc told to return large
blocks at once): an estimate, as CPU backends have no allocator statistics. The naive
loss is skipped where its N × N float32 temporaries (about 4 of them) would exceed
``--naive-limit-gb`` (2 GB by default); the table says so. Workers run with
OMP_NUM_THREADS=1.

    python benchmarks/bench_keras.py                       # both backends, all sizes
    python benchmarks/bench_keras.py --backends jax --sizes 256 4096 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

NAIVE_TEMPORARIES = 4  # N × N float32 arrays alive at once in the naive loss + its gradient


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Context manager sampling the resident set size every millisecond; ``.extra`` bytes."""

    def __enter__(self) -> PeakRSS:
        self.base = self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.001)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())
        self.extra = self.peak - self.base


def worker(sizes: list[int], repeats: int, naive_limit_gb: float) -> None:
    """Runs inside one backend; prints one JSON line per (N, loss)."""
    import keras
    import numpy as np
    from keras import ops

    from aucscape.keras import HingeAUCLoss, SigmoidAUCLoss

    def naive(surrogate: str):
        def loss(y_true, y_pred):  # the broadcast version from the tutorials
            y = ops.reshape(ops.cast(y_true, "float32"), (-1,))
            s = ops.reshape(y_pred, (-1,))
            mask = y[:, None] * (1.0 - y)[None, :]
            diff = s[:, None] - s[None, :]
            ell = ops.sigmoid(-40.0 * diff) if surrogate == "sigmoid" else ops.relu(1.0 - diff)
            return ops.sum(mask * ell) / ops.sum(mask)

        return loss

    rng = np.random.default_rng(0)
    for n in sizes:
        x = rng.normal(size=(n, 30)).astype("float32")
        y = (rng.random(n) < 0.1).astype("float32")
        naive_gb = NAIVE_TEMPORARIES * 4 * n * n / 1e9
        cases = [
            ("SigmoidAUCLoss", SigmoidAUCLoss()),
            ("naive sigmoid", naive("sigmoid")),
            ("HingeAUCLoss", HingeAUCLoss()),
            ("naive hinge", naive("hinge")),
        ]
        for label, loss in cases:
            row = {"backend": keras.backend.backend(), "n": n, "loss": label}
            if label.startswith("naive") and naive_gb > naive_limit_gb:
                row["skipped"] = f"needs ~{naive_gb:.0f} GB"
                print(json.dumps(row), flush=True)
                continue
            keras.utils.set_random_seed(0)
            model = keras.Sequential([
                keras.Input((30,)),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss=loss)
            reps = repeats if n <= 4096 else max(1, repeats // 3)
            model.train_on_batch(x, y)  # warm-up and compilation, outside the measurement
            with PeakRSS() as mem:
                times = []
                for _ in range(reps):
                    start = time.perf_counter()
                    value = model.train_on_batch(x, y)
                    times.append(time.perf_counter() - start)
            row.update(ms=1e3 * float(np.median(times)), mb=mem.extra / 2**20,
                       finite=bool(np.isfinite(value)))
            print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", nargs="+", default=["torch", "jax"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[256, 4096, 65536])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--naive-limit-gb", type=float, default=2.0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.sizes, args.repeats, args.naive_limit_gb)
        return
    rows = []
    for backend in args.backends:
        # A fixed mmap threshold makes glibc return every large temporary on free, so the
        # resident set size follows the live memory of the step. One OpenMP thread: on a
        # shared, oversubscribed machine torch's spinning OpenMP pool was 10x slower.
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
               "MALLOC_MMAP_THRESHOLD_": "65536", "OMP_NUM_THREADS": "1"}
        cmd = [sys.executable, __file__, "--worker", "--repeats", str(args.repeats),
               "--naive-limit-gb", str(args.naive_limit_gb), "--sizes",
               *map(str, args.sizes)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        rows += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    ours = {(r["backend"], r["n"], r["loss"]): r for r in rows}
    print(f"{'backend':8s} {'N':>6s}  {'loss':15s} {'ms/step':>9s} {'peak MB':>8s} "
          f"{'naive/ours time':>15s} {'naive/ours mem':>14s}")
    for r in rows:
        if "skipped" in r:
            print(f"{r['backend']:8s} {r['n']:6d}  {r['loss']:15s} {'skipped':>9s} "
                  f"({r['skipped']} of N x N temporaries > {args.naive_limit_gb} GB limit)")
            continue
        ratio_t = ratio_m = ""
        if r["loss"].startswith("naive"):
            mine = ours[(r["backend"], r["n"],
                         "SigmoidAUCLoss" if "sigmoid" in r["loss"] else "HingeAUCLoss")]
            ratio_t = f"{r['ms'] / mine['ms']:.2f}x"
            ratio_m = f"{max(r['mb'], 1.0) / max(mine['mb'], 1.0):.1f}x"
        print(f"{r['backend']:8s} {r['n']:6d}  {r['loss']:15s} {r['ms']:9.2f} {r['mb']:8.1f} "
              f"{ratio_t:>15s} {ratio_m:>14s}")


if __name__ == "__main__":
    main()
