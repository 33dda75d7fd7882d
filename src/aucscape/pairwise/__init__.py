"""The pairwise AUC risk over scores: value, gradient and curvature, fast and exact.

R(s) = (1/Z) Σ_{p∈P} Σ_{n∈N} a_p b_n ℓ(s_p − s_n),  a_p = pos_weight·w_p,  b_n = w_n,
with ℓ a surrogate from :mod:`aucscape.surrogates` (a loss, minimised; β and m default
to the surrogate's own, e.g. β = 40 for sigmoid, β = m = 1 for hinge) and
Z = Σ_p w_p · Σ_n w_n for ``reduction="mean"`` (the sample-weighted pair count, so
``pos_weight`` is a plain multiplier) or Z = 1 for ``"sum"``. For sigmoid/tanh the mean
risk is 1 − smoothed AUC. A batch with one class only (or Z = 0, or all weights of a
class zero) has no pairs: R = 0, gradient 0, curvature 0 — never NaN or an exception.

Partial AUC (``max_fpr = α``, one-way): the mean surrogate over the positives paired with
the k = ⌈α·N_N⌉ highest-scored negatives (of non-zero weight); Z sums the weights of those
negatives only. Selection first, then the same fast algorithm: no pair matrix.

Exp at extreme scores: the risk is computed in log space and a true value past the
float64 range raises ValueError (never inf or NaN silently).

Algorithms (``method="auto"`` picks the first that applies; every one is exact and
tested against ``"brute"``):

==============  ==========================  ===============  ===================
method          surrogates                  time             extra memory
==============  ==========================  ===============  ===================
``factorised``  exp, quad                   O(N)             O(N)
``sorted``      hinge, squared_hinge        O(N log N)       O(N)
``numba``       all (auto: sigmoid, tanh,   O(NP·NN)         O(N)
                logistic if numba imports)
``blocked``     all (NumPy)                 O(NP·NN)         O(N + block)
``brute``       all (reference)             O(NP·NN)         O(NP·NN)
==============  ==========================  ===============  ===================

Multi-label (labels and scores of shape (N, L), −1 = unknown) and multi-class (one-vs-rest,
one-vs-one) risks: :func:`multilabel_pairwise_loss`, :func:`multiclass_pairwise_loss`
(:mod:`aucscape.pairwise._multilabel`); :func:`pairwise_loss` hands (N, L) scores with
L > 1 to the former.

numba is imported only when the numba method runs, never by ``import aucscape``; its
kernels (:mod:`aucscape.pairwise.kernels`, entry point ``pair_sums``) are the ones the
objectives' compiled L-BFGS loop calls.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape.pairwise import _blocked, _factorised, _reference, _sorted
from aucscape.pairwise._multilabel import multiclass_pairwise_loss, multilabel_pairwise_loss
from aucscape.pairwise._problem import PairProblem, prepare
from aucscape.pairwise.curvature import DenseCross, PairCurvature
from aucscape.surrogates import Surrogate

__all__ = ["METHODS", "PairCurvature", "multiclass_pairwise_loss", "multilabel_pairwise_loss",
           "pairwise_curvature", "pairwise_loss"]

METHODS = ("auto", "factorised", "sorted", "numba", "blocked", "brute")
_FAST = {"exp": "factorised", "quad": "factorised", "hinge": "sorted",
         "squared_hinge": "sorted"}  # fmt: skip


@cache
def numba_available() -> bool:
    """True when the optional numba dependency can be imported."""
    return importlib.util.find_spec("numba") is not None


def _numba_value_grad(pb: PairProblem) -> tuple[float, NDArray, NDArray]:
    from aucscape.pairwise import kernels  # lazy: compiling must not hit `import aucscape`

    return kernels.value_grad(pb)


def _check_finite(pb: PairProblem, value: float, g_pos: NDArray, g_neg: NDArray) -> None:
    """ValueError when an exp risk or its gradient overflowed float64 (never silent inf)."""
    if np.isfinite(value) and np.all(np.isfinite(g_pos)) and np.all(np.isfinite(g_neg)):
        return
    log_r = _factorised.exp_log_value(pb)
    raise ValueError(
        f"the exp surrogate overflows float64 here: log R = {log_r:.6g} (R = e^{{log R}}, "
        f"beta={pb.beta:g}); lower beta or bring the scores closer together (e.g. use "
        "probabilities), or use a saturating surrogate such as logistic"
    )


def _resolve(method: str, pb: PairProblem, curvature: bool = False) -> str:
    """The algorithm ``method`` names for this problem; ValueError when it does not apply.

    The fast methods hard-code the built-in surrogates, so a user's own ``Surrogate``
    (even one reusing a built-in name) only gets "blocked" or "brute".
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    name = pb.surrogate.name
    if not pb.builtin:
        if method in ("auto", "blocked", "brute"):
            return "brute" if method == "brute" else "blocked"
        raise ValueError(
            f"method={method!r} applies only to the built-in surrogates; use 'blocked' or "
            f"'brute' for the user surrogate {name!r}"
        )
    if method == "auto":
        if name in _FAST:
            return _FAST[name]
        return "blocked" if curvature or not numba_available() else "numba"
    if method in ("factorised", "sorted") and _FAST.get(name) != method:
        ok = sorted(k for k, v in _FAST.items() if v == method)
        raise ValueError(f"method={method!r} applies only to surrogates {ok}, not {name!r}")
    if method == "numba" and curvature:
        raise ValueError("method='numba' computes values and gradients only; use 'blocked'")
    return method


def _value_grad_fn(method: str, name: str) -> Callable[[PairProblem], tuple]:
    if method == "factorised":
        return _factorised.exp_value_grad if name == "exp" else _factorised.quad_value_grad
    return {
        "sorted": _sorted.value_grad,
        "numba": _numba_value_grad,
        "blocked": _blocked.value_grad,
        "brute": _reference.value_grad,
    }[method]


def _is_multilabel(y_true: ArrayLike, y_score: ArrayLike) -> bool:
    """True for (N, L) labels and scores of one shape with L > 1 (not a column vector)."""
    shape = np.shape(y_score)
    return len(shape) == 2 and shape[1] > 1 and np.shape(y_true) == shape


def pairwise_loss(
    y_true: ArrayLike,
    y_score: ArrayLike,
    surrogate: str | Surrogate = "sigmoid",
    *,
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    sample_weight: ArrayLike | None = None,
    reduction: str = "mean",
    return_grad: bool = False,
    method: str = "auto",
    max_fpr: float | None = None,
    label_weight: ArrayLike | None = None,
) -> float | tuple[float, NDArray[np.float64]]:
    """Pairwise AUC risk R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) (see module docstring).

    Parameters
    ----------
    y_true : (N,) 0/1 labels (bool accepted).
    y_score : (N,) finite scores (logits or probabilities, as the caller chooses).
    surrogate : registry name or :class:`~aucscape.surrogates.Surrogate`.
    beta, margin : surrogate steepness β and margin m; None takes the surrogate's default
        (``Surrogate.params``); β ≥ 0 (> 0 for hinge, squared_hinge, quad), m ≥ 0
        (ignored by sigmoid, tanh, logistic, exp).
    pos_weight : multiplier of every positive's weight, >= 0 (weighted ranking loss).
    sample_weight : (N,) non-negative weights, ones by default.
    reduction : "mean" (divide by Σ_p w_p · Σ_n w_n) or "sum".
    return_grad : also return dR/ds, shape (N,), float64.
    method : "auto" or a forced algorithm from ``METHODS``.
    max_fpr : None (full AUC) or α in (0, 1]: one-way partial AUC over the ⌈α·N_N⌉
        highest-scored negatives (module docstring).
    label_weight : (L,) label weights λ, for (N, L) inputs only.

    (N, L) labels and scores of one shape with L > 1 (labels 0/1, −1 = unknown) give the multi-label
    risk Σ λ_l R_l / Σ λ_l over the labels with pairs: :func:`multilabel_pairwise_loss`.

    Returns
    -------
    R, or (R, grad) with ``return_grad``. One class only: 0.0 (and a zero gradient).

    >>> pairwise_loss([1, 0], [0.75, 0.25], "hinge")  # max(0, 1 − 0.5)
    0.5
    """
    if label_weight is not None or _is_multilabel(y_true, y_score):
        return multilabel_pairwise_loss(
            y_true, y_score, surrogate, beta=beta, margin=margin, pos_weight=pos_weight,
            sample_weight=sample_weight, label_weight=label_weight, reduction=reduction,
            return_grad=return_grad, method=method, max_fpr=max_fpr)
    pb = prepare(y_true, y_score, surrogate, beta, margin, pos_weight, sample_weight, reduction,
                 max_fpr)
    resolved = _resolve(method, pb)
    if pb.empty:
        return (0.0, np.zeros(pb.n)) if return_grad else 0.0
    value, g_pos, g_neg = _value_grad_fn(resolved, pb.surrogate.name)(pb)
    if pb.builtin and pb.surrogate.name == "exp":
        _check_finite(pb, value, g_pos, g_neg)
    if not return_grad:
        return value
    return value, pb.scatter(g_pos, g_neg)


def pairwise_curvature(
    y_true: ArrayLike,
    y_score: ArrayLike,
    surrogate: str | Surrogate = "sigmoid",
    *,
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    sample_weight: ArrayLike | None = None,
    reduction: str = "mean",
    method: str = "auto",
) -> PairCurvature:
    """Score Hessian of :func:`pairwise_loss` as a :class:`PairCurvature` (same arguments).

    ``method``: "auto" (rank-one K for exp/quad, sorted prefix sums for squared hinge,
    zero for hinge, blocked pair sums otherwise), "blocked" or "brute" (dense K).
    """
    pb = prepare(y_true, y_score, surrogate, beta, margin, pos_weight, sample_weight, reduction)
    name = pb.surrogate.name
    resolved = _resolve(method, pb, curvature=True)
    if pb.empty or (pb.builtin and name == "hinge"):  # hinge: ℓ'' = 0 almost everywhere
        return PairCurvature(pb, None)
    if resolved == "brute":
        return PairCurvature(pb, DenseCross(*_reference.curvature_parts(pb)))
    if resolved == "factorised":
        op = _factorised.exp_cross(pb) if name == "exp" else _factorised.quad_cross(pb)
        return PairCurvature(pb, op)
    if resolved == "sorted":
        return PairCurvature(pb, _sorted.SortedCross(pb))
    return PairCurvature(pb, _blocked.BlockedCross(pb))
