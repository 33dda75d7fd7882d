"""One connection attempt between two minima: DNEB -> HEF -> verify -> step off.

This is the unit of work a worker runs (it only computes; the driver stores). For each
climbing-image candidate of the band (highest first) hybrid eigenvector-following
converges it to a saddle; the saddle is kept when :func:`check_saddle` verifies it
(RMS gradient <= tol, exactly one negative eigenvalue) and both step-off quenches end in
verified minima (RMS gradient <= tol, no Hessian eigenvalue <= 0). Saddles found twice
in one attempt (same energy and canonical coordinates, as minima are matched in
:mod:`aucscape.landscape.identity`) are reported once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...protocols import FloatArray, Objective
from ...spectrum import hessian_summary
from ..identity import DEFAULT_EDIFFTOL, same_minimum
from ..minimize import MinimizeResult
from .dneb import dneb
from .hef import hef
from .symmetry import aligned_distance
from .verify import check_saddle, step_off


@dataclass(frozen=True)
class TSSettings:
    """Parameters of a connection attempt.

    n_images, k_spring, dneb_tol, dneb_max_iter, dneb_method: the band (see :func:`dneb`);
    image_density, max_images: a band between end points a distance D apart gets
    N = min(max_images, max(n_images, ceil(image_density * D))) interior images, so the
    image spacing, not the image count, is what stays fixed on long paths;
    tol: RMS-gradient tolerance for saddles and minima (1e-10); hef_max_iter, hef_max_step:
    eigenvector-following; eig_tol: eigenvalues within +-eig_tol of 0 count as zero;
    step, drop: step-off (see :func:`step_off`); max_candidates: candidates refined per band;
    edifftol, geomdifftol: two stationary points are the same by the criteria of
    :mod:`aucscape.landscape.identity` (relative energy difference, then canonical
    distance; geomdifftol None: energy only).
    """

    n_images: int = 12
    k_spring: float = 1.0
    dneb_tol: float = 1e-2
    dneb_max_iter: int = 500
    dneb_method: str = "lbfgs"
    image_density: float = 4.0
    max_images: int = 64
    tol: float = 1e-10
    hef_max_iter: int = 150
    hef_max_step: float = 0.5
    eig_tol: float = 0.0
    step: float = 1e-2
    drop: float = 1e-4
    max_candidates: int = 4
    edifftol: float = DEFAULT_EDIFFTOL
    geomdifftol: float | None = 1e-3


@dataclass
class FoundMinimum:
    """A verified minimum reached by a step-off quench."""

    coords: FloatArray
    energy: float
    rms_grad: float
    min_eig: float
    n_nonpositive: int
    lpphe: float


@dataclass
class FoundTS:
    """A verified transition state and the two minima its negative mode leads to."""

    coords: FloatArray
    energy: float
    rms_grad: float
    neg_eig: float
    lpphe: float
    plus: FoundMinimum
    minus: FoundMinimum


@dataclass
class AttemptResult:
    """What one attempt found. ``n_candidates``: climbing images refined; ``rejected``:
    reasons candidates were dropped (for diagnostics)."""

    found: list[FoundTS]
    n_candidates: int
    rejected: list[str] = field(default_factory=list)


def _verified_minimum(
    objective: Objective, q: MinimizeResult, settings: TSSettings
) -> FoundMinimum | None:
    if not q.converged:
        return None
    hs = hessian_summary(objective, q.x, settings.eig_tol)
    if not hs.is_minimum:
        return None
    return FoundMinimum(coords=q.x, energy=float(q.energy), rms_grad=float(q.rms_grad),
                        min_eig=hs.min_eig, n_nonpositive=hs.n_nonpositive, lpphe=hs.lpphe)


def refine_candidate(objective: Objective, x0: Any, settings: TSSettings) -> FoundTS | str:
    """HEF from ``x0``, verification and step-off; a FoundTS, or the reason for rejection."""
    h = hef(objective, x0, tol=settings.tol, max_iter=settings.hef_max_iter,
            max_step=settings.hef_max_step)
    if not h.converged:
        return f"hef: {h.message}"
    chk = check_saddle(objective, h.x, tol=settings.tol, eig_tol=settings.eig_tol)
    if not chk.is_ts:
        return f"verify: index {chk.n_negative}, rms {chk.rms_grad:.3g}"
    so = step_off(objective, h.x, chk.mode, chk.neg_eig, step=settings.step, drop=settings.drop,
                  tol=settings.tol)
    plus = _verified_minimum(objective, so.plus, settings)
    minus = _verified_minimum(objective, so.minus, settings)
    if plus is None or minus is None:
        return "step-off: a quench did not end in a verified minimum"
    return FoundTS(coords=h.x, energy=chk.energy, rms_grad=chk.rms_grad, neg_eig=chk.neg_eig,
                   lpphe=chk.lpphe, plus=plus, minus=minus)


def n_images_for(x_a: Any, x_b: Any, settings: TSSettings) -> int:
    """Interior images for a band from x_a to x_b (see :class:`TSSettings`)."""
    d = float(np.linalg.norm(np.asarray(x_b, dtype=np.float64)
                             - np.asarray(x_a, dtype=np.float64)))
    wanted = max(settings.n_images, int(np.ceil(settings.image_density * d)))
    return int(min(settings.max_images, wanted))


def attempt_connection(objective: Objective, x_a: Any, x_b: Any, settings: TSSettings | None = None
                       ) -> AttemptResult:
    """Run one DNEB between minima ``x_a`` and ``x_b`` and refine its candidates (module doc)."""
    settings = TSSettings() if settings is None else settings
    band = dneb(objective, x_a, x_b, n_images=n_images_for(x_a, x_b, settings),
                k_spring=settings.k_spring, tol=settings.dneb_tol,
                max_iter=settings.dneb_max_iter, method=settings.dneb_method)
    cands = band.candidate_points()[: settings.max_candidates]
    found: list[FoundTS] = []
    rejected: list[str] = []
    for c in cands:
        r = refine_candidate(objective, c, settings)
        if isinstance(r, str):
            rejected.append(r)
            continue
        duplicate = any(
            same_minimum(f.energy, None, r.energy, None, edifftol=settings.edifftol)
            and (settings.geomdifftol is None
                 or aligned_distance(objective, f.coords, r.coords) < settings.geomdifftol)
            for f in found
        )
        if not duplicate:
            found.append(r)
    return AttemptResult(found=found, n_candidates=len(cands), rejected=rejected)
