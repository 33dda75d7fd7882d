"""Surrogate losses ℓ(z) of the pair difference z = s_p − s_n, to be minimised.

The AUC is the pair mean of the step Θ(z); each surrogate replaces the *loss* 1 − Θ(z)
by a smooth or convex function so that the pairwise risk
R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) can be optimised (``aucscape.pairwise``).

========================  ==============================  ==============
name                      ℓ(z)                            AUC-consistent
========================  ==============================  ==============
``sigmoid``               σ(−βz) = 1 − σ(βz)              yes
``tanh``                  (1 − tanh(βz)) / 2 = σ(−2βz)     yes
``hinge``                 max(0, m − z)                   **no**
``squared_hinge``         max(0, m − z)²                  yes
``exp``                   exp(−βz)                        yes
``quad``                  (m − z)²                        yes
``logistic``              log(1 + exp(−βz))               yes
========================  ==============================  ==============

β (``beta``) is the steepness, m (``margin``) the margin; each surrogate ignores the
parameter it does not use. For ``sigmoid`` and ``tanh`` the mean risk is 1 minus the
smoothed AUC: 0 for a perfect ranking, 1 − AUC as β → ∞ (ties count 1/2).

Numerics: every function is vectorised and evaluated without overflow warnings or NaN for
|βz| up to 1e4 and beyond. The saturating surrogates (sigmoid, tanh, logistic) and their
derivatives stay finite everywhere (they use ``scipy.special.expit``/``logaddexp``).
``exp`` is unbounded: its value and derivatives are ``inf`` (silently) once −βz exceeds
about 709, the float64 range of exp; that is the true value rounded, not an error.
Derivatives are with respect to z. At the hinge kink (z = m) the convention is
ℓ'(m) = 0 and ℓ''(z) = 0 for hinge everywhere, ℓ''(z) = 2·[z < m] for squared hinge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

Array = NDArray[np.float64]
ScalarFn = Callable[[ArrayLike, float, float], Array]

__all__ = ["SURROGATES", "Surrogate", "get_surrogate", "is_builtin"]


@dataclass(frozen=True)
class Surrogate:
    """A pairwise surrogate loss ℓ(z) with its first two derivatives in z.

    ``value``, ``d1`` and ``d2`` take ``(z, beta, margin)`` and return float64 arrays of
    the broadcast shape. ``family`` names the fast pairwise algorithm that applies:
    "blocked" (exact pair sums in blocks), "factorised" (O(N) class sums) or "sorted"
    (O(N log N) sort and prefix sums).
    """

    name: str
    consistent: bool
    uses_beta: bool
    uses_margin: bool
    family: str
    value: ScalarFn
    d1: ScalarFn
    d2: ScalarFn
    formula: str
    fused: Callable[[ArrayLike, float, float], tuple[Array, Array]] | None = None

    def value_d1(self, z: ArrayLike, beta: float, margin: float) -> tuple[Array, Array]:
        """Return ``(ℓ(z), ℓ'(z))``; the blocked pair sums call this once per block."""
        if self.fused is not None:
            return self.fused(z, beta, margin)
        return self.value(z, beta, margin), self.d1(z, beta, margin)


def _f(z: ArrayLike) -> Array:
    return np.asarray(z, dtype=np.float64)


# --- sigmoid: ℓ = σ(−u), u = kβz (k = 1; tanh is k = 2); ℓ' = −kβ σ(u)σ(−u);
# ℓ'' = k²β² σ(u)σ(−u)(σ(u) − σ(−u)). β multiplies last, one factor at a time, so a huge β
# (kβ or β² past the float64 range) times a saturated σ(u)σ(−u) = 0 gives 0, not inf·0.
def _sig_value(z: ArrayLike, beta: float, margin: float, k: float = 1.0) -> Array:
    return expit(-(k * (beta * _f(z))))


def _sig_fused(z: ArrayLike, beta: float, margin: float, k: float = 1.0
               ) -> tuple[Array, Array]:
    u = k * (beta * _f(z))
    sn = expit(-u)
    return sn, -k * (beta * (expit(u) * sn))


def _sig_d1(z: ArrayLike, beta: float, margin: float, k: float = 1.0) -> Array:
    return _sig_fused(z, beta, margin, k)[1]


def _sig_d2(z: ArrayLike, beta: float, margin: float, k: float = 1.0) -> Array:
    u = k * (beta * _f(z))
    sp, sn = expit(u), expit(-u)
    return k * k * (beta * (beta * (sp * sn * (sp - sn))))


# tanh: (1 − tanh(βz))/2 = σ(−2βz), i.e. the sigmoid functions above with k = 2.
_tanh = {name: partial(fn, k=2.0) for name, fn in (
    ("value", _sig_value), ("fused", _sig_fused), ("d1", _sig_d1), ("d2", _sig_d2))}


# --- hinge: max(0, m − z); ℓ' = −[z < m]; ℓ'' = 0.
def _hinge_value(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.maximum(margin - _f(z), 0.0)


def _hinge_d1(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.where(_f(z) < margin, -1.0, 0.0)


def _hinge_d2(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.zeros_like(_f(z))


# --- squared hinge: max(0, m − z)²; ℓ' = −2 max(0, m − z); ℓ'' = 2[z < m].
def _sqhinge_value(z: ArrayLike, beta: float, margin: float) -> Array:
    h = np.maximum(margin - _f(z), 0.0)
    return h * h


def _sqhinge_d1(z: ArrayLike, beta: float, margin: float) -> Array:
    return -2.0 * np.maximum(margin - _f(z), 0.0)


def _sqhinge_d2(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.where(_f(z) < margin, 2.0, 0.0)


# --- exp: e^{−u}; ℓ' = −β e^{−u}; ℓ'' = β² e^{−u}. Overflow to inf is the true value.
def _exp(z: ArrayLike, beta: float) -> Array:
    with np.errstate(over="ignore"):
        return np.exp(-beta * _f(z))


def _exp_value(z: ArrayLike, beta: float, margin: float) -> Array:
    return _exp(z, beta)


def _exp_d1(z: ArrayLike, beta: float, margin: float) -> Array:
    with np.errstate(over="ignore"):
        return -beta * _exp(z, beta)


def _exp_d2(z: ArrayLike, beta: float, margin: float) -> Array:
    with np.errstate(over="ignore"):
        return beta * (beta * _exp(z, beta))


# --- quad: (m − z)²; ℓ' = −2(m − z); ℓ'' = 2.
def _quad_value(z: ArrayLike, beta: float, margin: float) -> Array:
    h = margin - _f(z)
    return h * h


def _quad_d1(z: ArrayLike, beta: float, margin: float) -> Array:
    return -2.0 * (margin - _f(z))


def _quad_d2(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.full_like(_f(z), 2.0)


# --- logistic: log(1 + e^{−u}); ℓ' = −β σ(−u); ℓ'' = β² σ(u)σ(−u).
def _logistic_value(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.logaddexp(0.0, -beta * _f(z))


def _logistic_d1(z: ArrayLike, beta: float, margin: float) -> Array:
    return -beta * expit(-beta * _f(z))


def _logistic_d2(z: ArrayLike, beta: float, margin: float) -> Array:
    u = beta * _f(z)
    return beta * (beta * (expit(u) * expit(-u)))


SURROGATES: dict[str, Surrogate] = {
    s.name: s
    for s in (
        Surrogate("sigmoid", True, True, False, "blocked",
                  _sig_value, _sig_d1, _sig_d2, "σ(−βz)", _sig_fused),
        Surrogate("tanh", True, True, False, "blocked",
                  _tanh["value"], _tanh["d1"], _tanh["d2"], "(1 − tanh(βz))/2", _tanh["fused"]),
        Surrogate("hinge", False, False, True, "sorted",
                  _hinge_value, _hinge_d1, _hinge_d2, "max(0, m − z)"),
        Surrogate("squared_hinge", True, False, True, "sorted",
                  _sqhinge_value, _sqhinge_d1, _sqhinge_d2, "max(0, m − z)²"),
        Surrogate("exp", True, True, False, "factorised",
                  _exp_value, _exp_d1, _exp_d2, "exp(−βz)"),
        Surrogate("quad", True, False, True, "factorised",
                  _quad_value, _quad_d1, _quad_d2, "(m − z)²"),
        Surrogate("logistic", True, True, False, "blocked",
                  _logistic_value, _logistic_d1, _logistic_d2, "log(1 + exp(−βz))"),
    )
}  # fmt: skip


def get_surrogate(name: str | Surrogate) -> Surrogate:
    """Return the registered surrogate called ``name`` (a ``Surrogate`` passes through).

    Raises ValueError listing the known names for anything else.
    """
    if isinstance(name, Surrogate):
        return name
    if isinstance(name, str) and name in SURROGATES:
        return SURROGATES[name]
    raise ValueError(f"unknown surrogate {name!r}; known surrogates: {sorted(SURROGATES)}")


def is_builtin(surrogate: Surrogate) -> bool:
    """True when ``surrogate`` is (equal to) the registered surrogate of its name.

    Only those may use the fast pair algorithms, which hard-code each built-in ℓ; a user's
    own :class:`Surrogate` is summed pair by pair with its ``value``/``d1``/``d2``.
    """
    return SURROGATES.get(surrogate.name) == surrogate
