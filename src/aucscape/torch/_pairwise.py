"""Pairwise AUC risk for PyTorch: :func:`pairwise_auc_loss` and its three algorithms.

R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n), a_p = pos_weight · w_p, b_n = w_n, computed
without an NP × NN matrix in memory:

* blocked (sigmoid, tanh, logistic): :class:`_BlockedPairSum`, a custom
  ``autograd.Function`` that loops over blocks of ``BLOCK_ELEMENTS // NN`` positives and
  computes the value and both gradient marginals in one pass, memory O(block · NN);
  on CPU with numba, sigmoid and tanh run the core's compiled kernel
  (``aucscape.pairwise.kernels.pair_sums``); otherwise (GPU) they use the core's exp-free
  product identity when the score range allows (1.4x faster at N = 3e4, one thread);
* factorised: exp by the log-sum-exp of class sums, quad by class means and variances,
  O(N);
* sorted (hinge, squared_hinge): one sort of the negatives and suffix sums, O(N log N).

Each runs the kernel of the surrogate's ``KernelForm`` (:mod:`aucscape.surrogates`: tanh
is the sigmoid at 2β; a margin surrogate runs at m' = m/β with its factor β^q folded into
a_p), and the hinge kink follows the spec's kink rule s_n > s_p − m/β. ``max_fpr = α``
keeps only the ⌈α·N_N⌉ highest-scored negatives (partial AUC, as ``aucscape.pairwise``).
Exp is summed in log space; a value past the dtype's range raises ValueError.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch
from torch import Tensor
from torch.nn import functional as F

from aucscape._frontend import PairwiseArgs, pairwise_args
from aucscape._validation import margin_centre
from aucscape.pairwise import numba_available
from aucscape.pairwise._problem import top_negatives
from aucscape.surrogates import EXP, QUAD, SIGMOID, SQUARED_HINGE, blocked_terms
from aucscape.torch._inputs import prepare

__all__ = ["BLOCK_ELEMENTS", "pairwise_auc_loss"]

#: Elements of one block of the pair matrix (rows · NN) in the blocked sums (~8 MB f32).
BLOCK_ELEMENTS = 1 << 21


# ------------------------------------------------------------------ blocked family
def _softplus(v: Tensor) -> Tensor:
    return F.softplus(v, threshold=40.0)  # exact to 4e-18 relative


def _value_slope(code: int, v: Tensor) -> tuple[Tensor, Tensor]:
    """ℓ and −ℓ'/β' at v = −β'z by the spec's :func:`~aucscape.surrogates.blocked_terms`.

    ``v`` is overwritten (an in-place sigmoid: this is the hot loop). σ(v)(1 − σ(v))
    loses relative accuracy only where it is below the rounding of 1 (|v| > 17 in
    float32), an absolute error below β·eps per pair.
    """
    return blocked_terms(code, v, torch.Tensor.sigmoid_, _softplus)


def compiled_applies(code: int, sp: Tensor, beta: float) -> bool:
    """True where :func:`core_pair_sums` runs the core's compiled kernel (see there)."""
    return (code == SIGMOID and sp.device.type == "cpu" and math.isfinite(beta)
            and numba_available())


def core_pair_sums(code: int, sp: Tensor, sn: Tensor, ap: Tensor, bn: Tensor, beta: float
                    ) -> tuple[Tensor, Tensor, Tensor] | None:
    """(S, dS/ds_p, dS/ds_n) by the core's compiled kernel, or None where it does not apply.

    On CPU with numba installed, sigmoid and tanh run
    :func:`aucscape.pairwise.kernels.pair_sums` (the fused exp-free loop of the NumPy
    core, in float64), so the torch loss costs what the core costs; results are cast back
    to the input dtype. GPU tensors, logistic (whose vectorised torch path is faster than
    numba's scalar log) and a β past float64 keep the torch loop below.
    """
    if not compiled_applies(code, sp, beta) or sp.numel() == 0 or sn.numel() == 0:
        return None
    from aucscape.pairwise.kernels import pair_sums  # lazy: numba compiles on first use

    def as64(t: Tensor):
        return t.detach().to(torch.float64).contiguous().numpy()

    value, g_pos, g_neg = pair_sums(code, as64(sp), as64(sn), as64(ap), as64(bn), beta, 0.0)
    dtype = sp.dtype
    return (torch.tensor(float(value), dtype=dtype), torch.from_numpy(g_pos).to(dtype),
            torch.from_numpy(g_neg).to(dtype))


def _product_centre(code: int, sp: Tensor, sn: Tensor, beta: float) -> float | None:
    """Centre c of the exp-free sigmoid identity, or None when it does not apply.

    As in :mod:`aucscape.pairwise._blocked`: with R_p = e^{β(s_p − c)}, Q_n = e^{−β(s_n − c)}
    a pair needs r = R_p Q_n only; it applies while r stays inside the dtype's range,
    β·(max s − min s) ≤ 80 in float32 (700 in float64).
    """
    if code != SIGMOID or sp.numel() == 0 or sn.numel() == 0 or not math.isfinite(beta):
        return None
    lo = min(float(sp.min()), float(sn.min()))
    hi = max(float(sp.max()), float(sn.max()))
    limit = 700.0 if sp.dtype == torch.float64 else 80.0
    return 0.5 * (lo + hi) if beta * (hi - lo) <= limit else None


def _sigmoid_product(sp: Tensor, sn: Tensor, ap: Tensor, bn: Tensor, beta: float,
                     centre: float, rows: int, gp: Tensor, col: Tensor) -> Tensor:
    """Σ a_p b_n σ(−βz) with ℓ = 1/(1 + r), −ℓ'/β = r/(1 + r)², r = R_p Q_n (no exp per pair).

    Fills gp (the positives' gradient, times −β) and col (Σ_p a_p r/(1 + r)²).
    """
    rp = torch.exp(beta * (sp - centre))
    qn = torch.exp(-beta * (sn - centre))
    total = sp.new_zeros(())
    for start in range(0, sp.shape[0], rows):
        r = torch.outer(rp[start : start + rows], qn)
        q = r.add(1.0).reciprocal_()  # σ(−βz)
        a_blk = ap[start : start + rows]
        total += a_blk @ (q @ bn)
        r.mul_(q).mul_(q)  # σ(βz)σ(−βz)
        gp[start : start + rows] = a_blk * (r @ bn)
        col += a_blk @ r
    gp.mul_(-beta)
    return total


class _BlockedPairSum(torch.autograd.Function):
    """S = Σ_p Σ_n a_p b_n ℓ(s_p − s_n) with its gradient in one blocked pass.

    dS/ds_p = a_p Σ_n b_n ℓ'(z_pn),  dS/ds_n = −b_n Σ_p a_p ℓ'(z_pn).
    Weights a, b are constants (no gradient).
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx,
        sp: Tensor,
        sn: Tensor,
        ap: Tensor,
        bn: Tensor,
        code: int,
        beta: float,
    ) -> Tensor:
        compiled = core_pair_sums(code, sp, sn, ap, bn, beta)
        if compiled is not None:
            total, gp, gn = compiled
            ctx.save_for_backward(gp, gn)
            return total
        rows = max(1, BLOCK_ELEMENTS // max(1, sn.shape[0]))
        total = sp.new_zeros(())
        gp = torch.empty_like(sp)
        col = torch.zeros_like(sn)  # Σ_p a_p ℓ'(z_pn)
        slope = beta  # β' of the KernelForm (tanh: 2β)
        centre = _product_centre(code, sp, sn, beta)
        if centre is not None:
            total = _sigmoid_product(sp, sn, ap, bn, beta, centre, rows, gp, col)
            ctx.save_for_backward(gp, (slope * bn) * col)
            return total
        for start in range(0, sp.shape[0], rows):
            v = (sp[start : start + rows, None] - sn[None, :]).mul_(-slope)
            value, d1 = _value_slope(code, v)  # ℓ' = −slope · d1
            a_blk = ap[start : start + rows]
            total += a_blk @ (value @ bn)
            gp[start : start + rows] = a_blk * (d1 @ bn)
            col += a_blk @ d1
        gp.mul_(-slope)
        ctx.save_for_backward(gp, (slope * bn) * col)
        return total

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: Tensor):  # type: ignore[override]
        gp, gn = ctx.saved_tensors
        return grad * gp, grad * gn, None, None, None, None


# ------------------------------------------------------------ O(N) and sorted sums
def _exp_sum(sp: Tensor, sn: Tensor, ap: Tensor, bn: Tensor, beta: float) -> Tensor:
    """Σ a_p b_n e^{−β(s_p − s_n)} = exp(LSE_p(log a_p − β s_p) + LSE_n(log b_n + β s_n)).

    Computed in log space; ValueError when the value itself overflows the dtype.
    Batched over leading dims like :func:`_sorted_sum` (a zero weight is log 0 = −∞).
    """
    lse_p = torch.logsumexp(torch.log(ap) - beta * sp, dim=-1)
    lse_n = torch.logsumexp(torch.log(bn) + beta * sn, dim=-1)
    log_value = lse_p + lse_n
    if not bool((log_value < math.log(torch.finfo(log_value.dtype).max)).all()):
        raise ValueError(
            f"the exp surrogate overflows {log_value.dtype} here: log R = "
            f"{float(log_value.max()):.6g} (beta={beta:g}); lower beta or bring the scores "
            "closer together (e.g. from_logits=True probabilities), or use logistic"
        )
    return torch.exp(log_value)


def _quad_sum(sp: Tensor, sn: Tensor, ap: Tensor, bn: Tensor, margin: float) -> Tensor:
    """Σ a_p b_n (m − s_p + s_n)² = A·B·[(ū + s̄)² + Var_a(u) + Var_b(s)], u = m − s_p."""
    a_tot, b_tot = ap.sum(-1), bn.sum(-1)
    u = margin - sp
    u_mean = (ap * u).sum(-1) / a_tot
    s_mean = (bn * sn).sum(-1) / b_tot
    var_u = (ap * (u - u_mean[..., None]) ** 2).sum(-1) / a_tot
    var_s = (bn * (sn - s_mean[..., None]) ** 2).sum(-1) / b_tot
    return a_tot * b_tot * ((u_mean + s_mean) ** 2 + var_u + var_s)


def _suffix_sum(x: Tensor) -> Tensor:
    """out[..., j] = Σ_{i ≥ j} x[..., i], with out[..., len] = 0 (along the last dim)."""
    rev = torch.flip(torch.cumsum(torch.flip(x, (-1,)), -1), (-1,))
    return torch.cat([rev, rev.new_zeros((*rev.shape[:-1], 1))], dim=-1)


def _sorted_sum(
    sp: Tensor, sn: Tensor, ap: Tensor, bn: Tensor, margin: float, squared: bool
) -> Tensor:
    """Σ_p a_p Σ_{n: s_n > t_p} b_n h(s_n − t_p), t_p = s_p − m, h(x) = x or x², via a sort.

    With suffix sums S_k(t) = Σ_{s_n > t} b_n s_n^k of the sorted negatives:
    hinge = Σ_p a_p (S_1 − t_p S_0); squared hinge = Σ_p a_p (S_2 − 2 t_p S_1 + t_p² S_0).
    The strict s_n > t_p is the kink rule of ``aucscape.surrogates`` (ℓ' = 0 at the kink);
    the caller passes m' = m/β and a_p·β^q.
    Runs in float64 so the differences of suffix sums do not cancel. Batched: (L, P)
    and (L, M) inputs give the L sums (zero-weight entries, padding, add nothing).
    """
    out_dtype = sp.dtype
    sp, sn, ap, bn = (t.to(torch.float64) for t in (sp, sn, ap, bn))
    sn_sorted, order = torch.sort(sn, dim=-1)
    b_sorted = bn.gather(-1, order)
    t = sp - margin
    j = torch.searchsorted(sn_sorted.detach(), t.detach(), right=True)
    s0 = _suffix_sum(b_sorted).gather(-1, j)
    s1 = _suffix_sum(b_sorted * sn_sorted).gather(-1, j)
    if squared:
        s2 = _suffix_sum(b_sorted * sn_sorted**2).gather(-1, j)
        per_pos = s2 - 2.0 * t * s1 + t * t * s0
    else:
        per_pos = s1 - t * s0
    return (ap * per_pos).sum(-1).to(out_dtype)


# ------------------------------------------------------------------ functional API
def pairwise_auc_loss(
    input: Tensor,
    target: Tensor,
    surrogate: str = "sigmoid",
    *,
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    sample_weight: Tensor | None = None,
    reduction: Literal["mean", "sum"] = "mean",
    max_fpr: float | None = None,
    gather: bool = False,
) -> Tensor:
    """Pairwise AUC risk R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) as a differentiable scalar.

    Parameters
    ----------
    input : (N,) or (N, 1) scores s, or logits when ``from_logits`` (s = σ(input)).
    target : (N,) or (N, 1) labels in {0, 1} (bool, integer or float).
    surrogate : a name of ``aucscape.surrogates.SURROGATES``.
    beta, margin : steepness β and margin m of ℓ(z) = f(βz) (None: the surrogate's
        defaults, β = 40 or β = m = 1 for the margin surrogates; see ``aucscape.surrogates``).
    pos_weight : multiplier of every positive's weight, a_p = pos_weight · w_p.
    sample_weight : (N,) non-negative weights w (constants, no gradient), ones by default.
    reduction : "mean" (Z = Σ_p w_p Σ_n w_n) or "sum" (Z = 1).
    max_fpr : None, or α in (0, 1]: partial AUC over the ⌈α·N_N⌉ highest-scored negatives.
    gather : all-gather input, target and weights over the process group first, so that
        under DDP the loss has every pair of the global batch and the parameters'
        gradients equal the single-process ones (:mod:`aucscape.torch._gather`).

    Returns a 0-d tensor in float32 (float64 for float64 input); 0 with zero gradient when
    a class is missing or carries zero weight.
    """
    args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, max_fpr=max_fpr,
                         from_logits=bool(from_logits))
    return pairwise_risk(args, input, target, from_logits=from_logits,
                         sample_weight=sample_weight, gather=gather)


def pairwise_risk(args: PairwiseArgs, input: Tensor, target: Tensor, *, from_logits: bool,
                  sample_weight: Tensor | None, gather: bool = False) -> Tensor:
    """:func:`pairwise_auc_loss` for an already checked configuration ``args``."""
    pos_weight = args.pos_weight
    x, y, w = prepare(input, target, sample_weight)
    if gather:
        from aucscape.torch._gather import gather_batch

        x, y, w = gather_batch(x, y, w)
    s = torch.sigmoid(x) if from_logits else x
    sp, sn = s[y], s[~y]
    wp, wn = w[y], w[~y]
    if args.max_fpr is not None:
        sn, wn = _top_negatives(sn, wn, args.max_fpr)
    wp_tot, wn_tot = float(wp.sum()), float(wn.sum())
    if wp_tot == 0.0 or wn_tot == 0.0 or pos_weight == 0.0:
        return (s * 0.0).sum()  # keeps the graph: zero gradient, never NaN
    if args.reduction == "mean":
        # Fold 1/Z into the weights: sums stay O(1) (no overflow of Σ for exp).
        ap, bn = wp * (pos_weight / wp_tot), wn / wn_tot
    else:
        ap, bn = wp * pos_weight, wn
    form = args.form
    if form.margin_gap:  # huge scores: centred, or refused (margin_centre)
        c = margin_centre(float(torch.minimum(sp.min(), sn.min())),
                          float(torch.maximum(sp.max(), sn.max())), form.margin_gap)
        if c:
            sp, sn = sp - c, sn - c
    return form_sums(args, sp, sn, ap, bn,
                     lambda p: _BlockedPairSum.apply(p, sn, ap, bn, form.code, form.beta))


def form_sums(args: PairwiseArgs, sp: Tensor, sn: Tensor, ap: Tensor, bn: Tensor,
              blocked: Callable[[Tensor], Tensor]) -> Tensor:
    """Σ_p Σ_n a_p b_n ℓ(s_p − s_n) by the kernel of ``args.form``.

    One label ((P,) and (M,) inputs) or a batch of labels ((L, P) and (L, M): the O(N)
    and sorted sums batch over leading dims). The blocked family runs ``blocked(sp)`` on
    the positives' scores (shifted by m/β for the smooth hinge: logistic at s_p − m/β);
    the others fold the surrogate's factor into a_p.
    """
    form = args.form
    if args.family == "blocked":
        return blocked(sp - form.shift if form.shift else sp)
    if form.code == EXP:
        return _exp_sum(sp, sn, ap, bn, form.beta)
    ap = ap * form.outer
    if form.code == QUAD:
        return _quad_sum(sp, sn, ap, bn, form.margin)
    return _sorted_sum(sp, sn, ap, bn, form.margin, squared=form.code == SQUARED_HINGE)


def _top_negatives(sn: Tensor, wn: Tensor, alpha: float) -> tuple[Tensor, Tensor]:
    """The ⌈α·N_N⌉ highest-scored negatives of non-zero weight (``aucscape.pairwise``'s rule)."""
    live = torch.nonzero(wn > 0).reshape(-1)
    keep = top_negatives(sn.detach()[live].cpu().double().numpy(), alpha)
    idx = live[torch.as_tensor(keep, dtype=torch.long, device=live.device)]
    return sn[idx], wn[idx]
