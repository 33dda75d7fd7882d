"""Binary focal loss (Lin et al. 2017, "Focal Loss for Dense Object Detection").

For labels y_i ∈ {0, 1} and predicted positive-class probabilities p_i,

    p_t = p       if y = 1,      p_t = 1 − p       if y = 0,
    α_t = α       if y = 1,      α_t = 1 − α       if y = 0,
    FL(p_t) = −α_t (1 − p_t)^γ log p_t.

γ = 0 gives α-weighted binary cross-entropy (γ = 0, α = ½ is half the usual BCE).
From a logit x (p = σ(x)) with signed logit z = x for y = 1 and z = −x for y = 0,

    log p_t = −softplus(−z),   (1 − p_t)^γ = exp(−γ · softplus(z)),
    FL = α_t · exp(−γ · softplus(z)) · softplus(−z),

which is finite for any finite logit (±1e4 included). NumPy only.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import (
    check_labels,
    check_nonnegative,
    check_probability_values,
    check_reduction,
    check_scores,
    check_unit_interval,
    check_weights,
    rescale_weights,
)

__all__ = ["EPS", "REDUCTIONS", "focal_loss"]

#: Probabilities are clipped to [EPS, 1 − EPS] when ``from_logits=False`` (Keras' default
#: epsilon, so the framework front ends give the same numbers in float32).
EPS = 1e-7

#: Accepted ``reduction`` values.
REDUCTIONS = ("mean", "sum", "none")


def _softplus(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(1 + e^t) without overflow: max(t, 0) + log1p(e^−|t|)."""
    return np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))


def _focal_from_logits(
    y: NDArray[np.bool_], x: NDArray[np.float64], gamma: float, alpha_t: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-sample FL_i and dFL_i/dx_i.

    With q = 1 − p_t = σ(−z): dFL/dz = α_t q^γ (γ p_t log p_t − q), and dz/dx = ±1.
    """
    z = np.where(y, x, -x)
    nll = _softplus(-z)  # −log p_t ≥ 0
    log_q = -_softplus(z)  # log(1 − p_t)
    mod = np.exp(gamma * log_q)  # (1 − p_t)^γ, exactly 1 when γ = 0
    loss = alpha_t * mod * nll
    p_t = np.exp(-nll)
    q = np.exp(log_q)
    d_z = alpha_t * mod * (-gamma * p_t * nll - q)
    return loss, np.where(y, d_z, -d_z)


def _focal_from_probs(
    y: NDArray[np.bool_], p_raw: NDArray[np.float64], gamma: float, alpha_t: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-sample FL_i and dFL_i/dp_i on clipped probabilities.

    dFL/dp_t = α_t (γ q^(γ−1) log p_t − q^γ / p_t) with q = 1 − p_t ≥ EPS; dp_t/dp = ±1;
    zero outside [EPS, 1 − EPS] where the clip is flat.
    """
    p = np.clip(p_raw, EPS, 1.0 - EPS)
    p_t = np.where(y, p, 1.0 - p)
    q = np.where(y, 1.0 - p, p)
    log_p_t = np.where(y, np.log(p), np.log1p(-p))
    mod = q**gamma
    loss = -alpha_t * mod * log_p_t
    dgamma = gamma * q ** (gamma - 1.0) if gamma != 0.0 else np.zeros_like(q)
    d_pt = alpha_t * (dgamma * log_p_t - mod / p_t)
    inside = (p_raw >= EPS) & (p_raw <= 1.0 - EPS)
    return loss, np.where(inside, np.where(y, d_pt, -d_pt), 0.0)


def focal_loss(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    gamma: float = 2.0,
    alpha: float = 0.25,
    from_logits: bool = False,
    sample_weight: ArrayLike | None = None,
    reduction: Literal["mean", "sum", "none"] = "mean",
    return_grad: bool = False,
) -> float | NDArray[np.float64] | tuple[float | NDArray[np.float64], NDArray[np.float64]]:
    """Binary focal loss FL_i = −α_t (1 − p_t)^γ log p_t with sample weights w_i.

    Reductions: ``"mean"`` L = Σ_i w_i FL_i / Σ_i w_i (0 when Σ w = 0), ``"sum"``
    L = Σ_i w_i FL_i, ``"none"`` the array (w_i FL_i)_i.

    Parameters
    ----------
    y_true : (N,) labels in {0, 1}.
    y_pred : (N,) probabilities p_i ∈ [0, 1] (clipped to [EPS, 1 − EPS]), or logits x_i
        with p_i = σ(x_i) when ``from_logits`` (computed via softplus, never clipped).
    gamma : focusing parameter γ ≥ 0 (γ = 0: α-weighted cross-entropy).
    alpha : weight α ∈ [0, 1] of the positive class; negatives get 1 − α.
    sample_weight : (N,) non-negative weights w_i, or None for ones.
    reduction : "mean", "sum" or "none".
    return_grad : also return dL/dy_pred, shape (N,): with respect to the logits when
        ``from_logits`` else the probabilities (for "none", the i-th entry is
        d(w_i FL_i)/dy_pred_i).

    Returns
    -------
    L, or (L, grad) when ``return_grad``; L is a float, or an (N,) array for "none".
    """
    g = check_nonnegative(gamma, "gamma")
    a = check_unit_interval(alpha, "alpha")
    check_reduction(reduction, REDUCTIONS)
    y = check_labels(y_true)
    pred = check_scores(y_pred, n=y.shape[0], name="y_pred")
    w = check_weights(sample_weight, y.shape[0])
    alpha_t = np.where(y, a, 1.0 - a)
    if from_logits:
        loss_i, grad_i = _focal_from_logits(y, pred, g, alpha_t)
    else:
        check_probability_values(pred, "y_pred")
        loss_i, grad_i = _focal_from_probs(y, pred, g, alpha_t)

    if reduction == "none":
        loss: float | NDArray[np.float64] = w * loss_i
        scale: float | NDArray[np.float64] = w
    elif reduction == "sum":
        loss, scale = float(np.dot(w, loss_i)), w
    else:  # Σ w FL / Σ w is scale-free: rescale w (exactly) so neither sum overflows
        w = rescale_weights(w)
        w_sum = float(w.sum())
        norm = 1.0 / w_sum if w_sum > 0.0 else 0.0
        loss, scale = float(np.dot(w, loss_i)) * norm, w * norm
    if return_grad:
        return loss, scale * grad_i
    return loss
