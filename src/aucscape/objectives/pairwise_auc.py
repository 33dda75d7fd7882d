"""Pairwise AUC objective: E = R(s(W)) + λ Σ W², s_d = p_1(W; x_d).

R(s) = (1/(NP·NN)) Σ_p Σ_n ℓ(s_p − s_n) is the pairwise risk of :mod:`aucscape.pairwise`
(mean reduction), so for the sigmoid surrogate E = 1 − appAUC + λ‖W‖² (eq. 6 of the
paper). With g = ∂R/∂s and q_d = ∂s_d/∂o_d = p_1(e_1 − p_d):

    ∇E  = Σ_d g_d ∇s_d + 2λW                         (one backprop with cotangent g q)
    ∇²E = Jᵀ H_s J + Σ_d g_d ∇²s_d + 2λI

where J (N, P) is the Jacobian of the scores and H_s = ∂²R/∂s² comes from
:func:`aucscape.pairwise.pairwise_curvature` as a diagonal plus the positive-negative
cross block K. Σ_d g_d ∇²s_d = Σ_d g_d J_odᵀ T_d J_od + Σ_{d,c} g_d q_dc ∇²o_dc with
T_d = ∇²_o p_1 = p_1[(e_1 − p)(e_1 − p)ᵀ + p pᵀ − diag(p)]. The diagonal of H_s and the
T_d term are per point and share one Gauss-Newton product; only K couples points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from aucscape._validation import check_labels, check_nonnegative, check_positive
from aucscape.defaults import DEFAULT_BETA, DEFAULT_LAM, DEFAULT_MARGIN
from aucscape.nn import MLP, Forward
from aucscape.objectives.base import FloatArray, NetworkObjective
from aucscape.surrogates import (
    SURROGATES,
    get_surrogate,
    is_builtin,
    warn_if_linear_on_probabilities,
)

#: Version of the surrogate forms recorded by ``describe()``: 2 is ℓ(z) = f(βz) for every
#: surrogate (before, hinge, squared hinge and quad ignored β).
SURROGATE_FORM = 2

#: Largest NP·NN for which the Hessian runs compiled (its pair curvature, 8 bytes a pair,
#: is held whole: 16 MB); the blocked NumPy Hessian keeps memory bounded beyond it.
HESSIAN_KERNEL_PAIRS = 1 << 21

__all__ = ["HESSIAN_KERNEL_PAIRS", "PairwiseAUC"]


class PairwiseAUC(NetworkObjective):
    """Pairwise surrogate AUC risk of the positive-class probability, plus λ‖W‖².

    ``surrogate`` is any name in :data:`aucscape.surrogates.SURROGATES`, in the uniform
    form ℓ(z) = f(βz) (hinge max(0, m − βz), quad (m − βz)², sigmoid σ(−βz), …; see
    ``docs/surrogates.md``): ``beta`` (> 0, default 40 for every surrogate, as OPTIM gives
    every AUC surrogate one β) and ``margin`` (≥ 0, default 1; ignored by sigmoid, tanh,
    logistic and exp) are passed to it. On probabilities z ∈ [−1, 1], so a margin
    surrogate with m ≥ β has no active kink (hinge exactly linear): that warns.
    ``pos_weight`` multiplies every pair term (see :func:`aucscape.pairwise.pairwise_loss`).
    ``y`` holds 0/1 labels (1 = positive); ``dataset`` is recorded by :meth:`describe`.
    """

    def __init__(
        self,
        model: MLP,
        X: ArrayLike,
        y: ArrayLike,
        surrogate: str = "sigmoid",
        *,
        beta: float = DEFAULT_BETA,
        margin: float = DEFAULT_MARGIN,
        pos_weight: float = 1.0,
        lam: float = DEFAULT_LAM,
        dataset: Any = None,
    ) -> None:
        super().__init__(model, X, y, lam=lam, dataset=dataset)
        sur = get_surrogate(surrogate)
        if not is_builtin(sur):
            raise ValueError(
                f"PairwiseAUC needs a registered surrogate (one of {sorted(SURROGATES)}), so "
                f"that describe() can name it; got the user surrogate {sur.name!r}"
            )
        self.surrogate = sur.name
        self.loss_name = self.surrogate
        self.beta = check_positive(beta, "beta")
        self.margin = check_nonnegative(margin, "margin")
        warn_if_linear_on_probabilities(sur, self.beta, self.margin)
        self.pos_weight = check_nonnegative(pos_weight, "pos_weight")
        self._kw = {
            "surrogate": self.surrogate,
            "beta": self.beta,
            "margin": self.margin,
            "pos_weight": self.pos_weight,
        }

    def _check_labels(self, y: np.ndarray) -> np.ndarray:
        """0/1 labels (1 = positive) as bools."""
        return check_labels(y, "y")

    def _loss_grad(self, fwd: Forward, need_grad: bool) -> tuple[float, FloatArray | None]:
        from aucscape.pairwise import pairwise_loss

        s = fwd.proba[:, 1]
        if not need_grad:
            return float(pairwise_loss(self.y, s, **self._kw)), None
        R, g = pairwise_loss(self.y, s, return_grad=True, **self._kw)
        return float(R), g[:, None] * self.model.p1_cotangent(fwd)

    def _loss_hessian(self, w: FloatArray, fwd: Forward) -> FloatArray:
        from aucscape.pairwise import pairwise_curvature, pairwise_loss

        p = fwd.proba
        s = p[:, 1]
        _, g = pairwise_loss(self.y, s, return_grad=True, **self._kw)
        curv = pairwise_curvature(self.y, s, **self._kw)
        q = self.model.p1_cotangent(fwd)  # (N, C), rows sum to 0
        Jd = self._difference_jacobians(w, fwd)  # (C−1, N, P)
        qr = q[:, 1:]
        J = np.einsum("nc,cnp->np", qr, Jd) if qr.shape[1] > 1 else qr[:, 0, None] * Jd[0]
        # per-point curvature in the logit differences: diag(H_s) q' q'ᵀ + g T'
        v = -p[:, 1:]
        v[:, 0] += 1.0  # (e_1 − p) restricted to classes 1..C−1
        pr = p[:, 1:]
        T = v[:, :, None] * v[:, None, :] + pr[:, :, None] * pr[:, None, :]
        T -= np.einsum("nc,cd->ncd", pr, np.eye(pr.shape[1]))
        M = np.asarray(curv.diag)[:, None, None] * (qr[:, :, None] * qr[:, None, :])
        M += (g * s)[:, None, None] * T
        H = self._pointwise_gauss_newton(Jd, M)
        # pair coupling: J_Pᵀ K J_N + its transpose
        pos, neg = np.asarray(curv.pos), np.asarray(curv.neg)
        if pos.size and neg.size:
            cross = J[pos].T @ np.asarray(curv.cross_matmul(J[neg]))
            H += cross + cross.T
        H += self.model.second_order(w, fwd, g[:, None] * q)
        return H

    def _describe_loss(self) -> dict[str, Any]:
        return {
            "loss": self.surrogate,
            "beta": self.beta,
            "margin": self.margin,
            "pos_weight": self.pos_weight,
            "surrogate_form": SURROGATE_FORM,
        }

    def _kernel_function(self, kernels: Any) -> Any:
        return kernels.auc_energy_gradient

    def _hessian_kernel(self) -> tuple[Any, tuple[Any, ...]] | None:
        """``auc_hessian`` with the E/∇E kernel's arguments, for two classes and at most
        :data:`HESSIAN_KERNEL_PAIRS` pairs (it holds the NP × NN pair curvature; larger
        problems take the blocked NumPy Hessian)."""
        if self.model.n_out != 2:
            return None
        n_pos = int(np.count_nonzero(self.y))
        if n_pos * (self.y.size - n_pos) > HESSIAN_KERNEL_PAIRS:
            return None
        from aucscape.objectives import _kernels

        return _kernels.auc_hessian, self.numba_kernel()[1]  # type: ignore[index]

    def _build_kernel_args(self) -> tuple[Any, ...]:
        """(Xᵀ, H, C, λ, ipos, ineg, α', b, code, β', m') for ``auc_energy_gradient``.

        The active pairs and weights are those :func:`aucscape.pairwise.pairwise_loss`
        builds (mean reduction, no sample weights); (code, β', m', outer) is the
        surrogate's ``KernelForm`` (tanh: the sigmoid at 2β), α' = outer · α.
        """
        from aucscape.pairwise._problem import prepare

        pb = prepare(self.y, np.zeros(self.y.size), self.surrogate, self.beta, self.margin,
                     self.pos_weight, None, "mean")
        form = pb.form
        return (np.array(self.X.T, dtype=np.float64, order="C"), int(self.model.n_hidden),
                int(self.model.n_out), float(self.lam), np.array(pb.ipos, dtype=np.int64),
                np.array(pb.ineg, dtype=np.int64),
                np.array(pb.a * form.outer, dtype=np.float64),
                np.array(pb.b, dtype=np.float64), int(form.code), float(form.beta),
                float(form.margin))
