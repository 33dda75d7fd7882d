"""Hybrid eigenvector-following to an index-1 saddle (Munro & Wales, PRB 59, 3969 (1999)).

With the exact Hessian H = sum_i lambda_i v_i v_i^T (lambda_1 <= lambda_2 <= ...) and the
gradient components g_i = v_i . g, one step is

    uphill along the lowest mode:   h_1 = 2 g_1 / (sqrt(lambda_1^2 + 4 g_1^2) - lambda_1)
    downhill in the complement:     h_i = -2 g_i / (|lambda_i| + sqrt(lambda_i^2 + 4 g_i^2))

x <- x + sum_i h_i v_i, with every |h_i| and the step length capped by a trust radius r
(at most ``max_step``). r adapts to the quadratic model's quality q = dE_actual /
dE_model, dE_model = sum_i (g_i h_i + lambda_i h_i^2 / 2): r *= 1.5 when |q - 1| < 0.25,
r /= 2 when |q - 1| > 0.75. A saddle search has no descent test, so a step is rejected
(x goes back, r is halved, the old Hessian is reused) only when the model failed
(|q - 1| > 0.75) and the RMS gradient grew, or E or g is not finite; r never falls below
1e-3 ``max_step``, so the search cannot stall on rounding. With ``patience`` P the
search also stops ("stalled") at a point of index != 1 when the best RMS gradient of the
last P steps is not below half the best one before them: on the sigmoid (beta 40) spiral
landscapes a third of the climbing images lead onto plateaus where every Hessian
eigenvalue is 2 lambda (the weight decay alone) or into regions of index 3-10, where the
search wanders at constant RMS gradient until ``max_iter``, paying one exact Hessian per
step. At index 1 it keeps going (a spiral CE search converged after 53 steps there,
having stalled by this test). The
h_1 expression maximises the rational-function model along v_1 (it moves uphill whatever
the sign of lambda_1); the h_i are minimisation steps in the space orthogonal to v_1 that
always go downhill. Near an index-1 saddle (lambda_1 < 0 < lambda_2) both reduce to the
Newton step h_i = -g_i / lambda_i, so convergence is quadratic and RMS gradients of 1e-10
are reached in a few steps. The exact Hessian is affordable at the sizes explored here
(a Rayleigh-Ritz / Lanczos estimate of v_1 would replace ``eigh`` for larger problems).

Mode following (``follow``, the single-ended searches of :mod:`.single_ended`): from a
minimum every eigenvalue is positive, so the lowest mode is only one of n ways uphill,
and on the network landscapes it is often a flat weight-decay direction (eigenvalue
2 lambda) that rises for ever. With ``follow`` = u the uphill mode of each step is not
v_1 but the eigenvector v_j with the largest overlap |v_j . u|; u is then replaced by
v_j (sign kept), so the search tracks one mode through the curvature changes
(Cerjan & Miller, JCP 75, 2800 (1981); Wales, *Energy Landscapes*, sec. 6.2). The step is
the one above with the roles of v_1 and v_j exchanged. The stall test counts only the
steps taken once the followed mode's eigenvalue is negative: the climb out of the basin
raises the RMS gradient by design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._validation import check_positive
from ...protocols import FloatArray, Objective


@dataclass
class HEFResult:
    """Outcome of a saddle search.

    x, energy, grad, rms_grad = ||grad|| / sqrt(n) at the end; eigenvalues: all Hessian
    eigenvalues at x (ascending); mode: unit eigenvector of the lowest one; n_iter: steps;
    converged: rms_grad <= tol and exactly one eigenvalue < 0; message: why it stopped.
    """

    x: FloatArray
    energy: float
    grad: FloatArray
    rms_grad: float
    eigenvalues: FloatArray
    mode: FloatArray
    n_iter: int
    converged: bool
    message: str


def ef_step(eigenvalues: FloatArray, g_modes: FloatArray, max_step: float) -> FloatArray:
    """The eigenvector-following step (module docstring) in the eigenbasis, shape (n,)."""
    lam = eigenvalues
    gm = g_modes
    h = np.empty_like(gm)
    root = np.sqrt(lam**2 + 4.0 * gm**2)
    h[1:] = -2.0 * gm[1:] / np.maximum(np.abs(lam[1:]) + root[1:], 1e-300)
    den = root[0] - lam[0]
    if den > 1e-300:
        h[0] = 2.0 * gm[0] / den
    else:  # at a minimum along v_1 with zero slope: push uphill by a full step
        h[0] = max_step
    h = np.clip(h, -max_step, max_step)
    norm = float(np.linalg.norm(h))
    if norm > max_step:
        h *= max_step / norm
    return h


def _uphill_index(vecs: FloatArray, follow: FloatArray | None) -> int:
    """Index of the uphill mode: 0 (the lowest), or the eigenvector overlapping ``follow`` most."""
    if follow is None:
        return 0
    return int(np.argmax(np.abs(vecs.T @ follow)))


def _mode_step(lam: FloatArray, gm: FloatArray, up: int, radius: float) -> FloatArray:
    """:func:`ef_step` with mode ``up`` (not 0) taken uphill."""
    if up == 0:
        return ef_step(lam, gm, radius)
    perm = np.r_[up, np.delete(np.arange(len(lam)), up)]
    h = np.empty_like(gm)
    h[perm] = ef_step(lam[perm], gm[perm], radius)
    return h


def _stalled(history: list[float], patience: int) -> bool:
    """Has the best RMS gradient of the last ``patience`` entries failed to halve the best
    one before them?"""
    if len(history) <= patience:
        return False
    return min(history[-patience:]) > 0.5 * min(history[:-patience])


def hef(
    objective: Objective,
    x0: Any,
    *,
    tol: float = 1e-10,
    max_iter: int = 500,
    max_step: float = 0.5,
    patience: int | None = None,
    follow: Any | None = None,
    max_climb: int | None = None,
) -> HEFResult:
    """Converge ``x0`` (e.g. a DNEB climbing image) to an index-1 saddle of ``objective``.

    Parameters
    ----------
    tol : RMS-gradient tolerance ||g||/sqrt(n) <= tol (1e-10 by default).
    max_iter : maximum number of eigenvector-following steps.
    max_step : largest trust radius (cap on each mode component and on the step length).
    patience : stop ("stalled") at index != 1 when the best RMS gradient of the last
        ``patience`` steps is not below half the best before them (module docstring);
        None: never.
    follow : a vector u: take uphill the mode overlapping u most, tracked from step to
        step (mode following, module docstring); None: the lowest mode (plain HEF).

    Returns
    -------
    HEFResult
        The end point, its spectrum, and whether it is a converged index-1 saddle.

    Examples
    --------
    >>> import numpy as np
    >>> from aucscape.testsurfaces import MuellerBrown
    >>> mb = MuellerBrown()
    >>> r = hef(mb, [0.2, 0.3])
    >>> r.converged, np.round(r.x, 3).tolist()
    (True, [0.212, 0.293])
    """
    tol = check_positive(tol, "tol")
    max_step = check_positive(max_step, "max_step")
    if int(max_iter) < 0:
        raise ValueError(f"max_iter must be >= 0, got {max_iter!r}")
    if patience is not None and int(patience) < 1:
        raise ValueError(f"patience must be >= 1 or None, got {patience!r}")
    n = int(objective.n_params)
    x = np.array(x0, dtype=np.float64).ravel()
    if x.shape != (n,):
        raise ValueError(f"x0 must have shape ({n},), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains NaN or inf")
    u: FloatArray | None = None
    if follow is not None:
        u = np.array(follow, dtype=np.float64).ravel()
        norm = float(np.linalg.norm(u)) if u.shape == (n,) else 0.0
        if not (np.isfinite(norm) and norm > 0):
            raise ValueError(f"follow must be a finite non-zero vector of shape ({n},)")
        u /= norm
    up = 0
    climbed = 0  # steps taken while the followed mode's eigenvalue was positive

    message = "max_iter reached"
    it = 0
    radius = max_step
    floor = 1e-3 * max_step
    prev: tuple[FloatArray, float, FloatArray, FloatArray, FloatArray, float] | None = None
    predicted = 0.0
    lam = vecs = None
    history: list[float] = []  # RMS gradient at each accepted point (stall test)
    while True:
        energy, g = objective.energy_gradient(x)
        g = np.asarray(g, dtype=np.float64)
        r = float(np.linalg.norm(g) / np.sqrt(n))
        if prev is not None:
            px, pe, pg, plam, pvecs, pr = prev
            quality = (energy - pe) / predicted if predicted != 0 else 1.0
            bad = not (np.isfinite(energy) and np.isfinite(r)) or abs(quality - 1) > 0.75
            if bad and (r > pr or not np.isfinite(r)) and radius > floor:
                # Rejected: the model failed and the gradient grew. Back to the last
                # point with half the radius (its Hessian is reused).
                radius = max(0.5 * radius, floor)
                x, energy, g, lam, vecs, r = px, pe, pg, plam, pvecs, pr
                gm = vecs.T @ g
                h = _mode_step(lam, gm, up, radius)
                predicted = float(gm @ h + 0.5 * lam @ (h * h))
                x = x + vecs @ h
                it += 1
                if it >= max_iter:
                    energy, g = objective.energy_gradient(x)
                    g = np.asarray(g, dtype=np.float64)
                    r = float(np.linalg.norm(g) / np.sqrt(n))
                    lam, vecs = np.linalg.eigh(np.asarray(objective.hessian(x),
                                                          dtype=np.float64))
                    n_neg = int(np.sum(lam < 0))
                    break
                continue
            if abs(quality - 1) < 0.25:
                radius = min(1.5 * radius, max_step)
            elif abs(quality - 1) > 0.75:
                radius = max(0.5 * radius, floor)
        lam, vecs = np.linalg.eigh(np.asarray(objective.hessian(x), dtype=np.float64))
        if not (np.isfinite(energy) and np.isfinite(r) and np.all(np.isfinite(lam))):
            message = "energy, gradient or Hessian not finite"
            n_neg = int(np.sum(lam < 0))
            break
        n_neg = int(np.sum(lam < 0))
        if r <= tol:
            message = "converged" if n_neg == 1 else f"stationary point of index {n_neg}"
            break
        if it >= max_iter:
            break
        up = _uphill_index(vecs, u)
        if u is not None:
            u = vecs[:, up] * (1.0 if vecs[:, up] @ u >= 0 else -1.0)
        if u is None or lam[up] < 0:
            history.append(r)
        else:
            climbed += 1
            if max_climb is not None and climbed > int(max_climb):
                message = f"no inflection along the followed mode in {int(max_climb)} steps"
                break
        if patience is not None and n_neg != 1 and _stalled(history, int(patience)):
            message = f"stalled (RMS gradient {r:.3g}, index {n_neg})"
            break
        gm = vecs.T @ g
        h = _mode_step(lam, gm, up, radius)
        predicted = float(gm @ h + 0.5 * lam @ (h * h))
        prev = (x, float(energy), g, lam, vecs, r)
        x = x + vecs @ h
        it += 1
    return HEFResult(
        x=x, energy=float(energy), grad=g, rms_grad=r, eigenvalues=lam, mode=vecs[:, 0].copy(),
        n_iter=it, converged=bool(r <= tol and n_neg == 1), message=message,
    )
