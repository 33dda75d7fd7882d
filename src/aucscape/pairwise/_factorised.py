"""O(N) pair sums for surrogates that factorise over the classes: ``exp`` and ``quad``.

exp:  Σ_p Σ_n α_p b_n e^{−β(s_p − s_n)} = (Σ_p α_p e^{−β s_p}) (Σ_n b_n e^{β s_n}), both
      sums taken in log space (log-sum-exp with a max shift) so that only the final
      result can overflow, exactly when the true value exceeds the float64 range.
quad: (m − βz)² = β²(m' − z)² with m' = m/β (the spec's KernelForm: the factor β² is
      folded into α); with c_p = m' − s_p, centre both classes, u_p = c_p − ĉ,
      v_n = s_n − ŝ (ĉ, ŝ the weighted class means) and δ = ĉ + ŝ, so
      m' − z_pn = u_p + v_n + δ and
      Σ α_p b_n (u_p + v_n + δ)² = B Σα u² + A Σb v² + A B δ² (+ rounding-level cross terms
      Σα u, Σb v, kept for exactness). Every main term is non-negative: no cancellation.
Both have a rank-one cross curvature K = −κ x yᵀ.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aucscape.pairwise._problem import PairProblem


# ``exp_sums`` and ``quad_sums`` work on plain arrays and use only what numba compiles
# (no helper calls, no errstate): ``aucscape.objectives._kernels`` jits these very
# functions, so the NumPy path and the compiled objective share one definition.
def exp_sums(
    sp: NDArray, sn: NDArray, a: NDArray, b: NDArray, beta: float
) -> tuple[float, NDArray, NDArray]:
    """value = e^{LA + LB}; g_p = −β α_p e^{−β s_p} e^{LB}; g_n = β b_n e^{β s_n} e^{LA}.

    LA = log Σ_p α_p e^{−β s_p}, LB = log Σ_n b_n e^{β s_n} by max-shifted log-sum-exp.
    """
    la = np.log(a) - beta * sp  # log α_p e^{−β s_p}
    lb = np.log(b) + beta * sn  # log b_n e^{β s_n}
    ma = la.max()
    mb = lb.max()
    lsa = ma + np.log(np.exp(la - ma).sum())
    lsb = mb + np.log(np.exp(lb - mb).sum())
    return np.exp(lsa + lsb), -beta * np.exp(la + lsb), beta * np.exp(lb + lsa)


def quad_sums(
    sp: NDArray, sn: NDArray, a: NDArray, b: NDArray, margin: float
) -> tuple[float, NDArray, NDArray]:
    """Centred class moments (module docstring); sums as ``(x * y).sum()``, no BLAS call.

    g_p = −2α_p(B(u_p + δ) + Σb v), g_n = 2b_n(A(v_n + δ) + Σα u), A = Σα, B = Σb.
    """
    sa = a.sum()
    sb = b.sum()
    c = margin - sp
    c_hat = (a * c).sum() / sa
    s_hat = (b * sn).sum() / sb
    u = c - c_hat
    v = sn - s_hat
    delta = c_hat + s_hat
    sau = (a * u).sum()
    sbv = (b * v).sum()
    value = (
        sb * (a * (u * u)).sum()
        + sa * (b * (v * v)).sum()
        + sa * sb * delta * delta
        + 2.0 * sau * sbv
        + 2.0 * delta * (sb * sau + sa * sbv)
    )
    return value, -2.0 * a * (sb * (u + delta) + sbv), 2.0 * b * (sa * (v + delta) + sau)


def exp_log_value(pb: PairProblem) -> float:
    """log R of the exp surrogate, computed in log space (finite whenever the inputs are)."""
    la = np.log(pb.a) - pb.beta * pb.sp
    lb = np.log(pb.b) + pb.beta * pb.sn
    ma, mb = float(la.max()), float(lb.max())
    return ma + mb + float(np.log(np.exp(la - ma).sum()) + np.log(np.exp(lb - mb).sum()))


def exp_value_grad(pb: PairProblem) -> tuple[float, NDArray, NDArray]:
    """:func:`exp_sums` of the problem; only a true value past float64 overflows (to inf)."""
    with np.errstate(over="ignore"):
        value, g_pos, g_neg = exp_sums(pb.sp, pb.sn, pb.a, pb.b, pb.beta)
    return float(value), g_pos, g_neg


def quad_value_grad(pb: PairProblem) -> tuple[float, NDArray, NDArray]:
    """:func:`quad_sums` of the problem at m' = m/β, α·β² (``pb.form``)."""
    form = pb.form
    value, g_pos, g_neg = quad_sums(pb.sp, pb.sn, pb.a * form.outer, pb.b, form.margin)
    return float(value), g_pos, g_neg


class RankOneCross:
    """K = coef · x yᵀ with given diagonals (exp, quad; coef = 0 for hinge)."""

    def __init__(self, coef: float, x: NDArray, y: NDArray, diag_pos: NDArray, diag_neg: NDArray):
        self.coef, self.x, self.y = coef, x, y
        self.diag_pos, self.diag_neg = diag_pos, diag_neg

    def matmul(self, m: NDArray) -> NDArray:
        """K @ m = coef · x (yᵀ m) for m of shape (NN, k)."""
        if self.coef == 0.0:
            return np.zeros((self.x.size, m.shape[1]))
        return self.coef * np.outer(self.x, self.y @ m)

    def rmatmul(self, m: NDArray) -> NDArray:
        """Kᵀ @ m = coef · y (xᵀ m) for m of shape (NP, k)."""
        if self.coef == 0.0:
            return np.zeros((self.y.size, m.shape[1]))
        return self.coef * np.outer(self.y, self.x @ m)


def exp_cross(pb: PairProblem) -> RankOneCross:
    """ℓ'' = β² e^{−β s_p} e^{β s_n}: K = −β² x yᵀ with x, y max-shifted in log space.

    The diagonals are β times the gradient marginals: diag_p = −β g_p, diag_n = β g_n.
    """
    la = np.log(pb.a) - pb.beta * pb.sp
    lb = np.log(pb.b) + pb.beta * pb.sn
    ma, mb = float(la.max()), float(lb.max())
    with np.errstate(over="ignore"):
        _, g_pos, g_neg = exp_sums(pb.sp, pb.sn, pb.a, pb.b, pb.beta)
        coef = -pb.beta * (pb.beta * float(np.exp(ma + mb)))
        return RankOneCross(
            coef, np.exp(la - ma), np.exp(lb - mb), -pb.beta * g_pos, pb.beta * g_neg
        )


def quad_cross(pb: PairProblem) -> RankOneCross:
    """ℓ'' = 2β²: K = −2 α' bᵀ, diag_p = 2 α'_p Σb, diag_n = 2 b_n Σα' with α' = β² α."""
    a, b = pb.a * pb.form.outer, pb.b
    return RankOneCross(-2.0, a, b, 2.0 * a * b.sum(), 2.0 * b * a.sum())
