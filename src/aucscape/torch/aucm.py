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
from aucscape.torch._inputs import prepare

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
) -> Tensor:
    """AUC-M objective f(s; a, b, α), or its closed-form saddle value AM(s), as a 0-d tensor.

    With ``a``, ``b`` and ``alpha`` given (0-d tensors, e.g. the parameters of
    :class:`AUCMLoss`), returns f = E_P (s − a)² + E_N (s − b)² + 2α(m − E_P s + E_N s)
    − α², differentiable in s, a, b and α. With all three None, uses the exact inner
    solution a = μ_P, b = μ_N, α = max(0, m − μ_P + μ_N) and returns
    AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+².

    >>> import torch
    >>> s = torch.tensor([0.9, 0.8, 0.3, 0.1])
    >>> round(float(aucm_loss(s, torch.tensor([1, 1, 0, 0]))), 6)  # 0.0025 + 0.01 + 0.35²
    0.135
    """
    m = check_margin(margin)
    given = [t is not None for t in (a, b, alpha)]
    if any(given) and not all(given):
        raise ValueError("give all of a, b and alpha, or none of them (closed form)")
    x, y, w = prepare(input, target, sample_weight)
    s = torch.sigmoid(x) if from_logits else x
    wp = torch.where(y, w, 0.0)
    wn = w - wp
    wp_tot, wn_tot = wp.sum(), wn.sum()
    valid = (wp_tot > 0) & (wn_tot > 0)
    # Guarded denominators: a one-class batch computes finite stand-ins, then selects 0.
    wp = wp / torch.where(valid, wp_tot, 1.0)
    wn = wn / torch.where(valid, wn_tot, 1.0)
    mu_p, mu_n = wp @ s, wn @ s
    if a is None:
        a, b = mu_p, mu_n
        alpha = torch.clamp(m - mu_p + mu_n, min=0.0)
    else:
        a, b, alpha = (t.to(s.dtype).reshape(()) for t in (a, b, alpha))
    f = (wp @ (s - a) ** 2 + wn @ (s - b) ** 2
         + 2.0 * alpha * (m - mu_p + mu_n) - alpha**2)  # fmt: skip
    return torch.where(valid, f, torch.zeros_like(f))


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

    >>> import torch
    >>> from aucscape.torch import AUCMLoss
    >>> loss = AUCMLoss(margin=1.0)
    >>> round(float(loss(torch.tensor([0.9, 0.2]), torch.tensor([1, 0]))), 6)  # a = b = α = 0
    0.85
    """

    def __init__(self, margin: float = DEFAULT_MARGIN, *, from_logits: bool = False) -> None:
        super().__init__()
        self.margin = check_margin(margin)
        self.from_logits = bool(from_logits)
        self.a = nn.Parameter(torch.zeros(()))
        self.b = nn.Parameter(torch.zeros(()))
        self.alpha = nn.Parameter(torch.zeros(()))

    def forward(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        return aucm_loss(input, target, margin=self.margin, a=self.a, b=self.b,
                         alpha=self.alpha, from_logits=self.from_logits,
                         sample_weight=sample_weight)

    def closed_form(
        self, input: Tensor, target: Tensor, sample_weight: Tensor | None = None
    ) -> Tensor:
        """AM(s) = Var_P + Var_N + (m − μ_P + μ_N)_+², the saddle value of f on this batch."""
        return aucm_loss(input, target, margin=self.margin, from_logits=self.from_logits,
                         sample_weight=sample_weight)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, from_logits={self.from_logits}"
