"""Exact ROC AUC, ROC curve and average precision in O(N log N), ties grouped.

With positives P = {i : y_i = 1}, negatives N = {i : y_i = 0} and sample weights w
(ones by default), the AUC is the weighted Mann-Whitney statistic

    AUC = (1 / (W_P · W_N)) Σ_{p∈P} Σ_{n∈N} w_p w_n [Θ(s_p − s_n) + ½·1(s_p = s_n)],

    W_P = Σ_{p∈P} w_p,   W_N = Σ_{n∈N} w_n,

which equals the trapezoidal area under the ROC curve built from all distinct thresholds
(the ½ is the trapezoid over a tie group that holds both classes). The unweighted case
counts pairs with two binary searches over sorted class scores (integer counts, one
rounding); the weighted case groups ties after one sort and uses cumulative sums.

Both functions agree with ``sklearn.metrics.roc_auc_score`` / ``roc_curve`` (to rounding),
except that a single class raises ValueError here instead of warning and returning NaN.
:func:`average_precision` is the step-wise area under the precision-recall curve over
the same tie groups, ``sklearn.metrics.average_precision_score``. NumPy only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape import _multilabel
from aucscape._validation import (
    check_labels,
    check_max_fpr,
    check_scores,
    check_weights,
    rescale_weights,
)

__all__ = ["average_precision", "roc_auc", "roc_curve"]


def _check_inputs(
    y_true: ArrayLike,
    y_score: ArrayLike,
    sample_weight: ArrayLike | None,
    *,
    need_negatives: bool = True,
    what: str = "ROC AUC",
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64] | None]:
    """Validate inputs; drop zero-weight samples (they do not move the curve).

    Weights are rescaled by a power of two (exact) so that the class sums W_P, W_N and
    their product neither overflow nor underflow: the AUC and the curve depend only on
    the ratios of the weights. Empty input, all-zero weights and a missing class (only
    positives may be missing when ``need_negatives`` is False) raise ValueError.
    """
    y = check_labels(y_true)
    s = check_scores(y_score, n=y.shape[0])
    if y.shape[0] == 0:
        raise ValueError(f"y_true is empty; {what} is undefined without samples")
    if sample_weight is None:
        n_pos = int(np.count_nonzero(y))
        n_neg = y.shape[0] - n_pos
        w = None
    else:
        w = check_weights(sample_weight, y.shape[0])
        keep = w != 0
        if not np.any(keep):
            raise ValueError(f"sample_weight is all zero; {what} is undefined without weight")
        if not np.all(keep):
            y, s, w = y[keep], s[keep], w[keep]
        w = rescale_weights(w)
        n_pos = int(np.count_nonzero(y))
        n_neg = y.shape[0] - n_pos
    if n_pos == 0 or (need_negatives and n_neg == 0):
        which = "negative (0)" if n_pos == 0 else "positive (1)"
        extra = " with non-zero weight" if sample_weight is not None else ""
        why = ("when only one class is present" if need_negatives
               else "without positive samples")
        raise ValueError(f"y_true holds only {which} labels{extra}; {what} is undefined {why}")
    return y, s, w


def _binary_curve(
    y: NDArray[np.bool_], s: NDArray[np.float64], w: NDArray[np.float64] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative (fps, tps) at each distinct score, thresholds in decreasing order.

    fps[k] = Σ_{n∈N, s_n ≥ t_k} w_n and tps[k] = Σ_{p∈P, s_p ≥ t_k} w_p (not yet
    normalised, without the leading (0, 0) point).
    """
    order = np.argsort(s)[::-1]
    s_sorted = s[order]
    y_sorted = y[order]
    # last index of each tie group in descending order
    ends = np.flatnonzero(s_sorted[1:] != s_sorted[:-1])
    ends = np.append(ends, s_sorted.shape[0] - 1)
    if w is None:
        tps = np.cumsum(y_sorted, dtype=np.int64)[ends].astype(np.float64)
        fps = (ends + 1).astype(np.float64) - tps
    else:
        w_sorted = w[order]
        tps = np.cumsum(np.where(y_sorted, w_sorted, 0.0))[ends]
        fps = np.cumsum(np.where(y_sorted, 0.0, w_sorted))[ends]
    return fps, tps, s_sorted[ends]


def roc_curve(
    y_true: ArrayLike, y_score: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Receiver operating characteristic at every distinct score threshold.

    For thresholds t_0 = +inf > t_1 > … > t_G (the distinct scores of samples with
    non-zero weight, decreasing),

        FPR_k = Σ_{n∈N, s_n ≥ t_k} w_n / W_N,    TPR_k = Σ_{p∈P, s_p ≥ t_k} w_p / W_P,

    so the curve starts at (0, 0) and ends at (1, 1). This is exactly
    ``sklearn.metrics.roc_curve(y_true, y_score, sample_weight=sample_weight,
    drop_intermediate=False)`` (same points, same +inf first threshold, zero-weight
    samples ignored), except that a single class raises ValueError.

    Parameters
    ----------
    y_true : (N,) labels in {0, 1} (bool, int or float).
    y_score : (N,) finite scores; larger means "more positive".
    sample_weight : (N,) non-negative weights, or None for ones.

    Returns
    -------
    fpr, tpr, thresholds : float64 arrays of length G + 1.
    """
    y, s, w = _check_inputs(y_true, y_score, sample_weight)
    fps, tps, thresholds = _binary_curve(y, s, w)
    fpr = np.concatenate(([0.0], fps / fps[-1]))
    tpr = np.concatenate(([0.0], tps / tps[-1]))
    return fpr, tpr, np.concatenate(([np.inf], thresholds))


def _auc_unweighted(y: NDArray[np.bool_], s: NDArray[np.float64]) -> float:
    """Mann-Whitney U / (NP·NN) by counting, for each positive, negatives below and tied.

    2U = Σ_p (#{n: s_n < s_p} + #{n: s_n ≤ s_p}); both counts come from binary searches
    of the sorted positive scores in the sorted negative scores (exact integers).
    """
    neg = np.sort(s[~y])
    pos = np.sort(s[y])
    below = np.searchsorted(neg, pos, side="left").sum(dtype=np.int64)
    below_or_tied = np.searchsorted(neg, pos, side="right").sum(dtype=np.int64)
    two_u = int(below) + int(below_or_tied)
    return two_u / (2.0 * pos.shape[0] * neg.shape[0])


def _partial_auc(fpr: NDArray[np.float64], tpr: NDArray[np.float64], max_fpr: float) -> float:
    """Area under the piecewise-linear ROC curve over FPR ∈ [0, max_fpr]."""
    stop = int(np.searchsorted(fpr, max_fpr, side="right"))  # 1 <= stop < len(fpr)
    x0, x1 = fpr[stop - 1], fpr[stop]
    y0, y1 = tpr[stop - 1], tpr[stop]
    y_end = y0 + (y1 - y0) * (max_fpr - x0) / (x1 - x0)
    f, t = fpr[:stop], tpr[:stop]
    area = float(np.sum(np.diff(f) * (t[1:] + t[:-1])) * 0.5)
    return area + (max_fpr - x0) * (y0 + y_end) * 0.5


def roc_auc(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    max_fpr: float | None = None,
    average: str | None = "macro",
    multi_class: str | None = None,
) -> float | NDArray[np.float64]:
    """Exact area under the ROC curve (ties count ½), optionally partial with McClish.

    Full AUC (``max_fpr`` None or 1):

        AUC = (1 / (W_P W_N)) Σ_p Σ_n w_p w_n [Θ(s_p − s_n) + ½·1(s_p = s_n)]

    (perfect ranking 1, reversed 0, all scores tied ½). Partial AUC for 0 < m < 1: with
    A_m = ∫_0^m TPR d(FPR) under the piecewise-linear ROC curve (``roc_curve``'s points,
    linearly interpolated at FPR = m), the McClish-standardised value

        pAUC = ½ · (1 + (A_m − m²/2) / (m − m²/2)),

    which is 0.5 for a non-discriminant and 1 for a perfect ranking, as in
    ``sklearn.metrics.roc_auc_score(max_fpr=m)``.

    Cost O(N log N): one sort (two half-size sorts in the unweighted full case).

    Multi-label and multi-class (``y_score`` of shape (N, L), L ≥ 2), as
    ``sklearn.metrics.roc_auc_score``: labels Y of shape (N, L) in {0, 1} give one AUC per
    column, combined by ``average`` = "macro" (mean), "weighted" (by each label's
    positive weight Σ_i w_i Y_il), "micro" (all N·L entries as one binary problem),
    "samples" (mean over rows) or None (the (L,) array); ``max_fpr`` applies per label.
    Integer class labels of shape (N,) with C = L classes need ``multi_class`` = "ovr"
    (one-vs-rest: the multi-label AUC of the one-hot labels; "samples" refused) or "ovo"
    (Hand & Till: the mean of ½(AUC(a vs b) + AUC(b vs a)) over class pairs, "macro" or
    "weighted" by pair prevalence, no sample weights); column k scores the k-th smallest
    label. See :mod:`aucscape._multilabel` for the definitions and the three deliberate
    differences from scikit-learn (undefined labels raise, naming the label; scores need
    not sum to one; no zero for an empty weighted average). The binary case ignores
    ``average`` and ``multi_class``.

    Raises ValueError for empty input, all-zero weights, a single class (or one class
    with all non-zero weight), NaN/inf scores, labels outside {0, 1}, mismatched lengths,
    negative weights and ``max_fpr`` outside (0, 1].

    >>> roc_auc([[1, 0], [0, 1], [1, 1], [0, 0]],
    ...         [[0.9, 0.2], [0.3, 0.8], [0.6, 0.1], [0.4, 0.5]], average=None)
    array([1. , 0.5])
    >>> roc_auc([0, 1, 2, 2], [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6],
    ...                        [0.3, 0.3, 0.4]], multi_class="ovo")
    1.0
    """
    max_fpr = check_max_fpr(max_fpr)  # the rule pairwise_loss applies
    s2 = _multilabel.scores_2d(y_score)
    if s2 is not None:
        multi_label = np.ndim(y_true) == 2 and np.shape(y_true)[1] != 1
        if max_fpr is not None and max_fpr != 1 and not multi_label:
            raise ValueError(f"max_fpr={max_fpr!r} is not available for multi-class labels "
                             "(as in scikit-learn); pass max_fpr=None")
        return _multilabel.dispatch(roc_auc, y_true, s2, sample_weight, average,
                                    multi_class, ("macro", "micro", "weighted", None),
                                    max_fpr=max_fpr)
    if max_fpr == 1.0:
        max_fpr = None
    y, s, w = _check_inputs(y_true, y_score, sample_weight)
    if max_fpr is None and w is None:
        return _auc_unweighted(y, s)
    fps, tps, _ = _binary_curve(y, s, w)
    if max_fpr is None:
        # Σ_groups Δfps · (tps_prev + tps) / 2: each negative beats earlier positives
        # and ties half of its own group's positives.
        d_fps = np.diff(fps, prepend=0.0)
        tps_prev = np.concatenate(([0.0], tps[:-1]))
        return float(np.dot(d_fps, tps_prev + tps) * 0.5 / (fps[-1] * tps[-1]))
    fpr = np.concatenate(([0.0], fps / fps[-1]))
    tpr = np.concatenate(([0.0], tps / tps[-1]))
    m = float(max_fpr)
    area = _partial_auc(fpr, tpr, m)
    min_area = 0.5 * m * m
    return float(0.5 * (1.0 + (area - min_area) / (m - min_area)))


def average_precision(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    average: str | None = "macro",
) -> float | NDArray[np.float64]:
    """Average precision: the step-wise area under the precision-recall curve.

    Over the distinct thresholds t_1 > … > t_G (tie groups of the scores of samples with
    non-zero weight), with TP_k = Σ_{p∈P, s_p ≥ t_k} w_p and FP_k = Σ_{n∈N, s_n ≥ t_k} w_n,

        AP = Σ_k (R_k − R_{k−1}) · P_k,   R_k = TP_k / W_P,   P_k = TP_k / (TP_k + FP_k),

    R_0 = 0: no interpolation, a tie group counts as one threshold. This is exactly
    ``sklearn.metrics.average_precision_score(y_true, y_score, sample_weight=...)``
    (to rounding), one sort, O(N log N). All positives give 1.

    Raises ValueError for empty input, all-zero weights, no positive (non-zero weight)
    sample, NaN/inf scores, labels outside {0, 1}, mismatched lengths, negative weights.

    Scores of shape (N, L), L ≥ 2, with (N, L) 0/1 labels (multi-label) or (N,) integer
    labels of L classes (one-vs-rest) give one AP per column, combined by ``average`` =
    "macro", "weighted", "micro", "samples" or None, exactly as
    ``sklearn.metrics.average_precision_score`` (see :func:`roc_auc`; a label without
    positives raises unless ``average="weighted"``, where it has weight 0).

    >>> average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])  # (1/2)·1 + (1/2)·(2/3)
    0.8333333333333333
    """
    s2 = _multilabel.scores_2d(y_score)
    if s2 is not None:
        return _multilabel.dispatch(average_precision, y_true, s2, sample_weight, average,
                                    "ovr", _multilabel.AVERAGES)
    y, s, w = _check_inputs(y_true, y_score, sample_weight, need_negatives=False,
                            what="average precision")
    fps, tps, _ = _binary_curve(y, s, w)
    d_tps = np.diff(tps, prepend=0.0)
    return float(np.dot(d_tps, tps / (tps + fps)) / tps[-1])
