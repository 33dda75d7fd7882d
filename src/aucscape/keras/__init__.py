"""Pairwise AUC losses for Keras 3, written only with ``keras.ops``.

One class runs on the TensorFlow, JAX and PyTorch backends. Every loss is the pairwise risk
of :func:`aucscape.pairwise.pairwise_loss` over the scores s of a batch,

    R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n),   a_p = pos_weight·w_p,  b_n = w_n,

with w the sample weights (ones by default), Z = Σ_p w_p · Σ_n w_n for the mean reductions
("sum_over_batch_size", "mean", "mean_with_sample_weight") and Z = 1 for "sum", and ℓ one
of the surrogates of :mod:`aucscape.surrogates` (minimised; z = s_p − s_n):
sigmoid σ(−βz), tanh (1 − tanh βz)/2, hinge max(0, m − z), squared_hinge max(0, m − z)²,
exp exp(−βz), quad (m − z)², logistic log(1 + exp(−βz)).

Scores: ``from_logits=False`` uses ``y_pred`` as the score (e.g. the output of a sigmoid
layer); ``from_logits=True`` uses s = σ(y_pred), so logits of ±1e4 stay finite.

Sample weights. Keras applies ``sample_weight`` per sample *after* ``call`` and then
divides by the batch size; for a pairwise loss that is not the risk above. These classes
override ``__call__`` and fold ``sample_weight`` (and any Keras mask) into a_p and b_n, so
``loss(y, s, sample_weight=w)`` equals ``pairwise_loss(y, s, sample_weight=w)``. The
reduction ``None``/"none" is refused: a pairwise risk has no per-sample value.

Algorithms and memory (N = batch size, K = size of the smaller class):

* exp: O(N), R = exp(LSE_p(log a_p − βs_p) + LSE_n(log b_n + βs_n)) / Z (log-sum-exp, so
  no overflow of the class sums); quad: O(N) class moments.
* hinge, squared_hinge: O(N log N), one argsort of the keys s_i − m·y_i plus prefix sums.
* sigmoid, tanh, logistic: O(K·N) time in a ``keras.ops.while_loop`` over blocks of rows
  of the smaller class (``block_size`` pair terms per block). The value and both gradient
  marginals g = dR/ds are computed in that one pass on stop-gradient copies, and the loss
  is returned as ``stop_gradient(R) + Σ_i stop_gradient(g_i)·(s_i − stop_gradient(s_i))``:
  its value is R and its gradient is exactly g, but no autodiff tape holds the pair
  matrix, so peak memory is O(block_size + N) instead of O(N²) — on every backend.
  The price: second derivatives through these three surrogates are not available.

All pair sums run in float32 (float64 when ``y_pred`` is float64), also for float16 and
bfloat16 inputs. A batch holding one class only gives loss 0 and zero gradients.

Labels outside {0, 1}, negative weights and mismatched shapes raise ``ValueError``: shapes
when known at trace time, values whenever the call runs eagerly (not inside ``jax.jit``,
``tf.function`` or ``torch.compile``).

Focal loss: use Keras's own ``keras.losses.BinaryFocalCrossentropy(gamma=2.0, alpha=0.25,
apply_class_balancing=True, from_logits=...)``; it is pointwise, so it needs no special
batching, but on rare-positive data it trains best with :class:`BalancedBatchDataset` too.

:class:`BalancedBatchDataset` is a ``keras.utils.PyDataset`` over
:class:`aucscape.sampling.BalancedBatchPlan`: every batch holds at least k positives, every
sample is visited each epoch, reproducible from a seed.

AUC-M: :class:`AUCMLoss` (``model.compile(loss=AUCMLoss())``) is the AUC margin loss
AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+² of Yuan et al. (2021), the exact
per-batch solution of its min-max problem over the auxiliary a, b and dual α (no state,
any optimiser); see :mod:`aucscape.keras.aucm`.

:class:`StreamingAUC` is a ``keras.metrics.Metric`` (``model.compile(metrics=[...])``):
the exact AUC of the scores binned into ``n_bins`` bins, in constant memory, with
``error_bound()`` ≥ |binned − exact AUC|; multi-label with ``num_labels`` and ``average``
(see :mod:`aucscape.keras.metric`).

Package layout, one idea a module: ``_inputs`` (shapes, dtypes, eager value checks),
``_ops`` (:func:`pairwise_auc_loss` and its three algorithms), ``losses`` (the registered
``Loss`` classes), ``aucm`` (:class:`AUCMLoss`, :func:`aucm_loss`), ``multilabel``
(:class:`MultiLabelAUCLoss`, :class:`MultiClassAUCLoss`, :class:`MultiLabelAUCMLoss` and
their functions: (N, L) labels with −1 = unknown, one-vs-rest / one-vs-one), ``dataset``
(:class:`BalancedBatchDataset`), ``metric`` (:class:`StreamingAUC`). Argument checks shared
with the torch and JAX front ends live in :mod:`aucscape._frontend`.
"""

from __future__ import annotations

from aucscape._frontend import publish_classes
from aucscape.keras._ops import DEFAULT_BLOCK_SIZE, pairwise_auc_loss
from aucscape.keras.aucm import AUCMLoss, aucm_loss
from aucscape.keras.dataset import BalancedBatchDataset
from aucscape.keras.losses import (
    ExpAUCLoss,
    HingeAUCLoss,
    PairwiseAUCLoss,
    QuadAUCLoss,
    SigmoidAUCLoss,
    TanhAUCLoss,
    WeightedPairwiseRankingLoss,
)
from aucscape.keras.metric import StreamingAUC
from aucscape.keras.multilabel import (
    MultiClassAUCLoss,
    MultiLabelAUCLoss,
    MultiLabelAUCMLoss,
    multiclass_auc_loss,
    multilabel_auc_loss,
    multilabel_aucm_loss,
)

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "AUCMLoss",
    "BalancedBatchDataset",
    "ExpAUCLoss",
    "HingeAUCLoss",
    "MultiClassAUCLoss",
    "MultiLabelAUCLoss",
    "MultiLabelAUCMLoss",
    "PairwiseAUCLoss",
    "QuadAUCLoss",
    "SigmoidAUCLoss",
    "StreamingAUC",
    "TanhAUCLoss",
    "WeightedPairwiseRankingLoss",
    "aucm_loss",
    "multiclass_auc_loss",
    "multilabel_auc_loss",
    "multilabel_aucm_loss",
    "pairwise_auc_loss",
]

publish_classes(__name__, globals(), __all__)
