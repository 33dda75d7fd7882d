"""Multi-label and multi-class pairwise AUC losses for Keras 3 (any backend).

For (N, L) scores and labels (0/1, −1 = unknown entry, dropped) the loss is, as in
:mod:`aucscape.pairwise._multilabel`,

    R = Σ_{l∈C} λ_l R_l / Σ_{l∈C} λ_l,

R_l the single-label risk of :func:`aucscape.keras.pairwise_auc_loss` on column l and C
the labels with a pair of non-zero weight (one-class labels are not counted), found for
all labels at once. The per-label risks are built by a loop over the L columns (L is
static, so under ``jit`` / ``tf.function`` the loop unrolls into one graph): ``keras.ops``
offers no portable batched form of the blocked ``while_loop``, the sort-based sums or the
compiled-kernel callback, so vectorising over labels is impractical here (the torch and
JAX front ends do batch them). Multi-class scores (N, C) with class indices (N,) map to
one-vs-rest (one-hot labels) or one-vs-one (one column per ordered class pair (j, k):
scores s_j, class j against class k, the others unknown), as the NumPy core.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from aucscape._aucm import DEFAULT_MARGIN, check_margin
from aucscape._frontend import check_weight_values, pairwise_args
from aucscape.keras._inputs import compute_dtype, is_concrete
from aucscape.keras._ops import DEFAULT_BLOCK_SIZE, KERAS_REDUCTIONS, pairwise_risk
from aucscape.keras.losses import PairwiseAUCLoss
from aucscape.pairwise._multilabel import (
    UNKNOWN,
    check_class_values,
    check_multi_class,
    check_multilabel_values,
    ovo_pairs,
)

__all__ = ["MultiClassAUCLoss", "MultiLabelAUCLoss", "MultiLabelAUCMLoss",
           "multiclass_auc_loss", "multilabel_auc_loss", "multilabel_aucm_loss"]


def multilabel_risk(args: Any, y_true: Any, y_pred: Any, sample_weight: Any = None,
                    label_weight: Any = None, *, from_logits: bool = False,
                    block_size: int = DEFAULT_BLOCK_SIZE) -> Any:
    """The multi-label risk R (module docstring) for a checked configuration ``args``."""
    x, y, w, lam = _columns(y_true, y_pred, sample_weight, label_weight)
    n_labels = int(x.shape[1])
    has_pos = ops.any(w * y > 0, axis=0)
    has_neg = ops.any(w * (1.0 - y) > 0, axis=0)
    valid = ops.logical_and(ops.logical_and(has_pos, has_neg), args.pos_weight > 0)
    risks = ops.stack([
        pairwise_risk(args, y[:, col], x[:, col], w[:, col], from_logits=from_logits,
                      block_size=block_size) for col in range(n_labels)])
    return _label_mean(risks, valid, lam)


def _label_mean(values: Any, valid: Any, lam: Any) -> Any:
    """Σ_{l valid} λ_l v_l / Σ_{l valid} λ_l, 0 when no label is valid."""
    lam = ops.where(valid, lam, ops.zeros_like(lam))
    total = ops.sum(lam)
    value = ops.sum(lam * ops.where(valid, values, ops.zeros_like(values)))
    return ops.where(total > 0, value / ops.where(total > 0, total, 1.0), 0.0)


def _columns(y_true: Any, y_pred: Any, sample_weight: Any, label_weight: Any):
    """Checked (x, y, w, λ): scores (N, L), 0/1 labels, weights (0 where unknown), (L,)."""
    x, y = ops.convert_to_tensor(y_pred), ops.convert_to_tensor(y_true)
    if len(x.shape) != 2 or tuple(y.shape) != tuple(x.shape) or x.shape[1] is None:
        raise ValueError(f"y_true and y_pred must have one shape (N, L) with L known, got "
                         f"{tuple(y.shape)} and {tuple(x.shape)}")
    dtype = compute_dtype(x.dtype)
    n_labels = int(x.shape[1])
    x, y = ops.cast(x, dtype), ops.cast(y, dtype)
    w = ops.ones_like(x)
    if sample_weight is not None:
        sw = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
        sw = ops.expand_dims(sw, 1) if len(sw.shape) == 1 else sw
        if len(sw.shape) != 2 or sw.shape[1] not in (1, n_labels):
            raise ValueError(f"sample_weight must have shape (N,) or (N, {n_labels}), got "
                             f"{tuple(sw.shape)}")
        w = w * sw
    if is_concrete(y) and is_concrete(w):
        check_multilabel_values(ops.convert_to_numpy(y))
        check_weight_values(ops.convert_to_numpy(w))
    lam = np.ones(n_labels) if label_weight is None else np.asarray(label_weight, float)
    if lam.shape != (n_labels,):
        raise ValueError(f"label_weight must have shape ({n_labels},), got {lam.shape}")
    check_weight_values(lam, "label_weight")
    w = ops.where(y == UNKNOWN, ops.zeros_like(w), w)
    return x, ops.cast(y == 1, dtype), w, ops.cast(lam, dtype)


def multilabel_aucm_loss(y_true: Any, y_pred: Any, sample_weight: Any = None, *,
                         margin: float = DEFAULT_MARGIN, from_logits: bool = False,
                         label_weight: Any = None) -> Any:
    """Multi-label AUC-M: Σ_{l∈C} λ_l AM_l / Σ_{l∈C} λ_l, by columns (no loop).

    AM_l = Var_P(s_l) + Var_N(s_l) + (m − μ_P + μ_N)_+², the per-label saddle value of
    :func:`aucscape.keras.aucm_loss`, over the labels C with both classes; inputs as
    :func:`multilabel_auc_loss`.
    """
    m = check_margin(margin)
    x, y, w, lam = _columns(y_true, y_pred, sample_weight, label_weight)
    s = ops.sigmoid(x) if from_logits else x
    w = ops.stop_gradient(w)
    wp, wn = w * y, w * (1.0 - y)
    wp_tot, wn_tot = ops.sum(wp, axis=0), ops.sum(wn, axis=0)
    valid = ops.logical_and(wp_tot > 0, wn_tot > 0)
    wp = wp / ops.where(valid, wp_tot, ops.ones_like(wp_tot))  # guarded: one-class labels
    wn = wn / ops.where(valid, wn_tot, ops.ones_like(wn_tot))
    mu_p, mu_n = ops.sum(wp * s, axis=0), ops.sum(wn * s, axis=0)
    am = (ops.sum(wp * ops.square(s - mu_p), axis=0) + ops.sum(wn * ops.square(s - mu_n), axis=0)
          + ops.square(ops.relu(m - mu_p + mu_n)))  # fmt: skip
    return _label_mean(am, valid, lam)


def multiclass_columns(y_true: Any, y_pred: Any, multi_class: str) -> tuple[Any, Any]:
    """(labels, scores) of the multi-label problem of (N, C) scores and class indices."""
    check_multi_class(multi_class)
    x = ops.convert_to_tensor(y_pred)
    if len(x.shape) != 2 or x.shape[1] is None or x.shape[1] < 2:
        raise ValueError(f"y_pred must have shape (N, C) with C >= 2, got {tuple(x.shape)}")
    n_classes = int(x.shape[1])
    y = ops.reshape(ops.convert_to_tensor(y_true), (-1,))
    if is_concrete(y):
        check_class_values(ops.convert_to_numpy(y), n_classes)
    onehot = ops.one_hot(ops.cast(y, "int32"), n_classes, dtype=x.dtype)
    if multi_class == "ovr":
        return onehot, x
    j, k = ovo_pairs(n_classes)
    on_j, on_k = ops.take(onehot, j, axis=1), ops.take(onehot, k, axis=1)
    return 2.0 * on_j + on_k - 1.0, ops.take(x, j, axis=1)  # 1 on j, 0 on k, −1 elsewhere


def multilabel_auc_loss(y_true: Any, y_pred: Any, sample_weight: Any = None, *,
                        surrogate: str = "sigmoid", beta: float | None = None,
                        margin: float | None = None, pos_weight: float = 1.0,
                        from_logits: bool = False, label_weight: Any = None,
                        reduction: str = "mean", max_fpr: float | None = None,
                        block_size: int = DEFAULT_BLOCK_SIZE) -> Any:
    """Multi-label pairwise AUC risk (module docstring) as a scalar tensor.

    ``y_true`` (N, L) in {0, 1, −1}; ``y_pred`` (N, L); ``sample_weight`` (N,) or (N, L);
    ``label_weight`` (L,) (a constant); the rest as :func:`aucscape.keras.pairwise_auc_loss`.

    >>> import numpy as np
    >>> y = np.array([[1, 0], [0, 1], [1, -1]])
    >>> s = np.array([[0.75, 0.5], [0.25, 0.5], [0.5, 0.0]], dtype="float32")
    >>> float(multilabel_auc_loss(y, s, surrogate="hinge", beta=4.0))  # (0 + 1) / 2
    0.5
    """
    args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, KERAS_REDUCTIONS,
                         max_fpr=max_fpr, from_logits=bool(from_logits))
    return multilabel_risk(args, y_true, y_pred, sample_weight, label_weight,
                           from_logits=from_logits, block_size=block_size)


def multiclass_auc_loss(y_true: Any, y_pred: Any, sample_weight: Any = None, *,
                        multi_class: str = "ovr", **kwargs: Any) -> Any:
    """One-vs-rest or one-vs-one pairwise risk from (N, C) scores and (N,) class indices.

    Keyword arguments: those of :func:`multilabel_auc_loss` (``label_weight`` (C,) for
    "ovr" only).
    """
    labels, cols = multiclass_columns(y_true, y_pred, multi_class)
    return multilabel_auc_loss(labels, cols, sample_weight, **kwargs)


def _label_weight_list(label_weight: Any) -> list[float] | None:
    """λ as a list of floats (what ``get_config`` stores), or None."""
    if label_weight is None:
        return None
    return [float(v) for v in np.asarray(label_weight, float).reshape(-1)]


class _WeightsToCall:
    """``__call__`` that passes ``sample_weight`` to ``call`` (the risk weighs entries
    itself) instead of letting Keras weight a per-sample vector after ``call``."""

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        with keras.name_scope(self.name):
            return ops.cast(self.call(y_true, y_pred, sample_weight), self.dtype)


@keras.saving.register_keras_serializable(package="aucscape")
class MultiLabelAUCLoss(_WeightsToCall, PairwiseAUCLoss):
    """:class:`~aucscape.keras.PairwiseAUCLoss` for (N, L) labels (−1 = unknown) and scores.

    R = Σ_{l∈C} λ_l R_l / Σ_{l∈C} λ_l over the labels with pairs in the batch;
    ``label_weight`` (L,) λ, ones by default (kept in ``get_config``). ``sample_weight``
    of a call may be (N,) or (N, L).
    """

    def __init__(self, surrogate: str = "sigmoid", label_weight: Any = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("name", "multilabel_auc_loss")
        super().__init__(surrogate, **kwargs)
        self.label_weight = _label_weight_list(label_weight)

    def call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        return multilabel_risk(self._args, y_true, y_pred, sample_weight, self.label_weight,
                               from_logits=self.from_logits, block_size=self.block_size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "label_weight": self.label_weight}


@keras.saving.register_keras_serializable(package="aucscape")
class MultiClassAUCLoss(MultiLabelAUCLoss):
    """Pairwise AUC loss of (N, C) class scores against (N,) class indices.

    ``multi_class="ovr"`` (one-vs-rest: the C one-hot labels) or ``"ovo"`` (one-vs-one:
    the mean over ordered class pairs); other arguments as :class:`MultiLabelAUCLoss`.
    """

    def __init__(self, surrogate: str = "sigmoid", multi_class: str = "ovr",
                 **kwargs: Any) -> None:
        check_multi_class(multi_class)
        kwargs.setdefault("name", "multiclass_auc_loss")
        super().__init__(surrogate, **kwargs)
        self.multi_class = multi_class

    def call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        labels, cols = multiclass_columns(y_true, y_pred, self.multi_class)
        return super().call(labels, cols, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "multi_class": self.multi_class}


@keras.saving.register_keras_serializable(package="aucscape")
class MultiLabelAUCMLoss(_WeightsToCall, keras.losses.Loss):
    """Multi-label AUC-M (:func:`multilabel_aucm_loss`) as a Keras ``Loss``.

    The per-label saddle value of AUC-M averaged over the labels with both classes (no
    state, any optimiser); ``label_weight`` (L,) λ, ones by default.
    """

    def __init__(self, margin: float = DEFAULT_MARGIN, from_logits: bool = False,
                 label_weight: Any = None, name: str = "multilabel_aucm_loss",
                 reduction: str = "sum_over_batch_size", dtype: Any = None) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = check_margin(margin)
        self.from_logits = bool(from_logits)
        self.label_weight = _label_weight_list(label_weight)

    def call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        return multilabel_aucm_loss(y_true, y_pred, sample_weight, margin=self.margin,
                                    from_logits=self.from_logits,
                                    label_weight=self.label_weight)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "margin": self.margin,
                "from_logits": self.from_logits, "label_weight": self.label_weight}
