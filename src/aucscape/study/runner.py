"""Run a study: for each landscape, explore → grow → connect → analyse, into ``OUT/db/``.

Each landscape (one per replicate) has its own database ``OUT/db/<key>.db`` (and work
record ``<key>.json``); sensitivity variants write under ``OUT/sensitivity/LABEL/db/``.
Running the same config into the same folder again continues every landscape where it
stopped (a finished one is only re-analysed). Quenches and
connection attempts go through one :func:`aucscape.parallel.make_executor` executor
(``workers`` local processes or a Dask ``scheduler``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from . import engine
from .results import LandscapeResult, StudyResults
from .spec import PARTS, StudyConfig

__all__ = ["Progress", "run_study", "total_steps"]

#: ``progress(event, key, n)``: event "landscape" (n = its index) when a landscape
#: starts, "quench" (n = 1) after each basin-hopping quench, "phase" with key
#: "<key>: grow" / "<key>: connect" / "<key>: analyse" when those start.
Progress = Callable[[str, str, int], None]


def total_steps(config: StudyConfig) -> int:
    """Basin-hopping quenches the config asks for in all (the progress bar's total),
    sensitivity variants included."""
    n = sum(s.explore.max_steps for s in config.landscapes())
    for label in (config.sensitivity.variants if config.sensitivity else {}):
        n += sum(s.explore.max_steps for s in config.variant(label).landscapes())
    return n


def run_study(config: StudyConfig, out: str | Path, *, workers: int = 1,
              scheduler: str | None = None, progress: Progress | None = None
              ) -> StudyResults:
    """Explore, connect and analyse every landscape of ``config`` into ``out``; write and
    return the :class:`StudyResults` (``out/results.json``)."""
    from ..parallel import close_executor, make_executor, single_blas_thread

    out = Path(out)
    report = progress or (lambda _e, _k, _n: None)
    t0 = time.monotonic()
    executor = make_executor(workers, scheduler)  # before any folder is made
    # Sequentially the quenches run in this process: one BLAS thread, as in a worker.
    pin = single_blas_thread() if scheduler is None and workers == 1 else nullcontext()
    try:
        with pin:
            results = _run_all(config, out / "db", workers, executor, report)
            _distances_to_ce(config, results, out / "db", report)
            variants = {}
            for label in (config.sensitivity.variants if config.sensitivity else {}):
                vcfg = config.variant(label)
                vdb = out / "sensitivity" / label / "db"
                vres = _run_all(vcfg, vdb, workers, executor, report)
                _distances_to_ce(vcfg, vres, vdb, report)
                variants[label] = _study(vcfg, vres, 0.0, workers, scheduler).to_dict()
    except BaseException:  # interrupted or failed: end the workers, do not wait for them
        close_executor(executor, interrupted=True)
        raise
    close_executor(executor)
    study = _study(config, results, time.monotonic() - t0, workers, scheduler)
    study.variants = variants
    study.save(out / "results.json")
    return study


def _study(config: StudyConfig, results: dict[str, LandscapeResult], seconds: float,
           workers: int, scheduler: str | None) -> StudyResults:
    return StudyResults(
        config=config.to_dict(), landscapes=results,
        parts={p: [s.key for s in config.part_landscapes(p)] for p in PARTS},
        wall_seconds=seconds, workers=workers, scheduler=scheduler,
        version=__version__, created=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def _distances_to_ce(config: StudyConfig, results: dict[str, LandscapeResult],
                     dbdir: Path, report: Progress) -> None:
    """Fill ``nearest_ce`` for the main part: how far each minimum lies from the CE
    landscape's minima of the same replicate (aligned distances, lowest minima first)."""
    from ..landscape.store import Store
    from ..landscape.ts.symmetry import nearest_distances
    from ..objectives import build_objective

    specs = config.part_landscapes("main")
    for ce in (s for s in specs if s.loss == "ce"):
        report("phase", f"{ce.key}: distances", 0)
        same = [s for s in specs if s.replicate == ce.replicate]
        coords = {}
        for s in same:
            with Store(dbdir / f"{s.key}.db", read_only=True) as store:
                coords[s.key] = [m.coords for m in store.iter_minima(order="energy")]
        with Store(dbdir / f"{ce.key}.db", read_only=True) as store:
            objective = build_objective(store.objective_description)
        for s in same:
            ref = None if s.key == ce.key else coords[ce.key]
            results[s.key].nearest_ce = nearest_distances(objective, coords[s.key], ref)


def _run_all(config: StudyConfig, dbdir: Path, workers: int, executor: Any,
             report: Progress) -> dict[str, LandscapeResult]:
    dbdir.mkdir(parents=True, exist_ok=True)
    datasets: dict[str, Any] = {}
    results: dict[str, LandscapeResult] = {}
    for i, spec in enumerate(config.landscapes()):
        report("landscape", spec.key, i)
        dkey = f"{spec.dataset}/{spec.replicate}"
        if dkey not in datasets:
            datasets[dkey] = engine.build_dataset(
                config.dataset_spec(spec.dataset, spec.replicate))
        results[spec.key] = _run_landscape(config, spec, datasets[dkey], dbdir,
                                           workers, executor, report)
    return results


def _run_landscape(config: StudyConfig, spec: Any, dataset: Any, dbdir: Path, workers: int,
                   executor: Any, report: Progress) -> LandscapeResult:
    objective = engine.build_objective(dataset, spec)
    db = dbdir / f"{spec.key}.db"
    state_path = dbdir / f"{spec.key}.json"
    state = engine.WorkState.load(state_path)
    with engine.open_store(db, objective) as store:
        engine.explore(objective, store, spec, config.explore_settings, state,
                       seed=config.seed, workers=workers, executor=executor,
                       save=lambda: state.save(state_path),
                       advance=lambda n: report("quench", spec.key, n),
                       ediff=config.duplicate_ediff)
        if spec.grow.max_attempts:
            report("phase", f"{spec.key}: grow", 0)
            engine.grow(objective, store, spec, config.explore_settings.tol, state,
                        executor=executor, workers=workers,
                        save=lambda: state.save(state_path))
        report("phase", f"{spec.key}: connect", 0)
        engine.connect(objective, store, spec, config.connect_settings,
                       config.explore_settings.tol, state, executor=executor,
                       save=lambda: state.save(state_path))
        report("phase", f"{spec.key}: analyse", 0)
        minima, ts, summary, counts = engine.analyze(store, dataset, objective)
    state.save(state_path)
    return LandscapeResult(
        **state.work(), key=spec.key, label=spec.label, dataset=spec.dataset, loss=spec.loss,
        hidden=spec.hidden, n_in=int(dataset.X_train.shape[1]), lam=spec.lam, beta=spec.beta,
        margin=spec.margin, parts=list(spec.parts), db=f"db/{db.name}",
        ts_search=spec.connect.max_attempts > 0 or spec.grow.max_attempts > 0,
        replicate=spec.replicate, group=spec.group,
        n_test_pos=int(dataset.y_test.sum()), n_test_neg=int((dataset.y_test == 0).sum()),
        minima=minima, ts=ts, summary=summary, counts=counts)
