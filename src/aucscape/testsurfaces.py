"""Analytic objectives with known stationary points, for testing the landscape engine.

Each class satisfies :class:`aucscape.objective.Objective` with exact gradients and
Hessians, so minimisers, basin-hopping and transition-state searches can be checked
against answers known in closed form (or to many digits from the literature).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .objective import FloatArray


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
