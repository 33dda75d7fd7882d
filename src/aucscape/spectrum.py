"""The Hessian spectrum of a stationary point: eigenvalues, index, smallest eigenvalue, LPPHE.

The one home of this idea, for the objectives (LPPHE of a minimum), the landscape engine
(minima and transition states it stores) and the analysis. For the ascending eigenvalues
λ_1 <= ... <= λ_n of a symmetric Hessian d²E/dw dwᵀ and a threshold ``zero_tol`` (0 unless
given):

- ``min_eig`` = λ_1;
- ``n_nonpositive`` = #{k : λ_k <= zero_tol} (0 at a true minimum, 1 at a transition state);
- ``index`` = #{k : λ_k < 0};
- ``lpphe`` = Σ_{λ_k > zero_tol} ln λ_k, the log product of the positive Hessian
  eigenvalues. At a minimum that is every eigenvalue (small LPPHE = flat, broad basin).
  Off a minimum, ``on_not_minimum`` decides: ``"positive"`` keeps the sum over the positive
  modes (the n − 1 of a transition state, as the landscape database stores it), ``"nan"``
  gives NaN (the LPPHE of a minimum is undefined there) and ``"raise"`` raises
  :class:`NotAMinimumError`.

Needs only NumPy and the :class:`~aucscape.protocols.Objective` seam, so ``landscape/``
may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from .protocols import FloatArray, Objective

__all__ = [
    "ON_NOT_MINIMUM",
    "HessianSpectrum",
    "NotAMinimumError",
    "eigen_summary",
    "hessian_eigenvalues",
    "hessian_spectrum",
    "hessian_summary",
    "lpphe",
    "symmetric_eigenvalues",
]

#: What ``lpphe`` is off a minimum (see the module docstring).
OnNotMinimum = Literal["positive", "nan", "raise"]
ON_NOT_MINIMUM: tuple[str, ...] = ("positive", "nan", "raise")


class NotAMinimumError(ValueError):
    """Raised when LPPHE is asked for at a point whose Hessian has an eigenvalue <= 0."""


@dataclass(frozen=True)
class HessianSpectrum:
    """Eigenvalues (ascending) of a symmetric Hessian and the numbers kept for the point.

    ``lpphe`` follows the ``on_not_minimum`` policy it was built with (see the module
    docstring); at a minimum it is always Σ ln λ_k.
    """

    eigenvalues: FloatArray
    min_eig: float
    n_nonpositive: int
    lpphe: float

    @property
    def is_minimum(self) -> bool:
        """True when every eigenvalue is > zero_tol."""
        return self.n_nonpositive == 0

    @property
    def min_eigenvalue(self) -> float:
        """λ_1, the same number as ``min_eig`` (the name the objectives' API has used)."""
        return self.min_eig

    @property
    def index(self) -> int:
        """Number of negative eigenvalues (1 at a transition state)."""
        return int(np.count_nonzero(self.eigenvalues < 0))

    def require_minimum(self) -> float:
        """Return ``lpphe``; raise :class:`NotAMinimumError` when not a minimum."""
        if not self.is_minimum:
            raise NotAMinimumError(
                f"not a minimum: {self.n_nonpositive} of {self.eigenvalues.size} Hessian "
                f"eigenvalues are <= 0 (lowest {self.min_eig:.6g}); LPPHE is undefined"
            )
        return self.lpphe

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (eigenvalues as a list; NaN LPPHE as None)."""
        return {
            "eigenvalues": self.eigenvalues.tolist(),
            "n_nonpositive": self.n_nonpositive,
            "min_eigenvalue": self.min_eig,
            "lpphe": None if np.isnan(self.lpphe) else self.lpphe,
        }


def symmetric_eigenvalues(hessian: ArrayLike) -> FloatArray:
    """Ascending eigenvalues of a finite square matrix H, of ½(H + Hᵀ) by ``eigvalsh``.

    >>> symmetric_eigenvalues([[2.0, 1.0], [1.0, 2.0]]).tolist()
    [1.0, 3.0]
    """
    h = np.asarray(hessian, dtype=np.float64)
    if h.ndim != 2 or h.shape[0] != h.shape[1] or h.shape[0] == 0:
        raise ValueError(f"hessian must be a non-empty square matrix, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("hessian contains NaN or inf")
    return np.linalg.eigvalsh(0.5 * (h + h.T))


def eigen_summary(
    eigenvalues: ArrayLike, zero_tol: float = 0.0, on_not_minimum: OnNotMinimum = "positive"
) -> HessianSpectrum:
    """The spectrum of given eigenvalues: min, count <= zero_tol, Σ ln over the rest.

    >>> s = eigen_summary([np.e, -1.0, 1.0])
    >>> (s.min_eig, s.n_nonpositive, s.lpphe)
    (-1.0, 1, 1.0)
    >>> bool(np.isnan(eigen_summary([np.e, -1.0], on_not_minimum="nan").lpphe))
    True
    """
    if on_not_minimum not in ON_NOT_MINIMUM:
        raise ValueError(f"on_not_minimum must be one of {ON_NOT_MINIMUM}, got {on_not_minimum!r}")
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64).ravel())
    if lam.size == 0:
        raise ValueError("eigenvalues must not be empty")
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues contain NaN or inf")
    positive = lam > zero_tol
    spec = HessianSpectrum(
        eigenvalues=lam,
        min_eig=float(lam[0]),
        n_nonpositive=int(np.count_nonzero(~positive)),
        lpphe=float(np.sum(np.log(lam[positive]))),
    )
    if spec.is_minimum or on_not_minimum == "positive":
        return spec
    if on_not_minimum == "raise":
        spec.require_minimum()
    return HessianSpectrum(spec.eigenvalues, spec.min_eig, spec.n_nonpositive, float("nan"))


def hessian_spectrum(
    hessian: ArrayLike, zero_tol: float = 0.0, on_not_minimum: OnNotMinimum = "nan"
) -> HessianSpectrum:
    """The spectrum of a symmetric (n, n) Hessian matrix; LPPHE NaN off a minimum by default.

    >>> hessian_spectrum(np.diag([1.0, np.e])).lpphe
    1.0
    """
    return eigen_summary(symmetric_eigenvalues(hessian), zero_tol, on_not_minimum)


def hessian_eigenvalues(objective: Objective, x: ArrayLike) -> FloatArray:
    """Ascending eigenvalues of ``objective.hessian(x)`` (symmetrised before eigvalsh)."""
    return symmetric_eigenvalues(objective.hessian(np.asarray(x, dtype=np.float64)))


def hessian_summary(
    objective: Objective, x: ArrayLike, zero_tol: float = 0.0,
    on_not_minimum: OnNotMinimum = "positive",
) -> HessianSpectrum:
    """:func:`eigen_summary` of the exact Hessian of an objective at x (landscape policy)."""
    return eigen_summary(hessian_eigenvalues(objective, x), zero_tol, on_not_minimum)


def lpphe(objective: Any, w: ArrayLike | None = None) -> float:
    """Σ ln λ_k of the Hessian of ``objective`` at ``w`` (or of a Hessian matrix, w=None).

    Raises :class:`NotAMinimumError` (a ValueError) saying how many eigenvalues are <= 0
    and the lowest one when the point is not a minimum; use :func:`hessian_spectrum`
    to get NaN instead of an exception.

    >>> lpphe(np.diag([1.0, np.e]))
    1.0
    """
    H = objective.hessian(w) if w is not None else objective
    return hessian_spectrum(H, on_not_minimum="raise").lpphe
