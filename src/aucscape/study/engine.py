"""The study's calls into the rest of aucscape, in one place: data, objective, explore,
grow, connect, analyse. Everything else in :mod:`aucscape.study` works on plain results.

Per landscape, the work done so far lives next to its database in ``<db>.json``
(quenches, evaluations, seconds, connection attempts), so a rerun continues the budget
instead of restarting it; the minima and transition states themselves live in the
database.
"""

from __future__ import annotations

import bisect
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._files import write_text_atomic
from ..landscape.grow import STOPS
from .results import MINIMA_COLUMNS, Work
from .spec import ConnectSettings, ExploreSettings, LandscapeSpec

if TYPE_CHECKING:
    from ..data import Dataset
    from ..landscape.store import Store
    from ..objectives import NetworkObjective

__all__ = ["WorkState", "analyze", "build_dataset", "build_objective", "connect", "explore",
           "grow"]


@dataclass
class WorkState(Work):
    """Work spent on one landscape across invocations (``<db>.json``): the
    :class:`~aucscape.study.results.Work` a result carries, and the number of
    basin-hopping ``blocks`` run (each block's seed depends on it)."""

    blocks: int = 0

    @classmethod
    def load(cls, path: Path) -> WorkState:
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            known = set(cls.__dataclass_fields__)
            state = cls(**{k: v for k, v in data.items() if k in known})
            for k in known:
                _check_recorded(k, getattr(state, k), getattr(cls(), k))
        except (UnicodeDecodeError, json.JSONDecodeError, AttributeError, TypeError) as exc:
            raise ValueError(f"{path} is damaged ({exc}); delete it to restart this "
                             "landscape's budget count, or restore it") from None
        return state

    def save(self, path: Path) -> None:
        write_text_atomic(path, json.dumps(asdict(self), indent=1))


#: What a work record's ``grow_stopped`` can hold ("" before any growth).
GROW_STOPS = ("", *STOPS)


def _check_recorded(key: str, value: Any, default: Any) -> None:
    """TypeError when a recorded work value is not of its field's kind (a damaged file)."""
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = type(value) is int and value >= 0
    elif isinstance(default, float):
        ok = type(value) in (int, float) and 0 <= value < float("inf")
    elif isinstance(default, str):  # grow_stopped: why the last growth call ended
        ok = value in GROW_STOPS
    else:  # discovery: [[quench count, minimum id], ...]
        ok = isinstance(value, list) and all(
            isinstance(x, list) and len(x) == 2 and all(isinstance(i, int) for i in x)
            for x in value)
    if not ok:
        raise TypeError(f"{key} = {value!r}")


def build_dataset(spec: dict[str, Any]) -> Dataset:
    """A :class:`aucscape.data.Dataset` from a config's ``[datasets.NAME]`` entry (with
    its replicate's seed): the same decoder as every stored description."""
    from ..data import load_dataset

    return load_dataset(spec)


def build_objective(dataset: Dataset, spec: LandscapeSpec) -> NetworkObjective:
    """The objective of one landscape: n_in-hidden-2 tanh network, loss, λ, β, margin."""
    from ..objectives import make_objective

    return make_objective(dataset, **spec.objective_kwargs())


def open_store(path: Path, objective: NetworkObjective) -> Store:
    """Open (creating or resuming) the landscape database at ``path``."""
    from ..landscape.store import Store

    return Store(path, objective.describe())


def block_seed(study_seed: int, key: str, block: int) -> int:
    """Seed of basin-hopping block ``block`` of landscape ``key`` (fixed per block, so a
    resumed run draws what an uninterrupted one would have)."""
    seq = np.random.SeedSequence([int(study_seed), zlib.crc32(key.encode()), int(block)])
    return int(seq.generate_state(1)[0])


def n_new_at(old: list[float], new: list[float], ediff: float) -> int:
    """How many of the energies ``new`` (in discovery order) are new minima at the energy
    criterion: |E − E'| ≥ ``ediff`` from every energy in ``old`` and every earlier new one.

    >>> n_new_at([1.0], [1.00005, 2.0, 2.00001], 1e-4)
    1
    """
    seen = sorted(old)
    count = 0
    for e in new:
        k = bisect.bisect_left(seen, e)
        near = [seen[j] for j in (k - 1, k) if 0 <= j < len(seen)]
        if all(abs(e - x) >= ediff for x in near):
            count += 1
        bisect.insort(seen, e)
    return count


def explore(objective: NetworkObjective, store: Store, spec: LandscapeSpec,
            settings: ExploreSettings, state: WorkState, *, seed: int, workers: int, executor: Any,
            save: Callable[[], None], advance: Callable[[int], None],
            ediff: float = 1e-4) -> None:
    """Basin-hop in blocks until the budget of ``spec.explore`` is spent or a block of
    ``window`` quenches finds no minimum that is new at the energy criterion ΔE ≥
    ``ediff`` (GMIN/PATHSAMPLE's 1e-4: the strict identity of the store keeps finding
    "new" minima that differ in the last digits, so a strict window would never fire);
    ``state`` and ``save`` record each block."""
    from ..landscape.basinhopping import BasinHopping, default_walkers

    budget = spec.explore
    walkers = settings.walkers or default_walkers(workers)
    block = budget.window if budget.window else max(walkers, 16)
    t0 = time.monotonic()
    while state.steps < budget.max_steps and not state.converged:
        if budget.max_time is not None and time.monotonic() - t0 >= budget.max_time:
            break
        n = min(block, budget.max_steps - state.steps)
        last_id = max((m.id for m in store.iter_minima(order="id")), default=0)
        found: list[int] = []  # quench count at each new minimum of this block

        def progress(st: Any, base: int = state.steps, found: list[int] = found) -> None:
            if st.new_minima > len(found):
                found.append(base + st.steps)
            advance(1)

        bh = BasinHopping(objective, store, step=settings.step,
                          temperature=settings.temperature, tol=settings.tol,
                          seed=block_seed(seed, spec.key, state.blocks), walkers=walkers,
                          minimize_options={"max_iter": settings.max_iter},
                          start_range=settings.start_range,
                          executor=executor, progress=progress)
        stats = bh.run(max_steps=n)
        minima = list(store.iter_minima(order="id"))
        new = [m for m in minima if m.id > last_id]
        state.discovery += [[q, m.id] for q, m in zip(found, new, strict=False)]
        old_e = [m.energy for m in minima if m.id <= last_id]
        fresh = n_new_at(old_e, [m.energy for m in new], ediff)
        state.steps += stats.steps
        state.n_eval += stats.n_eval
        state.explore_seconds += stats.elapsed
        state.blocks += 1
        if budget.window and stats.steps >= budget.window and fresh == 0:
            state.converged = True
        save()


def grow(objective: NetworkObjective, store: Store, spec: LandscapeSpec, tol: float,
         state: WorkState, *, executor: Any, workers: int, save: Callable[[], None]) -> None:
    """Single-ended searches from the stored minima (:func:`aucscape.landscape.grow.grow`)
    until saturated, or ``spec.grow.max_attempts`` searches over all invocations, or
    ``spec.grow.time_limit`` seconds of this one; a saturated landscape is not grown
    again."""
    from ..landscape.grow import GrowSettings
    from ..landscape.grow import grow as grow_store
    from ..landscape.ts.attempt import TSSettings

    left = spec.grow.max_attempts - state.grow_attempts
    if left <= 0 or store.n_minima() == 0 or state.grow_stopped == "saturated":
        return
    settings = GrowSettings(window=spec.grow.window, ts=TSSettings(tol=tol))
    t0 = time.monotonic()
    res = grow_store(objective, store, settings, executor=executor, workers=workers,
                     max_total=left, time_limit=spec.grow.time_limit)
    state.grow_attempts += res.call_attempts
    state.grow_seconds += time.monotonic() - t0
    state.grow_stopped = res.stopped
    save()


def connect(objective: NetworkObjective, store: Store, spec: LandscapeSpec,
            settings: ConnectSettings, tol: float, state: WorkState, *, executor: Any,
            save: Callable[[], None]) -> None:
    """Transition-state searches until every minimum joins the global minimum's network
    or ``spec.connect.max_attempts`` attempts (over all invocations) are spent."""
    from ..landscape.connect import connect_landscape
    from ..landscape.ts.attempt import TSSettings

    left = spec.connect.max_attempts - state.connect_attempts
    if left <= 0 or store.n_minima() < 2:
        return
    ts = TSSettings(n_images=settings.n_images, dneb_max_iter=settings.dneb_max_iter,
                    hef_max_iter=settings.hef_max_iter, tol=tol)
    t0 = time.monotonic()
    res = connect_landscape(objective, store, settings=ts, executor=executor,
                            max_attempts=left, time_limit=spec.connect.time_limit,
                            batch=settings.batch, max_tries=settings.max_tries)
    state.connect_attempts += res.attempts
    state.connect_seconds += time.monotonic() - t0
    state.largest_component = res.largest
    save()


def analyze(store: Store, dataset: Dataset, objective: NetworkObjective
            ) -> tuple[dict[str, list], list[list[float]], dict, dict]:
    """(per-minimum columns, transition states [E, min1, min2], Table-1 summary dict,
    counts by both identity rules: :func:`aucscape.landscape.counts.census`)."""
    from ..analysis import analyze_store
    from ..landscape.counts import census

    a = analyze_store(store, dataset=dataset)
    cols = {c: [getattr(p, c) for p in a.minima] for c in MINIMA_COLUMNS}
    ts = [[t.energy, t.min1, t.min2] for t in store.iter_ts(order="id")]
    return cols, ts, a.summary.to_dict(), census(store, objective).to_dict()
