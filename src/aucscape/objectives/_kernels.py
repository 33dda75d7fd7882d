"""Numba kernels E(W), ∇E(W) of the network objectives (imported only when numba is used).

Each kernel is a pure ``@njit`` function ``fn(w, *args) -> (E, g)`` over plain arrays and
scalars, so the compiled L-BFGS loop (:mod:`aucscape.landscape._lbfgs_numba`) can call it
without touching Python. The maths is that of the NumPy objectives, written as loops
(faster than BLAS calls on these tiny matrices):

    a = X W1ᵀ + b1,  h = tanh(a),  o = h W2ᵀ + b2,  p = softmax(o)
    (C = 2: p_1 = σ(o_1 − o_0), p_0 = σ(o_0 − o_1), as in :meth:`aucscape.nn.MLP.forward`)
    ∇E = backprop(G) + 2λW, backprop(G) = Σ_{d,c} G_dc ∇_w o_dc,  E = L + λ Σ W²

- :func:`ce_energy_gradient`: L = (1/N) Σ_d (logsumexp(o_d) − o_{d,y_d}), G = (p − e_y)/N.
- :func:`auc_hessian` (C = 2): the exact ∇²E of that objective (its docstring), the maths
  of :class:`aucscape.objectives.PairwiseAUC`'s NumPy Hessian with the per-pair ℓ'' of
  :func:`aucscape.pairwise.kernels.pair_d2` and two BLAS products for the pair coupling.
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

from aucscape.pairwise.kernels import margin_free, pair_d2, pair_sums

__all__ = ["auc_energy_gradient", "auc_hessian", "ce_energy_gradient"]

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


@nb.njit(cache=True)
def _delta_jacobian(w, XT, hT, H):  # pragma: no cover - jitted
    """J (N, P): rows ∇_w δ_d of the logit difference δ = o_1 − o_0 (C = 2, flat layout)."""
    K, N = XT.shape
    o_b1 = H * K
    o_w2 = o_b1 + H
    o_b2 = o_w2 + 2 * H
    J = np.zeros((N, w.size))
    for j in range(H):
        cj = w[o_w2 + H + j] - w[o_w2 + j]
        for d in range(N):
            h = hT[j, d]
            da = cj * (1.0 - h * h)
            for k in range(K):
                J[d, j * K + k] = da * XT[k, d]
            J[d, o_b1 + j] = da
            J[d, o_w2 + H + j] = h
            J[d, o_w2 + j] = -h
    for d in range(N):
        J[d, o_b2 + 1] = 1.0
        J[d, o_b2] = -1.0
    return J


@nb.njit(cache=True)
def auc_hessian(w, XT, H, C, lam, ipos, ineg, a, b, code, beta,
                margin):  # pragma: no cover - jitted
    """∇²E of :func:`auc_energy_gradient` for C = 2 (same arguments), (P, P), symmetric.

    With s_d = σ(δ_d), u_d = σ'(δ_d) = p_0 p_1, σ'' = u(p_0 − p_1), J_d = ∇δ_d,
    g = ∂R/∂s (:func:`pair_sums`) and L_pn = α_p b_n ℓ''(s_p − s_n) (:func:`pair_d2`):

        ∇²E = Σ_d (D_d u_d² + g_d σ''_d) J_d J_dᵀ − Σ_{p,n} L_pn u_p u_n (J_p J_nᵀ + J_n J_pᵀ)
              + Σ_d g_d u_d ∇²δ_d + 2λI,

    D_p = Σ_n L_pn, D_n = Σ_p L_pn (the diagonal of ∂²R/∂s²), and ∇²δ_d the network's
    own curvature (:meth:`aucscape.nn.MLP.second_order` with cotangent e_1 − e_0):
    c_j tanh''(a_dj) x̃ x̃ᵀ within hidden unit j's inputs, ±(1 − h_dj²) x̃ between them and
    W2[1, j] / W2[0, j] (c_j = W2[1, j] − W2[0, j], tanh'' = −2h(1 − h²), x̃ = (x, 1)).
    """
    K, N = XT.shape
    P = w.size
    hT, _, pT = _forward(w, XT, H, C)
    s = pT[1]
    g = np.zeros(N)
    D = np.zeros(N)
    u = np.empty(N)
    for d in range(N):
        u[d] = pT[0, d] * s[d]  # σ(δ)σ(−δ), both from one exp: exact when saturated
    J = _delta_jacobian(w, XT, hT, H)
    Hm = np.zeros((P, P))
    if ipos.size > 0 and ineg.size > 0:
        sp = s[ipos]
        sn = s[ineg]
        _, g_pos, g_neg = pair_sums(code, sp, sn, a, b, beta, margin)
        g[ipos] = g_pos
        g[ineg] = g_neg
        sp, m = margin_free(code, sp, beta, margin)
        NP, NN = sp.size, sn.size
        Lt = np.empty((NP, NN))  # L_pn u_p u_n
        for i in range(NP):
            key = sp[i] - m
            acc = 0.0
            for k in range(NN):
                lpn = a[i] * b[k] * pair_d2(code, sp[i], sn[k], key, beta, m)
                acc += lpn
                D[ineg[k]] += lpn
                Lt[i, k] = lpn * u[ipos[i]] * u[ineg[k]]
            D[ipos[i]] += acc
        JP = np.ascontiguousarray(J[ipos])
        JN = np.ascontiguousarray(J[ineg])
        cross = np.dot(JP.T, np.dot(Lt, JN))  # Σ_{p,n} L̃_pn J_p J_nᵀ
        Hm -= cross + cross.T
    Jw = np.empty((P, N))  # (J · weight)ᵀ for the pointwise Gauss-Newton term
    for d in range(N):
        wd = D[d] * u[d] * u[d] + g[d] * u[d] * (pT[0, d] - s[d])  # σ'' = u(1 − 2s)
        for p in range(P):
            Jw[p, d] = J[d, p] * wd
    Hm += np.dot(Jw, J)
    # network curvature Σ_d r_d ∇²δ_d, r = g u: per hidden unit one (K+1)² product
    o_b1 = H * K
    o_w2 = o_b1 + H
    Xt = np.empty((N, K + 1))
    for d in range(N):
        for k in range(K):
            Xt[d, k] = XT[k, d]
        Xt[d, K] = 1.0
    idx = np.empty(K + 1, dtype=np.int64)
    Xw = np.empty((K + 1, N))
    rd = np.empty(N)
    for j in range(H):
        cj = w[o_w2 + H + j] - w[o_w2 + j]
        for k in range(K):
            idx[k] = j * K + k
        idx[K] = o_b1 + j
        for d in range(N):
            h = hT[j, d]
            dh = 1.0 - h * h
            r = g[d] * u[d]
            rd[d] = r * dh
            t2 = r * cj * (-2.0 * h * dh)
            for k in range(K + 1):
                Xw[k, d] = Xt[d, k] * t2
        A = np.dot(Xw, Xt)  # Σ_d t2_d x̃ x̃ᵀ
        v = np.dot(rd, Xt)  # Σ_d r_d (1 − h²) x̃
        for k in range(K + 1):
            for l in range(K + 1):
                Hm[idx[k], idx[l]] += A[k, l]
            Hm[o_w2 + H + j, idx[k]] += v[k]
            Hm[idx[k], o_w2 + H + j] += v[k]
            Hm[o_w2 + j, idx[k]] -= v[k]
            Hm[idx[k], o_w2 + j] -= v[k]
    for p in range(P):
        Hm[p, p] += 2.0 * lam
    return 0.5 * (Hm + Hm.T)
