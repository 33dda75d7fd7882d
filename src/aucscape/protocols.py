"""The ``Objective`` seam (the only thing the landscape engine knows about a problem) and
``FloatArray``, the type of every parameter vector. The concrete ``Store`` is
:class:`aucscape.landscape.store.Store` (import it under ``TYPE_CHECKING`` to annotate).

An objective is any twice-differentiable function E(w) of a flat float64 parameter
vector w in R^n. The landscape package (minimiser, basin-hopping, transition states,
disconnectivity) sees nothing else, so the same machinery explores a neural-network loss
or a 2-D analytic test surface. Modelled on pele's ``Potential`` (energy, gradient,
Hessian) without its atom-specific defaults.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@runtime_checkable
class Objective(Protocol):
    """E(w): energy, gradient, exact Hessian and a random starting point.

    Required: ``n_params``, ``energy``, ``energy_gradient``, ``hessian``, ``random_point``
    and ``describe``. Optional hooks, looked up with ``getattr`` so that objectives without
    them still work everywhere:

    - ``canonical(w)``: a symmetry-equivalent representative of w (same energy), so that
      distances between minima can be measured after aligning symmetries;
    - ``align(w_ref, w)``: the symmetry image of w closest to w_ref (used before
      interpolating a band between two minima);
    - ``descriptor(w)``: a cheap symmetry copy of w whose Euclidean distances bound the
      aligned ones from above (nearest-neighbour proposals when connecting minima);
    - ``numba_kernel()``: ``(fn, args)`` with ``fn(w, *args) -> (E, g)`` an ``@njit``
      function, which lets :func:`aucscape.landscape.minimize.lbfgs` run its compiled loop.
    """

    n_params: int

    def energy(self, w: FloatArray) -> float:
        """E(w)."""
        ...

    def energy_gradient(self, w: FloatArray) -> tuple[float, FloatArray]:
        """E(w) and dE/dw, computed in one pass."""
        ...

    def hessian(self, w: FloatArray) -> FloatArray:
        """Exact d^2E/dw dw^T as a dense (n, n) symmetric array."""
        ...

    def random_point(self, rng: np.random.Generator) -> FloatArray:
        """A starting point drawn from the objective's natural initial distribution."""
        ...

    def describe(self) -> dict[str, Any]:
        """A JSON-serialisable dict from which the objective can be rebuilt."""
        ...


def canonical(objective: Objective, w: FloatArray) -> FloatArray:
    """Symmetry-canonical form of w when the objective defines one, else w itself."""
    fn = getattr(objective, "canonical", None)
    return np.asarray(fn(w) if fn is not None else w, dtype=np.float64)
