"""Cross-entropy objective: E = −(1/N) Σ_d ln p_{c_d}(W; x_d) + λ Σ W².

With softmax outputs p = softmax(o), ∂E/∂o_d = (p_d − e_{c_d})/N and the curvature of the
loss in the logits is (diag(p_d) − p_d p_dᵀ)/N, independent of the label; the exact
Hessian adds the network's own second-order term Σ_{d,c} G_dc ∇²o_dc (see
:meth:`aucscape.nn.MLP.second_order`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aucscape.nn import Forward
from aucscape.objectives.base import FloatArray, NetworkObjective

__all__ = ["CrossEntropy"]


class CrossEntropy(NetworkObjective):
    """Mean softmax cross-entropy of an :class:`~aucscape.nn.MLP` plus λ‖W‖².

    ``y`` holds integer class labels 0..C−1 (C = ``model.n_out``; 0/1 for the paper's
    binary problems). ``dataset`` (optional) is the Dataset, or its description dict,
    that X and y came from; it is recorded by :meth:`describe`.
    """

    loss_name = "ce"

    def _check_labels(self, y: np.ndarray) -> np.ndarray:
        """Integer labels 0..C−1 (ints, bools or whole floats); also builds the one-hot."""
        C = self.model.n_out
        if y.size and not np.issubdtype(y.dtype, np.number) and y.dtype != np.bool_:
            raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
        yf = y.astype(np.float64)  # checked before any integer cast (NaN/inf/huge are UB)
        bad = ~(np.isfinite(yf) & (yf == np.floor(yf)) & (yf >= 0) & (yf < C))
        if np.any(bad):
            raise ValueError(
                f"y must hold integer labels in 0..{C - 1}; found {np.unique(y[bad])[:5].tolist()}"
            )
        yi = yf.astype(np.int64)
        self._onehot = np.eye(C)[yi]
        return yi

    def _loss_grad(self, fwd: Forward, need_grad: bool) -> tuple[float, FloatArray | None]:
        o = fwd.logits
        N = o.shape[0]
        if o.shape[1] == 2:
            lse = np.logaddexp(o[:, 0], o[:, 1])
        else:
            m = o.max(axis=1)
            lse = m + np.log(np.exp(o - m[:, None]).sum(axis=1))
        L = float(np.mean(lse - o[np.arange(N), self.y]))
        if not need_grad:
            return L, None
        return L, (fwd.proba - self._onehot) / N

    def _loss_hessian(self, w: FloatArray, fwd: Forward) -> FloatArray:
        p = fwd.proba
        N = p.shape[0]
        G = (p - self._onehot) / N
        pr = p[:, 1:]
        # (diag(p) − p pᵀ)/N restricted to classes 1..C−1 (shift invariance, see base).
        M = (np.einsum("nc,cd->ncd", pr, np.eye(pr.shape[1])) - pr[:, :, None] * pr[:, None, :])
        M /= N
        Jd = self._difference_jacobians(w, fwd)
        return self._pointwise_gauss_newton(Jd, M) + self.model.second_order(w, fwd, G)

    def _describe_loss(self) -> dict[str, Any]:
        return {"loss": "ce"}

    def _kernel_function(self, kernels: Any) -> Any:
        return kernels.ce_energy_gradient

    def _build_kernel_args(self) -> tuple[Any, ...]:
        """(Xᵀ, y, H, C, λ) for :func:`aucscape.objectives._kernels.ce_energy_gradient`."""
        return (np.array(self.X.T, dtype=np.float64, order="C"), np.array(self.y, dtype=np.int64),
                int(self.model.n_hidden), int(self.model.n_out), float(self.lam))
