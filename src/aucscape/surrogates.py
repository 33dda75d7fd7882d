"""The surrogate specification: every surrogate ℓ(z) of z = s_p − s_n, defined once.

The AUC is the pair mean of the step Θ(z); each surrogate replaces the *loss* 1 − Θ(z)
by a smooth or convex function so that the pairwise risk
R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) can be optimised (``aucscape.pairwise``).
Every surrogate is a base function f of u = βz (one uniform form, β for all):

========================  ==============================  ======  ======  ==========
name                      ℓ(z) = f(βz)                    β       m       consistent
========================  ==============================  ======  ======  ==========
``sigmoid``               σ(−βz) = 1 − σ(βz)              40      –       yes
``tanh``                  (1 − tanh(βz)) / 2 = σ(−2βz)     40      –       yes
``logistic``              log(1 + exp(−βz))               40      –       yes
``exp``                   exp(−βz)                        40      –       yes
``hinge``                 max(0, m − βz)                  1       1       **no**
``squared_hinge``         max(0, m − βz)²                 1       1       yes
``quad``                  (m − βz)²                       1       1       yes
``smooth_hinge``          log(1 + exp(m − βz))            1       1       yes
========================  ==============================  ======  ======  ==========

The columns β and m are the defaults (``Surrogate.params``); at them the practitioner
losses mean what they always meant (hinge max(0, 1 − z), β = 40 elsewhere). Ranges:
β ≥ 0 for the saturating surrogates, β > 0 for the margin surrogates (smooth hinge
included), m ≥ 0; the surrogates marked "–" ignore m. ``smooth_hinge`` is the softplus
of the hinge's m − βz: it tends to max(0, m − βz) away from the kink (the gap is at
most log 2, at βz = m) and is twice differentiable everywhere, so its stationary points
can be converged to a vanishing gradient and have a Hessian (the landscape study's
hinge, ``docs/surrogates.md``); ``hinge`` itself stays the practitioner's max(0, m − βz).
The β of the margin surrogates follows OPTIM, which gives every AUC surrogate one β
(``docs/surrogates.md`` states the evidence).

Identities every backend uses, through :meth:`Surrogate.kernel`, to run one of six
kernels k_c(u; m) (``CODES``): ℓ_{β,m}(z) = outer · k_c(β'z; m') with

- tanh(β) = sigmoid(2β): β' = 2β (kernel SIGMOID);
- margin surrogates: max(0, m − βz)^q = β^q max(0, m/β − z)^q, so β' = 1, m' = m/β and
  outer = β^q (q = 1 hinge, 2 squared hinge and quad); the others outer = 1, m' = m;
- the LOGISTIC kernel carries the margin, k(u; m) = log(1 + e^{m − u}): the smooth hinge
  (the softplus of the hinge's m − βz) is that kernel at β' = β, m' = m, and ``logistic``
  is it at m' = 0. A blocked backend runs it as logistic on shifted positive scores,
  k(β'(s_p − s_n); m') = k(β'(s_p − δ − s_n); 0) with δ = m'/β' (:attr:`KernelForm.shift`),
  so the logistic kernel of every backend serves both.

**The kink rule** (hinge, squared hinge), one for every algorithm on scores: the pair
(p, n) is active iff s_n > t_p with t_p = s_p − m/β (rounded once, float64); its
ℓ = β^q (s_n − t_p)^q. Sorted, brute-force, blocked, numba, the objectives' kernels and
every front end decide the kink by this one comparison (:meth:`Surrogate.pair_value_d1`).
As functions of z alone (``value``, ``d1``, ``d2``) the pair is active iff m − βz > 0;
at the kink ℓ' = 0, and ℓ'' = 0 for hinge everywhere.

Numerics: the z-functions are vectorised and give no overflow warning or NaN for |βz| up
to 1e4 and beyond; the saturating surrogates stay finite everywhere. ``exp`` is
unbounded: ``value`` is inf past e^709 (the true value rounded), and the pairwise risk
refuses such inputs with a ValueError instead (see :func:`aucscape.pairwise.pairwise_loss`).

>>> get_surrogate("tanh").kernel(40.0, 1.0)
KernelForm(code=0, beta=80.0, margin=1.0, outer=1.0)
>>> float(get_surrogate("hinge").value(0.5, *get_surrogate("hinge").params()))
0.5
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from aucscape._validation import check_nonnegative, check_positive
from aucscape.defaults import DEFAULT_BETA, DEFAULT_MARGIN

Array = NDArray[np.float64]
ScalarFn = Callable[[ArrayLike, float, float], Array]

__all__ = ["CODES", "MAX_BETA", "SURROGATES", "KernelForm", "Surrogate", "blocked_terms",
           "check_beta_squared", "get_surrogate", "is_builtin", "linear_on_probabilities",
           "warn_if_linear_on_probabilities"]

#: Largest steepness β where β² matters: the squared surrogates carry β² as a factor and a
#: network objective's Hessian scales as β² (β² ≤ 1e200 leaves room for the scores). The
#: saturating surrogates take any finite β (a step function at β = 1e308).
MAX_BETA = 1e100

def check_beta_squared(beta: float, name: str = "beta") -> float:
    """``beta`` when β² (and a curvature ∝ β²) stays a finite float64 with room for the
    scores, i.e. β ≤ :data:`MAX_BETA`; ValueError naming the value otherwise. The rule of
    the squared surrogates (squared_hinge, quad) and of every network objective's Hessian.

    >>> check_beta_squared(40.0)
    40.0
    """
    if beta > MAX_BETA:
        raise ValueError(f"{name} must be <= {MAX_BETA:g} (the loss or its curvature scales "
                         f"as beta^2, which must stay a finite float64), got {beta!r}")
    return beta


#: The code table of the six kernels k_c every compiled backend implements.
SIGMOID, LOGISTIC, HINGE, SQUARED_HINGE, EXP, QUAD = range(6)
CODES = {"sigmoid": SIGMOID, "logistic": LOGISTIC, "hinge": HINGE,
         "squared_hinge": SQUARED_HINGE, "exp": EXP, "quad": QUAD}  # fmt: skip


class KernelForm(NamedTuple):
    """ℓ_{β,m}(z) = outer · k_code(beta · z; margin): what a fast backend evaluates."""

    code: int
    beta: float
    margin: float
    outer: float

    @property
    def shift(self) -> float:
        """δ with k(β'(s_p − s_n); m') = k(β'(s_p − δ − s_n); 0) for the blocked kernels.

        δ = m'/β' for LOGISTIC (the smooth hinge; 0 for ``logistic``, whose m' = 0), 0 for
        SIGMOID, which ignores m'. A blocked backend subtracts δ from the positive scores
        and runs its margin-free kernel.

        >>> get_surrogate("smooth_hinge").kernel(4.0, 1.0).shift
        0.25
        """
        if self.code != LOGISTIC or self.margin == 0.0:
            return 0.0
        return self.margin / self.beta

    @property
    def margin_gap(self) -> float:
        """m/β, the gap by which every fast method shifts a positive score (s_p − m/β):
        :attr:`shift` for the smooth hinge, m' for hinge, squared hinge and quad, 0 for the
        margin-free forms. Scores far beyond it are centred or refused
        (:func:`aucscape._validation.margin_centre`).

        >>> get_surrogate("hinge").kernel(4.0, 1.0).margin_gap
        0.25
        """
        if self.code in (HINGE, SQUARED_HINGE, QUAD):
            return self.margin
        return self.shift


@dataclass(frozen=True)
class Surrogate:
    """A pairwise surrogate loss ℓ(z) with its first two derivatives in z.

    ``value``, ``d1`` and ``d2`` take ``(z, beta, margin)`` and return float64 arrays of
    the broadcast shape. ``family`` names the fast pairwise algorithm that applies:
    "blocked" (exact pair sums in blocks), "factorised" (O(N) class sums) or "sorted"
    (O(N log N) sort and prefix sums). A user's own surrogate needs only the first nine
    fields; it is summed pair by pair. The built-ins also carry their defaults, ranges and
    ``form`` (β, m) -> :class:`KernelForm`, the identity the fast backends run.
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
    beta_default: float = DEFAULT_BETA
    margin_default: float = DEFAULT_MARGIN
    beta_positive: bool = False  # β > 0 (margin surrogates divide by β), else β ≥ 0
    beta_squared: bool = False  # ℓ carries β² as a factor: β ≤ MAX_BETA
    form: Callable[[float, float], KernelForm] | None = None

    @property
    def kinked(self) -> bool:
        """True for a built-in with a kink (hinge, squared hinge): the kink rule applies."""
        return self.form is not None and self.family == "sorted"

    def params(self, beta: float | None = None, margin: float | None = None
               ) -> tuple[float, float]:
        """(β, m) with this surrogate's defaults for None, checked against its ranges."""
        b = self.beta_default if beta is None else beta
        m = self.margin_default if margin is None else margin
        b = check_positive(b, "beta") if self.beta_positive else check_nonnegative(b, "beta")
        if self.beta_squared:
            check_beta_squared(b)
        return b, check_nonnegative(m, "margin")

    def kernel(self, beta: float, margin: float) -> KernelForm:
        """The :class:`KernelForm` of a built-in at (β, m); ValueError for a user surrogate."""
        if self.form is None:
            raise ValueError(f"the user surrogate {self.name!r} has no fast kernel")
        return self.form(beta, margin)

    def value_d1(self, z: ArrayLike, beta: float, margin: float) -> tuple[Array, Array]:
        """Return ``(ℓ(z), ℓ'(z))``; the blocked pair sums call this once per block."""
        if self.fused is not None:
            return self.fused(z, beta, margin)
        return self.value(z, beta, margin), self.d1(z, beta, margin)

    def pair_value_d1(self, sp: ArrayLike, sn: ArrayLike, beta: float, margin: float
                      ) -> tuple[Array, Array]:
        """(ℓ, ℓ') of the pairs (s_p, s_n) (broadcast), the kink decided by the kink rule."""
        if not self.kinked:
            return self.value_d1(_f(sp) - _f(sn), beta, margin)
        h = _kink_gap(sp, sn, beta, margin)
        if self.name == "hinge":
            return beta * h, np.where(h > 0.0, -beta, 0.0)
        bh = beta * h
        return bh * bh, -2.0 * (beta * bh)

    def pair_d2(self, sp: ArrayLike, sn: ArrayLike, beta: float, margin: float) -> Array:
        """ℓ'' of the pairs (s_p, s_n), the kink decided by the kink rule."""
        if not self.kinked:
            return self.d2(_f(sp) - _f(sn), beta, margin)
        h = _kink_gap(sp, sn, beta, margin)
        if self.name == "hinge":
            return np.zeros_like(h)
        return np.where(h > 0.0, 2.0 * (beta * beta), 0.0)


def _f(z: ArrayLike) -> Array:
    return np.asarray(z, dtype=np.float64)


def _kink_gap(sp: ArrayLike, sn: ArrayLike, beta: float, margin: float) -> Array:
    """max(0, s_n − t_p), t_p = s_p − m/β: the kink rule (positive iff the pair is active)."""
    t = _f(sp) - margin / beta
    return np.maximum(_f(sn) - t, 0.0)


# --- sigmoid: ℓ = σ(−u), u = kβz (k = 1; tanh is k = 2); ℓ' = −kβ σ(u)σ(−u);
# ℓ'' = k²β² σ(u)σ(−u)(σ(u) − σ(−u)). β multiplies last, one factor at a time, so a huge β
# (kβ or β² past the float64 range) times a saturated σ(u)σ(−u) = 0 gives 0, not inf·0.
def _sigmoid(k: float) -> dict[str, ScalarFn]:
    def value(z: ArrayLike, beta: float, margin: float) -> Array:
        return expit(-(k * (beta * _f(z))))

    def fused(z: ArrayLike, beta: float, margin: float) -> tuple[Array, Array]:
        u = k * (beta * _f(z))
        sn = expit(-u)
        return sn, -k * (beta * (expit(u) * sn))

    def d2(z: ArrayLike, beta: float, margin: float) -> Array:
        # with e = exp(−|u|): σ(u)σ(−u) = e/(1 + e)², σ(u) − σ(−u) = sign(u)(1 − e)/(1 + e);
        # one exp instead of two logistic functions (3-4x faster), exact in the tails
        u = k * (beta * _f(z))
        e = np.exp(-np.abs(u))
        r = 1.0 / (1.0 + e)
        return k * k * (beta * (beta * (np.sign(u) * (e * (1.0 - e)) * (r * r * r))))

    return {"value": value, "fused": fused, "d1": lambda z, b, m: fused(z, b, m)[1], "d2": d2}


# --- the LOGISTIC kernel: log(1 + e^{v}), v = m − βz (logistic: m = 0; smooth hinge: m);
# ℓ' = −β σ(v); ℓ'' = β² σ(v)σ(−v). One definition for both, through ``shifted``.
def _softplus(shifted: bool) -> dict[str, ScalarFn]:
    def v(z: ArrayLike, beta: float, margin: float) -> Array:
        u = beta * _f(z)
        return margin - u if shifted else -u

    def value(z: ArrayLike, beta: float, margin: float) -> Array:
        return np.logaddexp(0.0, v(z, beta, margin))

    def d1(z: ArrayLike, beta: float, margin: float) -> Array:
        return -beta * expit(v(z, beta, margin))

    def d2(z: ArrayLike, beta: float, margin: float) -> Array:
        vv = v(z, beta, margin)
        return beta * (beta * (expit(vv) * expit(-vv)))

    return {"value": value, "d1": d1, "d2": d2}


# --- exp: e^{−u}; ℓ' = −β e^{−u}; ℓ'' = β² e^{−u}. Overflow to inf is the true value.
def _exp_value(z: ArrayLike, beta: float, margin: float) -> Array:
    with np.errstate(over="ignore"):
        return np.exp(-beta * _f(z))


def _exp_d1(z: ArrayLike, beta: float, margin: float) -> Array:
    with np.errstate(over="ignore"):
        return -beta * _exp_value(z, beta, margin)


def _exp_d2(z: ArrayLike, beta: float, margin: float) -> Array:
    with np.errstate(over="ignore"):
        return beta * (beta * _exp_value(z, beta, margin))


# --- margin surrogates, h = m − βz: hinge h₊ (ℓ' = −β[h > 0], ℓ'' = 0); squared hinge
# h₊² (ℓ' = −2β h₊, ℓ'' = 2β²[h > 0]); quad h² (ℓ' = −2βh, ℓ'' = 2β²).
def _h(z: ArrayLike, beta: float, margin: float) -> Array:
    return margin - beta * _f(z)


def _hinge_value(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.maximum(_h(z, beta, margin), 0.0)


def _hinge_d1(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.where(_h(z, beta, margin) > 0.0, -beta, 0.0)


def _hinge_d2(z: ArrayLike, beta: float, margin: float) -> Array:
    return np.zeros_like(_f(z))


def _squared(clipped: bool) -> dict[str, ScalarFn]:
    """ℓ = g², g = h₊ (squared hinge, ``clipped``) or h (quad): ℓ' = −2βg, ℓ'' = 2β²[h > 0].

    Unclipped (quad), ℓ'' = 2β² everywhere. One definition for both, through ``clipped``.
    """

    def g(z: ArrayLike, beta: float, margin: float) -> Array:
        h = _h(z, beta, margin)
        return np.maximum(h, 0.0) if clipped else h

    def value(z: ArrayLike, beta: float, margin: float) -> Array:
        gz = g(z, beta, margin)
        return gz * gz

    def d1(z: ArrayLike, beta: float, margin: float) -> Array:
        return -2.0 * (beta * g(z, beta, margin))

    def d2(z: ArrayLike, beta: float, margin: float) -> Array:
        curvature = 2.0 * (beta * beta)
        if clipped:
            return np.where(_h(z, beta, margin) > 0.0, curvature, 0.0)
        return np.full_like(_f(z), curvature)

    return {"value": value, "d1": d1, "d2": d2}


def _saturating(code: int, k: float = 1.0) -> Callable[[float, float], KernelForm]:
    return lambda beta, margin: KernelForm(code, k * beta, margin, 1.0)


def _margin_form(code: int, power: int) -> Callable[[float, float], KernelForm]:
    return lambda beta, margin: KernelForm(code, 1.0, margin / beta, beta**power)


def _logistic_form(shifted: bool) -> Callable[[float, float], KernelForm]:
    return lambda beta, margin: KernelForm(LOGISTIC, beta, margin if shifted else 0.0, 1.0)


_SIG, _TANH = _sigmoid(1.0), _sigmoid(2.0)
_LOG, _SMOOTH = _softplus(False), _softplus(True)
_SQHINGE, _QUAD = _squared(True), _squared(False)
_MARGIN = {"beta_default": 1.0, "beta_positive": True}

SURROGATES: dict[str, Surrogate] = {
    s.name: s
    for s in (
        Surrogate("sigmoid", True, True, False, "blocked", _SIG["value"], _SIG["d1"],
                  _SIG["d2"], "σ(−βz)", _SIG["fused"], form=_saturating(SIGMOID)),
        Surrogate("tanh", True, True, False, "blocked", _TANH["value"], _TANH["d1"],
                  _TANH["d2"], "(1 − tanh(βz))/2", _TANH["fused"],
                  form=_saturating(SIGMOID, 2.0)),
        Surrogate("hinge", False, True, True, "sorted", _hinge_value, _hinge_d1, _hinge_d2,
                  "max(0, m − βz)", form=_margin_form(HINGE, 1), **_MARGIN),
        Surrogate("squared_hinge", True, True, True, "sorted", _SQHINGE["value"],
                  _SQHINGE["d1"], _SQHINGE["d2"], "max(0, m − βz)²",
                  form=_margin_form(SQUARED_HINGE, 2), beta_squared=True, **_MARGIN),
        Surrogate("exp", True, True, False, "factorised", _exp_value, _exp_d1, _exp_d2,
                  "exp(−βz)", form=_saturating(EXP)),
        Surrogate("quad", True, True, True, "factorised", _QUAD["value"], _QUAD["d1"],
                  _QUAD["d2"], "(m − βz)²", form=_margin_form(QUAD, 2), beta_squared=True,
                  **_MARGIN),
        Surrogate("logistic", True, True, False, "blocked", _LOG["value"], _LOG["d1"],
                  _LOG["d2"], "log(1 + exp(−βz))", form=_logistic_form(False)),
        Surrogate("smooth_hinge", True, True, True, "blocked", _SMOOTH["value"],
                  _SMOOTH["d1"], _SMOOTH["d2"], "log(1 + exp(m − βz))",
                  form=_logistic_form(True), **_MARGIN),
    )
}  # fmt: skip


def get_surrogate(name: str | Surrogate) -> Surrogate:
    """Return the registered surrogate called ``name`` (a ``Surrogate`` passes through).

    Raises ValueError listing the known names for anything else.

    >>> get_surrogate("sigmoid").family
    'blocked'
    """
    if isinstance(name, Surrogate):
        return name
    if isinstance(name, str) and name in SURROGATES:
        return SURROGATES[name]
    raise ValueError(f"unknown surrogate {name!r}; known surrogates: {sorted(SURROGATES)}")


def is_builtin(surrogate: Surrogate) -> bool:
    """True when ``surrogate`` is (equal to) the registered surrogate of its name.

    Only those may use the fast pair algorithms, which run the built-in kernels; a user's
    own :class:`Surrogate` is summed pair by pair with its ``value``/``d1``/``d2``.
    """
    return SURROGATES.get(surrogate.name) == surrogate


def blocked_terms(code: int, v: Any, sigmoid: Callable[[Any], Any],
                  softplus: Callable[[Any], Any]) -> tuple[Any, Any]:
    """(k(u), −k'(u)) of a blocked kernel at v = −u, written against two array functions.

    The front ends (torch, JAX, ``keras.ops``) pass their own ``sigmoid`` and ``softplus``
    (torch's may work in place: ``softplus`` is read first). SIGMOID (and tanh at 2β):
    k = σ(v), −k' = σ(v)(1 − σ(v)); LOGISTIC: k = softplus(v), −k' = σ(v).

    >>> blocked_terms(SIGMOID, np.array([0.0]), expit, lambda v: np.logaddexp(0, v))
    (array([0.5]), array([0.25]))
    """
    if code == LOGISTIC:
        value = softplus(v)
        return value, sigmoid(v)
    if code != SIGMOID:
        raise ValueError(f"kernel code {code} is not a blocked kernel")
    e = sigmoid(v)
    return e, e * (1.0 - e)


# ------------------------------------------------------------------ the margin trap
def linear_on_probabilities(surrogate: str | Surrogate, beta: float, margin: float) -> bool:
    """True when a margin surrogate has no active kink on probabilities (m ≥ β).

    Scores in [0, 1] give z ∈ [−1, 1], so m − βz ≥ m − β ≥ 0 for every pair: hinge is then
    exactly linear in the scores (a pair-free loss, the old weighted-ranking trap) and
    squared hinge is exactly quad.

    >>> linear_on_probabilities("hinge", 1.0, 1.0), linear_on_probabilities("hinge", 4.0, 1.0)
    (True, False)
    """
    sur = get_surrogate(surrogate)
    return sur.kinked and margin >= beta


def warn_if_linear_on_probabilities(surrogate: str | Surrogate, beta: float, margin: float,
                                    stacklevel: int = 3) -> None:
    """Warn (``UserWarning``, once per call site) when :func:`linear_on_probabilities`."""
    if not linear_on_probabilities(surrogate, beta, margin):
        return
    name = get_surrogate(surrogate).name
    what = "exactly linear in the scores" if name == "hinge" else "exactly the quad loss"
    warnings.warn(
        f"{name} with margin={margin:g} >= beta={beta:g} on probabilities is {what}: "
        "z = s_p − s_n ≤ 1 never reaches the kink at z = m/β. Use a larger beta (e.g. "
        "beta=4 puts the kink at z = 0.25), a margin below beta, or from_logits=True.",
        UserWarning, stacklevel=stacklevel)
