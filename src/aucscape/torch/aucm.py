"""AUC-margin loss (AUC-M) for PyTorch: the min-max objective of Yuan et al. (ICCV 2021).

For the scores s of a batch (s = σ(input) with ``from_logits=True``), sample weights w
and the auxiliary a, b and dual α ≥ 0 (see :mod:`aucscape._aucm` for the derivation),

    f(s; a, b, α) = E_P (s − a)² + E_N (s − b)² + 2α (m − E_P s + E_N s) − α²,

E_P x = Σ_{y_i=1} w_i x_i / Σ_{y_i=1} w_i (E_N likewise over the negatives). Minimised
over the network and (a, b), maximised over α ≥ 0: train it with :class:`aucscape.torch.PESG`.
Its saddle value over (a, b, α) for fixed scores is the AUC margin loss

    AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+²,

which :func:`aucm_loss` returns when a, b and α are not given (any optimiser then works,
as with the Keras and JAX front ends). O(N) and vectorised; a batch with one class only
(or zero weight on a class) gives 0 and zero gradients, never NaN.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from aucscape._aucm import DEFAULT_MARGIN, check_margin
from aucscape._validation import check_int
from aucscape.pairwise._multilabel import UNKNOWN
from aucscape.torch._inputs import prepare
from aucscape.torch._multilabel import prepare_multilabel

__all__ = ["AUCMLoss", "aucm_loss"]


def aucm_loss(
    input: Tensor,
    target: Tensor,
    *,
    margin: float = DEFAULT_MARGIN,
    a: Tensor | None = None,
    b: Tensor | None = None,
    alpha: Tensor | None = None,
    from_logits: bool = False,
    sample_weight: Tensor | None = None,
    label_weight: Tensor | None = None,
    gather: bool = False,
) -> Tensor:
    """AUC-M objective f(s; a, b, α), or its closed-form saddle value AM(s), as a 0-d tensor.

    With ``a``, ``b`` and ``alpha`` given (0-d tensors, e.g. the parameters of
    :class:`AUCMLoss`), returns f = E_P (s − a)² + E_N (s − b)² + 2α(m − E_P s + E_N s)
    − α², differentiable in s, a, b and α. With all three None, uses the exact inner
    solution a = μ_P, b = μ_N, α = max(0, m − μ_P + μ_N) and returns
    AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+².

    Multi-label: (N, L) ``input`` and ``target`` (0/1, −1 = unknown entry), or ``a``, ``b``,
    ``alpha`` of shape (L,), give Σ_{l∈C} λ_l f_l / Σ_{l∈C} λ_l, f_l the objective of label
    l with its own a_l, b_l, α_l, over the labels C with both classes in the batch
    (``label_weight`` λ, ones by default; ``sample_weight`` (N,) or (N, L)).
    ``gather=True`` all-gathers the batch over the process group first (pairs across
    ranks, :mod:`aucscape.torch._gather`): every rank then computes the same f, so a, b
    and α receive identical gradients and stay identical on every rank.

    >>> import torch
    >>> s = torch.tensor([0.9, 0.8, 0.3, 0.1])
    >>> round(float(aucm_loss(s, torch.tensor([1, 1, 0, 0]))), 6)  # 0.0025 + 0.01 + 0.35²
    0.135
    """
    m = check_margin(margin)
    given = [t is not None for t in (a, b, alpha)]
    if any(given) and not all(given):
        raise ValueError("give all of a, b and alpha, or none of them (closed form)")
    multi = isinstance(input, Tensor) and input.ndim == 2 and (
        input.shape[1] > 1 or (a is not None and a.ndim == 1))
    if multi:
        x, y8, w, lam = prepare_multilabel(input, target, sample_weight, label_weight)
    else:
        x, y, w = prepare(input, target, sample_weight)
    if gather:
        from aucscape.torch._gather import gather_batch

        x, y8, w = gather_batch(x, y8 if multi else y, w)
        y = y8
    if multi:
        w = torch.where(y8 == UNKNOWN, 0.0, w)
        y = y8 == 1
    s = torch.sigmoid(x) if from_logits else x
    wp = torch.where(y, w, 0.0)
    wn = torch.where(y | (w == 0), 0.0, w)
    wp_tot, wn_tot = wp.sum(0), wn.sum(0)
    valid = (wp_tot > 0) & (wn_tot > 0)
    # Guarded denominators: a one-class batch computes finite stand-ins, then selects 0.
    wp = wp / torch.where(valid, wp_tot, 1.0)
    wn = wn / torch.where(valid, wn_tot, 1.0)
    mu_p, mu_n = (wp * s).sum(0), (wn * s).sum(0)
    if a is None:
        a, b = mu_p, mu_n
        alpha = torch.clamp(m - mu_p + mu_n, min=0.0)
    else:
        if any(t.numel() != mu_p.numel() for t in (a, b, alpha)):
            raise ValueError(f"a, b and alpha must have {mu_p.numel()} entries (one per "
                             f"label), got {a.numel()}, {b.numel()}, {alpha.numel()}")
        a, b, alpha = (t.to(s.dtype).reshape(mu_p.shape) for t in (a, b, alpha))
    f = ((wp * (s - a) ** 2).sum(0) + (wn * (s - b) ** 2).sum(0)
         + 2.0 * alpha * (m - mu_p + mu_n) - alpha**2)  # fmt: skip
    f = torch.where(valid, f, torch.zeros_like(f))
    if not multi:
        return f
    lam = torch.where(valid, lam, 0.0)
    total = lam.sum()
    return (lam @ f) / torch.where(total > 0, total, 1.0)


class AUCMLoss(nn.Module):
    """AUC-M as an ``nn.Module`` holding a, b (primal) and α (dual) as parameters.

    ``loss(input, target, sample_weight=None)`` returns
    f(s; a, b, α) = E_P (s − a)² + E_N (s − b)² + 2α (m − E_P s + E_N s) − α²
    (:func:`aucm_loss`). Pass the module to :class:`aucscape.torch.PESG` (``loss_fn=``),
    which descends on the network, a and b and ascends on α (kept ≥ 0). The three
    scalars start at 0 and travel with ``state_dict``. ``.closed_form(...)`` gives the
    saddle value AM(s) of the batch without the auxiliary variables.

    Parameters
    ----------
    margin : m ≥ 0 (1.0, the paper's choice for scores in [0, 1]; on probabilities
        m ≥ 1 keeps the hinge always active, so AM is the mean pairwise square loss).
    from_logits : if True, scores are s = σ(input).
    num_labels : L for (N, L) multi-label input: a, b and α become (L,) parameters, one
        per label (PESG updates them elementwise); None (default) for one label.
    label_weight : (L,) weights λ of the labels in the mean (ones by default).
    gather : pairs across the ranks of a process group (see :func:`aucm_loss`).

    >>> import torch
    >>> from aucscape.torch import AUCMLoss
    >>> loss = AUCMLoss(margin=1.0)
    >>> round(float(loss(torch.tensor([0.9, 0.2]), torch.tensor([1, 0]))), 6)  # a = b = α = 0
    0.85
    """

    def __init__(self, margin: float = DEFAULT_MARGIN, *, from_logits: bool = False,
                 num_labels: int | None = None, label_weight: Tensor | None = None,
                 gather: bool = False) -> None:
        super().__init__()
        self.margin = check_margin(margin)
        self.from_logits = bool(from_logits)
        shape = () if num_labels is None else (check_int(num_labels, "num_labels",
                                                         minimum=1),)
        self.a = nn.Parameter(torch.zeros(shape))
        self.b = nn.Parameter(torch.zeros(shape))
        self.alpha = nn.Parameter(torch.zeros(shape))
        self.label_weight = label_weight
        self.gather = bool(gather)

    def forward(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        return aucm_loss(input, target, margin=self.margin, a=self.a, b=self.b,
                         alpha=self.alpha, from_logits=self.from_logits,
                         sample_weight=sample_weight, label_weight=self.label_weight,
                         gather=self.gather)

    def closed_form(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        """AM(s) = Var_P + Var_N + (m − μ_P + μ_N)_+², the saddle value of f on this batch."""
        return aucm_loss(input, target, margin=self.margin, from_logits=self.from_logits,
                         sample_weight=sample_weight, label_weight=self.label_weight,
                         gather=self.gather)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, from_logits={self.from_logits}"
