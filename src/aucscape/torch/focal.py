"""Binary focal loss for PyTorch, the same numbers as :func:`aucscape.focal.focal_loss`."""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor
from torch.nn import functional as F

from aucscape._frontend import DEFAULT_ALPHA, DEFAULT_GAMMA, focal_args, not_probabilities_error
from aucscape.focal import EPS
from aucscape.torch._inputs import prepare

__all__ = ["EPS", "focal_loss"]


def focal_loss(
    input: Tensor,
    target: Tensor,
    *,
    gamma: float = DEFAULT_GAMMA,
    alpha: float = DEFAULT_ALPHA,
    from_logits: bool = False,
    sample_weight: Tensor | None = None,
    reduction: Literal["mean", "sum", "none"] = "mean",
) -> Tensor:
    """Binary focal loss FL_i = −α_t (1 − p_t)^γ log p_t, as ``aucscape.focal.focal_loss``.

    p_t = p, α_t = α for y = 1; p_t = 1 − p, α_t = 1 − α for y = 0. From logits
    (z = ±x signed by the label): FL = α_t · exp(−γ softplus(z)) · softplus(−z), finite for
    any logit. Probabilities are clipped to [EPS, 1 − EPS] (``aucscape.focal.EPS``).
    Reductions: "mean" Σ w_i FL_i / Σ w_i (0 when Σ w = 0), "sum" Σ w_i FL_i, "none"
    (w_i FL_i)_i.
    """
    args = focal_args(gamma, alpha, reduction)
    x, y, w = prepare(input, target, sample_weight)
    alpha_t = torch.where(y, x.new_tensor(args.alpha), x.new_tensor(1.0 - args.alpha))
    if from_logits:
        z = torch.where(y, x, -x)
        # softplus with threshold 40 is exact to 4e-18 relative (the default 20 is not).
        nll = F.softplus(-z, threshold=40.0)  # −log p_t
        loss = alpha_t * torch.exp(-args.gamma * F.softplus(z, threshold=40.0)) * nll
    else:
        if bool(((x < 0) | (x > 1)).any()):
            raise not_probabilities_error("input")
        p = torch.clamp(x, EPS, 1.0 - EPS)
        q = torch.where(y, 1.0 - p, p)
        log_pt = torch.where(y, torch.log(p), torch.log1p(-p))
        loss = -alpha_t * q**args.gamma * log_pt
    loss = w * loss
    if args.reduction == "none":
        return loss
    if args.reduction == "sum":
        return loss.sum()
    w_sum = float(w.sum())
    return loss.sum() / w_sum if w_sum > 0 else loss.sum() * 0.0
