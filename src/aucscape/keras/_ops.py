"""The pairwise AUC risk in ``keras.ops``: :func:`pairwise_auc_loss` and its algorithms.

R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n), a_p = pos_weight·w_p, b_n = w_n (see the
package docstring of :mod:`aucscape.keras`). Three algorithms, none holding an N × N
matrix on an autodiff tape:

* sigmoid, tanh, logistic: a ``keras.ops.while_loop`` over blocks of rows of the smaller
  class on stop-gradient copies, returning the value and the gradient g = dR/ds together;
  the loss is ``stop_gradient(R) + Σ_i stop_gradient(g_i)·(s_i − stop_gradient(s_i))``;
* exp and quad: O(N) class sums (log-sum-exp; moments);
* hinge, squared_hinge: O(N log N), one argsort plus prefix sums.
"""

from __future__ import annotations

from typing import Any

from keras import ops

from aucscape._frontend import DEFAULT_BETA, DEFAULT_MARGIN, pairwise_args
from aucscape.keras._inputs import prepare

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "KERAS_REDUCTIONS",
    "MEAN_REDUCTIONS",
    "check_block_size",
    "pairwise_auc_loss",
]

#: Keras reductions that divide by Z = Σ_p w_p · Σ_n w_n; "sum" takes Z = 1.
MEAN_REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight")
KERAS_REDUCTIONS = (*MEAN_REDUCTIONS, "sum")
#: Default number of pair terms evaluated per block by the sigmoid/tanh/logistic loop.
DEFAULT_BLOCK_SIZE = 2**20
# Rows per block when the batch size is unknown at trace time (TensorFlow graphs).
_ROWS_DYNAMIC = 128
# Stands in for log(0) in the log-sum-exp of the exp surrogate (finite: no inf − inf).
_LOG_ZERO = -1e30


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


def check_block_size(block_size: int) -> int:
    """Return ``block_size`` (pair terms per block) as an int ≥ 1, else ValueError."""
    if isinstance(block_size, bool) or int(block_size) != block_size or block_size < 1:
        raise ValueError(f"block_size must be an integer >= 1, got {block_size!r}")
    return int(block_size)


def pairwise_auc_loss(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    *,
    surrogate: str = "sigmoid",
    beta: float = DEFAULT_BETA,
    margin: float = DEFAULT_MARGIN,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    reduction: str = "mean",
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> Any:
    """R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) as a scalar backend tensor (see module doc).

    Functional form of :class:`PairwiseAUCLoss` for custom training loops. ``y_true``:
    0/1 labels, ``y_pred``: scores (or logits with ``from_logits=True``), both of shape
    (N,) or (N, 1); ``sample_weight``: optional (N,) non-negative weights; ``reduction``:
    "sum" (Z = 1) or one of the mean reductions (Z = Σ_p w_p · Σ_n w_n).
    """
    args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, KERAS_REDUCTIONS)
    block_size = check_block_size(block_size)
    s, y, w = prepare(y_true, y_pred, sample_weight, from_logits)
    a = args.pos_weight * w * y
    b = w * (1.0 - y)
    if args.reduction == "sum":
        z_norm = ops.cast(ops.logical_and(ops.any(a > 0), ops.any(b > 0)), s.dtype)
    else:
        z_norm = ops.sum(w * y) * ops.sum(b)
    valid = z_norm > 0
    safe_z = ops.where(valid, z_norm, 1.0)
    if args.family == "blocked":
        s_const = ops.stop_gradient(s)
        total, grad = _pair_sums_blocked(
            s_const, y, a, b, s.shape[0], args.surrogate, args.beta, block_size
        )
        value = ops.where(valid, total / safe_z, 0.0)
        grad = ops.where(valid, grad / safe_z, 0.0)
        return ops.stop_gradient(value) + ops.sum(ops.stop_gradient(grad) * (s - s_const))
    if args.surrogate == "exp":
        lse = _pair_sums_factorised(s, a, b, args.surrogate, args.beta, args.margin)
        return ops.where(valid, ops.exp(lse - ops.log(safe_z)), 0.0)
    if args.surrogate == "quad":
        total = _pair_sums_factorised(s, a, b, args.surrogate, args.beta, args.margin)
    else:
        total = _pair_sums_sorted(s, y, a, b, args.surrogate, args.margin)
    return ops.where(valid, total / safe_z, 0.0)
