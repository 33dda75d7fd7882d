"""How many minima and transition states a database holds, by the store's identity and by
PATHSAMPLE's, and how much of it is one network.

The store keeps two stationary points apart unless their energies agree to 1e-9 (relative
above |E| = 1) and their symmetry-aligned distance is below 1e-3 (:mod:`.identity`,
:mod:`.record`). PATHSAMPLE decides as each new point arrives: it is the same as a stored
one when

    |E_new - E_old| < EDIFFTOL  and  D(new, old) < GEOMDIFFTOL                  (1)

(absolute energy difference; D the symmetry-aligned distance), compared with the points
kept so far only, so a chain of small differences never merges two points far apart
(unlike merging by chained energy differences). The pylfl templates use EDIFFTOL = 1e-4,
GEOMDIFFTOL = 1e2; with distances between these networks' minima far below 1e2 that is
an energy-only rule, so :func:`census` also counts with a tolerance that keeps
geometrically distinct minima apart.

>>> import numpy as np
>>> e = np.array([0.0, 0.6e-4, 1.2e-4, 5.0])   # a chain: 0 ~ 1 ~ 2, but not 0 ~ 2
>>> x = np.zeros((4, 1))
>>> distinct(e, x, edifftol=1e-4, geomdifftol=1e2)
3
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import check_positive
from .graph import components, network_from_store

if TYPE_CHECKING:
    from ..protocols import Objective
    from .store import Store

__all__ = ["PATHSAMPLE_EDIFFTOL", "PATHSAMPLE_GEOMDIFFTOL", "LandscapeCounts", "census",
           "distinct"]

#: The pylfl templates' PATHSAMPLE identity tolerances.
PATHSAMPLE_EDIFFTOL = 1e-4
PATHSAMPLE_GEOMDIFFTOL = 1e2
#: A GEOMDIFFTOL that keeps apart minima the store calls distinct by geometry: ten times
#: the store's own 1e-3 aligned-distance tolerance.
SEPARATING_GEOMDIFFTOL = 1e-2


def distinct(energies: Any, coords: Any, *, edifftol: float = PATHSAMPLE_EDIFFTOL,
             geomdifftol: float = PATHSAMPLE_GEOMDIFFTOL,
             distance: Callable[[Any, Any], float] | None = None) -> int:
    """Points left after rule (1), taking them in the given order (the order of addition).

    Parameters
    ----------
    energies : (m,) energies.
    coords : (m, n) coordinates.
    edifftol : EDIFFTOL, absolute.
    geomdifftol : GEOMDIFFTOL.
    distance : D(a, b) (default Euclidean; pass the symmetry-aligned distance).

    Returns
    -------
    int
        How many points are kept (each compared with those kept before it).
    """
    check_positive(edifftol, "edifftol")
    check_positive(geomdifftol, "geomdifftol")
    e = np.asarray(energies, dtype=np.float64).ravel()
    x = np.asarray(coords, dtype=np.float64).reshape(len(e), -1)
    dist = distance or (lambda a, b: float(np.linalg.norm(a - b)))
    kept_e: list[float] = []
    kept_i: list[int] = []
    for i in range(len(e)):
        lo = bisect.bisect_right(kept_e, e[i] - edifftol)
        hi = bisect.bisect_left(kept_e, e[i] + edifftol)
        if any(abs(kept_e[j] - e[i]) < edifftol and dist(x[kept_i[j]], x[i]) < geomdifftol
               for j in range(lo, hi)):
            continue
        at = bisect.bisect_left(kept_e, e[i])
        kept_e.insert(at, float(e[i]))
        kept_i.insert(at, i)
    return len(kept_e)


@dataclass(frozen=True)
class LandscapeCounts:
    """Minima and transition states of a database: ``minima``/``ts`` by the store's
    identity; ``in_network``/``ts_in_network`` in the global minimum's component;
    ``components``: connected components (isolated minima included); ``pathsample``:
    {GEOMDIFFTOL: (minima, transition states)} under rule (1) with EDIFFTOL 1e-4."""

    minima: int
    ts: int
    in_network: int
    ts_in_network: int
    components: int
    pathsample: dict[float, tuple[int, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tolerances as strings)."""
        return {"minima": self.minima, "ts": self.ts, "in_network": self.in_network,
                "ts_in_network": self.ts_in_network, "components": self.components,
                "pathsample": {f"{g:g}": list(v) for g, v in self.pathsample.items()}}


def census(store: Store, objective: Objective | None = None,
           geomdifftols: tuple[float, ...] = (PATHSAMPLE_GEOMDIFFTOL, SEPARATING_GEOMDIFFTOL)
           ) -> LandscapeCounts:
    """Count ``store`` (module docstring); distances are symmetry-aligned for
    ``objective`` (Euclidean when None)."""
    e_min, _, pairs, _ = network_from_store(store)
    n = len(e_min)
    labels = components(n, pairs) if n else np.zeros(0, dtype=np.int64)
    gm = labels == labels[0] if n else np.zeros(0, dtype=bool)
    ts_in = int(np.sum(gm[pairs[:, 0]])) if len(pairs) else 0
    dist = None
    if objective is not None:
        from .ts.symmetry import aligned_distance

        def dist(a: Any, b: Any) -> float:
            return aligned_distance(objective, a, b)

    mins = list(store.iter_minima(order="id"))
    tss = list(store.iter_ts(order="id"))
    ps = {}
    for g in geomdifftols:
        ps[float(g)] = tuple(
            distinct([r.energy for r in recs], np.array([r.coords for r in recs]).reshape(
                len(recs), -1), geomdifftol=g, distance=dist) if recs else 0
            for recs in (mins, tss))
    return LandscapeCounts(minima=n, ts=len(tss), in_network=int(np.sum(gm)),
                           ts_in_network=ts_in, components=len(set(labels.tolist())),
                           pathsample=ps)  # type: ignore[arg-type]
