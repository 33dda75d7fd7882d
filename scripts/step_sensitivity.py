"""How much the basin-hopping step decides the landscape a walker sees.

The study runs GMIN's basin-hopping settings (``STEP 1.0``, ``TEMPERATURE 2.0``, one walker
per worker, fixed step). This script measures, on the main part's CE and sigmoid
landscapes of a preset (same data, same replicate), how many distinct minima one walker
stores in ``--quenches`` quenches at each step size, against the same number of quenches
from independent random starts (every parameter U(−1, 1)). A walker whose count at a step
is far below the random-start count is trapped in a few basins: its stopping rule
(no new minimum in a window) then measures the step, not the landscape.

For each step s a fresh walker starts from one random point and perturbs every
coordinate of its current minimum by U(−s, s); distinct minima are counted at the
store's strict identity and merged at ΔE < 1e-4 (GMIN EDIFF).

    PYTHONPATH=src python3 scripts/step_sensitivity.py                   # quick preset, r0
    PYTHONPATH=src python3 scripts/step_sensitivity.py --quenches 2000 --steps 1,3,5,8

Prints a Markdown table.

``--choose`` picks the study's step on the **CE landscapes only** (no AUC surrogate is
run, so nothing about appAUC is tuned). Criterion, fixed before ``--choose`` was first
run:

- grid: step ∈ {1, 1.5, 2, 3, 4, 5, 6, 8} (half-width of U(−s, s) per parameter);
- on the preset's main-part CE landscape of replicates 0, 1 and 2, one walker
  (T and tolerance as the preset), ``--quenches`` quenches (default 500) from seed 0;
  the same number of independent U(−1, 1) starts on the same landscape as reference;
- D_w(s, r) and D_0(r): distinct minima at ΔE ≥ 1e-4 of the walker and of the starts;
- chosen: the **smallest** step with D_w(s, r) ≥ D_0(r) in **every** replicate (a
  walker that samples at least as many basins as independent restarts is not trapped,
  and the smallest such step stays closest to GMIN's ``STEP 1.0``). If no step meets it,
  the step with the largest min_r D_w/D_0 is reported, marked "none met the criterion".

    PYTHONPATH=src python3 scripts/step_sensitivity.py --choose
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from aucscape.landscape.basinhopping import BasinHopping
from aucscape.landscape.store import Store
from aucscape.landscape.walker import quench, rejection
from aucscape.study import engine
from aucscape.study.config import load_preset
from aucscape.study.stats import merge_by_energy


def merged(energies: list[float], ediff: float = 1e-4) -> int:
    """Distinct minima at ΔE < ``ediff``, by the study's own rule
    (:func:`aucscape.study.stats.merge_by_energy`: chains of close energies merge).

    >>> merged([0.0, 5e-5, 1.0])
    2
    """
    return len(merge_by_energy(energies, np.ones(len(energies), dtype=np.int64), ediff))


def walker_minima(objective, step: float, quenches: int, seed: int, tol: float,
                  max_iter: int, temperature: float) -> list[float]:
    """Energies of the minima one fixed-step walker stores in ``quenches`` quenches."""
    with tempfile.TemporaryDirectory() as d:
        with Store(Path(d) / "walk.db", objective.describe()) as store:
            BasinHopping(objective, store, step=step, temperature=temperature, tol=tol,
                         seed=seed, walkers=1,
                         minimize_options={"max_iter": max_iter}).run(max_steps=quenches)
            return [m.energy for m in store.iter_minima()]


def random_start_minima(objective, quenches: int, seed: int, tol: float,
                        max_iter: int) -> list[float]:
    """Energies of the valid minima from ``quenches`` independent random starts."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(quenches):
        q = quench(objective, objective.random_point(rng), tol, {"max_iter": max_iter})
        if rejection(q) is None:
            out.append(q.energy)
    return out


def landscape_objective(cfg, spec):
    """The objective of one study landscape (its data replicate and loss)."""
    ds = engine.build_dataset(cfg.dataset_spec(spec.dataset, spec.replicate))
    return engine.build_objective(ds, spec)


CHOOSE_GRID = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
CHOOSE_REPLICATES = (0, 1, 2)


def chosen_step(ratios: dict[float, list[float]]) -> tuple[float, bool]:
    """The criterion of ``--choose``: the smallest step whose walker/starts ratio of
    distinct minima is ≥ 1 in every replicate; else the step with the largest worst-case
    ratio, and False.

    >>> chosen_step({1.0: [0.1, 0.2], 3.0: [1.0, 1.4], 5.0: [2.0, 2.5]})
    (3.0, True)
    >>> chosen_step({1.0: [0.1, 0.2], 3.0: [0.9, 0.5]})
    (3.0, False)
    """
    met = [s for s in sorted(ratios) if min(ratios[s]) >= 1.0]
    if met:
        return met[0], True
    return max(sorted(ratios), key=lambda s: min(ratios[s])), False


def choose(cfg, preset: str, quenches: int, seed: int) -> int:
    """Run the pre-registered step choice on the preset's CE landscapes (module doc)."""
    es = cfg.explore_settings
    specs = {s.replicate: s for s in cfg.part_landscapes("main") if s.loss == "ce"}
    missing = [r for r in CHOOSE_REPLICATES if r not in specs]
    if missing:
        raise SystemExit(f"the {preset} preset's main part has no CE replicate {missing}")
    print(f"{preset} preset, main part, CE only, replicates {list(CHOOSE_REPLICATES)}; "
          f"{quenches} quenches per cell, T = {es.temperature}, one walker, seed {seed}\n")
    print("| replicate | start | distinct at ΔE < 1e-4 | D_w / D_0 | lowest energy | "
          "seconds |")
    print("|---|---|---|---|---|---|")
    ratios: dict[float, list[float]] = {s: [] for s in CHOOSE_GRID}
    for r in CHOOSE_REPLICATES:
        objective = landscape_objective(cfg, specs[r])
        t0 = time.perf_counter()
        ref = random_start_minima(objective, quenches, seed, es.tol, es.max_iter)
        d0 = merged(ref)
        print(f"| {r} | independent U(−1, 1) starts | {d0} | 1 | {min(ref):.5f} | "
              f"{time.perf_counter() - t0:.1f} |", flush=True)
        for step in CHOOSE_GRID:
            t0 = time.perf_counter()
            es_w = walker_minima(objective, step, quenches, seed, es.tol, es.max_iter,
                                 es.temperature)
            dw = merged(es_w)
            ratios[step].append(dw / max(d0, 1))
            low = f"{min(es_w):.5f}" if es_w else "–"
            print(f"| {r} | walker, step {step:g} | {dw} | {dw / max(d0, 1):.2f} | {low} | "
                  f"{time.perf_counter() - t0:.1f} |", flush=True)
    step, met = chosen_step(ratios)
    print("\n| step | worst D_w / D_0 | median D_w / D_0 |\n|---|---|---|")
    for s in CHOOSE_GRID:
        print(f"| {s:g} | {min(ratios[s]):.2f} | {float(np.median(ratios[s])):.2f} |")
    print(f"\nchosen step: {step:g}" + ("" if met else " (none met the criterion)"))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="quick", help="study preset (default quick)")
    ap.add_argument("--replicate", type=int, default=0, help="data replicate (default 0)")
    ap.add_argument("--losses", default="ce,sigmoid", help="main-part losses to scan")
    ap.add_argument("--steps", default="1,2,3,5", help="step sizes (comma-separated)")
    ap.add_argument("--quenches", type=int, help="quenches per cell (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="basin-hopping / start seed")
    ap.add_argument("--choose", action="store_true",
                    help="choose the study's step by the pre-registered CE-only criterion "
                         "(module doc); --quenches defaults to 500 there")
    args = ap.parse_args(argv)
    if args.choose:
        return choose(load_preset(args.preset), args.preset,
                      500 if args.quenches is None else args.quenches, args.seed)
    if args.quenches is None:
        args.quenches = 1000
    steps = [float(s) for s in args.steps.split(",")]
    if not steps or min(steps) <= 0 or args.quenches < 1:
        ap.error("--steps must be positive numbers and --quenches at least 1")
    cfg = load_preset(args.preset)
    es = cfg.explore_settings
    specs = {s.loss: s for s in cfg.part_landscapes("main") if s.replicate == args.replicate}
    wanted = args.losses.split(",")
    missing = [w for w in wanted if w not in specs]
    if missing:
        ap.error(f"--losses: {missing} not in the {args.preset} preset's main part")
    print(f"{args.preset} preset, main part, replicate {args.replicate}; "
          f"{args.quenches} quenches per cell, T = {es.temperature}, one walker\n")
    print("| loss | start | minima stored | distinct at ΔE < 1e-4 | lowest energy | seconds |")
    print("|---|---|---|---|---|---|")
    for loss in wanted:
        objective = landscape_objective(cfg, specs[loss])
        for step in [*steps, None]:
            t0 = time.perf_counter()
            if step is None:
                label = "independent U(−1, 1) starts"
                energies = random_start_minima(objective, args.quenches, args.seed, es.tol,
                                               es.max_iter)
            else:
                label = f"walker, step {step:g}"
                energies = walker_minima(objective, step, args.quenches, args.seed, es.tol,
                                         es.max_iter, es.temperature)
            low = f"{min(energies):.5f}" if energies else "–"
            print(f"| {loss} | {label} | {len(energies)} | {merged(energies)} | {low} | "
                  f"{time.perf_counter() - t0:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
