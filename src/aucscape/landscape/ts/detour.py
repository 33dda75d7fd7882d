"""Intermediate minima: bands for a detour the band found (PATHSAMPLE-like stepping stones).

A band between stored minima a and b can refine to a saddle t whose two step-off minima
p and m are both new: a detour of the band, joined to nothing stored. Rather than store
it as a side component (or forget it), the driver keeps t pending and bridges it with two
more bands, from a to the nearer of its minima and from the other one to b (the same is
done for a stored saddle that the band only re-found: its minima are stored, so the
bridges start from them, skipping a bridge whose ends are connected already):

    (p, m) = argmin over the two assignments of  D(a, p) + D(m, b)

(D the symmetry-aligned distance of :mod:`.symmetry`). When a bridge stores a TS that
reaches p or m, t attaches and is stored too; when neither does, t is dropped.

>>> import numpy as np
>>> from types import SimpleNamespace as NS
>>> t = NS(plus=NS(coords=np.array([3.0])), minus=NS(coords=np.array([1.0])))
>>> [(a.tolist(), b.tolist()) for a, b in bridge_ends(None, t, np.array([0.0]), np.array([4.0]))]
[([0.0], [1.0]), ([3.0], [4.0])]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...protocols import FloatArray, Objective
from .symmetry import aligned_distance, aligned_pair

__all__ = ["bridge_ends", "swap_ends"]


def swap_ends(objective: Objective | None, p: Any, m: Any, x_a: Any, x_b: Any) -> bool:
    """True when m, not p, is the minimum to bridge from x_a:
    D(a, m) + D(p, b) < D(a, p) + D(m, b) (module docstring)."""
    def d(u: Any, v: Any) -> float:
        return aligned_distance(objective, u, v)

    return d(x_a, m) + d(p, x_b) < d(x_a, p) + d(m, x_b)


def bridge_ends(objective: Objective | None, ts: Any, x_a: FloatArray, x_b: FloatArray
                ) -> list[tuple[FloatArray, FloatArray]]:
    """End points of the two bridge bands for detour ``ts`` (with ``.plus.coords`` and
    ``.minus.coords``) of a band from ``x_a`` to ``x_b`` (module docstring)."""
    p = np.asarray(ts.plus.coords, dtype=np.float64)
    m = np.asarray(ts.minus.coords, dtype=np.float64)
    if swap_ends(objective, p, m, x_a, x_b):
        p, m = m, p
    return [aligned_pair(objective, x_a, p), aligned_pair(objective, m, x_b)]
