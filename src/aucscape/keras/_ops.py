"""The pairwise AUC risk in ``keras.ops``: :func:`pairwise_auc_loss` and its algorithms.

R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n), a_p = pos_weight·w_p, b_n = w_n (see the
package docstring of :mod:`aucscape.keras`). Three algorithms, none holding an N × N
matrix on an autodiff tape:

* sigmoid, tanh, logistic: a ``keras.ops.while_loop`` over blocks of rows of the smaller
  class on stop-gradient copies, returning the value and the gradient g = dR/ds together;
  the loss is ``stop_gradient(R) + Σ_i stop_gradient(g_i)·(s_i − stop_gradient(s_i))``;
* exp and quad: O(N) class sums (log-sum-exp; moments);
* hinge, squared_hinge: O(N log N), one argsort, ``searchsorted`` and suffix sums.

Each runs the kernel of the surrogate's ``KernelForm`` (:mod:`aucscape.surrogates`: tanh
is the sigmoid at 2β via ``blocked_terms``; a margin surrogate runs at m' = m/β with β^q
folded into a_p), the hinge kink by the spec's kink rule s_n > s_p − m/β. ``max_fpr = α``
keeps the ⌈α·N_N⌉ highest-scored negatives (a mask; ties at the boundary are broken by
the backend's sort). Exp is summed in log space; an overflowing value raises ValueError
when the value is known (eager calls), and is inf inside a compiled graph.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from aucscape._frontend import pairwise_args
from aucscape._validation import MARGIN_SCORE_RANGE, check_int, margin_centre
from aucscape.keras._inputs import is_concrete, prepare
from aucscape.surrogates import EXP, QUAD, SQUARED_HINGE, blocked_terms

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


def _sigmoid_family(bz: Any, code: int):
    """ℓ and ℓ'/β' as functions of β'z for a blocked kernel (the spec's ``blocked_terms``)."""
    value, slope = blocked_terms(code, -bz, ops.sigmoid, ops.softplus)
    return value, -slope


def _pair_sums_blocked(s, y, a, b, n_static, code, beta, block_size):
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
        ell, d_ell = _sigmoid_family(scale * (s_r[:, None] - ss[None, :]), code)
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


def _suffix_sum(x):
    """out[j] = Σ_{i ≥ j} x[i], with out[len(x)] = 0."""
    rev = ops.flip(ops.cumsum(ops.flip(x, axis=0)), axis=0)
    return ops.concatenate([rev, ops.zeros((1,), dtype=x.dtype)])


def _pair_sums_sorted(s, a, b, squared, margin):
    """Σ_p a_p Σ_{n: s_n > t_p} b_n h(s_n − t_p), t_p = s_p − m', h(x) = x or x².

    One sort of the whole batch (positives carry b = 0); ``searchsorted`` (right) finds the
    first score above t_p, so the active set is the spec's kink rule s_n > t_p. With suffix
    sums S_k(t) = Σ_{s_j > t} b_j s_j^k: hinge Σ a (S_1 − t S_0), squared hinge
    Σ a (S_2 − 2t S_1 + t² S_0).
    """
    order = ops.argsort(s)
    ss, bb = ops.take(s, order), ops.take(b, order)
    t = s - margin
    j = ops.searchsorted(ops.stop_gradient(ss), ops.stop_gradient(t), side="right")
    s0 = ops.take(_suffix_sum(bb), j)
    s1 = ops.take(_suffix_sum(bb * ss), j)
    if not squared:
        return ops.sum(a * (s1 - t * s0))
    s2 = ops.take(_suffix_sum(bb * ss * ss), j)
    return ops.sum(a * (s2 - 2.0 * t * s1 + t * t * s0))


def _concrete(x: Any) -> float | None:
    """The value of a scalar tensor when it is known now (eager), else None."""
    return float(ops.convert_to_numpy(x)) if is_concrete(x) else None


def _pair_sums_factorised(s, a, b, code, beta, margin):
    """O(N) class sums: exp via log-sum-exp, quad via moments of u_p = m − s_p and s_n."""
    if code == EXP:
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
    return check_int(block_size, "block_size", minimum=1)


def pairwise_auc_loss(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    *,
    surrogate: str = "sigmoid",
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    reduction: str = "mean",
    block_size: int = DEFAULT_BLOCK_SIZE,
    max_fpr: float | None = None,
) -> Any:
    """R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) as a scalar backend tensor (see module doc).

    Functional form of :class:`PairwiseAUCLoss` for custom training loops. ``y_true``:
    0/1 labels, ``y_pred``: scores (or logits with ``from_logits=True``), both of shape
    (N,) or (N, 1); ``sample_weight``: optional (N,) non-negative weights; ``reduction``:
    "sum" (Z = 1) or one of the mean reductions (Z = Σ_p w_p · Σ_n w_n); ``beta``,
    ``margin`` of None: the surrogate's defaults; ``max_fpr``: None or α in (0, 1], the
    partial AUC over the ⌈α·N_N⌉ highest-scored negatives.
    """
    args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, KERAS_REDUCTIONS,
                         max_fpr=max_fpr, from_logits=bool(from_logits))
    return pairwise_risk(args, y_true, y_pred, sample_weight, from_logits=from_logits,
                         block_size=check_block_size(block_size))


def _core_pair_sums(s, y, a, b, code, beta):
    """(Σ a_p b_n ℓ, its gradient in s) by the NumPy core's compiled kernel on the torch
    backend (Keras tensors are eager torch tensors there), as ``aucscape.torch`` does;
    None on other backends, or where that kernel does not apply (then the ``keras.ops``
    loop above runs)."""
    if keras.backend.backend() != "torch":
        return None
    from aucscape.torch._pairwise import core_pair_sums

    pos = y > 0.5
    res = core_pair_sums(code, s[pos], s[~pos], a[pos], b[~pos], beta)
    if res is None:
        return None
    value, g_pos, g_neg = res
    grad = ops.zeros_like(s)
    grad[pos] = g_pos.to(s.device)
    grad[~pos] = g_neg.to(s.device)
    return value.to(s.device), grad


def _select_top_negatives(s, y, w, alpha):
    """w with every negative outside the ⌈α·N_N⌉ highest-scored live ones set to 0."""
    live = ops.logical_and(y < 0.5, w > 0)
    count = ops.sum(ops.cast(live, "float32"))
    k = ops.maximum(1.0, ops.ceil(alpha * count * (1.0 - 1e-12)))
    key = ops.where(live, -ops.stop_gradient(s), ops.full_like(s, float("inf")))
    rank = ops.argsort(ops.argsort(key))
    keep = ops.logical_or(y > 0.5, ops.logical_and(live, ops.cast(rank, "float32") < k))
    return ops.where(keep, w, ops.zeros_like(w))


def pairwise_risk(args: Any, y_true: Any, y_pred: Any, sample_weight: Any, *,
                  from_logits: bool, block_size: int) -> Any:
    """:func:`pairwise_auc_loss` for an already checked configuration ``args``."""
    s, y, w = prepare(y_true, y_pred, sample_weight, from_logits)
    if args.max_fpr is not None:
        w = _select_top_negatives(s, y, w, args.max_fpr)
    form = args.form
    a = args.pos_weight * w * y
    b = w * (1.0 - y)
    if args.reduction == "sum":
        z_norm = ops.cast(ops.logical_and(ops.any(a > 0), ops.any(b > 0)), s.dtype)
    else:
        z_norm = ops.sum(w * y) * ops.sum(b)
    valid = z_norm > 0
    safe_z = ops.where(valid, z_norm, 1.0)
    if form.margin_gap:  # huge scores: centred, or refused (margin_centre) when eager
        lo, hi = ops.min(s), ops.max(s)
        known_lo, known_hi = _concrete(lo), _concrete(hi)
        if known_lo is not None and known_hi is not None:
            c = margin_centre(known_lo, known_hi, form.margin_gap)
            s = s - c if c else s
        else:  # traced: centre (only) huge scores; a graph cannot raise on values
            big = ops.maximum(-lo, hi) > form.margin_gap * MARGIN_SCORE_RANGE
            s = s - ops.stop_gradient(ops.where(big, 0.5 * lo + 0.5 * hi, 0.0))
    if args.family == "blocked":
        s_const = ops.stop_gradient(s)
        s_kern = s_const - form.shift * y if form.shift else s_const  # smooth hinge
        core = _core_pair_sums(s_kern, y, a, b, form.code, form.beta)
        total, grad = core if core is not None else _pair_sums_blocked(
            s_kern, y, a, b, s.shape[0], form.code, form.beta, block_size
        )
        value = ops.where(valid, total / safe_z, 0.0)
        grad = ops.where(valid, grad / safe_z, 0.0)
        return ops.stop_gradient(value) + ops.sum(ops.stop_gradient(grad) * (s - s_const))
    if form.code == EXP:
        log_r = _pair_sums_factorised(s, a, b, EXP, form.beta, form.margin) - ops.log(safe_z)
        known = _concrete(ops.where(valid, log_r, 0.0))
        top = math.log(float(np.finfo(keras.backend.standardize_dtype(s.dtype)).max))
        if known is not None and not known < top:
            raise ValueError(
                f"the exp surrogate overflows {s.dtype} here: log R = {known:.6g} "
                f"(beta={form.beta:g}); lower beta or bring the scores closer together, "
                "or use logistic"
            )
        return ops.where(valid, ops.exp(log_r), 0.0)
    a = a * form.outer
    if form.code == QUAD:
        total = _pair_sums_factorised(s, a, b, QUAD, form.beta, form.margin)
    else:
        total = _pair_sums_sorted(s, a, b, form.code == SQUARED_HINGE, form.margin)
    return ops.where(valid, total / safe_z, 0.0)
