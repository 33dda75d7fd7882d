"""One connection attempt between two minima: DNEB -> HEF -> verify -> step off.

This is the unit of work a worker runs (it only computes; the driver stores). For each
climbing-image candidate of the band (highest first) hybrid eigenvector-following
converges it to a saddle; the saddle is kept when :func:`check_saddle` verifies it
(RMS gradient <= tol, exactly one negative eigenvalue) and both step-off quenches end in
verified minima (RMS gradient <= tol, no Hessian eigenvalue <= 0). Saddles found twice
in one attempt (same energy and canonical coordinates, as minima are matched in
:mod:`aucscape.landscape.identity`) are reported once.

Early exit: when the caller passes ``known_energies`` (the sorted energies of the stored
transition states), a verified saddle whose energy E satisfies
|E - E_k| < edifftol max(1, |E|, |E_k|) for some stored E_k is returned as a
:class:`KnownTS` without its two step-off quenches (about 60 % of an attempt's cost on the
spiral networks); the driver confirms it by geometry and, in the rare case of an energy
twin that is a different saddle, completes it with :func:`complete_known`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...protocols import FloatArray, Objective
from ...spectrum import hessian_summary
from ..identity import DEFAULT_EDIFFTOL, energy_window, same_minimum
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
    tol: RMS-gradient tolerance for saddles and minima (1e-10); hef_max_iter, hef_max_step,
    hef_patience: eigenvector-following (see :func:`hef`; patience None: no stall test);
    eig_tol: eigenvalues within +-eig_tol of 0 count as zero; step, drop: step-off (see
    :func:`step_off`); max_candidates: candidates refined per band; local_bands: bands one
    attempt may run through the minima its saddles lead to (:mod:`.local`; 1: one band);
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
    hef_patience: int | None = 40
    eig_tol: float = 0.0
    step: float = 1e-2
    drop: float = 1e-4
    max_candidates: int = 4
    local_bands: int = 1
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
class KnownTS:
    """A verified saddle whose energy matches a stored transition state (early exit: no
    step-off); ``mode`` is the unit eigenvector of its negative eigenvalue ``neg_eig``."""

    coords: FloatArray
    energy: float
    rms_grad: float
    neg_eig: float
    lpphe: float
    mode: FloatArray


@dataclass
class AttemptResult:
    """What one attempt found. ``n_candidates``: climbing images refined; ``rejected``:
    reasons candidates were dropped (for diagnostics); ``known``: saddles matching a stored
    transition state's energy, not stepped off (early exit)."""

    found: list[FoundTS]
    n_candidates: int
    rejected: list[str] = field(default_factory=list)
    known: list[KnownTS] = field(default_factory=list)


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


def _energy_known(energy: float, known: FloatArray | None, edifftol: float) -> bool:
    """Does ``energy`` pass the energy criterion of :mod:`..identity` with an entry of the
    sorted array ``known``?"""
    if known is None or not len(known):
        return False
    lo, hi = energy_window(energy, edifftol)
    a, b = np.searchsorted(known, [lo, hi])
    return any(same_minimum(energy, None, float(e), None, edifftol=edifftol)
               for e in known[a:b])


def complete_known(objective: Objective, k: KnownTS, settings: TSSettings) -> FoundTS | str:
    """Step off a :class:`KnownTS` (verified already) into its two minima: a FoundTS, or
    the reason a quench failed."""
    so = step_off(objective, k.coords, k.mode, k.neg_eig, step=settings.step, drop=settings.drop,
                  tol=settings.tol)
    plus = _verified_minimum(objective, so.plus, settings)
    minus = _verified_minimum(objective, so.minus, settings)
    if plus is None or minus is None:
        return "step-off: a quench did not end in a verified minimum"
    return FoundTS(coords=k.coords, energy=k.energy, rms_grad=k.rms_grad, neg_eig=k.neg_eig,
                   lpphe=k.lpphe, plus=plus, minus=minus)


def refine_candidate(objective: Objective, x0: Any, settings: TSSettings,
                     known_energies: FloatArray | None = None) -> FoundTS | KnownTS | str:
    """HEF from ``x0``, verification and step-off; a FoundTS, a KnownTS (energy of a stored
    transition state: no step-off, module docstring), or the reason for rejection."""
    h = hef(objective, x0, tol=settings.tol, max_iter=settings.hef_max_iter,
            max_step=settings.hef_max_step, patience=settings.hef_patience)
    if not h.converged:
        return f"hef: {h.message}"
    chk = check_saddle(objective, h.x, tol=settings.tol, eig_tol=settings.eig_tol)
    if not chk.is_ts:
        return f"verify: index {chk.n_negative}, rms {chk.rms_grad:.3g}"
    k = KnownTS(coords=h.x, energy=chk.energy, rms_grad=chk.rms_grad, neg_eig=chk.neg_eig,
                lpphe=chk.lpphe, mode=chk.mode)
    if _energy_known(chk.energy, known_energies, settings.edifftol):
        return k
    return complete_known(objective, k, settings)


def n_images_for(x_a: Any, x_b: Any, settings: TSSettings) -> int:
    """Interior images for a band from x_a to x_b (see :class:`TSSettings`)."""
    d = float(np.linalg.norm(np.asarray(x_b, dtype=np.float64)
                             - np.asarray(x_a, dtype=np.float64)))
    wanted = max(settings.n_images, int(np.ceil(settings.image_density * d)))
    return int(min(settings.max_images, wanted))


def attempt_connection(objective: Objective, x_a: Any, x_b: Any, settings: TSSettings | None = None,
                       known_energies: Any | None = None) -> AttemptResult:
    """Join minima ``x_a`` and ``x_b``: one band (:func:`single_band`), or with
    ``settings.local_bands`` > 1 up to that many bands through the minima the saddles lead
    to (:func:`.local.connect_pair`); ``known_energies``: stored transition-state energies
    for the early exit (optional)."""
    known_e = None if known_energies is None else np.sort(
        np.asarray(known_energies, dtype=np.float64).ravel())
    settings = TSSettings() if settings is None else settings
    if settings.local_bands > 1:
        from .local import connect_pair

        return connect_pair(objective, x_a, x_b, settings, known_e)
    return single_band(objective, x_a, x_b, settings, known_e)


def single_band(objective: Objective, x_a: Any, x_b: Any, settings: TSSettings,
                known_e: FloatArray | None = None) -> AttemptResult:
    """Run one DNEB between minima ``x_a`` and ``x_b`` and refine its candidates (module doc);
    ``known_e``: sorted stored transition-state energies for the early exit (optional)."""
    band = dneb(objective, x_a, x_b, n_images=n_images_for(x_a, x_b, settings),
                k_spring=settings.k_spring, tol=settings.dneb_tol,
                max_iter=settings.dneb_max_iter, method=settings.dneb_method)
    cands = band.candidate_points()[: settings.max_candidates]
    found: list[FoundTS] = []
    known: list[KnownTS] = []
    rejected: list[str] = []
    for c in cands:
        r = refine_candidate(objective, c, settings, known_e)
        if isinstance(r, str):
            rejected.append(r)
            continue
        same = found if isinstance(r, FoundTS) else known
        duplicate = any(
            same_minimum(f.energy, None, r.energy, None, edifftol=settings.edifftol)
            and (settings.geomdifftol is None
                 or aligned_distance(objective, f.coords, r.coords) < settings.geomdifftol)
            for f in same
        )
        if not duplicate:
            same.append(r)  # type: ignore[arg-type]
    return AttemptResult(found=found, n_candidates=len(cands), rejected=rejected, known=known)
