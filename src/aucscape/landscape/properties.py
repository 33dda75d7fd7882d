"""Is x a minimum of E? rms(dE/dw) <= tol and every Hessian eigenvalue λ_k > 0.

The spectrum itself (eigenvalues, index, smallest eigenvalue, LPPHE = Σ ln λ_k) has its one
home in :mod:`aucscape.spectrum`; this module adds the gradient test of the landscape engine.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..protocols import Objective
from ..spectrum import hessian_summary
from .minimize import rms

__all__ = ["is_minimum"]


def is_minimum(objective: Objective, x: ArrayLike, tol: float = 1e-10) -> bool:
    """True when rms(dE/dw) <= tol and every Hessian eigenvalue is > 0 at x.

    >>> from aucscape.testsurfaces import MuellerBrown
    >>> is_minimum(MuellerBrown(), MuellerBrown.MINIMA[0] + 1e-3)  # gradient too large
    False
    """
    _, g = objective.energy_gradient(np.asarray(x, dtype=np.float64))
    if rms(np.asarray(g, dtype=np.float64)) > tol:
        return False
    return hessian_summary(objective, x).is_minimum
