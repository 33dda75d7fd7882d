"""Second derivatives of the pairwise risk with respect to the scores.

For R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) the score Hessian H_s has only
- a diagonal: d²R/ds_p² = Σ_n a_p b_n ℓ''(z_pn)/Z, d²R/ds_n² = Σ_p a_p b_n ℓ''(z_pn)/Z;
- a positive × negative block K[p, n] = d²R/ds_p ds_n = −a_p b_n ℓ''(z_pn)/Z (and Kᵀ).
Positive/positive and negative/negative off-diagonal entries are zero. ``PairCurvature``
exposes these without forming K for large N, so that the parameter Hessian of
E = R(s(W)) is Jᵀ diag(H_s) J + J_Pᵀ K J_N + J_Nᵀ Kᵀ J_P + Σ_i (dR/ds_i) ∇²s_i.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape.pairwise._problem import PairProblem


class CrossOperator(Protocol):
    """K restricted to the active (non-zero weight) samples, with its diagonals."""

    diag_pos: NDArray
    diag_neg: NDArray

    def matmul(self, m: NDArray) -> NDArray: ...

    def rmatmul(self, m: NDArray) -> NDArray: ...


class DenseCross:
    """K formed explicitly (``method="brute"``)."""

    def __init__(self, diag_pos: NDArray, diag_neg: NDArray, k: NDArray) -> None:
        self.diag_pos, self.diag_neg, self.k = diag_pos, diag_neg, k

    def matmul(self, m: NDArray) -> NDArray:
        return self.k @ m

    def rmatmul(self, m: NDArray) -> NDArray:
        return self.k.T @ m


class PairCurvature:
    """Score Hessian of a pairwise risk (see module docstring).

    Attributes
    ----------
    pos, neg : int arrays
        Indices of the positives / negatives in the caller's order; rows of K follow
        ``pos``, columns follow ``neg``.
    diag : (N,) float64
        d²R/ds_i².
    """

    def __init__(self, pb: PairProblem, op: CrossOperator | None) -> None:
        self.n = pb.n
        self.pos = pb.pos
        self.neg = pb.neg
        self._act_pos, self._act_neg = pb.act_pos, pb.act_neg
        self._op = op
        self._full = (pb.act_pos.size == pb.pos.size) and (pb.act_neg.size == pb.neg.size)
        self.diag = np.zeros(pb.n) if op is None else pb.scatter(op.diag_pos, op.diag_neg)

    @staticmethod
    def _as_2d(m: ArrayLike, rows: int, what: str) -> tuple[NDArray, bool]:
        arr = np.asarray(m, dtype=np.float64)
        vec = arr.ndim == 1
        if vec:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[0] != rows:
            raise ValueError(f"{what} must have shape ({rows}, k) or ({rows},), got {arr.shape}")
        return arr, vec

    def cross_matmul(self, m: ArrayLike) -> NDArray[np.float64]:
        """K @ m for m of shape (NN, k) (or (NN,)); returns (NP, k) (or (NP,))."""
        arr, vec = self._as_2d(m, self.neg.size, "cross_matmul argument")
        out = np.zeros((self.pos.size, arr.shape[1]))
        if self._op is not None:
            sub = arr if self._full else arr[self._act_neg]
            out[self._act_pos] = self._op.matmul(sub)
        return out[:, 0] if vec else out

    def cross_rmatmul(self, m: ArrayLike) -> NDArray[np.float64]:
        """Kᵀ @ m for m of shape (NP, k) (or (NP,)); returns (NN, k) (or (NN,))."""
        arr, vec = self._as_2d(m, self.pos.size, "cross_rmatmul argument")
        out = np.zeros((self.neg.size, arr.shape[1]))
        if self._op is not None:
            sub = arr if self._full else arr[self._act_pos]
            out[self._act_neg] = self._op.rmatmul(sub)
        return out[:, 0] if vec else out

    def matvec(self, v: ArrayLike) -> NDArray[np.float64]:
        """H_s @ v for v of shape (N,)."""
        arr = np.asarray(v, dtype=np.float64)
        if arr.shape != (self.n,):
            raise ValueError(f"matvec argument must have shape ({self.n},), got {arr.shape}")
        out = self.diag * arr
        out[self.pos] += self.cross_matmul(arr[self.neg])
        out[self.neg] += self.cross_rmatmul(arr[self.pos])
        return out

    def cross_dense(self) -> NDArray[np.float64]:
        """The full NP×NN block K (memory NP·NN floats)."""
        return self.cross_matmul(np.eye(self.neg.size))

    def dense(self) -> NDArray[np.float64]:
        """The full (N, N) score Hessian H_s (memory N² floats)."""
        h = np.diag(self.diag)
        k = self.cross_dense()
        h[np.ix_(self.pos, self.neg)] = k
        h[np.ix_(self.neg, self.pos)] = k.T
        return h
