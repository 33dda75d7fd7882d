"""Hessian eigenvalue summary of a stationary point: index, smallest eigenvalue, LPPHE.

The summary itself (:class:`HessianSummary`, :func:`eigen_summary`) lives in
:mod:`aucscape.spectrum`, shared with the objectives; this module applies it to an objective.

For eigenvalues lambda_1 <= ... <= lambda_n of the exact Hessian d^2E/dw dw^T:

- ``n_nonpositive`` = #{k : lambda_k <= zero_tol} (0 at a true minimum, 1 at a
  transition state);
- ``lpphe`` = sum over lambda_k > zero_tol of ln(lambda_k): the log product of positive
  Hessian eigenvalues. At a minimum that is every eigenvalue; small LPPHE = flat,
  broad basin. For a transition state it is the sum over the n - 1 positive modes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..objective import FloatArray
from ..spectrum import HessianSummary, eigen_summary, symmetric_eigenvalues
from .minimize import rms

__all__ = ["HessianSummary", "eigen_summary", "hessian_eigenvalues", "hessian_summary",
           "is_minimum"]


def hessian_eigenvalues(objective: Any, x: Any) -> FloatArray:
    """Ascending eigenvalues of ``objective.hessian(x)`` (symmetrised before eigvalsh)."""
    return symmetric_eigenvalues(objective.hessian(np.asarray(x, dtype=np.float64)))


def hessian_summary(objective: Any, x: Any, zero_tol: float = 0.0) -> HessianSummary:
    """:func:`eigen_summary` of the exact Hessian at x."""
    return eigen_summary(hessian_eigenvalues(objective, x), zero_tol)


def is_minimum(objective: Any, x: Any, tol: float = 1e-10) -> bool:
    """True when rms(dE/dw) <= tol and every Hessian eigenvalue is > 0 at x."""
    _, g = objective.energy_gradient(np.asarray(x, dtype=np.float64))
    if rms(np.asarray(g, dtype=np.float64)) > tol:
        return False
    return hessian_summary(objective, x).is_minimum
