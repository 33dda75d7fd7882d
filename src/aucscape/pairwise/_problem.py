"""The validated pairwise problem every algorithm consumes.

R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n). The algorithms see only the *active* samples
(non-zero weight), with the normalisation folded into the positive weights, so each
computes plain weighted pair sums:

    value = Σ_p Σ_n α_p b_n ℓ(z_pn),        α_p = pos_weight · w_p / Z,  b_n = w_n,
    g_p   = α_p Σ_n b_n ℓ'(z_pn)            (= dR/ds_p),
    g_n   = −b_n Σ_p α_p ℓ'(z_pn)           (= dR/ds_n).

Dropping zero-weight samples is exact (R does not depend on them) and keeps 0·∞ out of
the unbounded ``exp`` surrogate. For ``"mean"`` each class's weights are first rescaled by
a power of two (exact; R is homogeneous of degree 0 in the weights of either class), so
that Z can neither overflow nor underflow, whatever the scale of the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import (
    check_labels,
    check_nonnegative,
    check_reduction,
    check_scores,
    check_weights,
    rescale_weights,
)
from aucscape.surrogates import Surrogate, get_surrogate, is_builtin

REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class PairProblem:
    """Active scores and weights of one pairwise risk (see module docstring)."""

    n: int  # number of samples in the caller's arrays
    pos: NDArray[np.intp]  # original indices of all positives
    neg: NDArray[np.intp]  # original indices of all negatives
    act_pos: NDArray[np.intp]  # positions within ``pos`` of the active positives
    act_neg: NDArray[np.intp]  # positions within ``neg`` of the active negatives
    ipos: NDArray[np.intp]  # original indices of the active positives, pos[act_pos]
    ineg: NDArray[np.intp]  # original indices of the active negatives, neg[act_neg]
    sp: NDArray[np.float64]  # active positive scores
    sn: NDArray[np.float64]  # active negative scores
    a: NDArray[np.float64]  # α_p = pos_weight · w_p / Z
    b: NDArray[np.float64]  # b_n = w_n
    surrogate: Surrogate
    beta: float
    margin: float

    @property
    def builtin(self) -> bool:
        """True for a registered surrogate, whose maths the fast algorithms hard-code."""
        return is_builtin(self.surrogate)

    @property
    def empty(self) -> bool:
        """True when there is no pair with non-zero weight (R ≡ 0)."""
        return self.sp.size == 0 or self.sn.size == 0

    def scatter(self, g_pos: NDArray, g_neg: NDArray) -> NDArray[np.float64]:
        """Place active positive/negative values into a length-``n`` zero vector."""
        out = np.zeros(self.n)
        out[self.ipos] = g_pos
        out[self.ineg] = g_neg
        return out


def prepare(
    y_true: ArrayLike,
    y_score: ArrayLike,
    surrogate: str | Surrogate,
    beta: float,
    margin: float,
    pos_weight: float,
    sample_weight: ArrayLike | None,
    reduction: str,
) -> PairProblem:
    """Validate the public arguments and build the :class:`PairProblem`.

    Z = Σ_p w_p · Σ_n w_n for ``reduction="mean"`` and 1 for ``"sum"``.
    """
    sur = get_surrogate(surrogate)
    y = check_labels(y_true)
    s = check_scores(y_score, n=y.shape[0])
    w = check_weights(sample_weight, y.shape[0])
    beta = check_nonnegative(beta, "beta")
    margin = check_nonnegative(margin, "margin")
    pos_weight = check_nonnegative(pos_weight, "pos_weight")
    check_reduction(reduction, REDUCTIONS)
    pos = np.flatnonzero(y)
    neg = np.flatnonzero(~y)
    if reduction == "mean" and sample_weight is not None:
        w = w.copy()
        w[pos] = rescale_weights(w[pos])
        w[neg] = rescale_weights(w[neg])
    wp, wn = w[pos], w[neg]
    z = float(wp.sum() * wn.sum()) if reduction == "mean" else 1.0
    scale = pos_weight / z if z > 0 else 0.0
    act_pos = np.flatnonzero(wp > 0) if scale > 0 else np.zeros(0, dtype=np.intp)
    act_neg = np.flatnonzero(wn > 0)
    # the common case (no zero weights) skips one gather per class
    ipos = pos if act_pos.size == pos.size else pos[act_pos]
    ineg = neg if act_neg.size == neg.size else neg[act_neg]
    return PairProblem(
        n=y.shape[0],
        pos=pos,
        neg=neg,
        act_pos=act_pos,
        act_neg=act_neg,
        ipos=ipos,
        ineg=ineg,
        sp=s[ipos],
        sn=s[ineg],
        a=w[ipos] * scale,
        b=w[ineg],
        surrogate=sur,
        beta=beta,
        margin=margin,
    )
