"""PyTorch front end: pairwise AUC losses, focal loss and a balanced batch sampler.

Same maths, names and arguments as the NumPy core (``aucscape.pairwise``,
``aucscape.focal``), called PyTorch's way: ``loss(input, target)``. The pairwise risk is

    R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n),   a_p = pos_weight · w_p,   b_n = w_n,

with ℓ a surrogate of ``aucscape.surrogates`` (minimised), w the sample weights (ones by
default), Z = Σ_p w_p · Σ_n w_n for ``reduction="mean"`` and Z = 1 for ``"sum"``. Scores:
``from_logits=False`` (default) uses ``input`` as the scores s as it is (probabilities or
any real score); ``from_logits=True`` takes s = σ(input), the positive-class probability
as in the paper, so logits of ±1e4 give finite loss and gradients.

Algorithms (never an NP × NN matrix in memory at once):

* blocked (sigmoid, tanh, logistic): a custom ``autograd.Function`` loops over blocks of
  positives and computes the value and both gradient marginals in one pass,
  memory O(block · NN);
* factorised: exp by the log-sum-exp of class sums, quad by class means and variances,
  O(N);
* sorted (hinge, squared_hinge): one sort of the negatives and suffix sums, O(N log N).

Sums run in float32 or better (float16/bfloat16 inputs are upcast; the sorted family uses
float64). A batch with one class only (or zero weight on a class) gives loss 0 and zero
gradients. Labels outside {0, 1} and shape mismatches raise ValueError at call time.
Importing this module imports ``torch``; ``import aucscape`` does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import Tensor, nn
from torch.nn import functional as F

from aucscape._validation import check_nonnegative
from aucscape.sampling import BalancedBatchPlan
from aucscape.surrogates import get_surrogate

__all__ = [
    "BalancedBatchSampler",
    "ExpAUCLoss",
    "FocalLoss",
    "HingeAUCLoss",
    "PairwiseAUCLoss",
    "QuadAUCLoss",
    "SigmoidAUCLoss",
    "TanhAUCLoss",
    "WeightedPairwiseRankingLoss",
    "focal_loss",
    "pairwise_auc_loss",
]

#: Elements of one block of the pair matrix (rows · NN) in the blocked sums (~8 MB f32).
BLOCK_ELEMENTS = 1 << 21
#: Probability clip of ``focal_loss(from_logits=False)``, as ``aucscape.focal.EPS``.
EPS = 1e-7

Reduction = Literal["mean", "sum"]


# ---------------------------------------------------------------------------- inputs
def _flatten(x: Tensor, name: str) -> Tensor:
    """(N,) or (N, 1) -> (N,); anything else is a ValueError."""
    if x.ndim == 2 and x.shape[1] == 1:
        return x.reshape(-1)
    if x.ndim != 1:
        raise ValueError(f"{name} must have shape (N,) or (N, 1), got {tuple(x.shape)}")
    return x


def _prepare(
    input: Tensor, target: Tensor, sample_weight: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """Validate and return (x, y_bool, w): x in float32-or-better, w float, all (N,)."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise ValueError("input and target must be torch tensors")
    x = _flatten(input, "input")
    y = _flatten(torch.as_tensor(target, device=x.device), "target")
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"input has {x.shape[0]} entries but target has {y.shape[0]}")
    if not torch.is_floating_point(x):
        raise ValueError(f"input must be a floating-point tensor, got {x.dtype}")
    dtype = torch.promote_types(x.dtype, torch.float32)
    x = x.to(dtype)
    y = y.detach()
    if y.dtype != torch.bool:
        if bool(((y != 0) & (y != 1)).any()):
            bad = torch.unique(y[(y != 0) & (y != 1)])[:5].tolist()
            raise ValueError(f"target must hold only 0/1 labels; found {bad}")
        y = y != 0
    if sample_weight is None:
        w = torch.ones_like(x, dtype=dtype).detach()
    else:
        w = _flatten(torch.as_tensor(sample_weight, device=x.device), "sample_weight")
        if w.shape[0] != x.shape[0]:
            raise ValueError(
                f"sample_weight must have shape ({x.shape[0]},), got {tuple(w.shape)}"
            )
        w = w.detach().to(dtype)
        if bool((~torch.isfinite(w)).any()) or bool((w < 0).any()):
            raise ValueError("sample_weight must be finite and non-negative")
    return x, y, w


# ------------------------------------------------------------------ blocked family
def _value_slope(name: str, v: Tensor) -> tuple[Tensor, Tensor]:
    """ℓ and −ℓ'/β' at v = −β'z, overwriting ``v`` (β' = 2β for tanh, else β).

    sigmoid/tanh: ℓ = σ(v), ℓ' = −β' σ(v)(1 − σ(v)); logistic: ℓ = softplus(v),
    ℓ' = −β σ(v). Few elementwise passes on purpose: this is the hot loop (an abs/where
    formulation measured ~5x slower on CPU). σ(v)(1 − σ(v)) loses relative accuracy only
    where it is below the rounding of 1 (|v| > 17 in float32), an absolute error below
    β·eps per pair. ``softplus`` with threshold 40 is exact to 4e-18 relative.
    """
    if name == "logistic":
        value = F.softplus(v, threshold=40.0)
        return value, v.sigmoid_()
    e = v.sigmoid_()
    return e, torch.sub(1.0, e).mul_(e)  # one allocation fewer than e * (1 − e)


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
        name: str,
        beta: float,
    ) -> Tensor:
        rows = max(1, BLOCK_ELEMENTS // max(1, sn.shape[0]))
        total = sp.new_zeros(())
        gp = torch.empty_like(sp)
        col = torch.zeros_like(sn)  # Σ_p a_p ℓ'(z_pn)
        slope = 2.0 * beta if name == "tanh" else beta  # tanh(βz) form: σ(−2βz)
        for start in range(0, sp.shape[0], rows):
            v = (sp[start : start + rows, None] - sn[None, :]).mul_(-slope)
            value, d1 = _value_slope(name, v)  # ℓ' = −slope · d1
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
    """Σ a_p b_n e^{−β(s_p − s_n)} = exp(LSE_p(log a_p − β s_p) + LSE_n(log b_n + β s_n))."""
    lse_p = torch.logsumexp(torch.log(ap) - beta * sp, dim=0)
    lse_n = torch.logsumexp(torch.log(bn) + beta * sn, dim=0)
    return torch.exp(lse_p + lse_n)


def _quad_sum(sp: Tensor, sn: Tensor, ap: Tensor, bn: Tensor, margin: float) -> Tensor:
    """Σ a_p b_n (m − s_p + s_n)² = A·B·[(ū + s̄)² + Var_a(u) + Var_b(s)], u = m − s_p."""
    a_tot, b_tot = ap.sum(), bn.sum()
    u = margin - sp
    u_mean = (ap @ u) / a_tot
    s_mean = (bn @ sn) / b_tot
    var_u = ap @ (u - u_mean) ** 2 / a_tot
    var_s = bn @ (sn - s_mean) ** 2 / b_tot
    return a_tot * b_tot * ((u_mean + s_mean) ** 2 + var_u + var_s)


def _suffix_sum(x: Tensor) -> Tensor:
    """out[j] = Σ_{i ≥ j} x[i], with out[len(x)] = 0."""
    rev = torch.flip(torch.cumsum(torch.flip(x, (0,)), 0), (0,))
    return torch.cat([rev, rev.new_zeros(1)])


def _sorted_sum(
    sp: Tensor, sn: Tensor, ap: Tensor, bn: Tensor, margin: float, squared: bool
) -> Tensor:
    """Σ_p a_p Σ_{n: s_n > t_p} b_n h(s_n − t_p), t_p = s_p − m, h(x) = x or x², via a sort.

    With suffix sums S_k(t) = Σ_{s_n > t} b_n s_n^k of the sorted negatives:
    hinge = Σ_p a_p (S_1 − t_p S_0); squared hinge = Σ_p a_p (S_2 − 2 t_p S_1 + t_p² S_0).
    The strict s_n > t_p gives ℓ'(m) = 0 at the kink, as in ``aucscape.surrogates``.
    Runs in float64 so the differences of suffix sums do not cancel.
    """
    out_dtype = sp.dtype
    sp, sn, ap, bn = (t.to(torch.float64) for t in (sp, sn, ap, bn))
    sn_sorted, order = torch.sort(sn)
    b_sorted = bn[order]
    t = sp - margin
    j = torch.searchsorted(sn_sorted.detach(), t.detach(), right=True)
    s0 = _suffix_sum(b_sorted)[j]
    s1 = _suffix_sum(b_sorted * sn_sorted)[j]
    if squared:
        s2 = _suffix_sum(b_sorted * sn_sorted**2)[j]
        per_pos = s2 - 2.0 * t * s1 + t * t * s0
    else:
        per_pos = s1 - t * s0
    return (ap @ per_pos).to(out_dtype)


# ------------------------------------------------------------------ functional API
def pairwise_auc_loss(
    input: Tensor,
    target: Tensor,
    surrogate: str = "sigmoid",
    *,
    beta: float = 40.0,
    margin: float = 1.0,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    sample_weight: Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    """Pairwise AUC risk R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) as a differentiable scalar.

    Parameters
    ----------
    input : (N,) or (N, 1) scores s, or logits when ``from_logits`` (s = σ(input)).
    target : (N,) or (N, 1) labels in {0, 1} (bool, integer or float).
    surrogate : a name of ``aucscape.surrogates.SURROGATES``.
    beta, margin : steepness β and margin m of the surrogate (each ignores the other).
    pos_weight : multiplier of every positive's weight, a_p = pos_weight · w_p.
    sample_weight : (N,) non-negative weights w (constants, no gradient), ones by default.
    reduction : "mean" (Z = Σ_p w_p Σ_n w_n) or "sum" (Z = 1).

    Returns a 0-d tensor in float32 (float64 for float64 input); 0 with zero gradient when
    a class is missing or carries zero weight.
    """
    sur = get_surrogate(surrogate)
    beta = check_nonnegative(beta, "beta")
    margin = check_nonnegative(margin, "margin")
    pos_weight = check_nonnegative(pos_weight, "pos_weight")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    x, y, w = _prepare(input, target, sample_weight)
    s = torch.sigmoid(x) if from_logits else x
    sp, sn = s[y], s[~y]
    wp, wn = w[y], w[~y]
    wp_tot, wn_tot = float(wp.sum()), float(wn.sum())
    if wp_tot == 0.0 or wn_tot == 0.0 or pos_weight == 0.0:
        return (s * 0.0).sum()  # keeps the graph: zero gradient, never NaN
    if reduction == "mean":
        # Fold 1/Z into the weights: sums stay O(1) (no overflow of Σ for exp).
        ap, bn = wp * (pos_weight / wp_tot), wn / wn_tot
    else:
        ap, bn = wp * pos_weight, wn
    if sur.family == "blocked":
        return _BlockedPairSum.apply(sp, sn, ap, bn, sur.name, beta)
    if sur.name == "exp":
        return _exp_sum(sp, sn, ap, bn, beta)
    if sur.name == "quad":
        return _quad_sum(sp, sn, ap, bn, margin)
    return _sorted_sum(sp, sn, ap, bn, margin, squared=sur.name == "squared_hinge")


def focal_loss(
    input: Tensor,
    target: Tensor,
    *,
    gamma: float = 2.0,
    alpha: float = 0.25,
    from_logits: bool = False,
    sample_weight: Tensor | None = None,
    reduction: Literal["mean", "sum", "none"] = "mean",
) -> Tensor:
    """Binary focal loss FL_i = −α_t (1 − p_t)^γ log p_t, as ``aucscape.focal.focal_loss``.

    p_t = p, α_t = α for y = 1; p_t = 1 − p, α_t = 1 − α for y = 0. From logits
    (z = ±x signed by the label): FL = α_t · exp(−γ softplus(z)) · softplus(−z), finite for
    any logit. Probabilities are clipped to [EPS, 1 − EPS]. Reductions: "mean"
    Σ w_i FL_i / Σ w_i (0 when Σ w = 0), "sum" Σ w_i FL_i, "none" (w_i FL_i)_i.
    """
    gamma = check_nonnegative(gamma, "gamma")
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    x, y, w = _prepare(input, target, sample_weight)
    alpha_t = torch.where(y, x.new_tensor(alpha), x.new_tensor(1.0 - alpha))
    if from_logits:
        z = torch.where(y, x, -x)
        # softplus with threshold 40 is exact to 4e-18 relative (the default 20 is not).
        nll = F.softplus(-z, threshold=40.0)  # −log p_t
        loss = alpha_t * torch.exp(-gamma * F.softplus(z, threshold=40.0)) * nll
    else:
        if bool(((x < 0) | (x > 1)).any()):
            raise ValueError(
                "input must hold probabilities in [0, 1] when from_logits=False; "
                "pass from_logits=True for logits"
            )
        p = torch.clamp(x, EPS, 1.0 - EPS)
        q = torch.where(y, 1.0 - p, p)
        log_pt = torch.where(y, torch.log(p), torch.log1p(-p))
        loss = -alpha_t * q**gamma * log_pt
    loss = w * loss
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    w_sum = float(w.sum())
    return loss.sum() / w_sum if w_sum > 0 else loss.sum() * 0.0


# ------------------------------------------------------------------------ modules
class PairwiseAUCLoss(nn.Module):
    """``nn.Module`` form of :func:`pairwise_auc_loss`: ``loss(input, target)``.

    R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n); see the module docstring. ``forward`` also
    takes an optional ``sample_weight`` of shape (N,).
    """

    def __init__(
        self,
        surrogate: str = "sigmoid",
        *,
        beta: float = 40.0,
        margin: float = 1.0,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__()
        self.surrogate = get_surrogate(surrogate).name
        self.beta = check_nonnegative(beta, "beta")
        self.margin = check_nonnegative(margin, "margin")
        self.pos_weight = check_nonnegative(pos_weight, "pos_weight")
        self.from_logits = bool(from_logits)
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction: Reduction = reduction

    def forward(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        return pairwise_auc_loss(
            input,
            target,
            self.surrogate,
            beta=self.beta,
            margin=self.margin,
            pos_weight=self.pos_weight,
            from_logits=self.from_logits,
            sample_weight=sample_weight,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        return (
            f"surrogate={self.surrogate!r}, beta={self.beta}, margin={self.margin}, "
            f"pos_weight={self.pos_weight}, from_logits={self.from_logits}, "
            f"reduction={self.reduction!r}"
        )


class SigmoidAUCLoss(PairwiseAUCLoss):
    """ℓ(z) = σ(−βz): mean risk = 1 − smoothed AUC (β = 40 recommended)."""

    def __init__(
        self,
        beta: float = 40.0,
        *,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(
            "sigmoid", beta=beta, pos_weight=pos_weight, from_logits=from_logits,
            reduction=reduction,
        )


class TanhAUCLoss(PairwiseAUCLoss):
    """ℓ(z) = (1 − tanh(βz)) / 2 = σ(−2βz)."""

    def __init__(
        self,
        beta: float = 40.0,
        *,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(
            "tanh", beta=beta, pos_weight=pos_weight, from_logits=from_logits,
            reduction=reduction,
        )


class HingeAUCLoss(PairwiseAUCLoss):
    """ℓ(z) = max(0, m − z) (not AUC-consistent), O(N log N) by a sort."""

    def __init__(
        self,
        margin: float = 1.0,
        *,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(
            "hinge", margin=margin, pos_weight=pos_weight, from_logits=from_logits,
            reduction=reduction,
        )


class WeightedPairwiseRankingLoss(PairwiseAUCLoss):
    """Weighted pairwise ranking: hinge max(0, m − z) with a_p = pos_weight · w_p.

    With ``reduction="mean"`` pos_weight multiplies the whole risk (Z counts the
    sample-weighted pairs, as in ``aucscape.pairwise``); with ``"sum"`` it is the classic
    up-weighting of the rare class's pairs.
    """

    def __init__(
        self,
        pos_weight: float = 1.0,
        margin: float = 1.0,
        *,
        from_logits: bool = False,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(
            "hinge", margin=margin, pos_weight=pos_weight, from_logits=from_logits,
            reduction=reduction,
        )


class ExpAUCLoss(PairwiseAUCLoss):
    """ℓ(z) = exp(−βz), O(N) by log-sum-exp of the class sums."""

    def __init__(
        self,
        beta: float = 40.0,
        *,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(
            "exp", beta=beta, pos_weight=pos_weight, from_logits=from_logits,
            reduction=reduction,
        )


class QuadAUCLoss(PairwiseAUCLoss):
    """ℓ(z) = (m − z)², O(N) by class means and variances."""

    def __init__(
        self,
        margin: float = 1.0,
        *,
        pos_weight: float = 1.0,
        from_logits: bool = False,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(
            "quad", margin=margin, pos_weight=pos_weight, from_logits=from_logits,
            reduction=reduction,
        )


class FocalLoss(nn.Module):
    """``nn.Module`` form of :func:`focal_loss`: FL = −α_t (1 − p_t)^γ log p_t."""

    def __init__(
        self,
        gamma: float = 2.0,
        alpha: float = 0.25,
        *,
        from_logits: bool = False,
        reduction: Literal["mean", "sum", "none"] = "mean",
    ) -> None:
        super().__init__()
        self.gamma = check_nonnegative(gamma, "gamma")
        self.alpha = float(alpha)
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
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


# ------------------------------------------------------------------------ sampler
class BalancedBatchSampler(torch.utils.data.Sampler[list[int]]):
    """Batch sampler (``DataLoader(ds, batch_sampler=...)``) with ≥ k positives per batch.

    Wraps :class:`aucscape.sampling.BalancedBatchPlan`: every negative appears exactly
    once and every positive at least once per epoch; positives are re-used only as the
    guarantee needs. Epoch e's batches depend only on ``(seed, e)``. Each call to
    ``iter`` yields the current epoch and advances it; ``set_epoch`` sets it explicitly
    (as with ``DistributedSampler``).
    """

    def __init__(
        self,
        labels: ArrayLike | Tensor,
        batch_size: int,
        *,
        min_positives: int | None = None,
        positive_fraction: float | None = None,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if isinstance(labels, Tensor):
            labels = labels.detach().cpu().numpy()
        self.plan = BalancedBatchPlan(
            np.asarray(labels),
            batch_size,
            min_positives=min_positives,
            positive_fraction=positive_fraction,
            seed=seed,
            drop_last=drop_last,
        )
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter`` yield the batches of ``epoch``."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.plan)

    def __iter__(self) -> Iterator[list[int]]:
        batches = self.plan.epoch(self.epoch)
        self.epoch += 1
        for b in batches:
            yield b.tolist()
