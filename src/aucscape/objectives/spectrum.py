"""Hessian spectrum and LPPHE (log product of positive Hessian eigenvalues).

LPPHE = Σ_k ln λ_k over the eigenvalues λ_k of the Hessian at a minimum; it is defined
only when every eigenvalue is positive (a true minimum). Small LPPHE = flat = robust.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..spectrum import eigen_summary, symmetric_eigenvalues

__all__ = ["HessianSpectrum", "NotAMinimumError", "hessian_spectrum", "lpphe"]


class NotAMinimumError(ValueError):
    """Raised when LPPHE is asked for at a point whose Hessian has an eigenvalue <= 0."""


@dataclass(frozen=True)
class HessianSpectrum:
    """Eigenvalues (ascending) of a symmetric Hessian and the LPPHE they give.

    ``lpphe`` is Σ ln λ_k when ``n_nonpositive == 0``, else NaN (the point is not a
    minimum: ``n_nonpositive`` eigenvalues are <= 0, the lowest being ``min_eigenvalue``).
    """

    eigenvalues: NDArray[np.float64]
    n_nonpositive: int
    min_eigenvalue: float
    lpphe: float

    @property
    def is_minimum(self) -> bool:
        """True when every eigenvalue is > 0."""
        return self.n_nonpositive == 0

    @property
    def index(self) -> int:
        """Number of negative eigenvalues (1 at a transition state)."""
        return int(np.count_nonzero(self.eigenvalues < 0))

    def require_minimum(self) -> float:
        """Return ``lpphe``; raise :class:`NotAMinimumError` when not a minimum."""
        if not self.is_minimum:
            raise NotAMinimumError(
                f"not a minimum: {self.n_nonpositive} of {self.eigenvalues.size} Hessian "
                f"eigenvalues are <= 0 (lowest {self.min_eigenvalue:.6g}); LPPHE is undefined"
            )
        return self.lpphe

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (eigenvalues as a list; NaN LPPHE as None)."""
        return {
            "eigenvalues": self.eigenvalues.tolist(),
            "n_nonpositive": self.n_nonpositive,
            "min_eigenvalue": self.min_eigenvalue,
            "lpphe": None if np.isnan(self.lpphe) else self.lpphe,
        }


def hessian_spectrum(hessian: ArrayLike) -> HessianSpectrum:
    """Eigenvalues of a symmetric (n, n) Hessian (``numpy.linalg.eigvalsh``) and its LPPHE."""
    s = eigen_summary(symmetric_eigenvalues(hessian))
    return HessianSpectrum(
        eigenvalues=s.eigenvalues, n_nonpositive=s.n_nonpositive, min_eigenvalue=s.min_eig,
        lpphe=s.lpphe if s.is_minimum else float("nan"),
    )


def lpphe(objective: Any, w: ArrayLike | None = None) -> float:
    """Σ ln λ_k of the Hessian of ``objective`` at ``w`` (or of a Hessian matrix, w=None).

    Raises :class:`NotAMinimumError` (a ValueError) saying how many eigenvalues are <= 0
    and the lowest one when the point is not a minimum; use :func:`hessian_spectrum`
    to get NaN instead of an exception.
    """
    H = objective.hessian(w) if w is not None else objective
    return hessian_spectrum(H).require_minimum()
