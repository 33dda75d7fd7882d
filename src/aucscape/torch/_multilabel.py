"""Multi-label and multi-class pairwise AUC risks for PyTorch, vectorised over the labels.

For (N, L) scores and labels (0/1, −1 = unknown entry, dropped) the loss is
(as :mod:`aucscape.pairwise._multilabel`)

    R = Σ_{l∈C} λ_l R_l / Σ_{l∈C} λ_l,   R_l = (1/Z_l) Σ_{p∈P_l} Σ_{n∈N_l} a_pl b_nl ℓ(s_pl − s_nl),

C the labels with a pair of non-zero weight (a one-class label is not counted).

No Python loop over labels: the positives of every label are packed into an (L, P_max)
tensor and the negatives into (L, N_max) (a stable sort of each column by class; the
padding carries weight 0), and the surrogate's kernel runs once on the batch of labels:
exp and quad by class sums along the last dim, hinge and squared hinge by one batched
sort and ``searchsorted``, sigmoid, tanh and logistic by :class:`_BatchedPairSum`, blocks of
positives of every label at once, memory O(N·L + block). On CPU with numba, sigmoid and
tanh instead run the core's compiled kernel once per label (the per-label cost,
O(N_P·N_N), dwarfs the loop; it is what a single-label call costs).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from aucscape._frontend import PairwiseArgs, bad_weights_error
from aucscape.pairwise._multilabel import (
    UNKNOWN,
    check_multi_class,
    class_index_error,
    multilabel_values_error,
    ovo_pairs,
)
from aucscape.torch._pairwise import (
    BLOCK_ELEMENTS,
    _value_slope,
    compiled_applies,
    core_pair_sums,
    form_sums,
)


def prepare_multilabel(input: Tensor, target: Tensor, sample_weight: Tensor | None,
                       label_weight: Tensor | None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Checked (x, y, w, λ): x float (N, L), y int8 in {0, 1, −1}, w (N, L), λ (L,)."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise ValueError("input and target must be torch tensors")
    if input.ndim != 2 or tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"input and target must have one shape (N, L), got "
                         f"{tuple(input.shape)} and {tuple(target.shape)}")
    if not torch.is_floating_point(input):
        raise ValueError(f"input must be a floating-point tensor, got {input.dtype}")
    dtype = torch.promote_types(input.dtype, torch.float32)
    x = input.to(dtype)
    y = target.detach().to(x.device)
    bad = (y != 0) & (y != 1) & (y != UNKNOWN)
    if bool(bad.any()):
        raise multilabel_values_error("target", y[bad].double().cpu().numpy())
    n, n_labels = x.shape
    w = (torch.ones_like(x) if sample_weight is None
         else torch.as_tensor(sample_weight, device=x.device).detach().to(dtype))
    if w.shape == (n,):
        w = w[:, None].expand(n, n_labels)
    if w.shape != (n, n_labels):
        raise ValueError(f"sample_weight must have shape ({n},) or ({n}, {n_labels}), "
                         f"got {tuple(w.shape)}")
    lam = (torch.ones(n_labels, dtype=dtype, device=x.device) if label_weight is None
           else torch.as_tensor(label_weight, device=x.device).detach().to(dtype))
    if lam.shape != (n_labels,):
        raise ValueError(f"label_weight must have shape ({n_labels},), got {tuple(lam.shape)}")
    for t, name in ((w, "sample_weight"), (lam, "label_weight")):
        if bool((~torch.isfinite(t)).any()) or bool((t < 0).any()):
            raise bad_weights_error(name)
    return x, y.to(torch.int8), w, lam


def _top_negatives(s: Tensor, neg: Tensor, alpha: float) -> Tensor:
    """Mask of each column's k = ⌈α·N_N⌉ highest-scored negatives (earlier row first at ties).

    The rule of :func:`aucscape.pairwise._problem.top_negatives`, for all columns at once.
    """
    n_neg = neg.sum(0)
    k = torch.clamp(torch.ceil(alpha * n_neg.double() * (1.0 - 1e-12)), min=1).to(n_neg.dtype)
    key = torch.where(neg, -s.detach(), torch.inf)
    order = torch.argsort(key, dim=0, stable=True)
    rank = torch.empty_like(order)
    rows = torch.arange(s.shape[0], device=s.device)[:, None].expand_as(order)
    rank.scatter_(0, order, rows)
    return neg & (rank < torch.minimum(k, n_neg))


def _pack(s: Tensor, w: Tensor, member: Tensor) -> tuple[Tensor, Tensor, list[int]]:
    """(scores, weights) of each column's members as (L, K_max) rows (padding weight 0)."""
    counts = member.sum(0)
    k_max = max(1, int(counts.max()))
    order = torch.argsort((~member).to(torch.uint8), dim=0, stable=True)[:k_max]
    valid = torch.arange(k_max, device=s.device)[:, None] < counts[None, :]
    return (s.gather(0, order).T.contiguous(), (w.gather(0, order) * valid).T.contiguous(),
            [int(c) for c in counts])


class _BatchedPairSum(torch.autograd.Function):
    """S_l = Σ_p Σ_n a_lp b_ln ℓ(s_lp − s_ln) for every row l, with its gradient in one pass.

    Inputs (L, P) and (L, M); blocks of positives of all rows at once; ℓ' as in
    :class:`aucscape.torch._pairwise._BlockedPairSum`. Weights are constants.
    """

    @staticmethod
    def forward(ctx, sp, sn, ap, bn, code, beta, counts):  # type: ignore[override]
        compiled = _compiled_rows(code, sp, sn, ap, bn, beta, counts)
        if compiled is not None:
            total, gp, gn = compiled
            ctx.save_for_backward(gp, gn)
            return total
        n_rows, m = sn.shape
        rows = max(1, BLOCK_ELEMENTS // max(1, n_rows * m))
        total = sp.new_zeros(n_rows)
        gp = torch.empty_like(sp)
        col = torch.zeros_like(sn)  # Σ_p a_p ℓ'/(−β) per negative
        for start in range(0, sp.shape[1], rows):
            v = (sp[:, start:start + rows, None] - sn[:, None, :]).mul_(-beta)
            value, d1 = _value_slope(code, v)
            a_blk = ap[:, start:start + rows]
            total += (a_blk * torch.bmm(value, bn[:, :, None])[..., 0]).sum(1)
            gp[:, start:start + rows] = a_blk * torch.bmm(d1, bn[:, :, None])[..., 0]
            col += torch.bmm(a_blk[:, None, :], d1)[:, 0]
        ctx.save_for_backward(gp.mul_(-beta), (beta * bn) * col)
        return total

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        gp, gn = ctx.saved_tensors
        return grad[:, None] * gp, grad[:, None] * gn, None, None, None, None, None


def _compiled_rows(code, sp, sn, ap, bn, beta, counts):
    """Per-row core kernel (CPU + numba, sigmoid/tanh), or None where it does not apply."""
    if not compiled_applies(code, sp, beta):
        return None
    n_pos, n_neg = counts
    total = sp.new_zeros(sp.shape[0])
    gp, gn = torch.zeros_like(sp), torch.zeros_like(sn)
    for row in range(sp.shape[0]):
        p, m = n_pos[row], n_neg[row]
        v, g_p, g_n = core_pair_sums(code, sp[row, :p], sn[row, :m], ap[row, :p],
                                     bn[row, :m], beta)
        total[row], gp[row, :p], gn[row, :m] = v, g_p, g_n
    return total, gp, gn


def multilabel_risk(args: PairwiseArgs, input: Tensor, target: Tensor, *, from_logits: bool,
                    sample_weight: Tensor | None = None, label_weight: Tensor | None = None,
                    gather: bool = False) -> Tensor:
    """The multi-label risk R (module docstring) for a checked configuration ``args``."""
    x, y, w, lam = prepare_multilabel(input, target, sample_weight, label_weight)
    if gather:
        from aucscape.torch._gather import gather_batch

        x, y, w = gather_batch(x, y, w)
    s = torch.sigmoid(x) if from_logits else x
    w = torch.where(y == UNKNOWN, 0.0, w)
    pos = (y == 1) & (w > 0)
    neg = (y == 0) & (w > 0)
    if args.max_fpr is not None:
        neg = _top_negatives(s, neg, args.max_fpr)
    counted = pos.any(0) & neg.any(0) & (lam > 0)
    if args.pos_weight == 0.0 or not bool(counted.any()):
        return (s * 0.0).sum()  # keeps the graph: zero gradient, never NaN
    keep = torch.nonzero(counted).reshape(-1)
    s, w, pos, neg, lam = s[:, keep], w[:, keep], pos[:, keep], neg[:, keep], lam[keep]
    sp, ap, n_pos = _pack(s, w, pos)
    sn, bn, n_neg = _pack(s, w, neg)
    if args.reduction == "mean":  # fold 1/Z_l into the weights, as the single-label path
        ap = ap * (args.pos_weight / ap.sum(1, keepdim=True))
        bn = bn / bn.sum(1, keepdim=True)
    else:
        ap = ap * args.pos_weight
    risks = _row_sums(args, sp, sn, ap, bn, (n_pos, n_neg))
    return (lam / lam.sum()) @ risks


def _row_sums(args: PairwiseArgs, sp, sn, ap, bn, counts) -> Tensor:
    """The kernel of ``args.form`` for every row (label) at once."""
    form = args.form

    def blocked(p: Tensor) -> Tensor:
        if not math.isfinite(form.beta):
            raise ValueError(f"beta must be finite for a multi-label loss, got {form.beta}")
        return _BatchedPairSum.apply(p, sn, ap, bn, form.code, form.beta, counts)

    return form_sums(args, sp, sn, ap, bn, blocked)


def multiclass_columns(input: Tensor, target: Tensor, multi_class: str
                       ) -> tuple[Tensor, Tensor]:
    """(scores, labels) of the multi-label problem of C-class scores (N, C), classes (N,).

    ``"ovr"``: the one-hot labels. ``"ovo"``: one column per ordered pair (j, k), j ≠ k,
    scores s_j, label 1 on class j, 0 on class k, −1 elsewhere (as the NumPy core).
    """
    check_multi_class(multi_class)
    if input.ndim != 2 or input.shape[1] < 2:
        raise ValueError(f"input must have shape (N, C) with C >= 2, got {tuple(input.shape)}")
    n_classes = input.shape[1]
    y = torch.as_tensor(target, device=input.device).reshape(-1)
    if y.shape[0] != input.shape[0]:
        raise ValueError(f"target has {y.shape[0]} entries but input has {input.shape[0]}")
    bad = (y < 0) | (y >= n_classes) | (y != torch.round(y.double()).to(y.dtype))
    if bool(bad.any()):
        raise class_index_error("target", n_classes, y[bad].double().cpu().numpy())
    onehot = (y.long()[:, None] == torch.arange(n_classes, device=y.device)).to(torch.int8)
    if multi_class == "ovr":
        return input, onehot
    j, k = (torch.as_tensor(v, device=y.device) for v in ovo_pairs(n_classes))
    labels = torch.where(onehot[:, j] == 1, 1, torch.where(onehot[:, k] == 1, 0, UNKNOWN))
    return input[:, j], labels.to(torch.int8)


def multilabel_auc_loss(
    input: Tensor,
    target: Tensor,
    surrogate: str = "sigmoid",
    *,
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    sample_weight: Tensor | None = None,
    label_weight: Tensor | None = None,
    reduction: str = "mean",
    max_fpr: float | None = None,
    gather: bool = False,
) -> Tensor:
    """Multi-label pairwise AUC risk R = Σ_{l∈C} λ_l R_l / Σ_{l∈C} λ_l (module docstring).

    Parameters
    ----------
    input : (N, L) scores, or logits when ``from_logits`` (s = σ(input)).
    target : (N, L) labels in {0, 1}, −1 for an unknown entry (dropped).
    sample_weight : (N,) or (N, L) non-negative weights (constants).
    label_weight : (L,) non-negative λ (ones by default).
    gather : all-gather the batch over the process group first (pairs across ranks,
        :mod:`aucscape.torch._gather`).
    surrogate, beta, margin, pos_weight, reduction, max_fpr : as
        :func:`aucscape.torch.pairwise_auc_loss`, for each label's R_l.

    >>> import torch
    >>> y = torch.tensor([[1, 0], [0, 1], [1, -1]])
    >>> s = torch.tensor([[0.75, 0.5], [0.25, 0.5], [0.5, 0.0]], dtype=torch.float64)
    >>> float(multilabel_auc_loss(s, y, "hinge", beta=4.0, margin=1.0))  # (0/2 + 1)/2
    0.5
    """
    from aucscape._frontend import pairwise_args

    args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, max_fpr=max_fpr,
                         from_logits=bool(from_logits))
    return multilabel_risk(args, input, target, from_logits=from_logits,
                           sample_weight=sample_weight, label_weight=label_weight,
                           gather=gather)


def multiclass_auc_loss(
    input: Tensor,
    target: Tensor,
    surrogate: str = "sigmoid",
    *,
    multi_class: str = "ovr",
    sample_weight: Tensor | None = None,
    gather: bool = False,
    **kwargs,
) -> Tensor:
    """One-vs-rest or one-vs-one pairwise risk from (N, C) scores and (N,) class indices.

    ``"ovr"``: the multi-label risk of the one-hot labels; ``"ovo"``: the mean over the
    ordered class pairs (j, k) of the risk of class j against class k on the scores s_j
    (both directions of every pair, as scikit-learn's ``multi_class="ovo"``). Other
    keyword arguments: those of :func:`multilabel_auc_loss` (``label_weight`` (C,) for
    "ovr" only).

    >>> import torch
    >>> s = torch.tensor([[0.75, 0.25], [0.25, 0.75]])
    >>> float(multiclass_auc_loss(s, torch.tensor([0, 1]), "hinge", beta=4.0,
    ...                           margin=1.0, multi_class="ovo"))
    0.0
    """
    from aucscape._frontend import pairwise_args

    label_weight = kwargs.pop("label_weight", None)
    from_logits = bool(kwargs.pop("from_logits", False))
    args = pairwise_args(surrogate, from_logits=from_logits, **kwargs)
    return multiclass_risk(args, input, target, multi_class, from_logits=from_logits,
                           sample_weight=sample_weight, label_weight=label_weight,
                           gather=gather)


def multiclass_risk(args: PairwiseArgs, input: Tensor, target: Tensor, multi_class: str, *,
                    from_logits: bool, sample_weight: Tensor | None = None,
                    label_weight: Tensor | None = None, gather: bool = False) -> Tensor:
    """:func:`multiclass_auc_loss` for a checked configuration ``args``."""
    if not isinstance(input, Tensor):
        raise ValueError("input and target must be torch tensors")
    if gather:  # gather the classes before the columns are built (ovo needs them)
        from aucscape.torch._gather import gather_batch

        extra = () if sample_weight is None else (sample_weight,)
        target = torch.as_tensor(target, device=input.device)
        input, target, *rest = gather_batch(input, target, *extra)
        sample_weight = rest[0] if rest else None
    cols, labels = multiclass_columns(input, target, multi_class)
    return multilabel_risk(args, cols, labels, from_logits=from_logits,
                           sample_weight=sample_weight, label_weight=label_weight)
