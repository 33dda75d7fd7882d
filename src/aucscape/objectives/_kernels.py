"""Numba kernels E(W), ∇E(W) of the network objectives (imported only when numba is used).

Each kernel is a pure ``@njit`` function ``fn(w, *args) -> (E, g)`` over plain arrays and
scalars, so the compiled L-BFGS loop (:mod:`aucscape.landscape._lbfgs_numba`) can call it
without touching Python. The maths is that of the NumPy objectives, written as loops
(faster than BLAS calls on these tiny matrices):

    a = X W1ᵀ + b1,  h = tanh(a),  o = h W2ᵀ + b2,  p = softmax(o)
    (C = 2: p_1 = σ(o_1 − o_0), p_0 = σ(o_0 − o_1), as in :meth:`aucscape.nn.MLP.forward`)
    ∇E = backprop(G) + 2λW, backprop(G) = Σ_{d,c} G_dc ∇_w o_dc,  E = L + λ Σ W²

- :func:`ce_energy_gradient`: L = (1/N) Σ_d (logsumexp(o_d) − o_{d,y_d}), G = (p − e_y)/N.
- :func:`auc_energy_gradient`: L = R(s) = Σ_p Σ_n α_p b_n ℓ(s_p − s_n) with s = p_1 and
  the weights of :mod:`aucscape.pairwise._problem` (α_p = pos_weight/Z, b_n = 1), and
  G_dc = (∂R/∂s_d) p_1 (δ_1c − p_c). The pair sums use the same algorithm per surrogate
  as :func:`aucscape.pairwise.pairwise_loss` with ``method="auto"``: the numba pair
  kernels of :mod:`aucscape.pairwise._numba` for sigmoid, tanh and logistic (O(NP·NN));
  O(N) class sums for exp and quad; O(N log N) sort and prefix sums for hinge and
  squared hinge. Every result is tested against the NumPy objective.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from aucscape.pairwise import _factorised
from aucscape.pairwise._blocked import PRODUCT_RANGE
from aucscape.pairwise._numba import CODES, _generic, _sigmoid_product

__all__ = ["CODES", "auc_energy_gradient", "ce_energy_gradient"]

# pair-sum algorithms, by ``CODES`` (sigmoid = tanh with 2β = 0, logistic 1, hinge 2,
# squared hinge 3, exp 4, quad 5)
_HINGE, _SQHINGE, _EXP, _QUAD = 2, 3, 4, 5
# reassociation only (SIMD sums along the data points); see aucscape.pairwise._numba
_FM = {"reassoc"}


# Cephes' rational approximation tanh(x) = x + x³ P(x²)/Q(x²) for |x| ≤ 0.625 (≤ 1 ulp)
_TP = (-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3)
_TQ = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)


@nb.njit(cache=True)
def _tanh(a):  # pragma: no cover - jitted
    """tanh(a) as in Cephes: 1 − 2/(e^{2|a|} + 1) for |a| > 0.625, else a rational
    approximation. Agrees with NumPy's tanh to ~1 ulp and is 2-4x faster than libm's
    tanh, which otherwise dominates the kernel."""
    x = abs(a)
    if x > 0.625:
        return math.copysign(1.0 - 2.0 / (math.exp(2.0 * x) + 1.0), a)
    s = a * a
    z = ((_TP[0] * s + _TP[1]) * s + _TP[2]) / (((s + _TQ[0]) * s + _TQ[1]) * s + _TQ[2])
    return a + a * s * z


@nb.njit(cache=True)
def _softmax_column(oT, pT, d):  # pragma: no cover - jitted
    """p_{·d} = softmax(o_{·d}); for C = 2 σ(±δ), δ = o_1 − o_0, from one exp."""
    C = oT.shape[0]
    if C == 2:
        diff = oT[1, d] - oT[0, d]
        e = math.exp(-abs(diff))
        big = 1.0 / (1.0 + e)
        small = e / (1.0 + e)
        pT[1, d] = big if diff >= 0.0 else small
        pT[0, d] = small if diff >= 0.0 else big
        return
    m = oT[0, d]
    for c in range(1, C):
        m = max(m, oT[c, d])
    tot = 0.0
    for c in range(C):
        pT[c, d] = math.exp(oT[c, d] - m)
        tot += pT[c, d]
    for c in range(C):
        pT[c, d] /= tot


@nb.njit(cache=True, fastmath=_FM)
def _forward(w, XT, H, C):  # pragma: no cover - jitted
    """hᵀ (H, N), oᵀ (C, N), pᵀ (C, N) from Xᵀ (K, N): loops run along the data points."""
    K, N = XT.shape
    o_b1 = H * K
    o_w2 = o_b1 + H
    o_b2 = o_w2 + C * H
    hT = np.empty((H, N))
    oT = np.empty((C, N))
    pT = np.empty((C, N))
    for j in range(H):
        row = hT[j]
        row[:] = w[o_b1 + j]
        for k in range(K):
            wjk = w[j * K + k]
            xk = XT[k]
            for d in range(N):
                row[d] += wjk * xk[d]
        for d in range(N):
            row[d] = _tanh(row[d])
    for c in range(C):
        oc = oT[c]
        oc[:] = w[o_b2 + c]
        for j in range(H):
            wcj = w[o_w2 + c * H + j]
            hj = hT[j]
            for d in range(N):
                oc[d] += wcj * hj[d]
    for d in range(N):
        _softmax_column(oT, pT, d)
    return hT, oT, pT


@nb.njit(cache=True, fastmath=_FM)
def _backprop_l2(w, XT, hT, GT, H, C, lam):  # pragma: no cover - jitted
    """Σ_{d,c} G_dc ∇_w o_dc + 2λw (Gᵀ (C, N)), in the flat layout W1, b1, W2, b2."""
    K, N = XT.shape
    o_b1 = H * K
    o_w2 = o_b1 + H
    o_b2 = o_w2 + C * H
    g = np.empty(w.size)
    da = np.empty(N)
    for j in range(H):
        hj = hT[j]
        da[:] = 0.0
        for c in range(C):
            wcj = w[o_w2 + c * H + j]
            gc = GT[c]
            acc = 0.0
            for d in range(N):
                da[d] += gc[d] * wcj
                acc += gc[d] * hj[d]
            g[o_w2 + c * H + j] = acc
        acc = 0.0
        for d in range(N):
            da[d] *= 1.0 - hj[d] * hj[d]
            acc += da[d]
        g[o_b1 + j] = acc
        for k in range(K):
            xk = XT[k]
            acc = 0.0
            for d in range(N):
                acc += da[d] * xk[d]
            g[j * K + k] = acc
    for c in range(C):
        g[o_b2 + c] = GT[c].sum()
    for i in range(w.size):
        g[i] += 2.0 * lam * w[i]
    return g


@nb.njit(cache=True)
def _l2(w, lam):  # pragma: no cover - jitted
    return lam * np.dot(w, w)


@nb.njit(cache=True)
def ce_energy_gradient(w, XT, y, H, C, lam):  # pragma: no cover - jitted
    """E = (1/N) Σ_d (logsumexp(o_d) − o_{d,y_d}) + λ Σ W² and ∇E (G = (p − e_y)/N).

    ``XT`` is Xᵀ (K, N), C-contiguous; ``y`` int64 labels in 0..C−1.
    """
    N = XT.shape[1]
    hT, oT, pT = _forward(w, XT, H, C)
    L = 0.0
    for d in range(N):
        if C == 2:  # logaddexp(o_0, o_1)
            m = max(oT[0, d], oT[1, d])
            lse = m + math.log1p(math.exp(-abs(oT[0, d] - oT[1, d])))
        else:
            m = oT[0, d]
            for c in range(1, C):
                m = max(m, oT[c, d])
            tot = 0.0
            for c in range(C):
                tot += math.exp(oT[c, d] - m)
            lse = m + math.log(tot)
        L += lse - oT[y[d], d]
    L /= N
    GT = pT / N
    for d in range(N):
        GT[y[d], d] -= 1.0 / N
    g = _backprop_l2(w, XT, hT, GT, H, C, lam)
    return L + _l2(w, lam), g


# one definition for NumPy and numba: the class sums of aucscape.pairwise._factorised
_exp_sums = nb.njit(cache=True)(_factorised.exp_sums)
_quad_sums = nb.njit(cache=True)(_factorised.quad_sums)


@nb.njit(cache=True)
def _rev_cumsum(x):  # pragma: no cover - jitted
    out = np.empty_like(x)
    acc = 0.0
    for i in range(x.size - 1, -1, -1):
        acc += x[i]
        out[i] = acc
    return out


@nb.njit(cache=True)
def _sorted_sums(sp, sn, a, b, margin, squared):  # pragma: no cover - jitted
    """Hinge / squared hinge by sort and prefix sums (see :mod:`aucscape.pairwise._sorted`)."""
    r = sp - margin
    on = np.argsort(sn)
    op = np.argsort(r)
    s = sn[on]
    bs = b[on]
    rs = r[op]
    as_ = a[op]
    k = s.size
    P = rs.size
    # suffix statistics of the sorted negatives
    big_w = np.zeros(k + 1)
    big_w[:k] = _rev_cumsum(bs)
    t1 = np.zeros(k + 1)
    t2 = np.zeros(k + 1)
    if k > 1:
        gap = s[1:] - s[:-1]
        t1[: k - 1] = _rev_cumsum(gap * big_w[1:k])
        if squared:
            t2[: k - 1] = _rev_cumsum(gap * (2.0 * t1[1:k] + gap * big_w[1:k]))
    # prefix statistics of the sorted r_p
    big_a = np.zeros(P + 1)
    big_a[1:] = np.cumsum(as_)
    u = np.zeros(P + 1)
    if P > 1:
        u[2:] = np.cumsum((rs[1:] - rs[:-1]) * big_a[1:P])
    k_pos = np.searchsorted(s, r, side="right")
    k_neg = np.searchsorted(rs, sn, side="left")
    value = 0.0
    g_pos = np.empty(sp.size)
    for i in range(sp.size):
        kp = k_pos[i]
        dl = s[kp] - r[i] if kp < k else 0.0
        if squared:
            value += a[i] * (t2[kp] + dl * (2.0 * t1[kp] + dl * big_w[kp]))
            g_pos[i] = -2.0 * a[i] * (t1[kp] + dl * big_w[kp])
        else:
            value += a[i] * (t1[kp] + dl * big_w[kp])
            g_pos[i] = -a[i] * big_w[kp]
    g_neg = np.empty(sn.size)
    for j in range(sn.size):
        kn = k_neg[j]
        if squared:
            eps = sn[j] - (rs[kn - 1] if kn > 0 else 0.0)
            g_neg[j] = 2.0 * b[j] * (u[kn] + eps * big_a[kn])
        else:
            g_neg[j] = b[j] * big_a[kn]
    return value, g_pos, g_neg


@nb.njit(cache=True)
def _pair_sums(code, sp, sn, a, b, beta, margin):  # pragma: no cover - jitted
    """(value, g_pos, g_neg) of Σ_p Σ_n α_p b_n ℓ(s_p − s_n) for surrogate ``code``."""
    if code == _EXP:
        return _exp_sums(sp, sn, a, b, beta)
    if code == _QUAD:
        return _quad_sums(sp, sn, a, b, margin)
    if code == _HINGE or code == _SQHINGE:
        return _sorted_sums(sp, sn, a, b, margin, code == _SQHINGE)
    g_pos = np.empty(sp.size)
    col = np.zeros(sn.size)
    if code == 0:
        lo = min(sp.min(), sn.min())
        hi = max(sp.max(), sn.max())
        if beta * (hi - lo) <= PRODUCT_RANGE:  # exp-free product identity
            total = _sigmoid_product(sp, sn, a, b, beta, 0.5 * (lo + hi), g_pos, col)
            return total, g_pos, beta * b * col
    total = _generic(code, sp, sn, a, b, beta, margin, g_pos, col)
    return total, g_pos, -b * col


@nb.njit(cache=True)
def auc_energy_gradient(w, XT, H, C, lam, ipos, ineg, a, b, code, beta,
                        margin):  # pragma: no cover - jitted
    """E = Σ_p Σ_n α_p b_n ℓ(s_p − s_n) + λ Σ W², s = p_1, and its gradient.

    ``XT``: Xᵀ (K, N), C-contiguous; ``ipos``/``ineg``: indices of the (active)
    positives/negatives; ``a``/``b``: their weights α_p (normalisation folded in) and
    b_n; ``code``: surrogate (``CODES``; pass 2β for tanh). No pairs: R = 0.
    """
    N = XT.shape[1]
    hT, _, pT = _forward(w, XT, H, C)
    gs = np.zeros(N)
    R = 0.0
    if ipos.size > 0 and ineg.size > 0:
        s = pT[1]
        R, g_pos, g_neg = _pair_sums(code, s[ipos], s[ineg], a, b, beta, margin)
        gs[ipos] = g_pos
        gs[ineg] = g_neg
    # G_dc = g_d ∂p_1/∂o_dc = g_d p_1 (δ_1c − p_c)
    GT = np.empty((C, N))
    for c in range(C):
        for d in range(N):
            GT[c, d] = -gs[d] * pT[c, d] * pT[1, d]
    for d in range(N):
        GT[1, d] += gs[d] * pT[1, d]
    g = _backprop_l2(w, XT, hT, GT, H, C, lam)
    return R + _l2(w, lam), g
