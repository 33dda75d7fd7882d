"""Multi-label and multi-class averaging of a binary ranking metric, as scikit-learn does.

Scores S of shape (N, L) with L ≥ 2 and sample weights w (ones by default). For a binary
metric M(y, s, w) (ROC AUC or average precision of :mod:`aucscape.metrics`):

* multi-label, Y ∈ {0, 1}^{N×L}: M_l = M(Y[:, l], S[:, l], w) per label, then
  ``average=None`` the vector (M_1, …, M_L); ``"macro"`` (1/L) Σ_l M_l; ``"weighted"``
  Σ_l c_l M_l / Σ_l c_l with the support c_l = Σ_i w_i Y_il (labels with c_l = 0 take no
  part); ``"micro"`` M(vec Y, vec S, w repeated L times), all entries pooled as one binary
  problem; ``"samples"`` Σ_i w_i M(Y[i, :], S[i, :]) / Σ_i w_i over the rows (rows with
  w_i = 0 take no part);
* multi-class, integer labels y ∈ {c_1 < … < c_C} (column k of S scores class c_k):
  one-vs-rest is the multi-label case with Y_ik = 1(y_i = c_k); one-vs-one (Hand & Till,
  2001) averages A_ab = ½ (M(y = a | S[:, a]) + M(y = b | S[:, b])) over the C(C − 1)/2
  class pairs, each on the samples of the two classes only, uniformly (``"macro"``) or by
  the fraction of samples in the two classes (``"weighted"``); no sample weights.

These are the definitions of ``sklearn.metrics.roc_auc_score`` and
``average_precision_score``, with three deliberate differences: a label (or row) on which
M is undefined raises ValueError naming it, instead of warning and giving NaN; the
multi-class scores need not sum to one (M depends only on the ranking within a column, so
logits give the same value as softmax probabilities); "weighted" with no positive weight
in any label raises instead of returning 0.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import _real, bad_labels_error, check_weights

Binary = Callable[..., float]

AVERAGES = ("macro", "micro", "weighted", "samples", None)


def check_average(average: object, allowed: tuple = AVERAGES, why: str = "") -> None:
    """ValueError unless ``average`` is one of ``allowed``."""
    if not (average is None or isinstance(average, str)) or average not in allowed:
        raise ValueError(f"average must be one of {allowed}{why}, got {average!r}")


def _scores(y_score: ArrayLike) -> NDArray[np.float64]:
    s = _real(y_score, "y_score")
    if not np.all(np.isfinite(s)):
        raise ValueError("y_score contains NaN or inf")
    return s


def _label_matrix(y_true: ArrayLike, shape: tuple[int, int]) -> NDArray[np.bool_]:
    y = np.asarray(y_true)
    if y.shape != shape:
        raise ValueError(f"y_true has shape {y.shape} but y_score has shape {shape}")
    if y.dtype == np.bool_:
        return y
    if y.size and not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"y_true must hold 0/1 labels, got dtype {y.dtype}")
    bad = (y != 0) & (y != 1)
    if np.any(bad):
        raise bad_labels_error("y_true", y[bad])
    return y.astype(bool)


def _named(metric: Binary, what: str, *args, **kwargs) -> float:
    """``metric(*args, **kwargs)``, its ValueError prefixed with ``what``."""
    try:
        return metric(*args, **kwargs)
    except ValueError as err:
        raise ValueError(f"{what}: {err}") from None


def multilabel(
    metric: Binary,
    y: NDArray[np.bool_],
    s: NDArray[np.float64],
    w: NDArray[np.float64] | None,
    average: str | None,
    **kwargs,
) -> float | NDArray[np.float64]:
    """Average ``metric`` over the columns of (N, L) labels ``y`` and scores ``s``."""
    n, n_labels = s.shape
    if average == "micro":
        ww = None if w is None else np.repeat(w, n_labels)
        return metric(y.ravel(), s.ravel(), sample_weight=ww, **kwargs)
    if average == "samples":
        rows = range(n) if w is None else np.flatnonzero(w)
        if len(rows) == 0:
            raise ValueError("sample_weight is all zero; the samples average is undefined")
        per_row = np.array([_named(metric, f"row {i} of y_true", y[i], s[i], **kwargs)
                            for i in rows])
        return float(np.average(per_row, weights=None if w is None else w[rows]))
    support = y.sum(axis=0, dtype=np.float64) if w is None else (y * w[:, None]).sum(axis=0)
    labels = np.arange(n_labels)
    if average == "weighted":
        labels = np.flatnonzero(support > 0)
        if labels.size == 0:
            raise ValueError("no label of y_true has a positive sample (with non-zero "
                             "weight); the weighted average is undefined")
    per_label = np.array([_named(metric, f"label {c} of y_true", y[:, c], s[:, c],
                                 sample_weight=w, **kwargs) for c in labels])
    if average is None:
        return per_label
    if average == "weighted":
        return float(np.average(per_label, weights=support[labels]))
    return float(np.mean(per_label))


def class_labels(y_true: ArrayLike, n_classes: int) -> tuple[NDArray, NDArray[np.int64]]:
    """(classes, codes): the sorted distinct labels of 1-D ``y_true`` and each one's column.

    Raises ValueError unless ``y_true`` holds exactly ``n_classes`` distinct integer labels
    (column k of the scores belongs to the k-th smallest label).
    """
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y_true must have shape (N,) or (N, {n_classes}), got {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError("y_true must hold integer class labels")
    elif y.dtype.kind not in "biu":
        raise ValueError(f"y_true must hold integer class labels, got dtype {y.dtype}")
    classes, codes = np.unique(y, return_inverse=True)
    if classes.size != n_classes:
        raise ValueError(f"y_true holds {classes.size} classes {classes[:6].tolist()} but "
                         f"y_score has {n_classes} columns; they must match")
    return classes, codes.reshape(-1).astype(np.int64)


def multiclass(
    metric: Binary,
    y_true: ArrayLike,
    s: NDArray[np.float64],
    sample_weight: ArrayLike | None,
    average: str | None,
    multi_class: str,
) -> float | NDArray[np.float64]:
    """One-vs-rest or one-vs-one average of ``metric`` for (N, C) class scores ``s``."""
    n, n_classes = s.shape
    if multi_class == "ovo":
        check_average(average, ("macro", "weighted"), " for multi_class='ovo'")
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported for multi_class='ovo' "
                             "(as in scikit-learn); pass sample_weight=None or use 'ovr'")
    _, codes = class_labels(y_true, n_classes)
    if codes.shape[0] != n:
        raise ValueError(f"y_score has {n} rows but y_true has {codes.shape[0]}")
    if multi_class == "ovr":
        w = None if sample_weight is None else check_weights(sample_weight, n)
        onehot = codes[:, None] == np.arange(n_classes)[None, :]
        return multilabel(metric, onehot, s, w, average)
    pair_scores, prevalence = [], []
    for a, b in combinations(range(n_classes), 2):
        mask = (codes == a) | (codes == b)
        is_a = codes[mask] == a
        score = 0.5 * (metric(is_a, s[mask, a]) + metric(~is_a, s[mask, b]))
        pair_scores.append(score)
        prevalence.append(np.count_nonzero(mask) / n)
    weights = prevalence if average == "weighted" else None
    return float(np.average(pair_scores, weights=weights))


def dispatch(
    metric: Binary,
    y_true: ArrayLike,
    s: NDArray[np.float64],
    sample_weight: ArrayLike | None,
    average: str | None,
    multi_class: str | None,
    class_averages: tuple = ("macro", "micro", "weighted", None),
    **kwargs,
) -> float | NDArray[np.float64]:
    """Multi-label when ``y_true`` is 2-D like ``s``, multi-class when it is 1-D.

    ``class_averages`` are the averages allowed for multi-class labels.
    """
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] != 1:
        check_average(average)
        w = None if sample_weight is None else check_weights(sample_weight, s.shape[0])
        return multilabel(metric, _label_matrix(y, s.shape), s, w, average, **kwargs)
    if multi_class not in ("ovr", "ovo"):
        raise ValueError(f"multi_class must be 'ovr' or 'ovo' for multi-class scores of "
                         f"shape {s.shape} and 1-D labels, got {multi_class!r}")
    if multi_class == "ovr":
        check_average(average, class_averages, " for multi-class labels")
    return multiclass(metric, y, s, sample_weight, average, multi_class)


def scores_2d(y_score: ArrayLike) -> NDArray[np.float64] | None:
    """``y_score`` as (N, L) float64 when it has L ≥ 2 columns, else None (binary case)."""
    a = np.asarray(y_score)
    if a.ndim == 2 and a.shape[1] >= 2:
        return _scores(a)
    return None
