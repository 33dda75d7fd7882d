"""``nn.Module`` forms of the torch losses: ``loss = SigmoidAUCLoss(); loss(input, target)``.

:class:`PairwiseAUCLoss` takes any surrogate; the named classes fix it and take its
main parameter (β, or m for the margin losses, which also take ``beta``) first. β and m
of None are the surrogate's defaults (``aucscape.surrogates``), so ``HingeAUCLoss()`` is
max(0, 1 − z) as always; on probabilities (``from_logits=False``) that has no active
kink and warns once (see ``docs/surrogates.md``). Each ``forward(input, target,
sample_weight=None)`` calls :func:`aucscape.torch.pairwise_auc_loss` or
:func:`aucscape.torch.focal_loss`; arguments are checked at construction.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from torch import Tensor, nn

from aucscape._frontend import (
    DEFAULT_ALPHA,
    DEFAULT_GAMMA,
    focal_args,
    keep_pairwise_args,
    pairwise_args,
)
from aucscape.pairwise._multilabel import check_multi_class
from aucscape.torch._multilabel import multiclass_risk, multilabel_risk
from aucscape.torch._pairwise import pairwise_risk
from aucscape.torch.focal import focal_loss

Reduction = Literal["mean", "sum"]


class PairwiseAUCLoss(nn.Module):
    """``nn.Module`` form of :func:`pairwise_auc_loss`: ``loss(input, target)``.

    R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n), a_p = pos_weight · w_p, b_n = w_n; Z = Σ_p w_p
    Σ_n w_n ("mean") or 1 ("sum"). ``forward`` also takes an optional ``sample_weight`` of
    shape (N,). ``gather=True`` pairs across the ranks of a process group (DDP): see
    :func:`pairwise_auc_loss`.
    """

    def __init__(
        self,
        surrogate: str = "sigmoid",
        *,
        beta: float | None = None,
        margin: float | None = None,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
        max_fpr: float | None = None,
        gather: bool = False,
    ) -> None:
        super().__init__()
        args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, max_fpr=max_fpr,
                             from_logits=bool(from_logits))
        keep_pairwise_args(self, args, from_logits)
        self.reduction: Reduction = reduction
        self.gather = bool(gather)

    def forward(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        return pairwise_risk(self._args, input, target, from_logits=self.from_logits,
                             sample_weight=sample_weight, gather=self.gather)

    def extra_repr(self) -> str:
        fpr = "" if self.max_fpr is None else f", max_fpr={self.max_fpr}"
        return (
            f"surrogate={self.surrogate!r}, beta={self.beta}, margin={self.margin}, "
            f"pos_weight={self.pos_weight}, from_logits={self.from_logits}, "
            f"reduction={self.reduction!r}{fpr}{', gather=True' if self.gather else ''}"
        )


class _SteepnessLoss(PairwiseAUCLoss):
    """A pairwise loss whose surrogate ``_surrogate`` reads the steepness β only."""

    _surrogate: ClassVar[str]

    def __init__(
        self,
        beta: float | None = None,
        *,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
        max_fpr: float | None = None,
        gather: bool = False,
    ) -> None:
        super().__init__(self._surrogate, beta=beta, pos_weight=pos_weight,
                         from_logits=from_logits, reduction=reduction, max_fpr=max_fpr,
                         gather=gather)


class _MarginLoss(PairwiseAUCLoss):
    """A pairwise loss of a margin surrogate max(0, m − βz)^q: m first, then β (default 1)."""

    _surrogate: ClassVar[str]

    def __init__(
        self,
        margin: float | None = None,
        *,
        beta: float | None = None,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
        max_fpr: float | None = None,
        gather: bool = False,
    ) -> None:
        super().__init__(self._surrogate, beta=beta, margin=margin, pos_weight=pos_weight,
                         from_logits=from_logits, reduction=reduction, max_fpr=max_fpr,
                         gather=gather)


class SigmoidAUCLoss(_SteepnessLoss):
    """ℓ(z) = σ(−βz): mean risk = 1 − smoothed AUC (β = 40 recommended)."""

    _surrogate = "sigmoid"


class TanhAUCLoss(_SteepnessLoss):
    """ℓ(z) = (1 − tanh(βz)) / 2 = σ(−2βz)."""

    _surrogate = "tanh"


class ExpAUCLoss(_SteepnessLoss):
    """ℓ(z) = exp(−βz), O(N) by log-sum-exp of the class sums."""

    _surrogate = "exp"


class HingeAUCLoss(_MarginLoss):
    """ℓ(z) = max(0, m − βz) (not AUC-consistent), O(N log N) by a sort; β = m = 1."""

    _surrogate = "hinge"


class QuadAUCLoss(_MarginLoss):
    """ℓ(z) = (m − βz)², O(N) by class means and variances; β = m = 1."""

    _surrogate = "quad"


class WeightedPairwiseRankingLoss(PairwiseAUCLoss):
    """Weighted pairwise ranking: hinge max(0, m − βz) with a_p = pos_weight · w_p.

    Every pair holds exactly one positive, so ``pos_weight`` multiplies the whole ranking
    risk (in both reductions, as in ``aucscape.pairwise``): it sets the weight of the
    ranking term against the other terms of the objective (weight decay, an added
    pointwise loss). Per-sample emphasis goes through ``sample_weight``.
    """

    def __init__(
        self,
        pos_weight: float = 1.0,
        margin: float | None = None,
        *,
        beta: float | None = None,
        from_logits: bool = False,
        reduction: Reduction = "mean",
        max_fpr: float | None = None,
        gather: bool = False,
    ) -> None:
        super().__init__("hinge", beta=beta, margin=margin, pos_weight=pos_weight,
                         from_logits=from_logits, reduction=reduction, max_fpr=max_fpr,
                         gather=gather)


class MultiLabelAUCLoss(PairwiseAUCLoss):
    """``nn.Module`` form of :func:`multilabel_auc_loss`: (N, L) scores and labels.

    R = Σ_{l∈C} λ_l R_l / Σ_{l∈C} λ_l over the labels C with pairs in the batch (−1 =
    unknown entry). Same arguments as :class:`PairwiseAUCLoss` plus ``label_weight`` (L,);
    ``forward(input, target, sample_weight=None)`` with ``sample_weight`` (N,) or (N, L).
    """

    def __init__(self, surrogate: str = "sigmoid", *, label_weight: Tensor | None = None,
                 **kwargs) -> None:
        super().__init__(surrogate, **kwargs)
        self.label_weight = label_weight

    def forward(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        return multilabel_risk(self._args, input, target, from_logits=self.from_logits,
                               sample_weight=sample_weight, label_weight=self.label_weight,
                               gather=self.gather)


class MultiClassAUCLoss(PairwiseAUCLoss):
    """``nn.Module`` form of :func:`multiclass_auc_loss`: (N, C) scores, (N,) class indices.

    ``multi_class="ovr"`` (one-vs-rest, the mean risk of the C one-hot labels) or
    ``"ovo"`` (one-vs-one, the mean over ordered class pairs); the other arguments are
    those of :class:`PairwiseAUCLoss`.
    """

    def __init__(self, surrogate: str = "sigmoid", *, multi_class: str = "ovr",
                 **kwargs) -> None:
        super().__init__(surrogate, **kwargs)
        self.multi_class = check_multi_class(multi_class)

    def forward(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        return multiclass_risk(self._args, input, target, self.multi_class,
                               from_logits=self.from_logits, sample_weight=sample_weight,
                               gather=self.gather)


class FocalLoss(nn.Module):
    """``nn.Module`` form of :func:`focal_loss`: FL = −α_t (1 − p_t)^γ log p_t."""

    def __init__(
        self,
        gamma: float = DEFAULT_GAMMA,
        alpha: float = DEFAULT_ALPHA,
        *,
        from_logits: bool = False,
        reduction: Literal["mean", "sum", "none"] = "mean",
    ) -> None:
        super().__init__()
        args = focal_args(gamma, alpha, reduction)
        self.gamma = args.gamma
        self.alpha = args.alpha
        self.from_logits = bool(from_logits)
        self.reduction = reduction

    def forward(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        return focal_loss(
            input,
            target,
            gamma=self.gamma,
            alpha=self.alpha,
            from_logits=self.from_logits,
            sample_weight=sample_weight,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        return (
            f"gamma={self.gamma}, alpha={self.alpha}, from_logits={self.from_logits}, "
            f"reduction={self.reduction!r}"
        )
