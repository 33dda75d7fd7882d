"""PESG: proximal epoch stochastic gradient descent-ascent for the AUC-M min-max problem.

Yuan et al. (ICCV 2021) train min_{v = (w, a, b)} max_{α ≥ 0} f(v, α) (see
:class:`aucscape.torch.AUCMLoss`) with, at each step t and learning rate η,

    d_t     = ∇_v f(v_t, α_t) + λ (v_t − v_ref) + γ v_t        (primal gradient)
    u_t     = μ u_{t−1} + d_t,  u_0 = d_0                       (heavy-ball momentum)
    v_{t+1} = v_t − η u_t                                      (primal descent)
    α_{t+1} = max(0, α_t + η_α ∂f/∂α(v_t, α_t))                (projected dual ascent)

with λ = ``epoch_decay`` (a proximal pull towards the reference point v_ref), γ =
``weight_decay`` and μ = ``momentum`` (PyTorch's SGD convention, no dampening).
v_ref starts at the initial point v_0; :meth:`PESG.update_regularizer`, called at the end
of a stage (an epoch, or the epochs where the learning rate is decayed), moves it to the
average of the iterates of that stage and optionally divides every learning rate by a
``decay_factor``. All of it (momentum buffers, v_ref, the running sums, the stage's step
count, learning rates) lives in ``Optimizer.state`` and the param groups, so the standard
``state_dict`` / ``load_state_dict`` save and restore a run exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor, nn

from aucscape._validation import check_nonnegative

__all__ = ["PESG"]


def _check_momentum(momentum: float) -> float:
    mu = check_nonnegative(momentum, "momentum")
    if mu >= 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    return mu


def _as_groups(params: Iterable[Any], skip: set[int]) -> list[dict[str, Any]]:
    """User params (tensors or param-group dicts) as groups, without the loss's own ones."""
    params = list(params)
    if params and isinstance(params[0], dict):
        groups = [dict(g) for g in params]
    else:
        groups = [{"params": params}]
    for g in groups:
        ps = g["params"]
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        g["params"] = [p for p in ps if id(p) not in skip]
    return [g for g in groups if g["params"]]


class PESG(torch.optim.Optimizer):
    """Primal descent on the network and (a, b), projected dual ascent on α ≥ 0.

    Parameters
    ----------
    params : the network's parameters (or param groups). The loss's a, b and α are
        added from ``loss_fn``; passing them here too is harmless.
    loss_fn : an :class:`aucscape.torch.AUCMLoss` (anything with parameters ``a``, ``b``
        and ``alpha``: 0-d, or (L,) for multi-label, updated elementwise). Without it PESG
        is SGD with momentum, weight decay and the epoch-level proximal term.
    lr : η of the primal step (0.1).
    momentum : μ in [0, 1) (0.9).
    epoch_decay : λ ≥ 0 of the pull towards v_ref (2e-3).
    weight_decay : γ ≥ 0 (1e-5).
    dual_lr : η_α of the ascent on α (None: the same as ``lr``).

    Usage: ``opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()`` each batch,
    ``opt.update_regularizer()`` at the end of each stage.

    >>> import torch
    >>> from aucscape.torch import PESG, AUCMLoss
    >>> model, loss_fn = torch.nn.Linear(3, 1), AUCMLoss()
    >>> opt = PESG(model.parameters(), loss_fn=loss_fn, lr=0.1)
    >>> x, y = torch.randn(8, 3), torch.tensor([0, 1] * 4)
    >>> opt.zero_grad(); loss_fn(model(x).squeeze(1), y).backward(); opt.step()
    >>> bool(loss_fn.alpha >= 0)
    True
    """

    def __init__(
        self,
        params: Iterable[Any],
        loss_fn: nn.Module | None = None,
        lr: float = 0.1,
        *,
        momentum: float = 0.9,
        epoch_decay: float = 2e-3,
        weight_decay: float = 1e-5,
        dual_lr: float | None = None,
    ) -> None:
        lr = check_nonnegative(lr, "lr")
        defaults = dict(
            lr=lr,
            momentum=_check_momentum(momentum),
            epoch_decay=check_nonnegative(epoch_decay, "epoch_decay"),
            weight_decay=check_nonnegative(weight_decay, "weight_decay"),
            dual=False,
            stage_steps=0,
        )
        own: list[Tensor] = []
        if loss_fn is not None:
            missing = [k for k in ("a", "b", "alpha") if not isinstance(
                getattr(loss_fn, k, None), Tensor)]
            if missing:
                raise ValueError(f"loss_fn has no tensor attribute(s) {missing}; "
                                 "pass an aucscape.torch.AUCMLoss")
            own = [loss_fn.a, loss_fn.b, loss_fn.alpha]
        groups = _as_groups(params, {id(p) for p in own})
        if loss_fn is not None:
            groups.append({"params": own[:2]})
            eta = lr if dual_lr is None else check_nonnegative(dual_lr, "dual_lr")
            groups.append({"params": own[2:], "dual": True, "lr": eta, "momentum": 0.0,
                           "epoch_decay": 0.0, "weight_decay": 0.0})
        super().__init__(groups, defaults)
        for group in self.param_groups:
            if group["dual"]:
                continue
            for p in group["params"]:
                self.state[p]["ref"] = p.detach().clone()
                self.state[p]["stage_sum"] = torch.zeros_like(p)

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        """One descent step on the primal groups and one projected ascent step on α."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr = group["lr"]
            if group["dual"]:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=lr).clamp_(min=0.0)
                continue
            mu, lam, gamma = group["momentum"], group["epoch_decay"], group["weight_decay"]
            for p in group["params"]:
                state = self.state[p]
                if p.grad is not None:
                    if p.grad.is_sparse:
                        raise ValueError("PESG does not support sparse gradients")
                    d = p.grad.clone()
                    if gamma:
                        d.add_(p, alpha=gamma)
                    if lam:
                        d.add_(p - state["ref"], alpha=lam)
                    if mu:
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            state["momentum_buffer"] = buf = d
                        else:
                            buf.mul_(mu).add_(d)
                        d = buf
                    p.add_(d, alpha=-lr)
                state["stage_sum"].add_(p)
            group["stage_steps"] += 1
        return loss

    @torch.no_grad()
    def update_regularizer(self, decay_factor: float | None = None) -> None:
        """End a stage: v_ref ← mean of the stage's iterates; lr ← lr / ``decay_factor``.

        A stage without steps keeps its reference point. ``decay_factor`` (> 0, or None
        for no change) divides the learning rate of every group, the dual one included.
        """
        if decay_factor is not None:
            factor = check_nonnegative(decay_factor, "decay_factor")
            if factor == 0:
                raise ValueError("decay_factor must be > 0")
            for group in self.param_groups:
                group["lr"] = group["lr"] / factor
        for group in self.param_groups:
            if group["dual"] or group["stage_steps"] == 0:
                continue
            for p in group["params"]:
                state = self.state[p]
                state["ref"].copy_(state["stage_sum"] / group["stage_steps"])
                state["stage_sum"].zero_()
            group["stage_steps"] = 0
