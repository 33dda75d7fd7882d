"""Keras ``Loss`` classes of the pairwise AUC risk, registered for serialisation.

Every class computes R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) with
:func:`aucscape.keras.pairwise_auc_loss` and is registered as ``"aucscape>ClassName"``
(``keras.saving.register_keras_serializable(package="aucscape")``), so a saved model
reloads with its loss. :class:`PairwiseAUCLoss` takes any surrogate; the named classes fix
it, take its main parameter (β, or m for the margin losses, which also take ``beta``)
first and leave the parameters it ignores out of ``get_config``. β and m of None are the
surrogate's defaults (:mod:`aucscape.surrogates`): ``HingeAUCLoss()`` is max(0, 1 − z) as
always, and warns on probabilities (``from_logits=False``), where that is exactly linear.
"""

from __future__ import annotations

from typing import Any, ClassVar

import keras
from keras import ops

from aucscape._frontend import keep_pairwise_args, pairwise_args, unused_params
from aucscape.keras._inputs import fold_mask
from aucscape.keras._ops import (
    DEFAULT_BLOCK_SIZE,
    KERAS_REDUCTIONS,
    check_block_size,
    pairwise_risk,
)
from aucscape.surrogates import get_surrogate


@keras.saving.register_keras_serializable(package="aucscape")
class PairwiseAUCLoss(keras.losses.Loss):
    """Pairwise AUC surrogate risk R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n).

    Parameters
    ----------
    surrogate : one of "sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad",
        "logistic" (ℓ minimised; z = s_p − s_n).
    beta : steepness β of ℓ(z) = f(βz) (None: the surrogate's default, 40 for sigmoid,
        tanh, exp and logistic, 1 for hinge, squared_hinge and quad).
    margin : m ≥ 0 of hinge, squared_hinge and quad (None: 1).
    pos_weight : multiplier of every positive's weight a_p = pos_weight·w_p.
    from_logits : if True, scores are s = σ(y_pred).
    block_size : pair terms per block of the sigmoid/tanh/logistic loop (memory knob).
    reduction : "sum_over_batch_size" (default), "mean" or "mean_with_sample_weight" divide
        by Z = Σ_p w_p·Σ_n w_n; "sum" uses Z = 1.
    max_fpr : None, or α in (0, 1]: partial AUC over the ⌈α·N_N⌉ highest-scored negatives.
    """

    def __init__(
        self,
        surrogate: str = "sigmoid",
        beta: float | None = None,
        margin: float | None = None,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        block_size: int = DEFAULT_BLOCK_SIZE,
        reduction: str = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        max_fpr: float | None = None,
    ) -> None:
        args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, KERAS_REDUCTIONS,
                             max_fpr=max_fpr, from_logits=bool(from_logits))
        keep_pairwise_args(self, args, from_logits)
        self.block_size = check_block_size(block_size)
        super().__init__(
            name=name or f"{args.surrogate}_auc_loss", reduction=args.reduction, dtype=dtype
        )

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The risk with ``sample_weight`` (times any Keras mask) folded into a_p, b_n.

        Keras' own ``Loss.__call__`` would weight a per-sample vector after ``call`` and
        divide by the batch size, which is not the pairwise risk.
        """
        sample_weight = fold_mask(y_pred, sample_weight)
        with keras.name_scope(self.name):
            loss = self.call(y_true, y_pred, sample_weight)
            return ops.cast(loss, self.dtype)

    def call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The scalar risk (Keras' per-sample reduction is bypassed; see ``__call__``)."""
        return pairwise_risk(self._args, y_true, y_pred, sample_weight,
                             from_logits=self.from_logits, block_size=self.block_size)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            surrogate=self.surrogate, beta=self.beta, margin=self.margin,
            pos_weight=self.pos_weight, from_logits=self.from_logits,
            block_size=self.block_size,
        )
        if self.max_fpr is not None:
            config["max_fpr"] = self.max_fpr
        return config


class _FixedSurrogateLoss(PairwiseAUCLoss):
    """A :class:`PairwiseAUCLoss` with its surrogate fixed by the class (``_surrogate``).

    ``get_config`` leaves out "surrogate" and the parameters ℓ ignores (β or m, and
    ``block_size`` outside the blocked family), so configs stay minimal and round-trip.
    """

    _surrogate: ClassVar[str] = "sigmoid"

    def __init__(self, **kwargs: Any) -> None:
        given = kwargs.pop("surrogate", self._surrogate)
        if given != self._surrogate:
            raise ValueError(f"{type(self).__name__} uses surrogate {self._surrogate!r}")
        kwargs.setdefault("name", f"{self._surrogate}_auc_loss")
        super().__init__(surrogate=self._surrogate, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        unused = unused_params(self._surrogate)
        if get_surrogate(self._surrogate).family != "blocked":
            unused = (*unused, "block_size")
        for key in ("surrogate", *unused):
            config.pop(key)
        return config


class _SteepnessLoss(_FixedSurrogateLoss):
    """A fixed-surrogate loss whose ℓ reads the steepness β (first argument)."""

    def __init__(self, beta: float | None = None, *, pos_weight: float = 1.0,
                 from_logits: bool = False, **kwargs: Any) -> None:
        super().__init__(beta=beta, pos_weight=pos_weight, from_logits=from_logits, **kwargs)


class _MarginLoss(_FixedSurrogateLoss):
    """A fixed-surrogate loss of a margin surrogate max(0, m − βz)^q: m first, then β."""

    def __init__(self, margin: float | None = None, *, pos_weight: float = 1.0,
                 from_logits: bool = False, **kwargs: Any) -> None:
        super().__init__(margin=margin, pos_weight=pos_weight, from_logits=from_logits,
                         **kwargs)


@keras.saving.register_keras_serializable(package="aucscape")
class SigmoidAUCLoss(_SteepnessLoss):
    """Sigmoid AUC loss ℓ(z) = σ(−βz) = 1 − σ(βz): the smooth AUC (β = 40 recommended)."""

    _surrogate = "sigmoid"


@keras.saving.register_keras_serializable(package="aucscape")
class TanhAUCLoss(_SteepnessLoss):
    """Tanh AUC loss ℓ(z) = (1 − tanh βz)/2 = σ(−2βz)."""

    _surrogate = "tanh"


@keras.saving.register_keras_serializable(package="aucscape")
class ExpAUCLoss(_SteepnessLoss):
    """Exponential AUC loss ℓ(z) = exp(−βz), O(N) by log-sum-exp of the class sums."""

    _surrogate = "exp"


@keras.saving.register_keras_serializable(package="aucscape")
class HingeAUCLoss(_MarginLoss):
    """Pairwise hinge ℓ(z) = max(0, m − βz) (not AUC-consistent), O(N log N); β = m = 1."""

    _surrogate = "hinge"


@keras.saving.register_keras_serializable(package="aucscape")
class QuadAUCLoss(_MarginLoss):
    """Quadratic AUC loss ℓ(z) = (m − βz)², O(N) by class moments; β = m = 1."""

    _surrogate = "quad"


@keras.saving.register_keras_serializable(package="aucscape")
class WeightedPairwiseRankingLoss(_FixedSurrogateLoss):
    """Weighted pairwise ranking: the pairwise hinge max(0, m − βz), a_p = pos_weight·w_p.

    Every pair holds exactly one positive, so ``pos_weight`` multiplies the whole ranking
    risk (in both reductions, as in :func:`aucscape.pairwise.pairwise_loss`): it sets the
    weight of the ranking term against the other terms of the objective (weight decay, an
    added pointwise loss). Per-sample emphasis goes through ``sample_weight``.
    """

    _surrogate = "hinge"

    def __init__(self, pos_weight: float = 1.0, margin: float | None = None, *,
                 from_logits: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("name", "weighted_pairwise_ranking_loss")
        super().__init__(margin=margin, pos_weight=pos_weight, from_logits=from_logits,
                         **kwargs)
