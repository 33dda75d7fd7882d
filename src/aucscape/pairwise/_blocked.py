"""Exact pair sums in blocks of positives, NumPy only: O(NP·NN) time, O(block·NN) memory.

Each block of positives forms the pairs with all negatives, evaluates ℓ and ℓ' once
(``Surrogate.pair_value_d1``: the kink rule for hinges) and fuses the value and both
gradient marginals: value += α_blk · (L b), g_p = α_p (D b)_p, g_n −= b_n (α_blk · D)_n.
Works for every surrogate; the default for sigmoid/tanh/logistic when numba is absent.

Sigmoid and tanh (= sigmoid with 2β) skip the per-pair exp when the scores span a small
enough range (β·(max s − min s) ≤ 700): with R_p = e^{β(s_p − c)}, Q_n = e^{−β(s_n − c)}
the pair needs only r = R_p Q_n, ℓ = 1/(1 + r), −ℓ'/β = r/(1 + r)², every factor inside
the float64 range (relative error per pair ≲ 2e-13). :mod:`aucscape.pairwise.kernels`
uses the same identity.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aucscape.pairwise._problem import PairProblem
from aucscape.surrogates import LOGISTIC, SIGMOID

BLOCK_ELEMS = 1 << 16  # pairs per block: ~0.5 MB per temporary, cache friendly
PRODUCT_RANGE = 700.0  # max β·(score range) for the exp-free sigmoid identity


def _rows(n_neg: int, block_elems: int) -> int:
    return max(1, block_elems // max(n_neg, 1))


def product_params(pb: PairProblem, codes: tuple[int, ...] = (SIGMOID, LOGISTIC)
                   ) -> tuple[float, float] | None:
    """(effective β, centre c) when the product identity applies to a kernel in ``codes``."""
    if not pb.builtin or pb.empty or pb.form.code not in codes:
        return None
    beta = pb.form.beta  # tanh: 2β (the spec's identity)
    sp = pb.kernel_sp  # smooth hinge: logistic on s_p − m/β
    lo = min(float(sp.min()), float(pb.sn.min()))
    hi = max(float(sp.max()), float(pb.sn.max()))
    return (beta, 0.5 * (lo + hi)) if beta * (hi - lo) <= PRODUCT_RANGE else None


def _sigmoid_product(
    pb: PairProblem, beta: float, centre: float, rows: int
) -> tuple[float, NDArray, NDArray]:
    sp, sn, a, b = pb.sp, pb.sn, pb.a, pb.b
    rp, qn = np.exp(beta * (sp - centre)), np.exp(-beta * (sn - centre))
    g_pos = np.empty(sp.size)
    col = np.zeros(sn.size)  # Σ_p α_p r/(1 + r)²
    total = 0.0
    for i in range(0, sp.size, rows):
        r = np.multiply.outer(rp[i : i + rows], qn)
        q = np.add(r, 1.0)
        np.reciprocal(q, out=q)  # ℓ = σ(−βz)
        ai = a[i : i + rows]
        total += float(ai @ (q @ b))
        r *= q
        r *= q  # σ(βz)σ(−βz)
        g_pos[i : i + rows] = -beta * ai * (r @ b)
        col += ai @ r
    return total, g_pos, beta * b * col


def value_grad(
    pb: PairProblem, block_elems: int = BLOCK_ELEMS
) -> tuple[float, NDArray, NDArray]:
    """Return (value, g_pos, g_neg) by blocked exact pair sums."""
    sp, sn, a, b = pb.sp, pb.sn, pb.a, pb.b
    params = product_params(pb, (SIGMOID,))
    if params is not None:
        return _sigmoid_product(pb, *params, _rows(sn.size, block_elems))
    rows = _rows(sn.size, block_elems)
    g_pos = np.empty(sp.size)
    col = np.zeros(sn.size)  # Σ_p α_p ℓ'(z_pn)
    total = 0.0
    for i in range(0, sp.size, rows):
        lv, d = pb.surrogate.pair_value_d1(sp[i : i + rows, None], sn[None, :], pb.beta,
                                           pb.margin)
        ai = a[i : i + rows]
        total += float(ai @ (lv @ b))
        g_pos[i : i + rows] = ai * (d @ b)
        col += ai @ d
    return total, g_pos, -b * col


class BlockedCross:
    """Curvature of the pair sums by blocks of positives (any surrogate).

    K[p, n] = −α_p b_n ℓ''(z_pn) is recomputed block by block on every product, so memory
    stays O(block·(NN + k)); below ``cache_elems`` pairs K is formed once and reused.
    """

    def __init__(
        self, pb: PairProblem, block_elems: int = BLOCK_ELEMS, cache_elems: int = 1 << 21
    ) -> None:
        self._pb = pb
        self._rows = _rows(pb.sn.size, block_elems)
        self._dense: NDArray | None = None
        self.diag_pos = np.empty(pb.sp.size)
        self.diag_neg = np.zeros(pb.sn.size)
        cache = pb.sp.size * pb.sn.size <= cache_elems
        blocks = []
        for sl, k in self._blocks():
            self.diag_pos[sl] = -k.sum(axis=1)
            self.diag_neg -= k.sum(axis=0)
            if cache:
                blocks.append(k)
        if cache:
            self._dense = np.concatenate(blocks) if blocks else np.zeros((0, pb.sn.size))

    def _blocks(self):
        pb = self._pb
        for i in range(0, pb.sp.size, self._rows):
            sl = slice(i, i + self._rows)
            d2 = pb.surrogate.pair_d2(pb.sp[sl, None], pb.sn[None, :], pb.beta, pb.margin)
            yield sl, -(pb.a[sl, None] * d2) * pb.b[None, :]

    def matmul(self, m: NDArray) -> NDArray:
        """K @ m for m of shape (NN, k)."""
        if self._dense is not None:
            return self._dense @ m
        out = np.empty((self._pb.sp.size, m.shape[1]))
        for sl, k in self._blocks():
            out[sl] = k @ m
        return out

    def rmatmul(self, m: NDArray) -> NDArray:
        """Kᵀ @ m for m of shape (NP, k)."""
        if self._dense is not None:
            return self._dense.T @ m
        out = np.zeros((self._pb.sn.size, m.shape[1]))
        for sl, k in self._blocks():
            out += k.T @ m[sl]
        return out
