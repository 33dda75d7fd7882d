"""Intermediate minima: bands for a detour the band found (PATHSAMPLE-like stepping stones).

A band between stored minima a and b can refine to a saddle t whose two step-off minima
p and m are both new: a detour of the band, joined to nothing stored. Rather than store
it as a side component (or forget it), the driver keeps t pending and bridges it with two
more bands, from a to the nearer of its minima and from the other one to b:

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

__all__ = ["bridge_ends"]


def bridge_ends(objective: Objective | None, ts: Any, x_a: FloatArray, x_b: FloatArray
                ) -> list[tuple[FloatArray, FloatArray]]:
    """End points of the two bridge bands for detour ``ts`` (with ``.plus.coords`` and
    ``.minus.coords``) of a band from ``x_a`` to ``x_b`` (module docstring)."""
    p = np.asarray(ts.plus.coords, dtype=np.float64)
    m = np.asarray(ts.minus.coords, dtype=np.float64)

    def d(u: FloatArray, v: FloatArray) -> float:
        return aligned_distance(objective, u, v)

    if d(x_a, m) + d(p, x_b) < d(x_a, p) + d(m, x_b):
        p, m = m, p
    return [aligned_pair(objective, x_a, p), aligned_pair(objective, m, x_b)]
