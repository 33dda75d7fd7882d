"""The AUC-margin (AUC-M) min-max objective: its equations and argument checks, once.

Yuan, Yan, Sonka & Yang (ICCV 2021, "Large-scale robust deep AUC maximization") replace
the pairwise square loss of Ying et al. (2016) by the AUC margin loss

    AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+²,

μ_P, Var_P (μ_N, Var_N) the mean and variance of the scores of the positives (negatives),
and solve it as the min-max problem min_{w, a, b} max_{α ≥ 0} f with

    f(s; a, b, α) = E_P (s − a)² + E_N (s − b)² + 2α (m − E_P s + E_N s) − α².

This is LibAUC's ``AUCMLoss(version="v2")``. Its "v1" form, the per-sample
F(z) = (1 − p)(s − a)² 1[y=1] + p (s − b)² 1[y=0] + 2α(p(1 − p)m + p s 1[y=0]
− (1 − p) s 1[y=1]) − p(1 − p)α² averaged over a batch, equals p(1 − p)·f when p is the
batch's positive rate (LibAUC's default): the same saddle point, scaled by the class
balance of each batch. aucscape uses f without that factor, so the loss scale does not
change with the batch composition, and a one-class batch (where E_P or E_N is undefined)
gives 0 by definition, with zero gradients.

The inner problem has a closed form: for fixed scores f is a convex quadratic in (a, b)
and a concave one in α, so

    a* = μ_P,   b* = μ_N,   α* = max(0, m − μ_P + μ_N),   f(s; a*, b*, α*) = AM(s),

and by Danskin's theorem ∇_s AM(s) = ∇_s f(s; a*, b*, α*). When the margin is not met
(m ≥ μ_P − μ_N, always so for m ≥ 1 on probabilities) AM is exactly the mean pairwise
quadratic risk (1/(NP·NN)) Σ_p Σ_n (m − s_p + s_n)², whose class-moment form is the same
identity; the hinge (·)_+ only acts once the mean scores are m apart.

With sample weights w, E_P x = Σ_P w_i x_i / Σ_P w_i (and so on): a weight is a
repetition count. NumPy only: importing this module imports no framework.
"""

from __future__ import annotations

from aucscape._frontend import DEFAULT_MARGIN
from aucscape._validation import check_nonnegative

__all__ = ["DEFAULT_MARGIN", "check_margin"]


def check_margin(margin: float) -> float:
    """The AUC-M margin m as a float, refused unless finite and ≥ 0 (booleans refused)."""
    if isinstance(margin, bool):
        raise ValueError(f"margin must be a finite number >= 0, got {margin!r}")
    return check_nonnegative(margin, "margin")
