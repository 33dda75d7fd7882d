"""Doubly nudged elastic band (Trygubenko & Wales, J. Chem. Phys. 120, 2082 (2004)).

A band of images x_0, ..., x_{N+1} joins two minima (x_0 and x_{N+1} stay fixed). Each
interior image i feels the DNEB gradient

    g~_i = g_perp + g^s_par + (g^s_perp - (g^s_perp . u) u),      u = g_perp / |g_perp|

with g = dE/dx at x_i, tau the unit tangent (Henkelman & Jonsson's upwind tangent),
g_perp = g - (g.tau) tau, the spring gradient g^s = k (2 x_i - x_{i-1} - x_{i+1}),
g^s_par = -k (|x_{i+1} - x_i| - |x_i - x_{i-1}|) tau (keeps images evenly spaced) and
g^s_perp = g^s - (g^s.tau) tau. The last term is the "doubly nudged" part: the
perpendicular spring force with its component along the perpendicular true gradient
removed, which keeps the band smooth without pulling it off the minimum energy path.

The band is quenched with FIRE (Bitzek et al., PRL 97, 170201 (2006); ``method="fire"``,
the default), which needs only forces (g~ is not the gradient of any function), or, as
in OPTIM, by L-BFGS on the stacked DNEB gradient (``method="lbfgs"``): the two-loop
recursion over the last ``memory`` (s, y) pairs gives a step d (steepest descent, with
the memory cleared, when d . g~ >= 0), scaled so that no image moves more than a trust
radius r <= ``max_step`` (OPTIM's MAXBFGS per image). With no potential to line-search
on, the merit is the squared force Phi = |g~|^2 (a quasi-Newton step d ~ -J^{-1} g~ is a
descent direction for it): a trial band is accepted when Phi does not exceed the largest
Phi of the last 20 accepted bands (a non-monotone test, Grippo et al. 1986, so that the
soft spring modes can still move), otherwise it is rejected and r is halved (down to
max_step / 2^10, where a steepest-descent step is taken regardless); r doubles after an
accepted step at full length that lowered Phi. Phi is not a Lyapunov function of the
band's motion: where the band kinks (near an intermediate minimum, or with images folded
back over a neighbour) the upwind tangent switches, g~ jumps, and following the force can
raise Phi at every step length. There the radius sits at its floor and the forced steps
only creep (a 40-image Mueller-Brown band stayed at RMS force 4.96 for 600 steps). So when
the best RMS force has not fallen by 10 % in ``_PATIENCE`` (100) force evaluations, the
quench follows the force instead: ``_FIRE_BLOCK`` (50) FIRE steps (below; they need no
merit), then L-BFGS restarts with no memory, the full radius and a fresh window. The
quench returns the band of lowest Phi it saw. Plain L-BFGS without this control is
chaotic on Mueller-Brown (moving the end points by 1e-13 changed the final RMS force from
0.0016 to 2.37); with it the climbing-image candidates lead to both saddles for every
image count tried (8 to 64) and end-point perturbation by 1e-10, and after 1000
evaluations the RMS force is below 1e-3 of its start for 8 to 50 images (64 images: 7 of
8 draws). Climbing-image candidates are the interior images whose energy is a local
maximum along the band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._validation import check_nonnegative, check_positive
from ...protocols import FloatArray, Objective

_WINDOW = 20  # a band step is accepted when |g~|^2 is below the largest of the last 20
_MAX_SHRINK = 10  # the trust radius shrinks to at most max_step / 2^10
_FIRE_BLOCK = 50  # FIRE steps taken when the L-BFGS quench stalls
_PATIENCE = 100  # stalled: no 10 % fall of the best RMS force in this many evaluations


@dataclass
class DNEBResult:
    """A quenched band.

    path: (N+2, n) images including both fixed end points; energies: (N+2,);
    candidates: indices into ``path`` of interior local maxima of the energy (highest
    first); rms_force: RMS of the DNEB gradient over the interior images at the end;
    n_iter: quench steps (FIRE) or force evaluations (L-BFGS); converged: rms_force <= tol.
    """

    path: FloatArray
    energies: FloatArray
    candidates: list[int]
    rms_force: float
    n_iter: int
    converged: bool

    def candidate_points(self) -> list[FloatArray]:
        """Coordinates of the climbing-image candidates, highest energy first."""
        return [self.path[i].copy() for i in self.candidates]


def interpolate(x_a: FloatArray, x_b: FloatArray, n_images: int) -> FloatArray:
    """Linear interpolation x_i = x_a + (i / (N+1)) (x_b - x_a), i = 0..N+1; shape (N+2, n)."""
    t = np.linspace(0.0, 1.0, n_images + 2)[:, None]
    return (1.0 - t) * x_a[None, :] + t * x_b[None, :]


def tangents(path: FloatArray, energies: FloatArray) -> FloatArray:
    """Henkelman-Jonsson upwind unit tangents for the interior images, shape (N, n).

    tau = x_{i+1} - x_i when E rises monotonically through i, x_i - x_{i-1} when it falls;
    at extrema a blend weighted by max/min of |E_{i+-1} - E_i| towards the higher neighbour.
    """
    fwd = path[2:] - path[1:-1]
    bwd = path[1:-1] - path[:-2]
    e_prev, e_i, e_next = energies[:-2], energies[1:-1], energies[2:]
    d_next = e_next - e_i
    d_prev = e_prev - e_i
    dmax = np.maximum(np.abs(d_next), np.abs(d_prev))[:, None]
    dmin = np.minimum(np.abs(d_next), np.abs(d_prev))[:, None]
    blend = np.where(
        (e_next > e_prev)[:, None], fwd * dmax + bwd * dmin, fwd * dmin + bwd * dmax
    )
    up = ((e_next > e_i) & (e_i > e_prev))[:, None]
    down = ((e_next < e_i) & (e_i < e_prev))[:, None]
    tau = np.where(up, fwd, np.where(down, bwd, blend))
    norm = np.linalg.norm(tau, axis=1, keepdims=True)
    # Degenerate (flat) images fall back to the central difference.
    central = path[2:] - path[:-2]
    tau = np.where(norm > 0, tau, central)
    norm = np.linalg.norm(tau, axis=1, keepdims=True)
    return tau / np.where(norm > 0, norm, 1.0)


def dneb_gradient(
    path: FloatArray, energies: FloatArray, grads: FloatArray, k_spring: float
) -> FloatArray:
    """The DNEB gradient g~_i (module docstring) for every interior image, shape (N, n)."""
    tau = tangents(path, energies)
    g = grads[1:-1]
    g_perp = g - np.sum(g * tau, axis=1, keepdims=True) * tau
    fwd = path[2:] - path[1:-1]
    bwd = path[1:-1] - path[:-2]
    gs = k_spring * (bwd - fwd)
    stretch = np.linalg.norm(fwd, axis=1) - np.linalg.norm(bwd, axis=1)
    gs_par = -k_spring * stretch[:, None] * tau
    gs_perp = gs - np.sum(gs * tau, axis=1, keepdims=True) * tau
    gp_norm = np.linalg.norm(g_perp, axis=1, keepdims=True)
    u = g_perp / np.where(gp_norm > 0, gp_norm, 1.0)
    g_dneb = gs_perp - np.sum(gs_perp * u, axis=1, keepdims=True) * u
    return g_perp + gs_par + g_dneb


def local_maxima(energies: FloatArray) -> list[int]:
    """Interior indices i with E_{i-1} < E_i > E_{i+1} (ties broken towards the left), highest
    first."""
    e = np.asarray(energies)
    idx = [i for i in range(1, e.size - 1) if e[i] > e[i - 1] and e[i] >= e[i + 1]]
    return sorted(idx, key=lambda i: -e[i])


def _two_loop(g: FloatArray, pairs: list[tuple[FloatArray, FloatArray, float]],
              h0: float) -> FloatArray:
    """-H g by the L-BFGS two-loop recursion over ``pairs`` (s, y, 1/s.y), oldest first."""
    q = g.copy()
    alphas = []
    for s_k, y_k, rho in reversed(pairs):
        a = rho * float(s_k @ q)
        q -= a * y_k
        alphas.append(a)
    r = h0 * q
    for (s_k, y_k, rho), a in zip(pairs, reversed(alphas), strict=True):
        r += s_k * (a - rho * float(y_k @ r))
    return -r


def _longest(d: FloatArray, shape: tuple[int, int]) -> float:
    """Largest per-image displacement max_i |d_i| of a stacked band step."""
    return float(np.max(np.linalg.norm(d.reshape(shape), axis=1)))


def _quench_lbfgs(force: Any, y: FloatArray, shape: tuple[int, int], tol: float,
                  max_iter: int, max_step: float, fire_dt: Any, memory: int = 10
                  ) -> tuple[FloatArray, FloatArray, int]:
    """L-BFGS on the band with a trust radius and FIRE blocks when it stalls (module
    docstring): returns (y, g~ at y, force evaluations). ``fire_dt()`` gives FIRE's maximum
    time step (called only if the fallback runs). ``force`` leaves the band at its last
    argument, so the loop ends with a call at the returned y."""
    g = force(y)
    f2 = float(g @ g)
    pairs: list[tuple[FloatArray, FloatArray, float]] = []
    h0: float | None = None  # inverse curvature scale from the newest pair
    radius = max_step
    floor = max_step * 2.0**-_MAX_SHRINK
    it = 0
    at_y = True
    best_y, best_f2 = y, f2
    recent = [f2]  # merits of the last _WINDOW accepted bands (non-monotone acceptance)
    mark_f2, mark_it = f2, 0  # progress mark: the best merit last fell below 0.81 mark_f2
    while float(np.sqrt(f2 / g.size)) > tol and it < max_iter:
        if it - mark_it >= _PATIENCE:
            # Stalled: the best RMS force has not fallen by 10 % in _PATIENCE evaluations.
            # Follow the force with FIRE for a block, then restart L-BFGS afresh from
            # where the block ends.
            block = min(_FIRE_BLOCK, max_iter - it - 1)
            y_fire, g_fire, n_fire = _quench_fire(force, y, shape, tol, block, max_step,
                                                  fire_dt())
            it += n_fire + 1
            f2_fire = float(g_fire @ g_fire)
            if not np.isfinite(f2_fire):
                at_y = False  # the block diverged: keep the best band seen
                break
            y, g, f2 = y_fire, g_fire, f2_fire
            pairs.clear()
            h0, radius, recent, at_y = None, max_step, [f2], True
            if f2 < best_f2:
                best_y, best_f2 = y, f2
            mark_f2, mark_it = best_f2, it
            continue
        d = _two_loop(g, pairs, h0) if pairs and h0 is not None else None
        if d is None or float(d @ g) >= 0 or radius <= floor:
            # First step, uphill model, or the radius at its floor: steepest descent.
            pairs.clear()
            d = -g * (h0 if h0 is not None else np.inf)
            if not np.all(np.isfinite(d)):
                d = -g * (radius / max(_longest(g, shape), 1e-300))
        longest = _longest(d, shape)
        if longest > radius:
            d *= radius / longest
            longest = radius
        g_new = force(y + d)
        it += 1
        f2_new = float(g_new @ g_new)
        finite = bool(np.isfinite(f2_new))
        if not finite or (f2_new > max(recent) and radius > floor):
            # Rejected: the merit |g~|^2 grew. Halve the trust radius, forget the pairs.
            radius = max(0.5 * longest, floor)
            at_y = False
            if not finite and longest <= floor:
                break
            continue
        dy = g_new - g
        sy = float(d @ dy)
        if sy > 1e-300:
            pairs.append((d, dy, 1.0 / sy))
            del pairs[:-memory]
            h0 = sy / float(dy @ dy)
        if radius <= floor:
            radius = 2.0 * floor  # a forced step at the floor: try longer ones again
        elif f2_new < f2 and longest >= radius:
            radius = min(2.0 * radius, max_step)
        y, g, f2 = y + d, g_new, f2_new
        recent = [*recent[1 - _WINDOW:], f2]
        at_y = True
        if f2 < best_f2:
            best_y, best_f2 = y, f2
            if best_f2 < 0.81 * mark_f2:
                mark_f2, mark_it = best_f2, it
    if best_f2 < f2:
        y, at_y = best_y, False
    if not at_y:
        g = force(y)
        it += 1
    return y, g, it


def _quench_fire(force: Any, y: FloatArray, shape: tuple[int, int], tol: float,
                 max_iter: int, max_step: float, dt_max: float
                 ) -> tuple[FloatArray, FloatArray, int]:
    """FIRE on the band (Bitzek et al. 2006): returns (y, gradient at y, steps taken)."""
    n_min, f_inc, f_dec, alpha0, f_alpha = 5, 1.1, 0.5, 0.1, 0.99
    step_dt = 0.1 * dt_max
    alpha = alpha0
    since_reset = 0
    v = np.zeros_like(y)
    it = 0
    f = -force(y)
    while float(np.sqrt(np.mean(f**2))) > tol and it < max_iter:
        power = float(f @ v)
        if power > 0:
            v = (1 - alpha) * v + alpha * float(np.linalg.norm(v)) * f / max(
                float(np.linalg.norm(f)), 1e-300)
            since_reset += 1
            if since_reset > n_min:
                step_dt = min(step_dt * f_inc, dt_max)
                alpha *= f_alpha
        else:
            v[:] = 0.0
            step_dt *= f_dec
            alpha = alpha0
            since_reset = 0
        v += step_dt * f
        disp = (step_dt * v).reshape(shape)
        lengths = np.linalg.norm(disp, axis=1, keepdims=True)
        disp *= np.minimum(1.0, max_step / np.maximum(lengths, 1e-300))
        y = y + disp.ravel()
        f = -force(y)
        it += 1
    return y, -f, it


def dneb(
    objective: Objective,
    x_a: Any,
    x_b: Any,
    *,
    n_images: int = 12,
    k_spring: float = 1.0,
    tol: float = 1e-3,
    max_iter: int = 1000,
    max_step: float | None = None,
    dt: float | None = None,
    path0: Any | None = None,
    method: str = "fire",
) -> DNEBResult:
    """Quench a DNEB band between minima ``x_a`` and ``x_b`` of ``objective``.

    Parameters
    ----------
    n_images : interior images N (the band holds N + 2 points).
    k_spring : spring constant k (energy / distance^2).
    tol : stop when the RMS of the DNEB gradient over interior images is <= tol.
    max_iter : maximum quench steps.
    max_step : largest displacement of one image per step (default: a quarter of the
        initial image spacing).
    dt : FIRE's maximum time step, for ``method="fire"`` and the L-BFGS quench's FIRE
        fallback (default 0.2 / sqrt(c), c the largest curvature of the end-point Hessians
        plus 4 k, so the explicit integration stays stable).
    path0 : optional initial band of shape (N+2, n) instead of linear interpolation.
    method : "fire" (default) or "lbfgs" (module docstring).
    """
    xa = np.asarray(x_a, dtype=np.float64).ravel()
    xb = np.asarray(x_b, dtype=np.float64).ravel()
    n = int(objective.n_params)
    if xa.shape != (n,) or xb.shape != (n,):
        raise ValueError(f"x_a and x_b must have shape ({n},), got {xa.shape} and {xb.shape}")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(xb))):
        raise ValueError("x_a and x_b must be finite")
    if int(n_images) < 1:
        raise ValueError(f"n_images must be >= 1, got {n_images!r}")
    if method not in ("lbfgs", "fire"):
        raise ValueError(f"method must be 'lbfgs' or 'fire', got {method!r}")
    n_images = int(n_images)
    k_spring = check_nonnegative(k_spring, "k_spring")
    tol = check_positive(tol, "tol")
    if int(max_iter) < 0:
        raise ValueError(f"max_iter must be >= 0, got {max_iter!r}")
    spacing = float(np.linalg.norm(xb - xa)) / (n_images + 1)
    if spacing == 0.0:
        raise ValueError("x_a and x_b coincide; a band needs two distinct end points")
    max_step = 0.25 * spacing if max_step is None else check_positive(max_step, "max_step")

    if path0 is None:
        path = interpolate(xa, xb, n_images)
    else:
        path = np.array(path0, dtype=np.float64)
        if path.shape != (n_images + 2, n):
            raise ValueError(f"path0 must have shape ({n_images + 2}, {n}), got {path.shape}")
        path[0], path[-1] = xa, xb

    energies = np.empty(n_images + 2)
    grads = np.zeros((n_images + 2, n))
    for i in (0, n_images + 1):
        energies[i], grads[i] = objective.energy_gradient(path[i])

    def band_gradient(y: FloatArray) -> FloatArray:
        path[1:-1] = y.reshape(n_images, n)
        for i in range(1, n_images + 1):
            energies[i], grads[i] = objective.energy_gradient(path[i])
        return dneb_gradient(path, energies, grads, k_spring).ravel()

    if dt is not None:
        dt = check_positive(dt, "dt")

    dt_cache: list[float] = [] if dt is None else [dt]

    def fire_dt() -> float:
        if not dt_cache:  # two end-point Hessians, computed once and only when needed
            curv = max(
                float(np.max(np.abs(np.linalg.eigvalsh(objective.hessian(xa))))),
                float(np.max(np.abs(np.linalg.eigvalsh(objective.hessian(xb))))),
            )
            dt_cache.append(0.2 / float(np.sqrt(curv + 4.0 * k_spring + 1e-12)))
        return dt_cache[0]

    y0 = path[1:-1].ravel().copy()
    shape = (n_images, n)
    if method == "lbfgs":
        _, g, it = _quench_lbfgs(band_gradient, y0, shape, tol, int(max_iter), max_step,
                                 fire_dt)
    else:
        _, g, it = _quench_fire(band_gradient, y0, shape, tol, int(max_iter), max_step,
                                fire_dt())
    # Both quenches end with a gradient call at y, so path and energies hold the final band.
    rms_force = float(np.sqrt(np.mean(g**2)))
    return DNEBResult(
        path=path, energies=energies.copy(), candidates=local_maxima(energies),
        rms_force=rms_force, n_iter=it, converged=bool(rms_force <= tol),
    )
