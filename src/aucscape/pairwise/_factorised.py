"""O(N) pair sums for surrogates that factorise over the classes: ``exp`` and ``quad``.

exp:  Σ_p Σ_n α_p b_n e^{−β(s_p − s_n)} = (Σ_p α_p e^{−β s_p}) (Σ_n b_n e^{β s_n}), both
      sums taken in log space (log-sum-exp with a max shift) so that only the final
      result can overflow, exactly when the true value exceeds the float64 range.
quad: with c_p = m − s_p, centre both classes, u_p = c_p − ĉ, v_n = s_n − ŝ (ĉ, ŝ the
      weighted class means) and δ = ĉ + ŝ, so m − z_pn = u_p + v_n + δ and
      Σ α_p b_n (u_p + v_n + δ)² = B Σα u² + A Σb v² + A B δ² (+ rounding-level cross terms
      Σα u, Σb v, kept for exactness). Every main term is non-negative: no cancellation.
Both have a rank-one cross curvature K = −κ x yᵀ.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aucscape.pairwise._problem import PairProblem


def _dot(x: NDArray, y: NDArray) -> float:
    """Σ x·y by NumPy's pairwise summation: no BLAS call, so no thread start-up."""
    return float((x * y).sum())


def _logsumexp(x: NDArray) -> tuple[float, NDArray]:
    """Return (log Σ e^x, shift) with the max shift; x holds finite values."""
    m = float(x.max())
    return m + float(np.log(np.exp(x - m).sum())), m


def _exp_logs(pb: PairProblem) -> tuple[NDArray, NDArray, float, float]:
    la = np.log(pb.a) - pb.beta * pb.sp  # log α_p e^{−β s_p}
    lb = np.log(pb.b) + pb.beta * pb.sn  # log b_n e^{β s_n}
    return la, lb, _logsumexp(la)[0], _logsumexp(lb)[0]


def exp_value_grad(pb: PairProblem) -> tuple[float, NDArray, NDArray]:
    """value = e^{LA + LB}; g_p = −β α_p e^{−β s_p} e^{LB}; g_n = β b_n e^{β s_n} e^{LA}."""
    la, lb, lsa, lsb = _exp_logs(pb)
    with np.errstate(over="ignore"):
        value = float(np.exp(lsa + lsb))
        return value, -pb.beta * np.exp(la + lsb), pb.beta * np.exp(lb + lsa)


def _quad_moments(pb: PairProblem):
    a, b = pb.a, pb.b
    sa, sb = float(a.sum()), float(b.sum())
    c = pb.margin - pb.sp
    c_hat, s_hat = _dot(a, c) / sa, _dot(b, pb.sn) / sb
    u, v = c - c_hat, pb.sn - s_hat
    return sa, sb, u, v, c_hat + s_hat, _dot(a, u), _dot(b, v)


def quad_value_grad(pb: PairProblem) -> tuple[float, NDArray, NDArray]:
    """Centred class moments; g_p = −2α_p(B(u_p + δ) + Σb v), g_n = 2b_n(A(v_n + δ) + Σα u)."""
    a, b = pb.a, pb.b
    sa, sb, u, v, delta, sau, sbv = _quad_moments(pb)
    value = (
        sb * _dot(a, u * u)
        + sa * _dot(b, v * v)
        + sa * sb * delta * delta
        + 2.0 * sau * sbv
        + 2.0 * delta * (sb * sau + sa * sbv)
    )
    return value, -2.0 * a * (sb * (u + delta) + sbv), 2.0 * b * (sa * (v + delta) + sau)


class RankOneCross:
    """K = coef · x yᵀ with given diagonals (exp, quad; coef = 0 for hinge)."""

    def __init__(self, coef: float, x: NDArray, y: NDArray, diag_pos: NDArray, diag_neg: NDArray):
        self.coef, self.x, self.y = coef, x, y
        self.diag_pos, self.diag_neg = diag_pos, diag_neg

    def matmul(self, m: NDArray) -> NDArray:
        if self.coef == 0.0:
            return np.zeros((self.x.size, m.shape[1]))
        return self.coef * np.outer(self.x, self.y @ m)

    def rmatmul(self, m: NDArray) -> NDArray:
        if self.coef == 0.0:
            return np.zeros((self.y.size, m.shape[1]))
        return self.coef * np.outer(self.y, self.x @ m)


def exp_cross(pb: PairProblem) -> RankOneCross:
    """ℓ'' = β² e^{−β s_p} e^{β s_n}: K = −β² x yᵀ with x, y max-shifted in log space."""
    la, lb, lsa, lsb = _exp_logs(pb)
    b2 = pb.beta * pb.beta
    ma, mb = float(la.max()), float(lb.max())
    with np.errstate(over="ignore"):
        coef = -b2 * float(np.exp(ma + mb))
        return RankOneCross(
            coef, np.exp(la - ma), np.exp(lb - mb), b2 * np.exp(la + lsb), b2 * np.exp(lb + lsa)
        )


def quad_cross(pb: PairProblem) -> RankOneCross:
    """ℓ'' = 2: K = −2 α bᵀ, diag_p = 2 α_p Σb, diag_n = 2 b_n Σα."""
    a, b = pb.a, pb.b
    return RankOneCross(-2.0, a, b, 2.0 * a * b.sum(), 2.0 * b * a.sum())
