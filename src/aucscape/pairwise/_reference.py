"""Brute-force O(NP·NN) reference: forms every pair explicitly. Used by the tests and as
``method="brute"``; memory NP·NN floats, so only for small problems.

Hinge kinks follow the kink rule of :mod:`aucscape.surrogates` (``pair_value_d1``).

value = Σ_p Σ_n α_p b_n ℓ(s_p − s_n); g_p = α_p Σ_n b_n ℓ'(z_pn); g_n = −b_n Σ_p α_p ℓ'(z_pn);
K[p, n] = d²R/ds_p ds_n = −α_p b_n ℓ''(z_pn); diag_p = Σ_n α_p b_n ℓ''; diag_n = Σ_p α_p b_n ℓ''.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aucscape.pairwise._problem import PairProblem


def _pair_weights(pb: PairProblem) -> NDArray[np.float64]:
    return pb.a[:, None] * pb.b[None, :]


def value_grad(pb: PairProblem) -> tuple[float, NDArray, NDArray]:
    """Return (value, g_pos, g_neg) over the active samples by summing every pair."""
    w = _pair_weights(pb)
    lv, d = pb.surrogate.pair_value_d1(pb.sp[:, None], pb.sn[None, :], pb.beta, pb.margin)
    wl, wd = w * lv, w * d
    return float(wl.sum()), wd.sum(axis=1), -wd.sum(axis=0)


def cross_matrix(pb: PairProblem) -> NDArray[np.float64]:
    """Return the dense NP×NN block K[p, n] = −α_p b_n ℓ''(s_p − s_n)."""
    d2 = pb.surrogate.pair_d2(pb.sp[:, None], pb.sn[None, :], pb.beta, pb.margin)
    return -_pair_weights(pb) * d2


def curvature_parts(pb: PairProblem) -> tuple[NDArray, NDArray, NDArray]:
    """Return (diag_pos, diag_neg, K) of the score Hessian over the active samples."""
    k = cross_matrix(pb)
    return -k.sum(axis=1), -k.sum(axis=0), k
