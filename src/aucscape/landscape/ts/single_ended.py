"""A single-ended transition-state search from a stored minimum (OPTIM's job in
PATHSAMPLE's NEWCONNECTIONS campaigns).

From a minimum x_m with Hessian H = sum_i lambda_i v_i v_i^T (lambda_1 <= ... <= lambda_n,
all positive) the k-th search (k = 0, 1, 2, ...) starts in one of two ways:

- ``start="mode"`` (default): x_0 = x_m + sigma_k d v_j with j = n - 1 - (floor(k / 2)
  mod n) and sigma_k = (-1)^k, d = ``displacement``; hybrid eigenvector-following then
  takes v_j uphill and every other mode downhill, tracking v_j by overlap from step to
  step (:func:`.hef.hef` with ``follow``), until an index-1 saddle converges. Searches
  0 ... 2n - 1 follow every mode of the minimum both ways, stiffest first, so a minimum
  has 2n distinct searches and k >= 2n repeats them. Stiffest first because the softest
  modes of the network landscapes are the weight-decay directions (eigenvalue 2 lambda)
  of saturated or unused units, along which the energy rises without an inflection: on a
  spiral CE 2-3-2 minimum with ten eigenvalues below 1.2e-4, the 34 searches found saddles
  only along modes 5-16 (``docs/landscape.md``);
- ``start="displace"`` (OPTIM's perturbed copy, the pylfl template's method):
  x_0 = x_m + u, u uniform in [-d, d]^n from a generator seeded by (seed, minimum, k),
  then plain hybrid eigenvector-following, which climbs the lowest mode.

The converged point is verified (:func:`.verify.check_saddle`: RMS gradient <= tol, one
negative eigenvalue), and stepped off both ways along its negative mode into two verified
minima (:func:`.verify.step_off`, RMS gradient <= tol and a positive-definite Hessian), as
a double-ended attempt's saddles are (:mod:`.attempt`). When the caller passes the stored
transition states' energies, a saddle whose energy matches one is returned unstepped
(a :class:`~.attempt.KnownTS`): the driver confirms it by geometry, and it is a failed
attempt. The search only computes; :mod:`aucscape.landscape.grow` stores.

>>> import numpy as np
>>> from aucscape.testsurfaces import MuellerBrown
>>> mb = MuellerBrown()
>>> r = search_from(mb, mb.MINIMA[2], 1, SearchSettings(max_step=0.2))  # stiff mode, -v
>>> r.reason, np.round(r.found.coords, 3).tolist()
('', [0.212, 0.293])
>>> sorted(round(e, 2) for e in (r.found.plus.energy, r.found.minus.energy))
[-108.17, -80.77]
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..._validation import check_positive
from ...protocols import FloatArray, Objective
from .attempt import FoundTS, KnownTS, TSSettings, _energy_known, complete_known
from .hef import hef
from .verify import check_saddle

__all__ = ["STARTS", "SearchResult", "SearchSettings", "search_from"]

STARTS = ("mode", "displace")


@dataclass(frozen=True)
class SearchSettings:
    """Parameters of one single-ended search (module docstring).

    start: "mode" (follow an eigenvector of the minimum uphill) or "displace" (random
    perturbation, then plain HEF); displacement: d, the first step along the mode or the
    largest perturbation of a coordinate; max_iter, max_step, patience, max_climb: the
    eigenvector-following (:func:`.hef.hef`; the climb out of the basin is part of
    ``max_iter``, and a followed mode whose eigenvalue is still positive after
    ``max_climb`` steps is given up); seed: for ``start="displace"``. Saddle and minimum
    tolerances, the step-off and the identity rules are those of
    :class:`~.attempt.TSSettings`.
    """

    start: str = "mode"
    displacement: float = 1e-2
    max_iter: int = 300
    max_step: float = 1.0
    patience: int | None = 40
    max_climb: int | None = 50
    seed: int = 0

    def __post_init__(self) -> None:
        if self.start not in STARTS:
            raise ValueError(f"start must be one of {STARTS}, got {self.start!r}")
        check_positive(self.displacement, "displacement")
        check_positive(self.max_step, "max_step")
        if int(self.max_iter) < 1:
            raise ValueError(f"max_iter must be >= 1, got {self.max_iter!r}")
        for name in ("patience", "max_climb"):
            v = getattr(self, name)
            if v is not None and int(v) < 1:
                raise ValueError(f"{name} must be >= 1 or None, got {v!r}")


@dataclass
class SearchResult:
    """One search's outcome.

    found: the verified saddle with its two minima (FoundTS), a saddle with a stored
    transition state's energy (KnownTS, not stepped off), or None; reason: why nothing
    was found ("" when something was); mode, sign: the followed eigenvector's index and
    direction (mode = -1 for ``start="displace"``); n_iter: eigenvector-following steps;
    seconds: wall time by phase ("climb": HEF, "verify", "step_off").
    """

    found: FoundTS | KnownTS | None
    reason: str
    mode: int
    sign: int
    n_iter: int
    seconds: dict[str, float] = field(default_factory=dict)


def start_point(objective: Objective, x_min: FloatArray, k: int, settings: SearchSettings,
                key: int = 0) -> tuple[FloatArray, FloatArray | None, int, int]:
    """(x_0, followed mode or None, mode index, sign) of the k-th search from ``x_min``;
    ``key`` (e.g. the store id) seeds ``start="displace"``."""
    d = float(settings.displacement)
    if settings.start == "displace":
        rng = np.random.default_rng([int(settings.seed), int(key), int(k)])
        return x_min + rng.uniform(-d, d, size=x_min.shape), None, -1, 0
    _, vecs = np.linalg.eigh(np.asarray(objective.hessian(x_min), dtype=np.float64))
    j = x_min.size - 1 - (int(k) // 2) % x_min.size
    sign = 1 if int(k) % 2 == 0 else -1
    v = sign * vecs[:, j]
    return x_min + d * v, v, j, sign


def search_from(objective: Objective, x_min: Any, k: int,
                settings: SearchSettings | None = None, ts: TSSettings | None = None,
                known_energies: FloatArray | None = None, key: int = 0) -> SearchResult:
    """The k-th single-ended search from the minimum ``x_min`` (module docstring).

    Parameters
    ----------
    objective : the landscape.
    x_min : a minimum of ``objective`` (converged; its Hessian chooses the modes).
    k : which search (mode n - 1 - floor(k/2) mod n, sign (-1)^k; or the k-th random start).
    settings : :class:`SearchSettings` (defaults when None).
    ts : tolerances, step-off and identity (:class:`~.attempt.TSSettings`).
    known_energies : sorted energies of stored transition states (early exit), or None.
    key : seeds the random start (the driver passes the minimum's store id).

    Returns
    -------
    SearchResult
    """
    settings = SearchSettings() if settings is None else settings
    ts = TSSettings() if ts is None else ts
    if int(k) < 0:
        raise ValueError(f"k must be >= 0, got {k!r}")
    x_min = np.asarray(x_min, dtype=np.float64).ravel()
    x0, follow, mode, sign = start_point(objective, x_min, int(k), settings, key)
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    h = hef(objective, x0, tol=ts.tol, max_iter=settings.max_iter, max_step=settings.max_step,
            patience=settings.patience, follow=follow, max_climb=settings.max_climb)
    seconds["climb"] = time.perf_counter() - t

    def result(found: FoundTS | KnownTS | None, reason: str) -> SearchResult:
        return SearchResult(found, reason, mode, sign, h.n_iter, seconds)

    if not h.converged:
        return result(None, f"hef: {h.message}")
    t = time.perf_counter()
    chk = check_saddle(objective, h.x, tol=ts.tol, eig_tol=ts.eig_tol)
    seconds["verify"] = time.perf_counter() - t
    if not chk.is_ts:
        return result(None, f"verify: index {chk.n_negative}, rms {chk.rms_grad:.3g}")
    known = KnownTS(coords=h.x, energy=chk.energy, rms_grad=chk.rms_grad, neg_eig=chk.neg_eig,
                    lpphe=chk.lpphe, mode=chk.mode)
    if _energy_known(chk.energy, known_energies, ts.edifftol):
        return result(known, "")
    t = time.perf_counter()
    done = complete_known(objective, known, ts)
    seconds["step_off"] = time.perf_counter() - t
    if isinstance(done, str):
        return result(None, done)
    return result(done, "")
