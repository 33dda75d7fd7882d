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
        """K @ m."""
        return self.k @ m

    def rmatmul(self, m: NDArray) -> NDArray:
        """Kᵀ @ m."""
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

    def _apply(self, m: ArrayLike, transpose: bool) -> NDArray[np.float64]:
        """K @ m (or Kᵀ @ m): the operator acts on the active rows only, the rest is 0."""
        rows_in, rows_out = (self.pos, self.neg) if transpose else (self.neg, self.pos)
        act_in, act_out = (
            (self._act_pos, self._act_neg) if transpose else (self._act_neg, self._act_pos)
        )
        what = "cross_rmatmul argument" if transpose else "cross_matmul argument"
        arr, vec = self._as_2d(m, rows_in.size, what)
        out = np.zeros((rows_out.size, arr.shape[1]))
        if self._op is not None:
            sub = arr if self._full else arr[act_in]
            out[act_out] = self._op.rmatmul(sub) if transpose else self._op.matmul(sub)
        return out[:, 0] if vec else out

    def cross_matmul(self, m: ArrayLike) -> NDArray[np.float64]:
        """K @ m for m of shape (NN, k) (or (NN,)); returns (NP, k) (or (NP,))."""
        return self._apply(m, transpose=False)

    def cross_rmatmul(self, m: ArrayLike) -> NDArray[np.float64]:
        """Kᵀ @ m for m of shape (NP, k) (or (NP,)); returns (NN, k) (or (NN,))."""
        return self._apply(m, transpose=True)

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
