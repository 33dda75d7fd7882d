"""When are two minima the same? Energy first (indexed), then geometry after symmetry.

Two minima a, b are the same when

    |E_a - E_b| < edifftol * max(1, |E_a|, |E_b|)                                (1)

and, when ``geomdifftol`` is given, also

    || c(x_a) - c(x_b) ||_2 < geomdifftol                                        (2)

where c is the objective's ``canonical()`` (hidden-unit permutations, tanh sign flips;
identity when the objective has no symmetries).

Default edifftol = 1e-9 (relative above |E| = 1, absolute below). Why: a minimum
converged to rms(g) = 1e-10 has an energy error of about |g|^2 / (2 lambda_min)
= n 1e-20 / (2 * 2e-5) ~ 1e-15 even for n = 100 parameters and the flattest
curvature expected (2 lambda = 2e-5), and rounding in E itself is ~1e-15 |E|; 1e-9 is
a million times larger than both, so one minimum is never split, yet a million times
finer than the 1e-4 absolute used in the GMIN runs, which lumped distinct minima
together. Minima that genuinely share an energy to 1e-9 (symmetry copies or
degeneracies) are told apart by (2).

Lookups use the store's index on energy: candidates are the minima in the window
[E - tol, E + tol], so the cost does not grow with the number of stored minima.

Sloppy minima (basin-hopping's two-stage quench, :mod:`.walker`): a quench stopped at
rms(g) = s has an energy E_s above that of its converged minimum E_t by

    0 <= E_s - E_t ~ g^T H^-1 g / 2 <= n s^2 / (2 lambda_min)                    (3)

(the tightening only descends; the bound is only as good as lambda_min). For s = 1e-6
on the spiral networks (n = 22 and 52, lambda_min ~ 2 lambda = 2e-5) it is 5.5e-7 and
1.3e-6. Measured with exploration's sloppy quench (L-BFGS memory 100, no polish) over 160
quenches (CE and sigmoid, 2-4-2 and 2-10-2, 40 perturbed starts each): E_s - E_t from
2e-13 to 7.6e-7, median 5.2e-8, 99th percentile 6.2e-7 (1.2e-9 to 1.7e-7 with memory 10).
Every measured descent was >= 0, the sign that the window's asymmetry relies on. A sloppy
minimum therefore matches a stored energy E' when E' lies in
[E_s - ediff, E_s + edifftol max(1, |E_s|)], with the default ``ediff`` =
:data:`DEFAULT_SLOPPY_EDIFF` = 1e-6, above every measured descent. The two ways it can
err are not alike: a descent beyond ``ediff`` only costs time (the quench is tightened
and the driver finds the duplicate at the tight energy), while a new minimum lying less
than ``ediff`` below a stored one is counted as a hit on it and lost. The second has
probability about ediff x (number of minima per unit energy), so ``ediff`` is kept near
the largest measured descent, and ``benchmarks/bench_explore.py`` reports how many stored
minima of its single-tolerance runs lie that close to a lower one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._validation import check_positive
from ..protocols import FloatArray, Objective, canonical
from .store import Minimum, Store

DEFAULT_EDIFFTOL = 1e-9
DEFAULT_SLOPPY_EDIFF = 1e-6


def energy_tolerance(energy: float, edifftol: float = DEFAULT_EDIFFTOL) -> float:
    """Half-width of the energy window, edifftol * max(1, |E|)."""
    return float(edifftol) * max(1.0, abs(float(energy)))


def energy_window(energy: float, edifftol: float = DEFAULT_EDIFFTOL) -> tuple[float, float]:
    """An energy range holding every E' that can pass (1) with ``energy``: the half-width
    is doubled because the tolerance scales with max(|E|, |E'|)."""
    e = float(energy)
    tol = 2.0 * energy_tolerance(e, edifftol)
    return e - tol, e + tol


def sloppy_window(energy: float, ediff: float = DEFAULT_SLOPPY_EDIFF,
                  edifftol: float = DEFAULT_EDIFFTOL) -> tuple[float, float]:
    """Energies a sloppy minimum of energy E_s can tighten to (module docstring):
    [E_s - ediff, E_s + edifftol max(1, |E_s|)].

    >>> sloppy_window(0.5)
    (0.499999, 0.500000001)
    """
    e = float(energy)
    return e - float(ediff), e + energy_tolerance(e, edifftol)


def nearest_known(known: Any, energy: float, lo: float, hi: float) -> int | None:
    """Index of the entry of the ascending array ``known`` in [lo, hi] nearest to
    ``energy`` (the lower one on a tie), or None when the range holds none (bisection).

    >>> nearest_known([0.1, 0.2, 0.3], 0.24, 0.15, 0.35)
    1
    """
    k = np.asarray(known, dtype=np.float64)
    i, j = int(np.searchsorted(k, lo, "left")), int(np.searchsorted(k, hi, "right"))
    if i >= j:
        return None
    e = float(energy)
    m = min(max(int(np.searchsorted(k, e)), i), j - 1)
    if m > i and abs(k[m - 1] - e) <= abs(k[m] - e):
        m -= 1
    return m


def _euclidean(a: Any, b: Any) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


def find_same(candidates: Iterable[Any], energy: float, coords: Any, *,
              edifftol: float = DEFAULT_EDIFFTOL, geomdifftol: float | None = None,
              distance: Callable[[Any, Any], float] | None = None) -> Any | None:
    """The record among ``candidates`` (objects with ``energy``, ``coords``, ``id``: stored
    minima or transition states) that is the same stationary point as (energy, coords).

    Same: criterion (1), and when ``geomdifftol`` is given also
    ``distance(candidate.coords, coords) < geomdifftol`` (default distance: Euclidean; the
    callers pass canonical or symmetry-aligned distances). The nearest match wins (in
    energy when geomdifftol is None, else in distance); None when nothing matches.
    """
    e = float(energy)
    near = [c for c in candidates
            if abs(c.energy - e) < energy_tolerance(max(abs(e), abs(c.energy)), edifftol)]
    if not near:
        return None
    if geomdifftol is None:
        return min(near, key=lambda c: (abs(c.energy - e), c.id))
    dist = _euclidean if distance is None else distance
    d = [dist(c.coords, coords) for c in near]
    k = int(np.argmin(d))
    return near[k] if d[k] < geomdifftol else None


def same_minimum(e1: float, x1: Any, e2: float, x2: Any, *,
                 edifftol: float = DEFAULT_EDIFFTOL, geomdifftol: float | None = None,
                 objective: Objective | None = None) -> bool:
    """Criteria (1) and, when ``geomdifftol`` is given, (2) of the module docstring."""
    scale = max(abs(float(e1)), abs(float(e2)))  # symmetric in a and b
    if not abs(float(e1) - float(e2)) < energy_tolerance(scale, edifftol):
        return False
    if geomdifftol is None:
        return True
    a = np.asarray(x1, dtype=np.float64)
    b = np.asarray(x2, dtype=np.float64)
    if objective is not None:
        a, b = canonical(objective, a), canonical(objective, b)
    if a.shape != b.shape:
        raise ValueError(f"coordinates differ in shape: {a.shape} vs {b.shape}")
    return bool(np.linalg.norm(a - b) < geomdifftol)


class MinimumMatcher:
    """Find a stored minimum equal to a new one, or add the new one to the store.

    ``objective`` supplies ``canonical()`` for criterion (2); it is ignored when
    ``geomdifftol`` is None.
    """

    def __init__(self, store: Store, *, edifftol: float = DEFAULT_EDIFFTOL,
                 geomdifftol: float | None = None, objective: Objective | None = None) -> None:
        self.store = store
        self.edifftol = check_positive(edifftol, "edifftol")
        self.geomdifftol = None if geomdifftol is None else check_positive(
            geomdifftol, "geomdifftol")
        self.objective = objective

    def _canonical(self, x: FloatArray) -> FloatArray:
        return canonical(self.objective, x) if self.objective is not None else x

    def find(self, energy: float, coords: Any) -> Minimum | None:
        """The matching stored minimum (nearest in energy, or in canonical distance), or None."""
        x = self._canonical(np.asarray(coords, dtype=np.float64))
        return find_same(self.store.minima_in_window(*energy_window(energy, self.edifftol)),
                         energy, x, edifftol=self.edifftol, geomdifftol=self.geomdifftol,
                         distance=lambda c, ref: _euclidean(self._canonical(c), ref))

    def find_sloppy(self, energy: float, ediff: float = DEFAULT_SLOPPY_EDIFF) -> Minimum | None:
        """The stored minimum a sloppy minimum of energy E_s is (energy only): the one
        nearest in energy in :func:`sloppy_window`, widened by the identity tolerance on
        both sides (a stored energy differs from the tight one it matched by less)."""
        lo, hi = sloppy_window(energy, ediff, self.edifftol)
        pad = 2.0 * energy_tolerance(max(abs(lo), abs(hi)), self.edifftol)
        near = self.store.minima_in_window(lo - pad, hi + pad)
        return min(near, key=lambda c: (abs(c.energy - float(energy)), c.id), default=None)

    def add_or_hit(self, energy: float, coords: Any, **properties: Any) -> tuple[int, bool]:
        """Record a minimum: a hit on the match if there is one, else a new row.

        ``properties`` are passed to :meth:`Store.add_minimum` (rms_grad, min_eig,
        n_nonpositive, lpphe, run_id). Returns (id, is_new).
        """
        match = self.find(energy, coords)
        if match is not None:
            self.store.record_hit(match.id)
            return match.id, False
        return self.store.add_minimum(energy, coords, **properties), True
