"""Connecting minima with verified transition states (OPTIM's connect, PATHSAMPLE's driver).

:func:`connect` joins two stored minima and :func:`connect_landscape` every target minimum
to the global minimum's component. Each round picks gaps with OPTIM's missing-connection
strategy (:mod:`.network`: Dijkstra over aligned distances, existing connections free);
every gap becomes one DNEB + HEF attempt
(:func:`~aucscape.landscape.ts.attempt.attempt_connection`) between x_i and the copy of
x_j aligned to it. Minima that step-off quenches discover are stored and become stepping
stones for later paths. Repeat until a and b share a connected component.

Workers only compute; :func:`.record.record_attempt` is the single writer (re-exported
here with :func:`~.record.find_stationary`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..protocols import FloatArray, Objective
from .network import Network, Pair
from .record import KEEP, find_stationary, record_attempt, record_detail
from .ts.attempt import AttemptResult, FoundTS, TSSettings, attempt_connection
from .ts.detour import bridge_ends, swap_ends
from .ts.symmetry import aligned_pair

if TYPE_CHECKING:
    from .store import Store


@dataclass
class ConnectResult:
    """connected: a and b share a component; ts_path: stored TS ids joining them;
    n_attempts: DNEB attempts made; new_ts: ids of transition states added."""

    connected: bool
    ts_path: list[int]
    n_attempts: int
    new_ts: list[int] = field(default_factory=list)


def connect(objective: Objective, store: Store, min_a: int, min_b: int, *,
            settings: TSSettings | None = None, max_cycles: int = 20, max_tries: int = 3,
            executor: Any | None = None) -> ConnectResult:
    """Join stored minima ``min_a`` and ``min_b`` (store ids) by verified transition states.

    Each cycle attempts every gap on the current missing-connection Dijkstra path (in
    parallel through ``executor.submit`` when given) and stores what it finds; stops when
    a and b are connected, after ``max_cycles`` cycles, or when no untried gap remains.
    """
    settings = TSSettings() if settings is None else settings
    tries: dict[Pair, int] = {}
    dist_cache: dict[Pair, float] = {}
    n_att = 0
    new: list[int] = []
    for _ in range(int(max_cycles) + 1):
        net = Network(objective, store, dist_cache)
        for name, mid in (("min_a", min_a), ("min_b", min_b)):
            if mid not in net.row:
                raise ValueError(f"{name} = {mid} is not a stored minimum")
        a, b = net.row[min_a], net.row[min_b]
        if net.connected(a, b):
            return ConnectResult(True, net.ts_path(a, b), n_att, new)
        if _ == max_cycles:
            break
        # Row indices change as minima are added; tries are keyed on store ids.
        row_tries = {(min(net.row[i], net.row[j]), max(net.row[i], net.row[j])): t
                     for (i, j), t in tries.items()}
        gaps = net.gaps_on_path(net.dijkstra(a, row_tries, max_tries), b)
        if not gaps:
            break
        results = _run_batch(objective, [(net.endpoints(i, j), settings) for i, j in gaps],
                             executor)
        for (i, j), res in zip(gaps, results, strict=True):
            key = (min(net.ids[i], net.ids[j]), max(net.ids[i], net.ids[j]))
            tries[key] = tries.get(key, 0) + 1
            new.extend(record_attempt(objective, store, res, settings))
        n_att += len(gaps)
    return ConnectResult(False, [], n_att, new)


@dataclass
class LandscapeProgress:
    """Reported after every round: attempts so far, transition states stored, minima stored,
    size of the largest connected component, whether every target minimum is in the global
    minimum's component, the number of target minima and how many of them are there;
    ``given_up``: store id -> reason for target minima this call stopped trying (each was
    an end of ``give_up_after`` failed attempts)."""

    attempts: int
    n_ts: int
    n_minima: int
    largest: int
    done: bool
    n_targets: int = 0
    targets_connected: int = 0
    given_up: dict[int, str] = field(default_factory=dict)


CONNECT_RUN_KIND = "connect"
TRIES_RUN_KIND = "connect_tries"
ORDERS = ("nearest", "energy")


def load_tries(store: Store) -> dict[Pair, int]:
    """Attempts per pair of store ids (id_a < id_b) recorded by earlier driver calls."""
    tries: dict[Pair, int] = {}
    for _, rec in store.iter_runs():
        if rec.get("kind") == TRIES_RUN_KIND:
            for a, b, t in rec.get("tries", []):
                key = (min(int(a), int(b)), max(int(a), int(b)))
                tries[key] = tries.get(key, 0) + int(t)
    return tries


def _save_tries(store: Store, tries: dict[Pair, int]) -> None:
    if tries:
        store.add_run({"kind": TRIES_RUN_KIND,
                       "tries": [[a, b, t] for (a, b), t in sorted(tries.items())]})


def _connect_runs(store: Store) -> set[int]:
    """Ids of the run records of kind "connect" (this driver's own label)."""
    return {rid for rid, rec in store.iter_runs() if rec.get("kind") == CONNECT_RUN_KIND}


def _is_target(m: Any, connect_runs: set[int], targets: str) -> bool:
    return targets == "all" or m.run_id is None or m.run_id not in connect_runs


def retry_settings(settings: TSSettings, tries: int) -> TSSettings:
    """Settings for the (tries + 1)-th attempt on a pair: a band with (1 + tries) times the
    images (image count and density), so a retry resolves a path the first band missed."""
    if tries <= 0:
        return settings
    f = 1 + int(tries)
    return dataclasses.replace(settings, n_images=settings.n_images * f,
                               image_density=settings.image_density * f,
                               max_images=max(settings.max_images, settings.n_images * f))


def _add(a: dict[Pair, int], b: dict[Pair, int]) -> dict[Pair, int]:
    """Attempt counts a + b, pair by pair."""
    out = dict(a)
    for key, t in b.items():
        out[key] = out.get(key, 0) + t
    return out


def _rows(net: Network, tries: dict[Pair, int]) -> dict[Pair, int]:
    """Attempt counts keyed by store-id pairs, re-keyed by the network's row pairs."""
    return {(min(net.row[i], net.row[j]), max(net.row[i], net.row[j])): t
            for (i, j), t in tries.items() if i in net.row and j in net.row}


def _reason(res: AttemptResult, detours: int = 0) -> str:
    if detours:
        return (f"the band's new transition states ({detours}) led only to new minima "
                "(detours, not stored)")
    if res.found or res.known:
        return "the band's transition states were all stored already"
    if res.n_candidates == 0:
        return "band had no climbing-image candidate"
    return "; ".join(sorted(set(res.rejected))) or "no verified transition state"


def connect_landscape(objective: Objective, store: Store, *, settings: TSSettings | None = None,
                      executor: Any | None = None, max_attempts: int | None = None,
                      time_limit: float | None = None, batch: int = 4, max_tries: int = 3,
                      targets: str = "all", order: str = "nearest",
                      give_up_after: int = 9, passes: int = 3, k_neighbours: int = 10,
                      run_id: int | None = None, persist_tries: bool = False,
                      keep: str = "attached", early_exit: bool = True,
                      intermediate: bool = True,
                      progress: Callable[[LandscapeProgress], None] | None = None
                      ) -> LandscapeProgress:
    """Connect every target minimum to the global minimum's component (PATHSAMPLE's role).

    Targets: ``targets="all"`` (default): every minimum in the store, including those the
    step-off quenches discover while connecting, as PATHSAMPLE's graphs and counts
    assume. ``targets="explored"``: only minima not added by this driver (run records of
    kind "connect"); the others are stepping stones. New minima and transition states are
    tagged with ``run_id`` when given (e.g. the CLI's run record), else a run record of
    kind "connect" is added when the first transition state is stored.

    Each round: sparse Dijkstra from the global minimum over the missing-connection graph
    (:class:`.network.Network`, ``k_neighbours`` descriptor neighbours per minimum); the
    targets outside its component, ordered by ``order`` ("nearest": smallest path cost
    first; "energy": lowest energy first, PATHSAMPLE's CONNECTUNC), each contribute the
    gaps on their shortest path until ``batch`` distinct pairs are chosen; those attempts
    run (in parallel through ``executor``) and are recorded. A pair's (t+1)-th attempt
    uses :func:`retry_settings` (more images); after ``max_tries`` the pair is dropped and
    its minima get other partners. A target that was an end of ``give_up_after`` failed
    attempts in this pass is given up and reported in ``given_up`` with the reason; when
    every remaining target is given up (or no pair remains) a new pass starts, up to
    ``passes``, counting the earlier passes' attempts as a later call would. Stops
    when all remaining targets share the global minimum's component, ``max_attempts``
    attempts are spent, ``time_limit`` seconds have passed, or no pair remains. All state
    lives in the store, so a later call resumes; with ``persist_tries`` the attempt counts
    are saved on return (run record of kind "connect_tries"); a later call counts them in
    the weights and in :func:`retry_settings` (its own ``max_tries`` starts afresh), so it
    tries the given-up minima with other partners first and then with larger bands.

    ``keep`` (:func:`record_attempt`): "attached" (default) stores only transition states
    with a minimum already stored, so new minima always enter an existing component and no
    side component is ever created (bands between distant minima often refine to a saddle
    between two unknown basins: 34 of 326 saddles found in a spiral CE 2-4-2 run, each a new
    two-minimum side component); "all" stores every verified TS. ``early_exit``: workers get
    the stored TS energies and skip the step-off of saddles that match one
    (:mod:`.ts.attempt`). ``intermediate`` (with "attached"): each detour is bridged at
    once by two more bands from the attempt's end points to its minima
    (:mod:`.ts.detour`); the detour is stored when a bridge attaches it.
    """
    settings = TSSettings() if settings is None else settings
    if int(batch) < 1:
        raise ValueError(f"batch must be >= 1, got {batch!r}")
    if targets not in ("explored", "all"):
        raise ValueError(f"targets must be 'explored' or 'all', got {targets!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if int(passes) < 1:
        raise ValueError(f"passes must be >= 1, got {passes!r}")
    if int(give_up_after) < 1:
        raise ValueError(f"give_up_after must be >= 1, got {give_up_after!r}")
    if keep not in KEEP:
        raise ValueError(f"keep must be one of {KEEP}, got {keep!r}")
    t0 = time.monotonic()
    earlier = load_tries(store) if persist_tries else {}
    tries: dict[Pair, int] = {}  # this call's attempts, saved on return
    dist_cache: dict[Pair, float] = {}
    desc_cache: dict[int, FloatArray] = {}
    nb_cache: dict[int, tuple[int, Any]] = {}
    failures: dict[int, int] = {}  # store id -> failed attempts it was an end of
    reasons: dict[int, str] = {}
    given_up: dict[int, str] = {}
    base = dict(earlier)  # attempts of earlier calls and passes: weights and band sizes
    pass_tries: dict[Pair, int] = {}  # this pass's attempts: pairs dropped at max_tries
    passes_done = 0
    attempts = 0
    connect_runs = _connect_runs(store)
    if run_id is not None:
        connect_runs.add(int(run_id))
    while True:
        net = Network(objective, store, dist_cache, k_neighbours=k_neighbours,
                      desc_cache=desc_cache, nb_cache=nb_cache)
        target_rows = [net.row[m.id] for m in store.iter_minima()
                       if _is_target(m, connect_runs, targets)]
        sizes = net.component_sizes()
        gm_root = net.uf.find(0)  # row 0 is the global minimum (energy order)
        outside = [k for k in target_rows if net.uf.find(k) != gm_root]
        for k in outside:
            mid = net.ids[k]
            if failures.get(mid, 0) >= give_up_after and mid not in given_up:
                given_up[mid] = (f"{failures[mid]} failed attempts; last: "
                                 f"{reasons.get(mid, 'no verified transition state')}")
        inside_ids = {net.ids[k] for k in range(len(net.ids)) if net.uf.find(k) == gm_root}
        for mid in [m for m in given_up if m in inside_ids]:
            del given_up[mid]  # joined through a path found for another minimum
        open_rows = [k for k in outside if net.ids[k] not in given_up]
        state = LandscapeProgress(attempts, store.n_ts(), len(net.ids), max(sizes.values()),
                                  not outside, len(target_rows),
                                  len(target_rows) - len(outside), dict(given_up))
        if progress is not None:
            progress(state)
        if ((max_attempts is not None and attempts >= max_attempts)
                or (time_limit is not None and time.monotonic() - t0 >= time_limit)):
            break
        chosen: list[Pair] = []
        if open_rows:
            merged = _add(base, pass_tries)
            pred = net.dijkstra(0, _rows(net, pass_tries), max_tries, _rows(net, base))
            if order == "nearest":
                ranked = sorted(open_rows, key=lambda k: (net.cost[k], k))
            else:
                ranked = sorted(open_rows)  # rows are in energy order
            limit = batch if max_attempts is None else min(batch, max_attempts - attempts)
            for k in ranked:
                for gap in net.gaps_on_path(pred, int(k)):
                    if gap not in chosen and len(chosen) < limit:
                        chosen.append(gap)
                if len(chosen) >= limit:
                    break
        if not chosen:
            if (not open_rows and not outside) or passes_done + 1 >= passes:
                break
            # Every remaining target was given up, or no path has an untried gap: a new
            # pass, as a later call would make (this pass's counts become "earlier":
            # other partners, then larger bands).
            passes_done += 1
            base = _add(base, pass_tries)
            pass_tries = {}
            failures.clear()
            given_up.clear()
            continue
        pair_ids = [(min(net.ids[i], net.ids[j]), max(net.ids[i], net.ids[j]))
                    for i, j in chosen]
        jobs = [(net.endpoints(i, j), retry_settings(settings, merged.get(key, 0)))
                for (i, j), key in zip(chosen, pair_ids, strict=True)]
        results = _run_batch(objective, jobs, executor,
                             _ts_energies(store) if early_exit else None)
        pending: list[tuple[FoundTS, tuple[FloatArray, FloatArray]]] = []
        follow: list[tuple[FloatArray, FloatArray]] = []
        for key, res, job in zip(pair_ids, results, jobs, strict=True):
            tries[key] = tries.get(key, 0) + 1
            pass_tries[key] = pass_tries.get(key, 0) + 1
            if run_id is None and (res.found or res.known):
                run_id = store.add_run({"kind": CONNECT_RUN_KIND,
                                        "settings": dataclasses.asdict(settings),
                                        "targets": targets, "batch": int(batch),
                                        "max_tries": int(max_tries)})
                connect_runs.add(run_id)
            stored, detours, refound = record_detail(objective, store, res, settings, run_id, keep)
            if not stored:
                for mid in key:
                    failures[mid] = failures.get(mid, 0) + 1
                    reasons[mid] = _reason(res, len(detours))
                if refound:
                    follow.extend(_follow_jobs(objective, store, net, key, job[0], refound[0]))
            pending.extend((t, job[0]) for t in detours)
        attempts += len(chosen)
        room = None if max_attempts is None else max_attempts - attempts  # bridges count
        if intermediate and (pending or follow) and keep == "attached" and room != 0:
            attempts += _bridge(objective, store, pending[:batch], follow[:batch], settings,
                                executor, _ts_energies(store) if early_exit else None, run_id,
                                limit=room)
    if persist_tries:
        _save_tries(store, tries)
    return state


def _follow_jobs(objective: Objective, store: Store, net: Network, key: Pair,
                 ends: tuple[FloatArray, FloatArray], ts: Any
                 ) -> list[tuple[FloatArray, FloatArray]]:
    """Bridges from a re-found stored TS's minima to the band's ends ``ends`` of pair
    ``key`` (store ids, same order), skipping ends already connected (:mod:`.ts.detour`)."""
    x_a, x_b = ends
    p, m = store.get_minimum(ts.min1), store.get_minimum(ts.min2)
    if swap_ends(objective, p.coords, m.coords, x_a, x_b):
        p, m = m, p
    a, b = (key[0], key[1]) if np.array_equal(net.coords[net.row[key[0]]], x_a) else (key[1],
                                                                                      key[0])
    out = []
    for end, mid, x_end, first in ((a, p.id, x_a, True), (b, m.id, x_b, False)):
        if mid in net.row and net.connected(net.row[end], net.row[mid]):
            continue
        x_m = store.get_minimum(mid).coords
        out.append(aligned_pair(objective, x_end, x_m) if first
                   else aligned_pair(objective, x_m, x_end))
    return out


def _bridge(objective: Objective, store: Store,
            detours: list[tuple[FoundTS, tuple[FloatArray, FloatArray]]],
            follow: list[tuple[FloatArray, FloatArray]], settings: TSSettings,
            executor: Any | None, known: FloatArray | None, run_id: int | None,
            limit: int | None = None) -> int:
    """Bridge bands for ``detours`` ((TS, band end points)) and the ``follow`` bands of
    re-found saddles, at most ``limit`` of them (the attempt budget left; detours' bridges
    first); store what attaches, then the detours that attach through it
    (:mod:`.ts.detour`). Returns the attempts made."""
    jobs = [(ends, settings) for t, (xa, xb) in detours
            for ends in bridge_ends(objective, t, xa, xb)]
    jobs += [(ends, settings) for ends in follow]
    if limit is not None:
        jobs = jobs[:max(0, int(limit))]
    for res in _run_batch(objective, jobs, executor, known):
        record_detail(objective, store, res, settings, run_id, "attached")
    record_detail(objective, store, AttemptResult([t for t, _ in detours], 0), settings, run_id,
            "attached")
    return len(jobs)


def _run_batch(objective: Objective, jobs: list[tuple[tuple[FloatArray, FloatArray], TSSettings]],
               executor: Any | None, known: FloatArray | None = None) -> list[AttemptResult]:
    """Run the attempts ((x_a, x_b), settings), through ``executor.submit`` when given;
    ``known``: stored TS energies for the early exit."""
    if executor is None:
        return [attempt_connection(objective, a, b, s, known) for (a, b), s in jobs]
    futures = [executor.submit(attempt_connection, objective, a, b, s, known)
               for (a, b), s in jobs]
    return [f.result() for f in futures]


def _ts_energies(store: Store) -> FloatArray:
    """Sorted energies of the stored transition states (for the early exit)."""
    return np.sort(np.array([t.energy for t in store.iter_ts()], dtype=np.float64))


__all__ = [
    "CONNECT_RUN_KIND",
    "ConnectResult",
    "FoundTS",
    "LandscapeProgress",
    "Network",
    "connect",
    "connect_landscape",
    "find_stationary",
    "load_tries",
    "record_attempt",
]
