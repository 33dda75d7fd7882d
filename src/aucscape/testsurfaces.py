"""Analytic objectives with known stationary points, for testing the landscape engine.

Each class satisfies :class:`aucscape.protocols.Objective` with exact gradients and
Hessians, so minimisers, basin-hopping and transition-state searches can be checked
against answers known in closed form (or to many digits from the literature).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .protocols import FloatArray


class MuellerBrown:
    """The Mueller-Brown potential (Müller & Brown, Theor. Chim. Acta 53, 75 (1979)).

    V(x, y) = sum_k A_k exp(a_k (x - x0_k)^2 + b_k (x - x0_k)(y - y0_k) + c_k (y - y0_k)^2)

    Three minima and two index-1 saddles (coordinates to about 1e-3 here; tests refine
    them by Newton's method on the exact gradient):
    minima (-0.5582, 1.4417) E = -146.70, (0.6235, 0.0280) E = -108.17,
    (-0.0500, 0.4667) E = -80.77; saddles (-0.8220, 0.6243) E = -40.66 and
    (0.2125, 0.2930) E = -72.25.
    """

    A = np.array([-200.0, -100.0, -170.0, 15.0])
    a = np.array([-1.0, -1.0, -6.5, 0.7])
    b = np.array([0.0, 0.0, 11.0, 0.6])
    c = np.array([-10.0, -10.0, -6.5, 0.7])
    x0 = np.array([1.0, 0.0, -0.5, -1.0])
    y0 = np.array([0.0, 0.5, 1.5, 1.0])

    MINIMA = np.array([[-0.558224, 1.441726], [0.623499, 0.028038], [-0.050011, 0.466694]])
    SADDLES = np.array([[-0.822002, 0.624313], [0.212487, 0.292988]])

    n_params = 2

    def _terms(self, w: FloatArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dx = w[0] - self.x0
        dy = w[1] - self.y0
        f = self.A * np.exp(self.a * dx**2 + self.b * dx * dy + self.c * dy**2)
        gx = 2 * self.a * dx + self.b * dy
        gy = self.b * dx + 2 * self.c * dy
        return f, gx, gy

    def energy(self, w: FloatArray) -> float:
        f, _, _ = self._terms(np.asarray(w, dtype=float))
        return float(f.sum())

    def energy_gradient(self, w: FloatArray) -> tuple[float, FloatArray]:
        f, gx, gy = self._terms(np.asarray(w, dtype=float))
        return float(f.sum()), np.array([np.dot(f, gx), np.dot(f, gy)])

    def hessian(self, w: FloatArray) -> FloatArray:
        f, gx, gy = self._terms(np.asarray(w, dtype=float))
        hxx = np.dot(f, gx * gx + 2 * self.a)
        hxy = np.dot(f, gx * gy + self.b)
        hyy = np.dot(f, gy * gy + 2 * self.c)
        return np.array([[hxx, hxy], [hxy, hyy]])

    def random_point(self, rng: np.random.Generator) -> FloatArray:
        return np.array([rng.uniform(-1.5, 1.0), rng.uniform(-0.2, 2.0)])

    def describe(self) -> dict[str, Any]:
        return {"kind": "MuellerBrown"}


class DoubleWell2D:
    """An asymmetric 2-D double well with closed-form stationary points.

    E(x, y) = (x^2 - 1)^2 + a (x^3 / 3 - x) + k y^2,  with |a| < 4 and k > 0.

    dE/dx = (x^2 - 1)(4x + a), so the minima are (+1, 0) with E = -2a/3 and (-1, 0) with
    E = +2a/3, and the index-1 saddle is (-a/4, 0) with E = (a^2/16 - 1)^2 + a(a/4 - a^3/192).
    """

    n_params = 2

    def __init__(self, a: float = 1.0, k: float = 1.0) -> None:
        if not abs(a) < 4:
            raise ValueError("DoubleWell2D needs |a| < 4 for two minima")
        if k <= 0:
            raise ValueError("DoubleWell2D needs k > 0")
        self.a = float(a)
        self.k = float(k)

    @property
    def minima(self) -> FloatArray:
        return np.array([[1.0, 0.0], [-1.0, 0.0]])

    @property
    def minimum_energies(self) -> FloatArray:
        return np.array([-2 * self.a / 3, 2 * self.a / 3])

    @property
    def saddle(self) -> FloatArray:
        return np.array([-self.a / 4, 0.0])

    @property
    def saddle_energy(self) -> float:
        x = -self.a / 4
        return float((x * x - 1) ** 2 + self.a * (x**3 / 3 - x))

    def energy(self, w: FloatArray) -> float:
        x, y = float(w[0]), float(w[1])
        return (x * x - 1) ** 2 + self.a * (x**3 / 3 - x) + self.k * y * y

    def energy_gradient(self, w: FloatArray) -> tuple[float, FloatArray]:
        x, y = float(w[0]), float(w[1])
        return self.energy(w), np.array([(x * x - 1) * (4 * x + self.a), 2 * self.k * y])

    def hessian(self, w: FloatArray) -> FloatArray:
        x = float(w[0])
        return np.array([[12 * x * x - 4 + 2 * self.a * x, 0.0], [0.0, 2 * self.k]])

    def random_point(self, rng: np.random.Generator) -> FloatArray:
        return rng.uniform(-2.0, 2.0, size=2)

    def describe(self) -> dict[str, Any]:
        return {"kind": "DoubleWell2D", "a": self.a, "k": self.k}


class SeparableWells:
    """n independent tilted double wells: 2^n minima known in closed form.

    E(x) = sum_i [(x_i^2 - 1)^2 + t_i x_i],  with |t_i| < 8 / (3 sqrt 3) so each coordinate
    has two wells. dE/dx_i = 4 x_i^3 - 4 x_i + t_i; the minima are every combination of the
    two outer roots of that cubic per coordinate (``minima()``). Generic tilts give 2^n
    distinct energies, so basin-hopping results can be checked against the full list.
    """

    def __init__(self, tilts: Any = (0.3, -0.2, 0.45)) -> None:
        t = np.asarray(tilts, dtype=np.float64).ravel()
        if t.size == 0:
            raise ValueError("SeparableWells needs at least one tilt")
        if np.any(np.abs(t) >= 8 / (3 * np.sqrt(3))):
            raise ValueError("SeparableWells needs |t_i| < 8/(3 sqrt 3) for two wells each")
        self.tilts = t
        self.n_params = int(t.size)

    def _wells(self) -> np.ndarray:
        """(n, 2): the two minimising roots of 4x^3 - 4x + t_i = 0, refined by Newton."""
        out = np.empty((self.n_params, 2))
        for i, t in enumerate(self.tilts):
            roots = np.sort(np.roots([4.0, 0.0, -4.0, t]).real)
            x = roots[[0, 2]]
            for _ in range(5):
                x = x - (4 * x**3 - 4 * x + t) / (12 * x**2 - 4)
            out[i] = x
        return out

    def minima(self) -> tuple[FloatArray, FloatArray]:
        """All 2^n minima as (points (2^n, n), energies (2^n,)), sorted by energy."""
        wells = self._wells()
        n = self.n_params
        idx = (np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1
        pts = wells[np.arange(n)[None, :], idx]
        energies = np.array([self.energy(p) for p in pts])
        order = np.argsort(energies)
        return pts[order], energies[order]

    def energy(self, w: FloatArray) -> float:
        x = np.asarray(w, dtype=np.float64)
        return float(np.sum((x * x - 1) ** 2 + self.tilts * x))

    def energy_gradient(self, w: FloatArray) -> tuple[float, FloatArray]:
        x = np.asarray(w, dtype=np.float64)
        return self.energy(x), 4 * x**3 - 4 * x + self.tilts

    def hessian(self, w: FloatArray) -> FloatArray:
        x = np.asarray(w, dtype=np.float64)
        return np.diag(12 * x * x - 4)

    def random_point(self, rng: np.random.Generator) -> FloatArray:
        return rng.uniform(-1.5, 1.5, size=self.n_params)

    def describe(self) -> dict[str, Any]:
        return {"kind": "SeparableWells", "tilts": self.tilts.tolist()}


class SymmetricWells:
    """A surface with sign-flip and permutation symmetry, like hidden units of a network.

    E(x) = sum_i p(x_i^2),  p(u) = (u - 1)^2 (u - 4)^2 + s u.

    E is unchanged by flipping the sign of any x_i and by permuting coordinates, and
    ``canonical(x) = sort(|x|)`` picks one representative. Each coordinate sits in an
    inner well |x| = r1 (near 1) or an outer well |x| = r2 (near 2), so there are 4^n
    minima but only n + 1 symmetry-distinct ones: m coordinates outer has energy
    E_m = m p(r2^2) + (n - m) p(r1^2) (``class_energies()``).
    """

    def __init__(self, n: int = 3, s: float = 0.5) -> None:
        if int(n) < 1:
            raise ValueError(f"SymmetricWells needs n >= 1, got {n!r}")
        if not 0 <= s < 2:
            raise ValueError("SymmetricWells needs 0 <= s < 2 to keep both wells")
        self.n_params = int(n)
        self.s = float(s)

    def _p(self, u: np.ndarray) -> np.ndarray:
        return (u - 1) ** 2 * (u - 4) ** 2 + self.s * u

    def _dp(self, u: np.ndarray) -> np.ndarray:
        return 2 * (u - 1) * (u - 4) * (2 * u - 5) + self.s

    def _d2p(self, u: np.ndarray) -> np.ndarray:
        return 2 * ((u - 4) * (2 * u - 5) + (u - 1) * (2 * u - 5) + 2 * (u - 1) * (u - 4))

    def well_radii(self) -> FloatArray:
        """(r1, r2): |x| of the inner and outer 1-D minima (roots of p'(u) with p'' > 0)."""
        # p'(u) = 4u^3 - 30u^2 + 66u - 40 + s
        roots = np.sort(np.roots([4.0, -30.0, 66.0, -40.0 + self.s]).real)
        u = roots[[0, 2]]
        for _ in range(5):
            u = u - self._dp(u) / self._d2p(u)
        return np.sqrt(u)

    def class_energies(self) -> FloatArray:
        """E_m for m = 0..n coordinates in the outer well."""
        r1, r2 = self.well_radii()
        e1, e2 = self._p(np.array([r1 * r1, r2 * r2]))
        m = np.arange(self.n_params + 1)
        return m * e2 + (self.n_params - m) * e1

    def energy(self, w: FloatArray) -> float:
        x = np.asarray(w, dtype=np.float64)
        return float(np.sum(self._p(x * x)))

    def energy_gradient(self, w: FloatArray) -> tuple[float, FloatArray]:
        x = np.asarray(w, dtype=np.float64)
        return self.energy(x), 2 * x * self._dp(x * x)

    def hessian(self, w: FloatArray) -> FloatArray:
        x = np.asarray(w, dtype=np.float64)
        u = x * x
        return np.diag(2 * self._dp(u) + 4 * u * self._d2p(u))

    def random_point(self, rng: np.random.Generator) -> FloatArray:
        return rng.uniform(-2.5, 2.5, size=self.n_params)

    def canonical(self, w: FloatArray) -> FloatArray:
        """Representative of w's symmetry class: absolute values, sorted ascending."""
        return np.sort(np.abs(np.asarray(w, dtype=np.float64)))

    def describe(self) -> dict[str, Any]:
        return {"kind": "SymmetricWells", "n": self.n_params, "s": self.s}


class TiltedRing:
    """E = (x² + y² − 1)² − c x: one minimum near (1, 0) and one index-1 saddle near
    (−1, 0) whose negative mode runs along the ring, so stepping off the saddle either way
    falls into the same minimum (a transition state that connects a minimum to itself)."""

    n_params = 2

    def __init__(self, c: float = 0.5) -> None:
        self.c = float(c)

    def energy(self, w: FloatArray) -> float:
        return self.energy_gradient(w)[0]

    def energy_gradient(self, w: FloatArray) -> tuple[float, FloatArray]:
        x, y = float(w[0]), float(w[1])
        s = x * x + y * y - 1
        return s * s - self.c * x, np.array([4 * x * s - self.c, 4 * y * s])

    def hessian(self, w: FloatArray) -> FloatArray:
        x, y = float(w[0]), float(w[1])
        s = x * x + y * y - 1
        return np.array([[4 * s + 8 * x * x, 8 * x * y], [8 * x * y, 4 * s + 8 * y * y]])

    def random_point(self, rng: np.random.Generator) -> FloatArray:
        return rng.uniform(-1.5, 1.5, 2)

    def describe(self) -> dict[str, Any]:
        return {"kind": "TiltedRing", "c": self.c}
