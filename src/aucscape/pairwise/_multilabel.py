"""Multi-label and multi-class pairwise AUC risks from (N, L) labels and scores.

Each label l is its own binary problem over the samples whose label is known
(y_il ∈ {0, 1}; y_il = −1 marks an unknown entry, as in CheXpert, and drops it), with
sample weights w_il (an (N,) weight applies to every label):

    R_l = (1/Z_l) Σ_{p∈P_l} Σ_{n∈N_l} a_pl b_nl ℓ(s_pl − s_nl)        (``pairwise_loss``)
    R   = Σ_{l∈C} λ_l R_l / Σ_{l∈C} λ_l,

C the labels that have a pair of non-zero weight in the batch (a label with one class, or
zero weight on a class, contributes nothing and is not counted; no counted label: R = 0
with a zero gradient), λ the label weights (ones by default). dR/ds_il = λ_l/Σλ · dR_l/ds_il.

Algorithms: exp and quad are vectorised over the labels (column sums, O(N·L) time and
memory, no loop). Every other surrogate (and ``max_fpr``) runs the single-label
algorithm of :func:`aucscape.pairwise.pairwise_loss` once per label: sigmoid, tanh and
logistic cost O(N_P·N_N) per label, which dwarfs the loop, and the sorted hinge sums
need a per-label sort and search that NumPy cannot batch without padding; memory stays
O(N·L) plus one label's O(N).

Multi-class (labels 0 … C−1, scores (N, C)) reduces to the above: one-vs-rest is the
one-hot multi-label problem on the C score columns; one-vs-one (Hand & Till, as
scikit-learn's ``multi_class="ovo"``) is the multi-label problem over the C(C−1) ordered
class pairs (j, k): column s_j, positives class j, negatives class k, the other samples
unknown, so R_ovo = mean over ordered pairs = mean over pairs of (R_{j|k} + R_{k|j}) / 2.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import _real, check_nonnegative, check_reduction
from aucscape.pairwise._problem import REDUCTIONS, check_max_fpr
from aucscape.surrogates import get_surrogate, is_builtin

UNKNOWN = -1  #: label value of an unknown entry (dropped)
MULTI_CLASS = ("ovr", "ovo")


def check_multi_class(multi_class: object) -> str:
    """``multi_class`` if it is "ovr" or "ovo"; ValueError naming it otherwise."""
    if not isinstance(multi_class, str) or multi_class not in MULTI_CLASS:
        raise ValueError(f"multi_class must be 'ovr' or 'ovo', got {multi_class!r}")
    return multi_class


def multilabel_values_error(name: str, values: ArrayLike) -> ValueError:
    """The error for labels outside {0, 1, −1}; ``values`` are (some of) the offenders."""
    found = np.unique(np.asarray(values))[:5].tolist()
    return ValueError(f"{name} must hold 0/1 labels or -1 (unknown); found {found}")


def check_multilabel_values(y: NDArray, name: str = "y_true") -> None:
    """Raise :func:`multilabel_values_error` unless every entry of ``y`` is 0, 1 or −1."""
    bad = (y != 0) & (y != 1) & (y != UNKNOWN)
    if np.any(bad):
        raise multilabel_values_error(name, y[bad])


def class_index_error(name: str, n_classes: int, values: ArrayLike) -> ValueError:
    """The error for class labels outside the integers 0 … C−1 (``values``: offenders)."""
    found = np.unique(np.asarray(values))[:5].tolist()
    return ValueError(f"{name} must hold class indices 0..{n_classes - 1}; found {found}")


def check_class_values(y: NDArray, n_classes: int, name: str = "y_true") -> None:
    """Raise :func:`class_index_error` unless every entry of ``y`` is an integer in 0 … C−1."""
    bad = ~np.isfinite(y) | (y != np.round(y)) | (y < 0) | (y >= n_classes)
    if np.any(bad):
        raise class_index_error(name, n_classes, y[bad])


def ovo_pairs(n_classes: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(j, k): the C(C−1) ordered class pairs j ≠ k of one-vs-one, row-major.

    >>> [(int(a), int(b)) for a, b in zip(*ovo_pairs(3))]
    [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    """
    j, k = np.nonzero(~np.eye(n_classes, dtype=bool))
    return j, k


def _two_d(values: ArrayLike, name: str) -> NDArray[np.float64]:
    a = _real(values, name)
    if a.ndim != 2:
        raise ValueError(f"{name} must have shape (N, L), got {np.shape(values)}")
    return a


def check_multilabel(
    y_true: ArrayLike, y_score: ArrayLike, sample_weight: ArrayLike | None,
    label_weight: ArrayLike | None,
) -> tuple[NDArray[np.bool_], NDArray, NDArray, NDArray]:
    """(positive mask P, scores S, entry weights W, label weights λ), all checked.

    W is zero where the label is unknown (−1), so P & (W > 0) are the positives and
    ~P & (W > 0) the negatives of each column.
    """
    y = _two_d(y_true, "y_true")
    s = _two_d(y_score, "y_score")
    if s.shape != y.shape:
        raise ValueError(f"y_score has shape {s.shape} but y_true has shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y_true contains NaN or inf")
    check_multilabel_values(y)
    if not np.all(np.isfinite(s)):
        raise ValueError("y_score contains NaN or inf")
    n, n_labels = y.shape
    w = np.ones((n, n_labels)) if sample_weight is None else _real(sample_weight,
                                                                    "sample_weight")
    if w.ndim == 1 and w.shape == (n,):
        w = np.broadcast_to(w[:, None], (n, n_labels))
    if w.shape != (n, n_labels):
        raise ValueError(f"sample_weight must have shape ({n},) or ({n}, {n_labels}), "
                         f"got {np.shape(sample_weight)}")
    lam = np.ones(n_labels) if label_weight is None else _real(label_weight, "label_weight")
    if lam.shape != (n_labels,):
        raise ValueError(f"label_weight must have shape ({n_labels},), "
                         f"got {np.shape(label_weight)}")
    for arr, name in ((w, "sample_weight"), (lam, "label_weight")):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or inf")
        if np.any(arr < 0):
            raise ValueError(f"{name} must be non-negative")
    return y == 1, s, np.where(y == UNKNOWN, 0.0, w), lam


def _rescale_columns(w: NDArray) -> NDArray:
    """Each column times the power of two bringing its max into [0.5, 1) (exact)."""
    return np.ldexp(w, -np.frexp(w.max(axis=0, initial=0.0))[1])


def _class_weights(pos: NDArray, w: NDArray, pos_weight: float, reduction: str
                   ) -> tuple[NDArray, NDArray, NDArray]:
    """(A, B, counted): α_pl = pos_weight·w_pl/Z_l on positives, b_nl = w_nl on negatives."""
    a = np.where(pos, w, 0.0)
    b = w - a
    if reduction == "mean":
        a, b = _rescale_columns(a), _rescale_columns(b)
    za, zb = a.sum(axis=0), b.sum(axis=0)
    counted = (za > 0) & (zb > 0) & (pos_weight > 0)
    z = za * zb if reduction == "mean" else np.ones_like(za)
    return a * (pos_weight / np.where(counted, z, 1.0)), b, counted


def _exp_columns(s: NDArray, a: NDArray, b: NDArray, beta: float) -> tuple[NDArray, NDArray]:
    """Per-label Σ α e^{−β(s_p − s_n)} by log-sum-exp of the class sums, and its gradient."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        la = np.log(a) - beta * s
        lb = np.log(b) + beta * s
        ma = np.max(la, axis=0)
        mb = np.max(lb, axis=0)
        ma, mb = np.where(np.isfinite(ma), ma, 0.0), np.where(np.isfinite(mb), mb, 0.0)
        lsa = ma + np.log(np.exp(la - ma).sum(axis=0))
        lsb = mb + np.log(np.exp(lb - mb).sum(axis=0))
        value = np.exp(lsa + lsb)
        grad = beta * (np.exp(lb + lsa) - np.exp(la + lsb))
    return value, grad


def _quad_columns(s: NDArray, a: NDArray, b: NDArray, margin: float
                  ) -> tuple[NDArray, NDArray]:
    """Per-label Σ α b (m − s_p + s_n)² by centred class moments (``quad_sums``, by column)."""
    sa, sb = a.sum(axis=0), b.sum(axis=0)
    c = margin - s
    c_hat = (a * c).sum(axis=0) / np.where(sa > 0, sa, 1.0)
    s_hat = (b * s).sum(axis=0) / np.where(sb > 0, sb, 1.0)
    u, v, delta = c - c_hat, s - s_hat, c_hat + s_hat
    sau, sbv = (a * u).sum(axis=0), (b * v).sum(axis=0)
    value = (sb * (a * u * u).sum(axis=0) + sa * (b * v * v).sum(axis=0)
             + sa * sb * delta * delta + 2.0 * sau * sbv
             + 2.0 * delta * (sb * sau + sa * sbv))  # fmt: skip
    grad = 2.0 * (b * (sa * (v + delta) + sau) - a * (sb * (u + delta) + sbv))
    return value, grad


def _vectorised(name: str, beta: float, margin: float, pos, s, w, pos_weight, reduction):
    """(R_l, dR_l/ds, counted) for exp / quad over every column at once."""
    a, b, counted = _class_weights(pos, w, pos_weight, reduction)
    if name == "exp":
        value, grad = _exp_columns(s, a, b, beta)
    else:
        form = get_surrogate(name).kernel(beta, margin)
        value, grad = _quad_columns(s, a * form.outer, b, form.margin)
    return np.where(counted, value, 0.0), np.where(counted, grad, 0.0), counted


def _per_label(pos, s, w, weighted, kw):
    """(R_l, dR_l/ds, counted) by the single-label algorithm, one call per label."""
    from aucscape.pairwise import pairwise_loss  # the public single-label entry point

    n_labels = s.shape[1]
    value, grad = np.zeros(n_labels), np.zeros(s.shape)
    counted = np.zeros(n_labels, dtype=bool)
    for col in range(n_labels):
        wl = w[:, col]
        yl = pos[:, col]
        sw = wl if weighted else None
        if not (wl[yl] > 0).any() or not (wl[~yl] > 0).any() or kw["pos_weight"] == 0:
            continue
        counted[col] = True
        value[col], grad[:, col] = pairwise_loss(yl, s[:, col], sample_weight=sw,
                                                 return_grad=True, **kw)
    return value, grad, counted


def multilabel_pairwise_loss(
    y_true: ArrayLike,
    y_score: ArrayLike,
    surrogate="sigmoid",
    *,
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    sample_weight: ArrayLike | None = None,
    label_weight: ArrayLike | None = None,
    reduction: str = "mean",
    return_grad: bool = False,
    method: str = "auto",
    max_fpr: float | None = None,
):
    """R = Σ_{l counted} λ_l R_l / Σ_{l counted} λ_l over (N, L) labels (module docstring).

    Parameters
    ----------
    y_true : (N, L) labels in {0, 1}, or −1 for an unknown entry (dropped).
    y_score : (N, L) finite scores.
    sample_weight : (N,) or (N, L) non-negative weights w_il.
    label_weight : (L,) non-negative λ_l (ones by default).
    surrogate, beta, margin, pos_weight, reduction, method, max_fpr : as
        :func:`aucscape.pairwise.pairwise_loss`, applied to each label's R_l.
    return_grad : also return dR/ds of shape (N, L).

    >>> y = [[1, 0], [0, 1], [1, -1]]
    >>> s = [[0.75, 0.5], [0.25, 0.5], [0.5, 0.0]]
    >>> multilabel_pairwise_loss(y, s, "hinge")  # label 0: (0.5 + 0.75)/2, label 1: 1
    0.8125
    """
    pos, s, w, lam = check_multilabel(y_true, y_score, sample_weight, label_weight)
    sur = get_surrogate(surrogate)
    beta_v, margin_v = sur.params(beta, margin)
    pos_weight = check_nonnegative(pos_weight, "pos_weight")
    check_reduction(reduction, REDUCTIONS)
    max_fpr = check_max_fpr(max_fpr)
    weighted = sample_weight is not None or bool((w == 0).any())
    if is_builtin(sur) and sur.name in ("exp", "quad") and max_fpr is None and method in (
            "auto", "factorised"):
        value, grad, counted = _vectorised(sur.name, beta_v, margin_v, pos, s, w,
                                           pos_weight, reduction)
        if not np.all(np.isfinite(value[counted])):  # let the single-label path word it
            value, grad, counted = _per_label(pos, s, w, weighted, _kw(locals()))
    else:
        value, grad, counted = _per_label(pos, s, w, weighted, _kw(locals()))
    lam_c = np.where(counted, lam, 0.0)
    total = float(lam_c.sum())
    if total == 0.0:
        return (0.0, np.zeros(s.shape)) if return_grad else 0.0
    share = lam_c / total
    loss = float(share @ value)
    return (loss, grad * share) if return_grad else loss


def _kw(scope: dict) -> dict:
    """The single-label keyword arguments of a :func:`multilabel_pairwise_loss` call."""
    keys = ("surrogate", "beta", "margin", "pos_weight", "reduction", "method", "max_fpr")
    return {k: scope[k] for k in keys}


def check_classes(y_true: ArrayLike, n_classes: int) -> NDArray[np.intp]:
    """Integer class labels in 0 … C−1 as an (N,) intp array; ValueError otherwise."""
    y = _real(y_true, "y_true")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y_true must hold class indices of shape (N,), got {np.shape(y_true)}")
    check_class_values(y, n_classes)
    return y.astype(np.intp)


def multiclass_targets(y_true: ArrayLike, y_score: ArrayLike, multi_class: str
                       ) -> tuple[NDArray, NDArray, NDArray[np.intp]]:
    """(labels, scores, source column) of the multi-label problem of a multi-class one.

    ``"ovr"``: one-hot labels, the scores as given. ``"ovo"``: one column per ordered
    class pair (j, k), j ≠ k: scores s_j, label 1 on class j, 0 on class k, −1 elsewhere.
    ``source[c]`` is the score column that column c reads (to fold gradients back).
    """
    check_multi_class(multi_class)
    s = _two_d(y_score, "y_score")
    n_classes = s.shape[1]
    if n_classes < 2:
        raise ValueError(f"y_score must have C >= 2 class columns, got shape {s.shape}")
    y = check_classes(y_true, n_classes)
    if y.shape[0] != s.shape[0]:
        raise ValueError(f"y_score has {s.shape[0]} rows but y_true has {y.shape[0]}")
    onehot = (y[:, None] == np.arange(n_classes)[None, :]).astype(np.float64)
    if multi_class == "ovr":
        return onehot, s, np.arange(n_classes)
    j, k = ovo_pairs(n_classes)
    labels = np.where(onehot[:, j] == 1, 1.0, np.where(onehot[:, k] == 1, 0.0, UNKNOWN))
    return labels, s[:, j], j


def multiclass_pairwise_loss(
    y_true: ArrayLike,
    y_score: ArrayLike,
    surrogate="sigmoid",
    *,
    multi_class: str = "ovr",
    sample_weight: ArrayLike | None = None,
    return_grad: bool = False,
    **kwargs,
):
    """One-vs-rest or one-vs-one pairwise risk from (N, C) scores (module docstring).

    ``y_true`` holds class indices 0 … C−1; ``sample_weight`` is (N,); the other keyword
    arguments (β, m, ``pos_weight``, ``reduction``, ``method``, ``max_fpr``, and for
    ``"ovr"`` ``label_weight`` of shape (C,)) are those of
    :func:`multilabel_pairwise_loss`. ``return_grad`` gives dR/ds of shape (N, C).

    >>> s = [[0.75, 0.25], [0.25, 0.75]]
    >>> multiclass_pairwise_loss([0, 1], s, "hinge", multi_class="ovo")  # both pairs 0.5
    0.5
    """
    labels, cols, source = multiclass_targets(y_true, y_score, multi_class)
    out = multilabel_pairwise_loss(labels, cols, surrogate, sample_weight=sample_weight,
                                   return_grad=return_grad, **kwargs)
    if not return_grad:
        return out
    loss, g = out
    grad = np.zeros((g.shape[0], int(source.max()) + 1))
    np.add.at(grad.T, source, g.T)
    return loss, grad
