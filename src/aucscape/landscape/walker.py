"""The worker side of basin-hopping: quench, test and Metropolis steps of one walker (pure).

One step of a walker at minimum x (energy E), as :mod:`.basinhopping` describes:
perturb, quench, decide whether the quench is a valid minimum, Metropolis-accept. These
functions run in worker processes; they read nothing but their arguments and write
nowhere, so a walker's chain is the same whichever process runs it.

Two quench modes:

- **single tolerance** (``sloppy=None``): L-BFGS to rms(g) <= tol (1e-10), then the exact
  Hessian spectrum of every converged quench;
- **two-stage** (GMIN's SLOPPYCONV / TIGHTCONV, a :class:`SloppyStage`): L-BFGS to the
  sloppy tolerance (rms(g) <= 1e-6), then the sloppy energy E_s is looked up among the
  known minimum energies (a sorted snapshot of the store sent with the task). The
  tightened energy E_t of the same minimum obeys

      E_s - ediff <= E_t <= E_s + edifftol max(1, |E_s|)                            (1)

  (the tightening only descends; ``ediff`` bounds the descent, see
  :data:`~aucscape.landscape.identity.DEFAULT_SLOPPY_EDIFF`). A known energy in window
  (1) makes the quench a *sloppy hit*: no tightening and no Hessian; the driver counts a
  hit on the stored minimum. Otherwise the quench is tightened from the sloppy point to
  tol (the same minimiser, Newton polish included) and its Hessian spectrum computed, as
  a single-tolerance quench would be; the driver then checks it against the store at
  the tight energy (a tightened quench may still be a duplicate).

Metropolis acceptance uses the energy the step has: the tight energy of a tightened
quench, the sloppy energy E_s of a sloppy hit (which exceeds the stored one by at most
``ediff``, negligible against T). The walker then moves to the point it has (the
sloppy point for a sloppy hit, as GMIN does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..protocols import FloatArray, Objective
from ..spectrum import eigen_summary, hessian_eigenvalues
from .identity import DEFAULT_EDIFFTOL, DEFAULT_SLOPPY_EDIFF, nearest_known, sloppy_window
from .minimize import lbfgs


@dataclass
class QuenchOutcome:
    """What a worker sends back for one quench.

    ``eigenvalues``: the Hessian spectrum of a converged tight quench, else None.
    ``sloppy_hit``: the two-stage quench stopped at the sloppy stage because its energy
    matched a known minimum (``x``, ``energy``, ``rms_grad`` are then the sloppy ones).
    """

    x: FloatArray
    energy: float
    rms_grad: float
    converged: bool
    n_iter: int
    n_eval: int
    eigenvalues: FloatArray | None
    sloppy_hit: bool = False


@dataclass(frozen=True)
class SloppyStage:
    """Settings of the sloppy stage of a two-stage quench (see module docstring).

    tol: RMS-gradient tolerance of the walk's quenches (GMIN's SLOPPYCONV, 1e-6);
    ediff: the most a tightening lowers the energy, the lower half-width of window (1);
    edifftol: the identity tolerance (:mod:`.identity`), the upper half-width;
    options: minimiser options of the sloppy stage that differ from the tight ones.

    >>> SloppyStage().tol
    1e-06
    """

    tol: float = 1e-6
    ediff: float = DEFAULT_SLOPPY_EDIFF
    edifftol: float = DEFAULT_EDIFFTOL
    options: dict[str, Any] = field(default_factory=dict)


def quench(objective: Objective, x0: FloatArray, tol: float = 1e-10,
           options: dict[str, Any] | None = None) -> QuenchOutcome:
    """Worker task: L-BFGS from x0, then the Hessian spectrum when converged (pure).

    >>> from aucscape.testsurfaces import MuellerBrown
    >>> q = quench(MuellerBrown(), MuellerBrown.MINIMA[0] + 0.05)
    >>> bool(q.converged and q.rms_grad <= 1e-10)
    True
    """
    res = lbfgs(objective, x0, tol=tol, **(options or {}))
    eigs = hessian_eigenvalues(objective, res.x) if res.converged else None
    return QuenchOutcome(res.x, res.energy, res.rms_grad, res.converged, res.n_iter,
                         res.n_eval, eigs)


def two_stage_quench(objective: Objective, x0: FloatArray, tol: float, sloppy: SloppyStage,
                     known: FloatArray | None, options: dict[str, Any] | None = None
                     ) -> QuenchOutcome:
    """Worker task: quench to ``sloppy.tol``; a sloppy hit when a ``known`` energy (sorted
    ascending) lies in window (1) of the module docstring, else tighten to ``tol`` and
    compute the Hessian spectrum (pure).

    >>> import numpy as np
    >>> from aucscape.testsurfaces import MuellerBrown
    >>> mb = MuellerBrown()
    >>> first = two_stage_quench(mb, mb.MINIMA[0] + 0.05, 1e-10, SloppyStage(), None)
    >>> first.sloppy_hit, bool(first.rms_grad <= 1e-10)
    (False, True)
    >>> again = two_stage_quench(mb, mb.MINIMA[0] - 0.05, 1e-10, SloppyStage(),
    ...                          np.array([first.energy]))
    >>> again.sloppy_hit, bool(again.rms_grad <= 1e-6)
    (True, True)
    """
    opts = dict(options or {})
    s = lbfgs(objective, x0, tol=max(sloppy.tol, tol), **{**opts, **sloppy.options})
    if not s.converged:
        return QuenchOutcome(s.x, s.energy, s.rms_grad, False, s.n_iter, s.n_eval, None)
    if (known is not None
            and nearest_known(known, s.energy, *sloppy_window(s.energy, sloppy.ediff,
                                                              sloppy.edifftol)) is not None):
        return QuenchOutcome(s.x, s.energy, s.rms_grad, True, s.n_iter, s.n_eval, None,
                             sloppy_hit=True)
    t = lbfgs(objective, s.x, tol=tol, **opts) if s.rms_grad > tol else s
    n_iter = s.n_iter + (t.n_iter if t is not s else 0)
    n_eval = s.n_eval + (t.n_eval if t is not s else 0)
    eigs = hessian_eigenvalues(objective, t.x) if t.converged else None
    return QuenchOutcome(t.x, t.energy, t.rms_grad, t.converged, n_iter, n_eval, eigs)


def rejection(q: QuenchOutcome) -> str | None:
    """Why the store refuses a quench ("not_converged", "nonpositive_eigenvalue"), or None
    for a valid minimum (converged, every Hessian eigenvalue positive) and for a sloppy
    hit (a known valid minimum)."""
    if q.sloppy_hit:
        return None
    if not q.converged or q.eigenvalues is None:
        return "not_converged"
    if not eigen_summary(q.eigenvalues).is_minimum:
        return "nonpositive_eigenvalue"
    return None


def metropolis(rng: np.random.Generator, e_old: float | None, e_new: float,
               temperature: float) -> bool:
    """Accept always downhill (or from no point yet), else with probability exp(-ΔE/T).

    >>> metropolis(np.random.default_rng(0), 1.0, 0.5, 2.0)
    True
    """
    if e_old is None or e_new - e_old <= 0:
        return True
    if temperature == 0:
        return False
    return bool(rng.random() < np.exp(-(e_new - e_old) / temperature))


def start_point(objective: Objective, rng: np.random.Generator,
                start_range: float | None = None) -> FloatArray:
    """A walker's first point: every coordinate U(−r, r) for ``start_range`` r, else the
    objective's own ``random_point`` (for a network GMIN's U(−1, 1), the same draws as
    r = 1).

    >>> import numpy as np
    >>> from aucscape.testsurfaces import MuellerBrown
    >>> bool(np.all(np.abs(start_point(MuellerBrown(), np.random.default_rng(0), 0.5)) <= 0.5))
    True
    """
    if start_range is None:
        return np.asarray(objective.random_point(rng), dtype=np.float64)
    return rng.uniform(-start_range, start_range, size=int(objective.n_params))


def walk(objective: Objective, x: FloatArray | None, energy: float, rng: np.random.Generator,
         n_steps: int, step: float, temperature: float, tol: float,
         options: dict[str, Any] | None = None, *, sloppy: SloppyStage | None = None,
         known: FloatArray | None = None, start_range: float | None = None
         ) -> tuple[list[QuenchOutcome], list[bool], FloatArray | None, float,
                    np.random.Generator]:
    """Worker task: ``n_steps`` basin-hopping steps of one walker (pure).

    Each step perturbs every coordinate of the current minimum by U(−step, step) (a random
    start, :func:`start_point` with ``start_range``, when there is none yet), quenches
    (two-stage when ``sloppy`` is given, with ``known`` the sorted energies of the stored
    minima), and applies the Metropolis test to valid minima only. Valid tightened minima
    are added to the walker's own copy of ``known``, so a minimum found twice in one task
    is a sloppy hit the second time.
    Returns the outcomes, which were accepted, and the walker's new state (x, energy,
    rng), so a walker's chain is the same whichever process runs it. Running several
    steps per task amortises the cost of sending work to another process.
    """
    outcomes, accepted = [], []
    if sloppy is not None:
        known = np.asarray([] if known is None else known, dtype=np.float64)
    for _ in range(n_steps):
        if x is None:
            x0 = start_point(objective, rng, start_range)
        else:
            x0 = x + rng.uniform(-step, step, size=x.shape)
        if sloppy is None:
            q = quench(objective, x0, tol, options)
        else:
            q = two_stage_quench(objective, x0, tol, sloppy, known, options)
        valid = rejection(q) is None
        if valid and known is not None and not q.sloppy_hit:
            known = np.insert(known, np.searchsorted(known, q.energy), q.energy)
        ok = valid and metropolis(rng, None if x is None else energy, q.energy, temperature)
        if ok:
            x, energy = q.x, q.energy
        outcomes.append(q)
        accepted.append(ok)
    return outcomes, accepted, x, energy, rng
