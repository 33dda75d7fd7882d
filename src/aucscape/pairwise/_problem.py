"""The validated pairwise problem every algorithm consumes.

R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n). The algorithms see only the *active* samples
(non-zero weight), with the normalisation folded into the positive weights, so each
computes plain weighted pair sums:

    value = Σ_p Σ_n α_p b_n ℓ(z_pn),        α_p = pos_weight · w_p / Z,  b_n = w_n,
    g_p   = α_p Σ_n b_n ℓ'(z_pn)            (= dR/ds_p),
    g_n   = −b_n Σ_p α_p ℓ'(z_pn)           (= dR/ds_n).

With ``max_fpr = α`` (one-way partial AUC) only the k = ⌈α·N_N⌉ highest-scored
negatives of non-zero weight take part (ties at the boundary broken by position, first
come first), each with its own weight: Z = Σ_p w_p · Σ_{n ∈ top k} w_n. k counts
negatives, not weight, so weights change each selected pair's share, never the selection.

Dropping zero-weight samples is exact (R does not depend on them) and keeps 0·∞ out of
the unbounded ``exp`` surrogate. For ``"mean"`` each class's weights are first rescaled by
a power of two (exact; R is homogeneous of degree 0 in the weights of either class), so
that Z can neither overflow nor underflow, whatever the scale of the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import (
    check_labels,
    check_max_fpr,
    check_nonnegative,
    check_reduction,
    check_scores,
    check_weights,
    margin_centre,
    rescale_weights,
)
from aucscape.surrogates import KernelForm, Surrogate, get_surrogate, is_builtin

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
    def form(self) -> KernelForm:
        """The built-in's :class:`~aucscape.surrogates.KernelForm` at (β, m)."""
        return self.surrogate.kernel(self.beta, self.margin)

    @property
    def kernel_sp(self) -> NDArray[np.float64]:
        """Positive scores as the blocked kernels see them: s_p − δ (``KernelForm.shift``).

        δ = m/β for the smooth hinge (run as logistic), 0 for every other surrogate.
        """
        shift = self.form.shift if self.builtin else 0.0
        return self.sp - shift if shift else self.sp

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


def top_negatives(scores: NDArray, alpha: float) -> NDArray[np.intp]:
    """Positions of the k = ⌈α·len(scores)⌉ highest scores (ties: earlier position first).

    k is computed with a relative slack of 1e-12, so that α·N that is an integer up to the
    rounding of α (0.1·30) gives that integer.

    >>> top_negatives(np.array([0.1, 0.9, 0.5, 0.9]), 0.5).tolist()
    [1, 3]
    """
    k = min(scores.size, max(1, math.ceil(alpha * scores.size * (1.0 - 1e-12))))
    order = np.argsort(-scores, kind="stable")
    return np.sort(order[:k])


def prepare(
    y_true: ArrayLike,
    y_score: ArrayLike,
    surrogate: str | Surrogate,
    beta: float | None,
    margin: float | None,
    pos_weight: float,
    sample_weight: ArrayLike | None,
    reduction: str,
    max_fpr: float | None = None,
) -> PairProblem:
    """Validate the public arguments and build the :class:`PairProblem`.

    β, m default to the surrogate's own (``Surrogate.params``); Z = Σ_p w_p · Σ_n w_n
    (over the selected negatives when ``max_fpr`` is given) for ``reduction="mean"`` and
    1 for ``"sum"``.
    """
    sur = get_surrogate(surrogate)
    y = check_labels(y_true)
    s = check_scores(y_score, n=y.shape[0])
    w = check_weights(sample_weight, y.shape[0])
    beta, margin = sur.params(beta, margin)
    pos_weight = check_nonnegative(pos_weight, "pos_weight")
    check_reduction(reduction, REDUCTIONS)
    alpha = check_max_fpr(max_fpr)
    pos = np.flatnonzero(y)
    neg = np.flatnonzero(~y)
    if alpha is not None:
        live = neg[w[neg] > 0]
        neg = live[top_negatives(s[live], alpha)] if live.size else live
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
    sp, sn = s[ipos], s[ineg]
    gap = sur.kernel(beta, margin).margin_gap if is_builtin(sur) else 0.0
    if gap and sp.size and sn.size:  # huge scores: centred, or refused (margin_centre)
        c = margin_centre(float(min(sp.min(), sn.min())), float(max(sp.max(), sn.max())), gap)
        if c:
            sp, sn = sp - c, sn - c
    return PairProblem(
        n=y.shape[0],
        pos=pos,
        neg=neg,
        act_pos=act_pos,
        act_neg=act_neg,
        ipos=ipos,
        ineg=ineg,
        sp=sp,
        sn=sn,
        a=w[ipos] * scale,
        b=w[ineg],
        surrogate=sur,
        beta=beta,
        margin=margin,
    )
