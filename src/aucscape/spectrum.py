"""Hessian eigenvalues and LPPHE, shared by the objectives and the landscape engine.

For the eigenvalues λ_1 <= ... <= λ_n of a symmetric Hessian d²E/dw dwᵀ:

- ``n_nonpositive`` = #{k : λ_k <= zero_tol} (0 at a true minimum, 1 at a transition state);
- ``lpphe`` = Σ_{λ_k > zero_tol} ln λ_k, the log product of the positive Hessian
  eigenvalues. At a minimum that is every eigenvalue (small LPPHE = flat, broad basin); at
  a transition state it is the sum over the n − 1 positive modes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class HessianSummary:
    """Eigenvalues (ascending) and the numbers kept for a stationary point."""

    eigenvalues: FloatArray
    min_eig: float
    n_nonpositive: int
    lpphe: float

    @property
    def is_minimum(self) -> bool:
        """True when every eigenvalue is positive."""
        return self.n_nonpositive == 0


def symmetric_eigenvalues(hessian: Any) -> FloatArray:
    """Ascending eigenvalues of a finite square matrix, symmetrised before ``eigvalsh``."""
    h = np.asarray(hessian, dtype=np.float64)
    if h.ndim != 2 or h.shape[0] != h.shape[1] or h.shape[0] == 0:
        raise ValueError(f"hessian must be a non-empty square matrix, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("hessian contains NaN or inf")
    return np.linalg.eigvalsh(0.5 * (h + h.T))


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
