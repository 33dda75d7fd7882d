"""O(N log N) pair sums for ``hinge`` and ``squared_hinge`` (weighted ranking losses).

A pair (p, n) is active when z_pn < m, i.e. s_n > r_p with r_p = s_p − m. Sort the
negatives ascending (s_0 ≤ … ≤ s_{K−1}); for a positive the active negatives are the
suffix k_p = #{s_n ≤ r_p}, … . Suffix statistics anchored at the suffix's first score,

    W_k = Σ_{j≥k} b_j,  T1_k = Σ_{j≥k} b_j (s_j − s_k),  T2_k = Σ_{j≥k} b_j (s_j − s_k)²,

obey all-non-negative recurrences in the gaps Δ_i = s_{i+1} − s_i ≥ 0
(T1_k = T1_{k+1} + Δ_k W_{k+1}, T2_k = T2_{k+1} + 2Δ_k T1_{k+1} + Δ_k² W_{k+1}), computed
as reversed cumulative sums, so no moment is ever subtracted from another (no
cancellation for large, tightly ranked scores). With δ_p = s_{k_p} − r_p > 0:

    hinge:         Σ_{n>r_p} b_n (s_n − r_p)  = T1 + δ W,        g_p = −α_p W
    squared hinge: Σ_{n>r_p} b_n (s_n − r_p)² = T2 + 2δ T1 + δ² W, g_p = −2α_p (T1 + δ W)

Negatives mirror this with positives sorted by r_p and prefix sums anchored at the last
active r. Ties are exact: the predicate s_n > r_p is the same on both sides.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aucscape.pairwise._problem import PairProblem


def _rev_cumsum(x: NDArray) -> NDArray:
    return np.cumsum(x[::-1], axis=0)[::-1]


def _suffix_stats(
    s: NDArray, w: NDArray, second: bool = True
) -> tuple[NDArray, NDArray, NDArray]:
    """W, T1, T2 (length K + 1, zero at K) for ascending ``s`` with weights ``w``.

    T2 is left at zero unless ``second``.
    """
    k = s.size
    big_w = np.zeros(k + 1)
    big_w[:k] = _rev_cumsum(w)
    gap = np.diff(s)
    t1 = np.zeros(k + 1)
    t2 = np.zeros(k + 1)
    if k > 1:
        t1[: k - 1] = _rev_cumsum(gap * big_w[1:k])
        if second:
            t2[: k - 1] = _rev_cumsum(gap * (2.0 * t1[1:k] + gap * big_w[1:k]))
    return big_w, t1, t2


def _prefix_stats(r: NDArray, w: NDArray) -> tuple[NDArray, NDArray]:
    """A_k = Σ_{i<k} w_i and U_k = Σ_{i<k} w_i (r_{k−1} − r_i), length P + 1, ascending r."""
    p = r.size
    big_a = np.zeros(p + 1)
    big_a[1:] = np.cumsum(w)
    u = np.zeros(p + 1)
    if p > 1:
        u[2:] = np.cumsum(np.diff(r) * big_a[1:p])
    return big_a, u


def _sorted_pair(
    x: NDArray, w: NDArray, need_order: bool
) -> tuple[NDArray, NDArray, NDArray | None]:
    """``x`` ascending with its weights; a value sort (2x faster) when weights are equal."""
    if not need_order and w.size and np.all(w == w[0]):
        return np.sort(x), w, None
    order = np.argsort(x)
    return x[order], w[order], order


class _Geometry:
    """Sorted classes and active-suffix/prefix positions shared by value and curvature."""

    def __init__(self, pb: PairProblem, need_order: bool = False) -> None:
        r = pb.sp - pb.margin
        self.s, self.b_sorted, self.order_n = _sorted_pair(pb.sn, pb.b, need_order)
        self.r_sorted, self.a_sorted, self.order_p = _sorted_pair(r, pb.a, need_order)
        # first negative strictly above r_p; number of positives with r_p < s_n
        self.k_pos = np.searchsorted(self.s, r, side="right")
        self.k_neg = np.searchsorted(self.r_sorted, pb.sn, side="left")
        kp = np.minimum(self.k_pos, self.s.size - 1)
        self.delta = np.where(self.k_pos < self.s.size, self.s[kp] - r, 0.0)

    def eps(self, sn: NDArray) -> NDArray:
        """ε_n = s_n − (largest r_p below s_n); arbitrary (finite) where there is none,
        which is harmless because it only ever multiplies A_0 = 0."""
        r_pad = np.concatenate(([0.0], self.r_sorted))
        return sn - r_pad[self.k_neg]


def value_grad(pb: PairProblem) -> tuple[float, NDArray, NDArray]:
    """Return (value, g_pos, g_neg) for hinge / squared hinge by sort and prefix sums."""
    geo = _Geometry(pb)
    squared = pb.surrogate.name == "squared_hinge"
    big_w, t1, t2 = _suffix_stats(geo.s, geo.b_sorted, second=squared)
    big_a, u = _prefix_stats(geo.r_sorted, geo.a_sorted)
    w_p, t1_p, d = big_w[geo.k_pos], t1[geo.k_pos], geo.delta
    a_n = big_a[geo.k_neg]
    if not squared:
        per_pos = t1_p + d * w_p
        return float((pb.a * per_pos).sum()), -pb.a * w_p, pb.b * a_n
    per_pos = t2[geo.k_pos] + d * (2.0 * t1_p + d * w_p)
    return (
        float((pb.a * per_pos).sum()),
        -2.0 * pb.a * (t1_p + d * w_p),
        2.0 * pb.b * (u[geo.k_neg] + geo.eps(pb.sn) * a_n),
    )


class SortedCross:
    """Squared hinge: K[p, n] = −2 α_p b_n [s_n > r_p], applied with suffix/prefix sums."""

    def __init__(self, pb: PairProblem) -> None:
        self._pb = pb
        self._geo = geo = _Geometry(pb, need_order=True)
        big_w = _suffix_stats(geo.s, geo.b_sorted)[0]
        big_a = _prefix_stats(geo.r_sorted, geo.a_sorted)[0]
        self.diag_pos = 2.0 * pb.a * big_w[geo.k_pos]
        self.diag_neg = 2.0 * pb.b * big_a[geo.k_neg]

    def matmul(self, m: NDArray) -> NDArray:
        """(K m)_p = −2 α_p Σ_{n: s_n > r_p} b_n m_n via a suffix sum over sorted negatives."""
        pb, geo = self._pb, self._geo
        suffix = np.zeros((pb.sn.size + 1, m.shape[1]))
        suffix[:-1] = _rev_cumsum(pb.b[geo.order_n, None] * m[geo.order_n])
        return -2.0 * pb.a[:, None] * suffix[geo.k_pos]

    def rmatmul(self, m: NDArray) -> NDArray:
        """(Kᵀ m)_n = −2 b_n Σ_{p: r_p < s_n} α_p m_p via a prefix sum over sorted positives."""
        pb, geo = self._pb, self._geo
        prefix = np.zeros((pb.sp.size + 1, m.shape[1]))
        prefix[1:] = np.cumsum(pb.a[geo.order_p, None] * m[geo.order_p], axis=0)
        return -2.0 * pb.b[:, None] * prefix[geo.k_neg]
