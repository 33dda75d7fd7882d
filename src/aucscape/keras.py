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
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops
from numpy.typing import ArrayLike

from aucscape._validation import check_labels, check_nonnegative
from aucscape.sampling import BalancedBatchPlan

__all__ = [
    "BalancedBatchDataset",
    "ExpAUCLoss",
    "HingeAUCLoss",
    "PairwiseAUCLoss",
    "QuadAUCLoss",
    "SigmoidAUCLoss",
    "TanhAUCLoss",
    "WeightedPairwiseRankingLoss",
    "pairwise_auc_loss",
]

SURROGATE_NAMES = ("sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad", "logistic")
_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight")
_REDUCTIONS = (*_MEAN_REDUCTIONS, "sum")
#: Default number of pair terms evaluated per block by the sigmoid/tanh/logistic loop.
DEFAULT_BLOCK_SIZE = 2**20
# Rows per block when the batch size is unknown at trace time (TensorFlow graphs).
_ROWS_DYNAMIC = 128
# Stands in for log(0) in the log-sum-exp of the exp surrogate (finite: no inf − inf).
_LOG_ZERO = -1e30


# --------------------------------------------------------------------------- validation
def _is_concrete(x: Any) -> bool:
    """True when ``x`` holds values now (eager), False inside a trace or compilation."""
    if isinstance(x, keras.KerasTensor):
        return False
    name = keras.backend.backend()
    try:
        if name == "jax":
            import jax

            return not isinstance(x, jax.core.Tracer)
        if name == "tensorflow":
            import tensorflow as tf

            return tf.executing_eagerly()
        if name == "torch":
            import torch

            return not torch.compiler.is_compiling()
    except (ImportError, AttributeError):  # pragma: no cover - exotic backend versions
        return False
    return False


def _flat_size(shape: tuple, name: str) -> int | None:
    """Static length of a score/label tensor of shape (N,) or (N, 1); None if unknown."""
    if len(shape) > 2 or (len(shape) == 2 and shape[1] not in (1, None)):
        raise ValueError(f"{name} must have shape (batch,) or (batch, 1), got {tuple(shape)}")
    if len(shape) == 0:
        raise ValueError(f"{name} must have shape (batch,) or (batch, 1), got a scalar")
    return shape[0]


def _get_keras_mask(x: Any) -> Any:
    """The Keras mask attached to ``x`` (as Keras' own ``Loss.__call__`` reads it) or None."""
    try:
        from keras.src.backend import get_keras_mask
    except ImportError:  # pragma: no cover - if Keras moves its private helper
        return getattr(x, "_keras_mask", None)
    return get_keras_mask(x)


def _compute_dtype(dtype: Any) -> str:
    return "float64" if keras.backend.standardize_dtype(dtype) == "float64" else "float32"


def _check_surrogate(surrogate: str) -> str:
    if surrogate not in SURROGATE_NAMES:
        raise ValueError(
            f"unknown surrogate {surrogate!r}; known: {', '.join(SURROGATE_NAMES)}"
        )
    return surrogate


def _check_reduction(reduction: str | None) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"reduction must be one of {_REDUCTIONS} for a pairwise loss (it has no "
            f"per-sample value), got {reduction!r}"
        )
    return reduction


def _prepare(y_true: Any, y_pred: Any, sample_weight: Any, from_logits: bool):
    """Flat scores s, labels y and weights w in the compute dtype, checked."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    dtype = _compute_dtype(y_pred.dtype)
    n_pred = _flat_size(tuple(y_pred.shape), "y_pred")
    n_true = _flat_size(tuple(y_true.shape), "y_true")
    if n_pred is not None and n_true is not None and n_pred != n_true:
        raise ValueError(f"y_pred has {n_pred} entries but y_true has {n_true}")
    s = ops.reshape(ops.cast(y_pred, dtype), (-1,))
    if from_logits:
        s = ops.sigmoid(s)
    y = ops.reshape(ops.cast(y_true, dtype), (-1,))
    if sample_weight is None:
        w = ops.ones_like(s)
    else:
        sw = ops.convert_to_tensor(sample_weight)
        n_w = _flat_size(tuple(sw.shape), "sample_weight")
        if n_w is not None and n_pred is not None and n_w != n_pred:
            raise ValueError(f"sample_weight has {n_w} entries but y_pred has {n_pred}")
        w = ops.reshape(ops.cast(sw, dtype), (-1,))
    if _is_concrete(y) and _is_concrete(w):
        bad = ops.convert_to_numpy(ops.logical_and(ops.not_equal(y, 0), ops.not_equal(y, 1)))
        if np.any(bad):
            vals = np.unique(ops.convert_to_numpy(y)[bad])[:5]
            raise ValueError(f"y_true must hold only 0/1 labels; found {vals.tolist()}")
        w_np = ops.convert_to_numpy(w)
        if not np.all(np.isfinite(w_np)) or np.any(w_np < 0):
            raise ValueError("sample_weight must be finite and non-negative")
    return s, y, w


# --------------------------------------------------------------------------- algorithms
def _sigmoid_family(bz: Any, surrogate: str):
    """ℓ and ℓ'/β as functions of βz, for the sigmoid, tanh and logistic surrogates.

    sigmoid: ℓ = σ(−βz), ℓ'/β = −σ(−βz)(1 − σ(−βz)); logistic: ℓ = softplus(−βz),
    ℓ'/β = −σ(−βz). tanh is the sigmoid at 2β, since (1 − tanh βz)/2 = σ(−2βz); the caller
    doubles β. Few elementwise passes on purpose: this is the inner loop.
    """
    q = ops.sigmoid(-bz)
    if surrogate == "logistic":
        return ops.softplus(-bz), -q
    return q, q * (q - 1.0)


def _pair_sums_blocked(s, y, a, b, n_static, surrogate, beta, block_size):
    """Σ a_p b_n ℓ(s_p − s_n) and its gradient g (N,), looping over blocks of rows.

    Rows are the smaller class (K members, moved to the front by one argsort); each pass of
    the while loop evaluates a (rows × N) block, adds its value, writes the rows' gradient
    and accumulates the columns' gradient. With sign σ = +1 when rows are positives and −1
    otherwise, a row r and column j contribute wr_r wc_j ℓ(σ(s_r − s_j)). ``rows`` is
    ``block_size // N`` (at most ⌈N/2⌉) when N is static, else 128.
    """
    n = ops.shape(s)[0]
    y_int = ops.cast(y, "int32")
    n_pos = ops.sum(y_int)
    n_neg = n - n_pos
    flip = n_pos > n_neg  # rows = negatives when they are the smaller class
    if surrogate == "tanh":
        beta = 2.0 * beta
    scale = ops.cast(ops.where(flip, -beta, beta), s.dtype)  # σβ: βz = σβ·(s_r − s_j)
    row_key = ops.where(flip, 1 - y_int, y_int)
    perm = ops.argsort(-row_key)
    wr = ops.take(ops.where(flip, b, a), perm)
    wc = ops.take(ops.where(flip, a, b), perm)
    ss = ops.take(s, perm)
    if n_static is None:
        rows = _ROWS_DYNAMIC
    else:
        rows = max(1, min(block_size // max(n_static, 1), (n_static + 1) // 2))
    k = ops.minimum(n_pos, n_neg)
    n_iter = (k + rows - 1) // rows
    pad = ops.zeros((rows,), dtype=s.dtype)
    s_pad = ops.concatenate([ss, pad])
    wr_pad = ops.concatenate([wr, pad])

    def cond(i, val, g_rows, g_cols):
        return i < n_iter

    def body(i, val, g_rows, g_cols):
        start = i * rows
        s_r = ops.slice(s_pad, [start], [rows])
        w_r = ops.slice(wr_pad, [start], [rows])
        ell, d_ell = _sigmoid_family(scale * (s_r[:, None] - ss[None, :]), surrogate)
        val = val + ops.sum(w_r * ops.matmul(ell, wc))
        g_rows = ops.slice_update(g_rows, [start], scale * w_r * ops.matmul(d_ell, wc))
        g_cols = g_cols - scale * wc * ops.matmul(w_r, d_ell)
        return i + 1, val, g_rows, g_cols

    init = (
        ops.convert_to_tensor(0, "int32"),
        ops.convert_to_tensor(0.0, s.dtype),
        ops.zeros_like(s_pad),
        ops.zeros_like(ss),
    )
    _, total, g_rows, g_cols = ops.while_loop(cond, body, init)
    g_sorted = g_rows[:-rows] + g_cols
    return total, ops.take(g_sorted, ops.argsort(perm))


def _pair_sums_sorted(s, y, a, b, surrogate, margin):
    """Σ a_p b_n h(m − s_p + s_n)₊ for hinge (h = id) or squared hinge (h = square).

    Keys k_i = s_i − m·y_i: a pair (p, n) is active (m − s_p + s_n > 0) iff k_n > k_p. After
    sorting by descending key, the negatives ahead of positive p are its active partners;
    since b = 0 at positives, inclusive prefix sums of b, b·s, b·s² at p sum over them.
    """
    order = ops.argsort(margin * y - s)
    ss, aa, bb = ops.take(s, order), ops.take(a, order), ops.take(b, order)
    c0 = ops.cumsum(bb)
    c1 = ops.cumsum(bb * ss)
    u = margin - ss
    if surrogate == "hinge":
        return ops.sum(aa * (u * c0 + c1))
    c2 = ops.cumsum(bb * ss * ss)
    return ops.sum(aa * (u * u * c0 + 2.0 * u * c1 + c2))


def _pair_sums_factorised(s, a, b, surrogate, beta, margin):
    """O(N) class sums: exp via log-sum-exp, quad via moments of u_p = m − s_p and s_n."""
    if surrogate == "exp":
        log_a = ops.where(a > 0, ops.log(ops.where(a > 0, a, 1.0)), _LOG_ZERO)
        log_b = ops.where(b > 0, ops.log(ops.where(b > 0, b, 1.0)), _LOG_ZERO)
        lse = ops.logsumexp(log_a - beta * s) + ops.logsumexp(log_b + beta * s)
        return lse  # caller exponentiates after dividing by Z (in log space)
    u = margin - s
    sum_a, sum_b = ops.sum(a), ops.sum(b)
    return (sum_b * ops.sum(a * u * u) + 2.0 * ops.sum(a * u) * ops.sum(b * s)
            + sum_a * ops.sum(b * s * s))


def pairwise_auc_loss(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    *,
    surrogate: str = "sigmoid",
    beta: float = 40.0,
    margin: float = 1.0,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    reduction: str = "mean",
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> Any:
    """R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) as a scalar backend tensor (see module doc).

    Functional form of :class:`PairwiseAUCLoss` for custom training loops. ``y_true``:
    0/1 labels, ``y_pred``: scores (or logits with ``from_logits=True``), both of shape
    (N,) or (N, 1); ``sample_weight``: optional (N,) non-negative weights.
    """
    _check_surrogate(surrogate)
    _check_reduction(reduction)
    s, y, w = _prepare(y_true, y_pred, sample_weight, from_logits)
    a = pos_weight * w * y
    b = w * (1.0 - y)
    if reduction == "sum":
        z_norm = ops.cast(ops.logical_and(ops.any(a > 0), ops.any(b > 0)), s.dtype)
    else:
        z_norm = ops.sum(w * y) * ops.sum(b)
    valid = z_norm > 0
    safe_z = ops.where(valid, z_norm, 1.0)
    if surrogate in ("sigmoid", "tanh", "logistic"):
        s_const = ops.stop_gradient(s)
        total, grad = _pair_sums_blocked(
            s_const, y, a, b, s.shape[0], surrogate, float(beta), int(block_size)
        )
        value = ops.where(valid, total / safe_z, 0.0)
        grad = ops.where(valid, grad / safe_z, 0.0)
        return ops.stop_gradient(value) + ops.sum(ops.stop_gradient(grad) * (s - s_const))
    if surrogate == "exp":
        lse = _pair_sums_factorised(s, a, b, surrogate, float(beta), float(margin))
        return ops.where(valid, ops.exp(lse - ops.log(safe_z)), 0.0)
    if surrogate == "quad":
        total = _pair_sums_factorised(s, a, b, surrogate, float(beta), float(margin))
    else:
        total = _pair_sums_sorted(s, y, a, b, surrogate, float(margin))
    return ops.where(valid, total / safe_z, 0.0)


# --------------------------------------------------------------------------- loss classes
@keras.saving.register_keras_serializable(package="aucscape")
class PairwiseAUCLoss(keras.losses.Loss):
    """Pairwise AUC surrogate risk R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) (module doc).

    Parameters
    ----------
    surrogate : one of "sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad",
        "logistic" (ℓ minimised; z = s_p − s_n).
    beta : steepness β ≥ 0 of sigmoid, tanh, exp and logistic (40 recommended for
        probabilities in [0, 1]).
    margin : m ≥ 0 of hinge, squared_hinge and quad.
    pos_weight : multiplier of every positive's weight a_p = pos_weight·w_p.
    from_logits : if True, scores are s = σ(y_pred).
    block_size : pair terms per block of the sigmoid/tanh/logistic loop (memory knob).
    reduction : "sum_over_batch_size" (default), "mean" or "mean_with_sample_weight" divide
        by Z = Σ_p w_p·Σ_n w_n; "sum" uses Z = 1.
    """

    def __init__(
        self,
        surrogate: str = "sigmoid",
        beta: float = 40.0,
        margin: float = 1.0,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        block_size: int = DEFAULT_BLOCK_SIZE,
        reduction: str = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        self.surrogate = _check_surrogate(surrogate)
        self.beta = check_nonnegative(beta, "beta")
        self.margin = check_nonnegative(margin, "margin")
        self.pos_weight = check_nonnegative(pos_weight, "pos_weight")
        self.from_logits = bool(from_logits)
        if isinstance(block_size, bool) or int(block_size) != block_size or block_size < 1:
            raise ValueError(f"block_size must be an integer >= 1, got {block_size!r}")
        self.block_size = int(block_size)
        super().__init__(
            name=name or f"{surrogate}_auc_loss", reduction=_check_reduction(reduction),
            dtype=dtype,
        )

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The risk with ``sample_weight`` (times any Keras mask) folded into a_p, b_n."""
        mask = _get_keras_mask(y_pred)
        if mask is not None:
            mask = ops.cast(ops.reshape(mask, (-1,)), "float32")
            sample_weight = mask if sample_weight is None else (
                mask * ops.cast(ops.reshape(sample_weight, (-1,)), "float32")
            )
        with keras.name_scope(self.name):
            loss = self.call(y_true, y_pred, sample_weight)
            return ops.cast(loss, self.dtype)

    def call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The scalar risk (Keras' per-sample reduction is bypassed; see ``__call__``)."""
        return pairwise_auc_loss(
            y_true, y_pred, sample_weight,
            surrogate=self.surrogate, beta=self.beta, margin=self.margin,
            pos_weight=self.pos_weight, from_logits=self.from_logits,
            reduction="sum" if self.reduction == "sum" else "mean",
            block_size=self.block_size,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            surrogate=self.surrogate, beta=self.beta, margin=self.margin,
            pos_weight=self.pos_weight, from_logits=self.from_logits,
            block_size=self.block_size,
        )
        return config


class _FixedSurrogateLoss(PairwiseAUCLoss):
    """A :class:`PairwiseAUCLoss` with its surrogate fixed by the class."""

    _surrogate = "sigmoid"
    _unused: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        given = kwargs.pop("surrogate", self._surrogate)
        if given != self._surrogate:
            raise ValueError(f"{type(self).__name__} uses surrogate {self._surrogate!r}")
        kwargs.setdefault("name", f"{self._surrogate}_auc_loss")
        super().__init__(surrogate=self._surrogate, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("surrogate", *self._unused):
            config.pop(key)
        return config


@keras.saving.register_keras_serializable(package="aucscape")
class SigmoidAUCLoss(_FixedSurrogateLoss):
    """Sigmoid AUC loss ℓ(z) = σ(−βz) = 1 − σ(βz): the smooth AUC (β = 40 recommended)."""

    _surrogate = "sigmoid"
    _unused = ("margin",)

    def __init__(self, beta: float = 40.0, *, pos_weight: float = 1.0,
                 from_logits: bool = False, **kwargs: Any) -> None:
        super().__init__(beta=beta, pos_weight=pos_weight, from_logits=from_logits, **kwargs)


@keras.saving.register_keras_serializable(package="aucscape")
class TanhAUCLoss(_FixedSurrogateLoss):
    """Tanh AUC loss ℓ(z) = (1 − tanh βz)/2 = σ(−2βz)."""

    _surrogate = "tanh"
    _unused = ("margin",)

    def __init__(self, beta: float = 40.0, *, pos_weight: float = 1.0,
                 from_logits: bool = False, **kwargs: Any) -> None:
        super().__init__(beta=beta, pos_weight=pos_weight, from_logits=from_logits, **kwargs)


@keras.saving.register_keras_serializable(package="aucscape")
class HingeAUCLoss(_FixedSurrogateLoss):
    """Pairwise hinge ℓ(z) = max(0, m − z) (not AUC-consistent), O(N log N)."""

    _surrogate = "hinge"
    _unused = ("beta", "block_size")

    def __init__(self, margin: float = 1.0, *, pos_weight: float = 1.0,
                 from_logits: bool = False, **kwargs: Any) -> None:
        super().__init__(margin=margin, pos_weight=pos_weight, from_logits=from_logits,
                         **kwargs)


@keras.saving.register_keras_serializable(package="aucscape")
class WeightedPairwiseRankingLoss(_FixedSurrogateLoss):
    """Weighted pairwise ranking: the pairwise hinge max(0, m − z) with a_p = pos_weight·w_p.

    With the mean reduction ``pos_weight`` multiplies the whole risk (Z counts unweighted
    pairs, as in :func:`aucscape.pairwise.pairwise_loss`); with ``reduction="sum"`` it is
    the classic up-weighting of the rare class's pairs.
    """

    _surrogate = "hinge"
    _unused = ("beta", "block_size")

    def __init__(self, pos_weight: float = 1.0, margin: float = 1.0, *,
                 from_logits: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("name", "weighted_pairwise_ranking_loss")
        super().__init__(margin=margin, pos_weight=pos_weight, from_logits=from_logits,
                         **kwargs)


@keras.saving.register_keras_serializable(package="aucscape")
class ExpAUCLoss(_FixedSurrogateLoss):
    """Exponential AUC loss ℓ(z) = exp(−βz), O(N) by log-sum-exp of the class sums."""

    _surrogate = "exp"
    _unused = ("margin", "block_size")

    def __init__(self, beta: float = 40.0, *, pos_weight: float = 1.0,
                 from_logits: bool = False, **kwargs: Any) -> None:
        super().__init__(beta=beta, pos_weight=pos_weight, from_logits=from_logits, **kwargs)


@keras.saving.register_keras_serializable(package="aucscape")
class QuadAUCLoss(_FixedSurrogateLoss):
    """Quadratic AUC loss ℓ(z) = (m − z)², O(N) by class moments."""

    _surrogate = "quad"
    _unused = ("beta", "block_size")

    def __init__(self, margin: float = 1.0, *, pos_weight: float = 1.0,
                 from_logits: bool = False, **kwargs: Any) -> None:
        super().__init__(margin=margin, pos_weight=pos_weight, from_logits=from_logits,
                         **kwargs)


# --------------------------------------------------------------------------- data
class BalancedBatchDataset(keras.utils.PyDataset):
    """Batches for ``model.fit`` with at least k positives each; every sample each epoch.

    Wraps :class:`aucscape.sampling.BalancedBatchPlan`: batch i of epoch e is
    ``plan.epoch(e)[i]``, a pure function of ``(seed, e)``; ``on_epoch_end`` advances e.
    Use ``drop_last=True`` for equal-size batches (no retracing of compiled steps; short
    batches are topped up with re-used positives, nothing is dropped).

    Parameters
    ----------
    x : array (n, ...) of features; y : 0/1 labels (n,);
    sample_weight : optional (n,) weights, yielded as the third element of each batch.
    batch_size, min_positives, positive_fraction, seed, drop_last : see
        :class:`aucscape.sampling.BalancedBatchPlan`.
    **kwargs : ``workers``, ``use_multiprocessing``, ``max_queue_size`` of ``PyDataset``.
    """

    def __init__(
        self,
        x: ArrayLike,
        y: ArrayLike,
        batch_size: int = 256,
        *,
        sample_weight: ArrayLike | None = None,
        min_positives: int | None = None,
        positive_fraction: float | None = None,
        seed: int = 0,
        drop_last: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.x = np.asarray(x)
        labels = check_labels(y, "y")
        if self.x.shape[0] != labels.shape[0]:
            raise ValueError(f"x has {self.x.shape[0]} rows but y has {labels.shape[0]} labels")
        self.y = labels.astype(np.float32)
        self.sample_weight = None
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
            if sw.shape != self.y.shape:
                raise ValueError(
                    f"sample_weight must have shape ({self.y.size},), got {np.shape(sample_weight)}"
                )
            self.sample_weight = sw
        self.plan = BalancedBatchPlan(
            labels, batch_size, min_positives=min_positives,
            positive_fraction=positive_fraction, seed=seed, drop_last=drop_last,
        )
        self.epoch = 0
        self._batches = self.plan.epoch(0)

    @property
    def num_batches(self) -> int:
        return len(self.plan)

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self.plan):
            raise IndexError(f"batch index {index} out of range [0, {len(self.plan)})")
        idx = self._batches[index]
        if self.sample_weight is None:
            return self.x[idx], self.y[idx]
        return self.x[idx], self.y[idx], self.sample_weight[idx]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._batches = self.plan.epoch(self.epoch)

