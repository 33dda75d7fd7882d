"""JAX front end: pure, jit- and grad-friendly pairwise AUC and focal losses.

The pairwise risk is the one of ``aucscape.pairwise``:

    R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n),   a_p = pos_weight · w_p,   b_n = w_n,

with w = sample_weight · mask (ones by default), Z = Σ_p w_p · Σ_n w_n for
``reduction="mean"`` and Z = 1 for ``"sum"``. ``from_logits=False`` (default) uses
``y_pred`` as the scores s; ``from_logits=True`` takes s = σ(y_pred).

Every array keeps its shape (Rax style): classes and padding are weights and masks, never
boolean indexing, so the functions trace once per input shape under ``jax.jit`` and
differentiate with ``jax.grad``. Configuration (surrogate, beta, margin, pos_weight,
from_logits, reduction) must be static Python values. Algorithms:

* blocked (sigmoid, tanh, logistic): a ``jax.custom_vjp`` whose forward pass walks fixed
  blocks of rows (the positives, gathered to the front) with ``lax.while_loop`` and
  computes the value and both gradient marginals at once; memory O(block · N), work
  O(NP · N) (columns span the whole batch, non-negatives with weight 0). On the CPU
  backend with numba installed, sigmoid and tanh instead call the core's compiled
  ``aucscape.pairwise.kernels.pair_sums`` through ``jax.pure_callback`` (float64 on the
  host, fixed shapes, so it works under ``jit``; not under transformations that need the
  loss's own second derivatives, which the custom rule never gave);
* factorised: exp by masked log-sum-exp of class sums, quad by class means and variances;
* sorted (hinge, squared_hinge): one sort of the batch, suffix sums and ``searchsorted``.

Each runs the kernel of the surrogate's ``KernelForm`` (:mod:`aucscape.surrogates`: tanh
is the sigmoid at 2β, a margin surrogate runs at m' = m/β with β^q folded into a), the
hinge kink by the spec's kink rule s_n > s_p − m/β. ``max_fpr = α``: partial AUC over the
⌈α·N_N⌉ highest-scored negatives, selected by a mask (fixed shapes, jit-friendly).
Exp is summed in log space; an overflowing value raises ValueError in eager calls (under
``jit`` the value is not known and inf is returned).

Sums run in float32 or better (float16/bfloat16 inputs are upcast). A batch with one
class only gives 0 and zero gradients, without NaN. Shape problems raise ValueError at
trace time; label and weight *values* are checked when they are concrete (eager calls),
not under ``jit``. Importing this module imports ``jax``; ``import aucscape`` does not.
Gradients with respect to ``sample_weight`` and ``mask`` are not provided (zero).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from aucscape._frontend import (
    DEFAULT_ALPHA,
    DEFAULT_GAMMA,
    check_probability_values,
    focal_args,
    pairwise_args,
)
from aucscape._jax_aucm import aucm_loss
from aucscape._jax_inputs import _concrete, _prepare
from aucscape._jax_multilabel import (
    multiclass_auc_loss,
    multilabel_auc_loss,
    multilabel_aucm_loss,
)
from aucscape._validation import MARGIN_SCORE_RANGE, margin_centre
from aucscape.focal import EPS
from aucscape.surrogates import EXP, QUAD, SIGMOID, SQUARED_HINGE, blocked_terms

__all__ = ["aucm_loss", "focal_loss", "multiclass_auc_loss", "multilabel_auc_loss",
           "multilabel_aucm_loss", "pairwise_auc_loss"]

#: Elements of one block of the pair matrix (rows · N) in the blocked sums.
BLOCK_ELEMENTS = 1 << 21

Array = jax.Array


# ------------------------------------------------------------------ blocked family
def _value_d1(code: int, z: Array, beta: float) -> tuple[Array, Array]:
    """ℓ(z), ℓ'(z) of a blocked kernel at β' (the spec's ``blocked_terms``)."""
    value, slope = blocked_terms(code, -beta * z, jax.nn.sigmoid, jax.nn.softplus)
    return value, (-beta) * slope


def _blocked_value_grad(
    s: Array, a: Array, b: Array, code: int, beta: float
) -> tuple[Array, Array]:
    """S = Σ_i Σ_j a_i b_j ℓ(s_i − s_j) and dS/ds, one pass over row blocks.

    dS/ds_i = a_i Σ_j b_j ℓ'(z_ij) − b_i Σ_j a_j ℓ'(z_ji). Rows with a_i > 0 are gathered
    to the front (stable argsort) and the loop stops after ⌈#(a > 0)/rows⌉ blocks.
    """
    n = s.shape[0]
    rows = max(1, min(n, BLOCK_ELEMENTS // max(1, n)))
    n_pad = math.ceil(n / rows) * rows
    order = jnp.argsort(a <= 0)  # positives (a > 0) first, stable
    s_rows = jnp.zeros(n_pad, s.dtype).at[:n].set(s[order])
    a_rows = jnp.zeros(n_pad, s.dtype).at[:n].set(a[order])
    n_blocks = (jnp.sum(a > 0) + rows - 1) // rows

    def body(carry):
        i, total, g_rows, col = carry
        start = i * rows
        s_blk = lax.dynamic_slice(s_rows, (start,), (rows,))
        a_blk = lax.dynamic_slice(a_rows, (start,), (rows,))
        value, d1 = _value_d1(code, s_blk[:, None] - s[None, :], beta)
        total = total + a_blk @ (value @ b)
        g_rows = lax.dynamic_update_slice(g_rows, a_blk * (d1 @ b), (start,))
        return i + 1, total, g_rows, col + a_blk @ d1

    init = (jnp.zeros((), jnp.int32), jnp.zeros((), s.dtype), jnp.zeros(n_pad, s.dtype),
            jnp.zeros(n, s.dtype))  # fmt: skip
    _, total, g_rows, col = lax.while_loop(lambda c: c[0] < n_blocks, body, init)
    grad = jnp.zeros(n, s.dtype).at[order].set(g_rows[:n]) - b * col
    return total, grad


def _core_value_grad_host(s, a, b, code: int, beta: float):
    """Host side of :func:`_core_value_grad`: the core's compiled ``pair_sums``."""
    from aucscape.pairwise.kernels import pair_sums  # lazy: numba compiles on first use

    s64, a64, b64 = (np.asarray(x, dtype=np.float64) for x in (s, a, b))
    pos, neg = a64 > 0, b64 > 0
    grad = np.zeros(s64.shape[0])
    value = 0.0
    if pos.any() and neg.any():
        value, g_pos, g_neg = pair_sums(code, s64[pos], s64[neg], a64[pos], b64[neg], beta,
                                        0.0)
        grad[pos] += g_pos
        grad[neg] += g_neg
    return np.asarray(value, dtype=s.dtype), grad.astype(s.dtype)


def _use_core(code: int, beta: float) -> bool:
    """The compiled core serves sigmoid and tanh on the CPU backend when numba imports."""
    from aucscape.pairwise import numba_available

    return (code == SIGMOID and math.isfinite(beta) and jax.default_backend() == "cpu"
            and numba_available())


def _core_value_grad(s: Array, a: Array, b: Array, code: int, beta: float
                     ) -> tuple[Array, Array]:
    """S and dS/ds by :func:`aucscape.pairwise.kernels.pair_sums` through a host callback
    (fixed shapes, so it traces once under ``jit``; float64 on the host)."""
    shapes = (jax.ShapeDtypeStruct((), s.dtype), jax.ShapeDtypeStruct(s.shape, s.dtype))
    return jax.pure_callback(partial(_core_value_grad_host, code=code, beta=beta), shapes,
                             s, a, b, vmap_method="sequential")


def _value_grad(s: Array, a: Array, b: Array, code: int, beta: float) -> tuple[Array, Array]:
    if _use_core(code, beta):
        return _core_value_grad(s, a, b, code, beta)
    return _blocked_value_grad(s, a, b, code, beta)


@partial(jax.custom_vjp, nondiff_argnums=(3, 4))
def _blocked_pair_sum(s: Array, a: Array, b: Array, code: int, beta: float) -> Array:
    return _value_grad(s, a, b, code, beta)[0]


def _blocked_fwd(s, a, b, code, beta):
    total, grad = _value_grad(s, a, b, code, beta)
    return total, (grad, a, b)


def _blocked_bwd(code, beta, res, ct):
    grad, a, b = res
    return ct * grad, jnp.zeros_like(a), jnp.zeros_like(b)


_blocked_pair_sum.defvjp(_blocked_fwd, _blocked_bwd)


# ------------------------------------------------------------ O(N) and sorted sums
def _masked_lse(x: Array, w: Array) -> Array:
    """log Σ_i w_i e^{x_i} over w_i > 0 (needs at least one), NaN-free gradients."""
    live = w > 0
    top = lax.stop_gradient(jnp.max(jnp.where(live, x, -jnp.inf)))
    e = jnp.exp(jnp.where(live, x - top, -jnp.inf))
    return top + jnp.log(jnp.sum(w * e))


def _exp_sum(s: Array, a: Array, b: Array, beta: float) -> Array:
    """Σ a_p b_n e^{−β(s_p − s_n)} = exp(LSE(log a − βs) + LSE(log b + βs)).

    ValueError (eager calls) when the value overflows the dtype.
    """
    log_value = _masked_lse(-beta * s, a) + _masked_lse(beta * s, b)
    known = _concrete(log_value)
    if known is not None and not known < math.log(jnp.finfo(log_value.dtype).max):
        raise ValueError(
            f"the exp surrogate overflows {log_value.dtype} here: log R = {float(known):.6g} "
            f"(beta={beta:g}); lower beta or bring the scores closer together, or use logistic"
        )
    return jnp.exp(log_value)


def _select_top_negatives(s: Array, y: Array, w: Array, alpha: float) -> Array:
    """w with every negative outside the ⌈α·N_N⌉ highest-scored live ones set to 0.

    Live: negatives of non-zero weight; ties broken by position (stable sort), as
    :func:`aucscape.pairwise._problem.top_negatives`.
    """
    live = (~y) & (w > 0)
    count = jnp.sum(live)
    k = jnp.maximum(1, jnp.ceil(alpha * count * (1.0 - 1e-12))).astype(jnp.int32)
    key = jnp.where(live, -lax.stop_gradient(s), jnp.inf)
    order = jnp.argsort(key, stable=True)
    rank = jnp.zeros(s.shape[0], jnp.int32).at[order].set(jnp.arange(s.shape[0], dtype=jnp.int32))
    keep = y | (live & (rank < k))
    return jnp.where(keep, w, 0.0)


def _quad_sum(s: Array, a: Array, b: Array, margin: float) -> Array:
    """Σ a_p b_n (m − s_p + s_n)² = A·B·[(ū + s̄)² + Var_a(u) + Var_b(s)], u = m − s."""
    a_tot, b_tot = jnp.sum(a), jnp.sum(b)
    u = margin - s
    u_mean = (a @ u) / a_tot
    s_mean = (b @ s) / b_tot
    var_u = a @ (u - u_mean) ** 2 / a_tot
    var_s = b @ (s - s_mean) ** 2 / b_tot
    return a_tot * b_tot * ((u_mean + s_mean) ** 2 + var_u + var_s)


def _suffix_sum(x: Array) -> Array:
    """out[j] = Σ_{i ≥ j} x[i], out[len(x)] = 0."""
    return jnp.concatenate([jnp.cumsum(x[::-1])[::-1], jnp.zeros(1, x.dtype)])


def _sorted_sum(s: Array, a: Array, b: Array, margin: float, squared: bool) -> Array:
    """Σ_i a_i Σ_{j: s_j > t_i} b_j h(s_j − t_i), t_i = s_i − m, h(x) = x or x².

    One sort of the whole batch (non-negatives carry b = 0): with suffix sums
    S_k(t) = Σ_{s_j > t} b_j s_j^k, hinge = Σ a (S_1 − t S_0) and squared hinge =
    Σ a (S_2 − 2t S_1 + t² S_0). Strict s_j > t is the spec's kink rule (ℓ' = 0 at the
    kink); the caller passes m' = m/β and a·β^q.
    """
    order = jnp.argsort(s)
    s_sorted = s[order]
    b_sorted = b[order]
    t = s - margin
    j = jnp.searchsorted(lax.stop_gradient(s_sorted), lax.stop_gradient(t), side="right")
    s0 = _suffix_sum(b_sorted)[j]
    s1 = _suffix_sum(b_sorted * s_sorted)[j]
    if squared:
        per_row = _suffix_sum(b_sorted * s_sorted**2)[j] - 2.0 * t * s1 + t * t * s0
    else:
        per_row = s1 - t * s0
    return a @ per_row


# ------------------------------------------------------------------ public API
def pairwise_auc_loss(
    y_true: Array,
    y_pred: Array,
    *,
    surrogate: str = "sigmoid",
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    mask: Array | None = None,
    sample_weight: Array | None = None,
    reduction: Literal["mean", "sum"] = "mean",
    max_fpr: float | None = None,
    axis_name: str | None = None,
) -> Array:
    """Pairwise AUC risk R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) as a 0-d array.

    Parameters
    ----------
    y_true : (N,) or (N, 1) labels in {0, 1}.
    y_pred : (N,) or (N, 1) scores s, or logits when ``from_logits`` (s = σ(y_pred)).
    surrogate : a name of ``aucscape.surrogates.SURROGATES`` (static).
    beta, margin, pos_weight : steepness β and margin m of ℓ(z) = f(βz) (None: the
        surrogate's defaults, see ``aucscape.surrogates``), positive multiplier.
    mask : optional (N,) bool/0-1; masked-out entries (padding) take no part.
    sample_weight : optional (N,) non-negative weights w.
    reduction : "mean" (Z = Σ_p w_p Σ_n w_n) or "sum" (Z = 1).
    max_fpr : None, or α in (0, 1] (static): partial AUC over the ⌈α·N_N⌉ highest-scored
        negatives.
    axis_name : inside ``jax.pmap`` / ``shard_map`` over devices, the mapped axis: the
        batch is all-gathered over it first (pairs across devices), so every device
        computes the loss of the global batch; ``lax.pmean`` of the gradients then equals
        the single-device gradient (the all-gather's transpose sums each slice's
        cotangents over the devices).

    Returns float32 (float64 under x64 with float64 input); exactly 0 with zero gradient
    when a class is missing, fully masked or of zero weight.
    """
    args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, max_fpr=max_fpr,
                         from_logits=bool(from_logits))
    x, y, w = _prepare(y_true, y_pred, mask, sample_weight)
    if axis_name is not None:  # pairs across devices: the batch of every device
        x, y, w = (lax.all_gather(v, axis_name, tiled=True) for v in (x, y, w))
    if x.shape[0] == 0:
        return jnp.zeros((), x.dtype)
    value, valid = _risk(args, jax.nn.sigmoid(x) if from_logits else x, y, w)
    return jnp.where(valid, value, 0.0)


def _risk(args, s: Array, y: Array, w: Array) -> tuple[Array, Array]:
    """(R, valid) of one label: scores s, bool labels y, weights w, all (N,)."""
    if args.max_fpr is not None:
        w = _select_top_negatives(s, y, w, args.max_fpr)
    wp = jnp.where(y, w, 0.0)
    wn = jnp.where(y, 0.0, w)
    wp_tot, wn_tot = jnp.sum(wp), jnp.sum(wn)
    valid = (wp_tot > 0) & (wn_tot > 0) & (args.pos_weight > 0)
    # Double-where: on an invalid batch compute with harmless stand-in weights (zeros for
    # the blocked and sorted sums, uniform ones where class sums are divided or logged) so
    # that no NaN/inf appears anywhere (it would poison the gradient), then select 0.
    stand_in = jnp.full_like(s, 1.0 / s.shape[0] if args.family == "factorised" else 0.0)
    a = jnp.where(valid, wp * args.pos_weight, stand_in)
    b = jnp.where(valid, wn, stand_in)
    if args.reduction == "mean":
        a = a / jnp.where(valid, wp_tot, 1.0)
        b = b / jnp.where(valid, wn_tot, 1.0)
    form = args.form
    if form.margin_gap:  # huge scores: centred, or refused (margin_centre) when concrete
        lo, hi = jnp.min(s), jnp.max(s)
        try:
            c = margin_centre(float(lo), float(hi), form.margin_gap)
        except jax.errors.ConcretizationTypeError:  # under jit: centre (only) huge scores
            big = jnp.maximum(-lo, hi) > form.margin_gap * MARGIN_SCORE_RANGE
            c = lax.stop_gradient(jnp.where(big, 0.5 * lo + 0.5 * hi, 0.0))
        s = s - c
    if args.family == "blocked":
        sk = jnp.where(y, s - form.shift, s) if form.shift else s  # smooth hinge
        value = _blocked_pair_sum(sk, a, b, form.code, form.beta)
    elif form.code == EXP:
        value = _exp_sum(s, a, b, form.beta)
    elif form.code == QUAD:
        value = _quad_sum(s, a * form.outer, b, form.margin)
    else:
        value = _sorted_sum(s, a * form.outer, b, form.margin,
                            squared=form.code == SQUARED_HINGE)
    return value, valid


def focal_loss(
    y_true: Array,
    y_pred: Array,
    *,
    gamma: float = DEFAULT_GAMMA,
    alpha: float = DEFAULT_ALPHA,
    from_logits: bool = False,
    mask: Array | None = None,
    sample_weight: Array | None = None,
    reduction: Literal["mean", "sum", "none"] = "mean",
) -> Array:
    """Binary focal loss FL_i = −α_t (1 − p_t)^γ log p_t, as ``aucscape.focal.focal_loss``.

    From logits (z = ±x signed by the label): FL = α_t exp(−γ softplus(z)) softplus(−z).
    Probabilities are clipped to [EPS, 1 − EPS]. With w = sample_weight · mask:
    "mean" Σ w_i FL_i / Σ w_i (0 when Σ w = 0), "sum" Σ w_i FL_i, "none" (w_i FL_i)_i.
    """
    args = focal_args(gamma, alpha, reduction)
    x, y, w = _prepare(y_true, y_pred, mask, sample_weight)
    alpha_t = jnp.where(y, args.alpha, 1.0 - args.alpha)
    if from_logits:
        z = jnp.where(y, x, -x)
        loss = alpha_t * jnp.exp(-args.gamma * jax.nn.softplus(z)) * jax.nn.softplus(-z)
    else:
        x_np = _concrete(x)
        if x_np is not None:
            check_probability_values(x_np, "y_pred")
        p = jnp.clip(x, EPS, 1.0 - EPS)
        q = jnp.where(y, 1.0 - p, p)
        log_pt = jnp.where(y, jnp.log(p), jnp.log1p(-p))
        loss = -alpha_t * q**args.gamma * log_pt
    loss = w * loss
    if args.reduction == "none":
        return loss
    if args.reduction == "sum":
        return jnp.sum(loss)
    w_sum = jnp.sum(w)
    return jnp.where(w_sum > 0, jnp.sum(loss) / jnp.where(w_sum > 0, w_sum, 1.0), 0.0)
