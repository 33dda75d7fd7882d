"""Hessian eigenvalue summary of a stationary point: index, smallest eigenvalue, LPPHE.

For eigenvalues lambda_1 <= ... <= lambda_n of the exact Hessian d^2E/dw dw^T:

- ``n_nonpositive`` = #{k : lambda_k <= zero_tol} (0 at a true minimum, 1 at a
  transition state);
- ``lpphe`` = sum over lambda_k > zero_tol of ln(lambda_k): the log product of positive
  Hessian eigenvalues. At a minimum that is every eigenvalue; small LPPHE = flat,
  broad basin. For a transition state it is the sum over the n - 1 positive modes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..objective import FloatArray
from .minimize import rms


@dataclass(frozen=True)
class HessianSummary:
    """Eigenvalues (ascending) and the numbers the store keeps for a stationary point."""

    eigenvalues: FloatArray
    min_eig: float
    n_nonpositive: int
    lpphe: float

    @property
    def is_minimum(self) -> bool:
        """True when every eigenvalue is positive."""
        return self.n_nonpositive == 0


def eigen_summary(eigenvalues: Any, zero_tol: float = 0.0) -> HessianSummary:
    """Summarise Hessian eigenvalues: min, count <= zero_tol, sum of ln over the rest."""
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64).ravel())
    if lam.size == 0:
        raise ValueError("eigenvalues must not be empty")
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues contain NaN or inf")
    positive = lam > zero_tol
    return HessianSummary(
        eigenvalues=lam,
        min_eig=float(lam[0]),
        n_nonpositive=int(np.count_nonzero(~positive)),
        lpphe=float(np.sum(np.log(lam[positive]))),
    )


def hessian_eigenvalues(objective: Any, x: Any) -> FloatArray:
    """Ascending eigenvalues of ``objective.hessian(x)`` (symmetrised before eigvalsh)."""
    h = np.asarray(objective.hessian(np.asarray(x, dtype=np.float64)), dtype=np.float64)
    n = h.shape[0]
    if h.shape != (n, n):
        raise ValueError(f"hessian must be square, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("hessian contains NaN or inf")
    return np.linalg.eigvalsh(0.5 * (h + h.T))


def hessian_summary(objective: Any, x: Any, zero_tol: float = 0.0) -> HessianSummary:
    """:func:`eigen_summary` of the exact Hessian at x."""
    return eigen_summary(hessian_eigenvalues(objective, x), zero_tol)


def is_minimum(objective: Any, x: Any, tol: float = 1e-10) -> bool:
    """True when rms(dE/dw) <= tol and every Hessian eigenvalue is > 0 at x."""
    _, g = objective.energy_gradient(np.asarray(x, dtype=np.float64))
    if rms(np.asarray(g, dtype=np.float64)) > tol:
        return False
    return hessian_summary(objective, x).is_minimum
