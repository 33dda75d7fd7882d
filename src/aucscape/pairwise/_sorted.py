"""O(N log N) pair sums for ``hinge`` and ``squared_hinge`` (weighted ranking losses).

max(0, m − βz)^q = β^q max(0, m' − z)^q with m' = m/β, so the algorithm runs at m' with
α' = β^q α (the spec's KernelForm). A pair (p, n) is active iff s_n > r_p, r_p = s_p − m'
(the kink rule of :mod:`aucscape.surrogates`, one for every algorithm). Sort the
negatives ascending (s_0 ≤ … ≤ s_{K−1}); for a positive the active negatives are the
suffix k_p = #{s_n ≤ r_p}, … . Suffix statistics anchored at the suffix's first score,

    W_k = Σ_{j≥k} b_j,  T1_k = Σ_{j≥k} b_j (s_j − s_k),  T2_k = Σ_{j≥k} b_j (s_j − s_k)²,

obey all-non-negative recurrences in the gaps Δ_i = s_{i+1} − s_i ≥ 0
(T1_k = T1_{k+1} + Δ_k W_{k+1}, T2_k = T2_{k+1} + 2Δ_k T1_{k+1} + Δ_k² W_{k+1}), computed
as reversed cumulative sums, so no moment is ever subtracted from another (no
cancellation for large, tightly ranked scores). With δ_p = s_{k_p} − r_p > 0:

    hinge:         Σ_{n>r_p} b_n (s_n − r_p)  = T1 + δ W,        g_p = −α'_p W
    squared hinge: Σ_{n>r_p} b_n (s_n − r_p)² = T2 + 2δ T1 + δ² W, g_p = −2α'_p (T1 + δ W)

Negatives mirror this with positives sorted by r_p and prefix sums anchored at the last
active r. Ties are exact: the predicate s_n > r_p is the same on both sides.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aucscape.pairwise._problem import PairProblem


def _rev_cumsum(x: NDArray) -> NDArray:
    return np.cumsum(x[::-1])[::-1]


# ``sorted_sums`` works on plain arrays and uses only what numba compiles: its helpers are
# in ``JITTABLE``. ``aucscape.pairwise.kernels`` registers those with numba and jits this
# very function, so the NumPy path, the numba method and the objectives' compiled kernels
# share one definition.
def _by_score(x: NDArray, w: NDArray) -> tuple[NDArray, NDArray]:
    """(x sorted ascending, w in the same order).

    Equal weights (the common case) need only a value sort, about 2x faster than argsort.
    """
    if np.all(w == w[0]):
        return np.sort(x), w
    order = np.argsort(x)
    return x[order], w[order]


#: The helpers :func:`sorted_sums` calls, for numba to compile with it.
JITTABLE = (_by_score, _rev_cumsum)


def sorted_sums(
    sp: NDArray, sn: NDArray, a: NDArray, b: NDArray, margin: float, squared: bool
) -> tuple[float, NDArray, NDArray]:
    """(value, g_pos, g_neg) of Σ α_p b_n h₊(m − s_p + s_n)^q (q = 1, or 2 if ``squared``).

    The kink rule: the pair is active iff s_n > r_p, r_p = s_p − m (the caller passes
    m' = m/β and α' = β^q α, see the module docstring of :mod:`aucscape.surrogates`).
    Needs at least one positive and one negative.
    """
    r = sp - margin
    s, bs = _by_score(sn, b)
    rs, as_ = _by_score(r, a)
    k = s.size
    n_pos = rs.size
    # suffix statistics W, T1, T2 of the sorted negatives (zero at k)
    big_w = np.zeros(k + 1)
    big_w[:k] = _rev_cumsum(bs)
    t1 = np.zeros(k + 1)
    t2 = np.zeros(k + 1)
    if k > 1:
        gap = s[1:] - s[:-1]
        t1[: k - 1] = _rev_cumsum(gap * big_w[1:k])
        if squared:
            t2[: k - 1] = _rev_cumsum(gap * (2.0 * t1[1:k] + gap * big_w[1:k]))
    # prefix statistics A_k = Σ_{i<k} α_i, U_k = Σ_{i<k} α_i (r_{k−1} − r_i) of sorted r
    big_a = np.zeros(n_pos + 1)
    big_a[1:] = np.cumsum(as_)
    u = np.zeros(n_pos + 1)
    if n_pos > 1:
        u[2:] = np.cumsum((rs[1:] - rs[:-1]) * big_a[1:n_pos])
    k_pos = np.searchsorted(s, r, side="right")  # first negative strictly above r_p
    k_neg = np.searchsorted(rs, sn, side="left")  # positives with r_p < s_n
    kp = np.minimum(k_pos, k - 1)
    dl = np.where(k_pos < k, s[kp] - r, 0.0)  # δ_p = s_{k_p} − r_p > 0
    w_p = big_w[k_pos]
    t1_p = t1[k_pos]
    a_n = big_a[k_neg]
    if not squared:
        return (a * (t1_p + dl * w_p)).sum(), -a * w_p, b * a_n
    eps = sn - np.where(k_neg > 0, rs[np.maximum(k_neg - 1, 0)], 0.0)
    value = (a * (t2[k_pos] + dl * (2.0 * t1_p + dl * w_p))).sum()
    return value, -2.0 * a * (t1_p + dl * w_p), 2.0 * b * (u[k_neg] + eps * a_n)


def value_grad(pb: PairProblem) -> tuple[float, NDArray, NDArray]:
    """Return (value, g_pos, g_neg) for hinge / squared hinge by sort and prefix sums."""
    form = pb.form
    value, g_pos, g_neg = sorted_sums(pb.sp, pb.sn, pb.a * form.outer, pb.b, form.margin,
                                      pb.surrogate.name == "squared_hinge")
    return float(value), g_pos, g_neg


class SortedCross:
    """Squared hinge: K[p, n] = −2 α'_p b_n [s_n > r_p], applied with suffix/prefix sums.

    α' = β² α and r_p = s_p − m/β (the spec's KernelForm and kink rule).
    """

    def __init__(self, pb: PairProblem) -> None:
        form = pb.form
        self._a = pb.a * form.outer
        self._b = pb.b
        r = pb.sp - form.margin
        self._order_n = np.argsort(pb.sn)
        self._order_p = np.argsort(r)
        self._k_pos = np.searchsorted(pb.sn[self._order_n], r, side="right")
        self._k_neg = np.searchsorted(r[self._order_p], pb.sn, side="left")
        big_w = np.append(_rev_cumsum(self._b[self._order_n]), 0.0)
        big_a = np.concatenate(([0.0], np.cumsum(self._a[self._order_p])))
        self.diag_pos = 2.0 * self._a * big_w[self._k_pos]
        self.diag_neg = 2.0 * self._b * big_a[self._k_neg]

    def matmul(self, m: NDArray) -> NDArray:
        """(K m)_p = −2 α'_p Σ_{n: s_n > r_p} b_n m_n via a suffix sum over sorted negatives."""
        o = self._order_n
        suffix = np.zeros((o.size + 1, m.shape[1]))
        suffix[:-1] = np.cumsum((self._b[o, None] * m[o])[::-1], axis=0)[::-1]
        return -2.0 * self._a[:, None] * suffix[self._k_pos]

    def rmatmul(self, m: NDArray) -> NDArray:
        """(Kᵀ m)_n = −2 b_n Σ_{p: r_p < s_n} α'_p m_p via a prefix sum over sorted positives."""
        o = self._order_p
        prefix = np.zeros((o.size + 1, m.shape[1]))
        prefix[1:] = np.cumsum(self._a[o, None] * m[o], axis=0)
        return -2.0 * self._b[:, None] * prefix[self._k_neg]
