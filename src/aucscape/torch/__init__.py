"""PyTorch front end: pairwise AUC losses, AUC-M + PESG, focal loss, a balanced sampler.

Same maths, names and arguments as the NumPy core (``aucscape.pairwise``,
``aucscape.focal``), called PyTorch's way: ``loss(input, target)``. The pairwise risk is

    R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n),   a_p = pos_weight · w_p,   b_n = w_n,

with ℓ a surrogate of ``aucscape.surrogates`` (minimised), w the sample weights (ones by
default), Z = Σ_p w_p · Σ_n w_n for ``reduction="mean"`` and Z = 1 for ``"sum"``. Scores:
``from_logits=False`` (default) uses ``input`` as the scores s as it is (probabilities or
any real score); ``from_logits=True`` takes s = σ(input), the positive-class probability
as in the paper, so logits of ±1e4 give finite loss and gradients.

The package, one idea a module:

* ``_inputs``: shapes, dtypes and label/weight checks of ``(input, target, sample_weight)``;
* ``_pairwise``: :func:`pairwise_auc_loss` and its algorithms, never an NP × NN matrix in
  memory at once: a custom ``autograd.Function`` over blocks of positives for sigmoid,
  tanh and logistic (value and both gradient marginals in one pass, memory
  O(block · NN)); O(N) class sums for exp (log-sum-exp) and quad (moments); one sort and
  suffix sums for hinge and squared_hinge, O(N log N);
* ``focal``: :func:`focal_loss`, FL = −α_t (1 − p_t)^γ log p_t;
* ``aucm``: :class:`AUCMLoss` and :func:`aucm_loss`, the AUC-margin min-max objective of
  Yuan et al. (2021), f = E_P (s − a)² + E_N (s − b)² + 2α(m − E_P s + E_N s) − α², O(N);
* ``pesg``: :class:`PESG`, the optimiser that descends on the network, a, b and ascends
  on α ≥ 0, with momentum and an epoch-level proximal term;
* ``_multilabel``: :func:`multilabel_auc_loss` and :func:`multiclass_auc_loss` for
  (N, L) labels (−1 = unknown) and C-class scores, the kernels batched over the labels;
* ``_gather``: ``gather=True`` on the pairwise losses and AUC-M, pairs across the ranks of
  a process group (DDP) with the gradient flowing to each rank's own scores;
* ``losses``: the ``nn.Module`` classes;
* ``sampler``: :class:`BalancedBatchSampler` for ``DataLoader(batch_sampler=...)``
  (binary or multi-label targets) and :class:`DistributedBalancedBatchSampler`, its
  per-rank share under DDP;
* ``metric``: :class:`StreamingAUROC`, the AUC over an epoch's batches (exact, or binned
  in constant memory with a stated error bound).

Sums run in float32 or better (float16/bfloat16 inputs are upcast; the sorted family uses
float64). A batch with one class only (or zero weight on a class) gives loss 0 and zero
gradients. Labels outside {0, 1} and shape mismatches raise ValueError at call time.
Importing this package imports ``torch`` (absolute imports: inside ``aucscape.torch``,
``import torch`` is still PyTorch); ``import aucscape`` does not.
"""

from __future__ import annotations

from aucscape._frontend import publish_classes
from aucscape.torch._multilabel import multiclass_auc_loss, multilabel_auc_loss
from aucscape.torch._pairwise import pairwise_auc_loss
from aucscape.torch.aucm import AUCMLoss, aucm_loss
from aucscape.torch.focal import focal_loss
from aucscape.torch.losses import (
    ExpAUCLoss,
    FocalLoss,
    HingeAUCLoss,
    MultiClassAUCLoss,
    MultiLabelAUCLoss,
    PairwiseAUCLoss,
    QuadAUCLoss,
    SigmoidAUCLoss,
    TanhAUCLoss,
    WeightedPairwiseRankingLoss,
)
from aucscape.torch.metric import StreamingAUROC
from aucscape.torch.pesg import PESG
from aucscape.torch.sampler import BalancedBatchSampler, DistributedBalancedBatchSampler

__all__ = [
    "PESG",
    "AUCMLoss",
    "BalancedBatchSampler",
    "DistributedBalancedBatchSampler",
    "ExpAUCLoss",
    "FocalLoss",
    "HingeAUCLoss",
    "MultiClassAUCLoss",
    "MultiLabelAUCLoss",
    "PairwiseAUCLoss",
    "QuadAUCLoss",
    "SigmoidAUCLoss",
    "StreamingAUROC",
    "TanhAUCLoss",
    "WeightedPairwiseRankingLoss",
    "aucm_loss",
    "focal_loss",
    "multiclass_auc_loss",
    "multilabel_auc_loss",
    "pairwise_auc_loss",
]

publish_classes(__name__, globals(), __all__)
