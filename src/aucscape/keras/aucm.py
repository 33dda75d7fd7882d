"""AUC-margin loss (AUC-M) for Keras 3, in ``keras.ops`` only (TensorFlow, JAX, PyTorch).

``model.compile(loss=AUCMLoss())`` minimises, per batch, the saddle value of the AUC-M
min-max objective of Yuan et al. (2021) over its auxiliary a, b and dual α
(:mod:`aucscape._aucm`):

    AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+²,

the exact inner solution a = μ_P, b = μ_N, α = max(0, m − μ_P + μ_N) of the batch. So
the loss carries no state, works with every Keras optimiser and serialises like any loss;
the price, against PyTorch's :class:`aucscape.torch.AUCMLoss` + PESG (which carry a, b,
α across batches and update them by descent-ascent), is that the class means are those of
the batch: use balanced batches (:class:`aucscape.keras.BalancedBatchDataset`) so that each
batch holds enough positives. Sample weights (times any Keras mask) weight the class
means and variances; a batch with one class gives 0 and zero gradients.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from aucscape._aucm import DEFAULT_MARGIN, check_margin
from aucscape._validation import check_reduction
from aucscape.keras._inputs import fold_mask, prepare

__all__ = ["AUCMLoss", "aucm_loss"]

#: AM is a batch-level value: every Keras "mean" reduction is the same number.
AUCM_REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight")


def aucm_loss(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    *,
    margin: float = DEFAULT_MARGIN,
    from_logits: bool = False,
) -> Any:
    """AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+² of a batch, a scalar tensor.

    >>> import numpy as np
    >>> y, s = np.array([1, 1, 0, 0]), np.array([0.9, 0.8, 0.3, 0.1], "float32")
    >>> round(float(aucm_loss(y, s)), 6)
    0.135
    """
    m = check_margin(margin)
    s, y, w = prepare(y_true, y_pred, sample_weight, from_logits)
    w = ops.stop_gradient(w)
    wp = ops.where(y > 0.5, w, ops.zeros_like(w))
    wn = w - wp
    wp_tot, wn_tot = ops.sum(wp), ops.sum(wn)
    valid = ops.logical_and(wp_tot > 0, wn_tot > 0)
    one = ops.ones_like(wp_tot)
    wp = wp / ops.where(valid, wp_tot, one)  # guarded: finite on one-class batches
    wn = wn / ops.where(valid, wn_tot, one)
    mu_p, mu_n = ops.sum(wp * s), ops.sum(wn * s)
    value = (ops.sum(wp * ops.square(s - mu_p)) + ops.sum(wn * ops.square(s - mu_n))
             + ops.square(ops.relu(m - mu_p + mu_n)))  # fmt: skip
    return ops.where(valid, value, ops.zeros_like(value))


@keras.saving.register_keras_serializable(package="aucscape")
class AUCMLoss(keras.losses.Loss):
    """AUC margin loss AM(s) = Var_P + Var_N + (m − μ_P + μ_N)_+² (closed-form AUC-M).

    Parameters
    ----------
    margin : m ≥ 0 (1.0; on probabilities m ≥ 1 keeps the hinge active, so AM is the mean
        pairwise square loss of the batch).
    from_logits : if True, scores are s = σ(y_pred).
    reduction : any of Keras' mean reductions (the value is per batch anyway).

    ``sample_weight`` (times any Keras mask) weights the class moments, as repetition
    counts would, instead of Keras' per-sample weighting after ``call``.
    """

    def __init__(
        self,
        margin: float = DEFAULT_MARGIN,
        *,
        from_logits: bool = False,
        reduction: str = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        self.margin = check_margin(margin)
        self.from_logits = bool(from_logits)
        reduction = check_reduction(reduction, AUCM_REDUCTIONS,
                                    why=" for AUC-M (a batch-level loss)")
        super().__init__(name=name or "aucm_loss", reduction=reduction, dtype=dtype)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        sample_weight = fold_mask(y_pred, sample_weight)
        with keras.name_scope(self.name):
            return ops.cast(self.call(y_true, y_pred, sample_weight), self.dtype)

    def call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        return aucm_loss(y_true, y_pred, sample_weight, margin=self.margin,
                         from_logits=self.from_logits)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(margin=self.margin, from_logits=self.from_logits)
        return config
