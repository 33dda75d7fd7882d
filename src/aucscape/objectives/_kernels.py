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
  G_dc = (∂R/∂s_d) p_1 (δ_1c − p_c). The pair sums are the public compiled entry point
  :func:`aucscape.pairwise.kernels.pair_sums` (the same algorithm per surrogate as
  :func:`aucscape.pairwise.pairwise_loss` with ``method="auto"``), called with the
  surrogate's ``KernelForm`` from :mod:`aucscape.surrogates`. Every result is tested
  against the NumPy objective.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from aucscape.pairwise.kernels import pair_sums

__all__ = ["auc_energy_gradient", "ce_energy_gradient"]

# reassociation only (SIMD sums along the data points); see aucscape.pairwise.kernels
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


@nb.njit(cache=True)
def auc_energy_gradient(w, XT, H, C, lam, ipos, ineg, a, b, code, beta,
                        margin):  # pragma: no cover - jitted
    """E = Σ_p Σ_n α_p b_n ℓ(s_p − s_n) + λ Σ W², s = p_1, and its gradient.

    ``XT``: Xᵀ (K, N), C-contiguous; ``ipos``/``ineg``: indices of the (active)
    positives/negatives; ``a``/``b``: their weights α_p (normalisation folded in) and
    b_n; ``code``, ``beta``, ``margin``: the surrogate's ``KernelForm`` (its ``outer``
    folded into ``a``). No pairs: R = 0.
    """
    N = XT.shape[1]
    hT, _, pT = _forward(w, XT, H, C)
    gs = np.zeros(N)
    R = 0.0
    if ipos.size > 0 and ineg.size > 0:
        s = pT[1]
        R, g_pos, g_neg = pair_sums(code, s[ipos], s[ineg], a, b, beta, margin)
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
