"""The single writer of connection attempts: match an attempt's stationary points against
the store and add the new ones (used by :mod:`.connect`).

Each verified TS is matched against stored ones (:func:`find_stationary`: relative
energy difference as in :mod:`.identity`, then symmetry-aligned distance) and stored
once; its two minima are matched to stored minima the same way or added, in one
transaction. ``keep="attached"`` stores only transition states with a minimum already
stored (see :func:`record_attempt`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..protocols import Objective
from .identity import energy_window, find_same
from .ts.attempt import AttemptResult, FoundMinimum, FoundTS, TSSettings, complete_known
from .ts.symmetry import aligned_distance

if TYPE_CHECKING:
    from .store import Store

__all__ = ["KEEP", "find_stationary", "record_attempt", "record_detail"]


def find_stationary(objective: Objective, candidates: list[Any], energy: float, coords: Any,
                    settings: TSSettings) -> Any | None:
    """The record among ``candidates`` (with ``.energy``, ``.coords``, ``.id``) that is the
    same stationary point as (energy, coords), or None.

    Same: |dE| < edifftol max(1, |E|) (as :mod:`.identity`) and, unless geomdifftol is
    None, symmetry-aligned distance D < geomdifftol (:mod:`.ts.symmetry`; alignment, not a
    canonical form, so that near-ties in the canonical ordering cannot split one minimum);
    the nearest such record wins (:func:`.identity.find_same`).
    """
    return find_same(candidates, energy, coords, edifftol=settings.edifftol,
                     geomdifftol=settings.geomdifftol,
                     distance=lambda a, b: aligned_distance(objective, a, b))


def _window(energy: float, settings: TSSettings) -> tuple[float, float]:
    return energy_window(energy, settings.edifftol)


def _match_or_add_minimum(objective: Objective, store: Store, m: FoundMinimum, s: TSSettings,
                          run_id: int | None) -> int:
    old = find_stationary(objective, store.minima_in_window(*_window(m.energy, s)), m.energy,
                          m.coords, s)
    if old is not None:
        return int(old.id)
    return int(store.add_minimum(m.energy, m.coords, rms_grad=m.rms_grad, min_eig=m.min_eig,
                                 n_nonpositive=m.n_nonpositive, lpphe=m.lpphe, run_id=run_id))


KEEP = ("attached", "all")


def _stored_minimum(objective: Objective, store: Store, m: FoundMinimum, s: TSSettings) -> bool:
    return find_stationary(objective, store.minima_in_window(*_window(m.energy, s)), m.energy,
                           m.coords, s) is not None


def record_detail(objective: Objective, store: Store, result: AttemptResult, settings: TSSettings,
            run_id: int | None, keep: str) -> tuple[list[int], list[FoundTS], list[Any]]:
    """(new TS ids, detours not stored, stored TS records the attempt re-found) of
    :func:`record_attempt`: the detours are the TSs ``keep="attached"`` dropped."""
    if keep not in KEEP:
        raise ValueError(f"keep must be one of {KEEP}, got {keep!r}")
    pending: list[FoundTS] = []
    refound: list[Any] = []
    for ts in [*result.found, *getattr(result, "known", [])]:
        rec = find_stationary(objective, store.ts_in_window(*_window(ts.energy, settings)),
                              ts.energy, ts.coords, settings)
        if rec is not None:
            refound.append(rec)
        elif isinstance(ts, FoundTS):
            pending.append(ts)
        else:  # an early-exit energy twin that is not stored: step it off here
            done = complete_known(objective, ts, settings)
            if not isinstance(done, str):
                pending.append(done)
    new: list[int] = []
    while pending:
        if keep == "all":
            ready, pending = pending, []
        else:  # attached: at least one minimum stored (possibly by a TS stored just now)
            ready = [ts for ts in pending
                     if _stored_minimum(objective, store, ts.plus, settings)
                     or _stored_minimum(objective, store, ts.minus, settings)]
            if not ready:
                break
            pending = [ts for ts in pending if all(ts is not r for r in ready)]
        for ts in ready:
            with store.transaction():  # a TS and its new minima are stored together or not at all
                m1 = _match_or_add_minimum(objective, store, ts.plus, settings, run_id)
                m2 = _match_or_add_minimum(objective, store, ts.minus, settings, run_id)
                new.append(int(store.add_ts(ts.energy, ts.coords, m1, m2,
                                            rms_grad=ts.rms_grad, neg_eig=ts.neg_eig,
                                            lpphe=ts.lpphe, run_id=run_id)))
    return new, pending, refound


def record_attempt(objective: Objective, store: Store, result: AttemptResult,
                   settings: TSSettings, run_id: int | None = None, keep: str = "all"
                   ) -> list[int]:
    """Store the new transition states of ``result`` (and any new minima, tagged with
    ``run_id``); return new TS ids.

    ``keep="all"``: every new verified TS. ``keep="attached"``: only TSs with at least one
    minimum already stored (or stored by another TS of this attempt, so chains attach);
    a TS whose two minima are both new is a detour of the band that joins nothing stored
    and is dropped, as OPTIM writes only connected paths to PATHSAMPLE's database. Early-
    exit saddles (``result.known``) that match no stored TS are stepped off first.
    """
    return record_detail(objective, store, result, settings, run_id, keep)[0]
