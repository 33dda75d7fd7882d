"""Argument checks, defaults and error wording shared by the framework front ends.

``aucscape.keras``, ``aucscape.torch`` and ``aucscape.jax`` compute the same two losses as
the NumPy core: the pairwise risk

    R(s) = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n),   a_p = pos_weight · w_p,   b_n = w_n,

(Z = Σ_p w_p · Σ_n w_n for "mean", Z = 1 for "sum") and the focal loss
FL_i = −α_t (1 − p_t)^γ log p_t. What does not depend on the framework lives here, once:
the checks of the configuration (surrogate, β, m, pos_weight, max_fpr, γ, α, reduction),
each surrogate's defaults and :class:`~aucscape.surrogates.KernelForm` (the front ends run
the spec's kernels: ``form.code`` at ``form.beta``, ``form.margin``, α·``form.outer``),
the margin-trap warning on probabilities, the shape rule for score/label/weight tensors and the
wording of every error about their values (the wording shared with the NumPy core is
defined once in :mod:`aucscape._validation` and re-exported here). NumPy only: importing
this module never imports a framework.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

import numpy as np

from aucscape._validation import (
    bad_labels_error,
    check_max_fpr,
    check_nonnegative,
    check_probability_values,
    check_reduction,
    check_unit_interval,
    not_probabilities_error,
)
from aucscape.defaults import DEFAULT_BETA, DEFAULT_MARGIN
from aucscape.focal import REDUCTIONS as FOCAL_REDUCTIONS
from aucscape.pairwise._problem import REDUCTIONS as PAIRWISE_REDUCTIONS
from aucscape.surrogates import KernelForm, get_surrogate, warn_if_linear_on_probabilities

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_BETA",
    "DEFAULT_GAMMA",
    "DEFAULT_MARGIN",
    "FOCAL_REDUCTIONS",
    "PAIRWISE_REDUCTIONS",
    "FocalArgs",
    "PairwiseArgs",
    "bad_labels_error",
    "bad_weights_error",
    "check_flat_shape",
    "check_label_values",
    "check_probability_values",
    "check_reduction",
    "check_same_length",
    "check_weight_values",
    "focal_args",
    "not_probabilities_error",
    "pairwise_args",
    "publish_classes",
    "unused_params",
]

#: Focusing parameter γ and positive-class weight α of the focal loss.
DEFAULT_GAMMA = 2.0
DEFAULT_ALPHA = 0.25


@dataclass(frozen=True)
class PairwiseArgs:
    """Checked configuration of a pairwise risk; ``surrogate`` is the canonical name."""

    surrogate: str
    family: str
    beta: float
    margin: float
    pos_weight: float
    reduction: str
    form: KernelForm
    max_fpr: float | None = None


@dataclass(frozen=True)
class FocalArgs:
    """Checked configuration of a focal loss: γ ≥ 0, α ∈ [0, 1], a reduction."""

    gamma: float
    alpha: float
    reduction: str


def pairwise_args(
    surrogate: str,
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    reduction: str = "mean",
    reductions: Sequence[str] = PAIRWISE_REDUCTIONS,
    *,
    max_fpr: float | None = None,
    from_logits: bool | None = None,
) -> PairwiseArgs:
    """Check the configuration of R(s): known surrogate, β, m, pos_weight ≥ 0, reduction.

    β, m of None take the surrogate's defaults (``Surrogate.params``, the ranges checked
    there). ``reductions`` lists the accepted reduction names (Keras adds its own aliases
    of "mean"); a pairwise risk has no per-sample value, so "none" is never among them.
    ``from_logits=False`` (scores are probabilities) warns when a margin surrogate has no
    active kink there (:func:`aucscape.surrogates.linear_on_probabilities`).
    """
    sur = get_surrogate(surrogate)
    beta, margin = sur.params(beta, margin)
    if from_logits is False:
        warn_if_linear_on_probabilities(sur, beta, margin, stacklevel=4)
    return PairwiseArgs(
        surrogate=sur.name,
        family=sur.family,
        beta=beta,
        margin=margin,
        pos_weight=check_nonnegative(pos_weight, "pos_weight"),
        reduction=check_reduction(
            reduction, reductions, why=" for a pairwise loss (it has no per-sample value)"
        ),
        form=sur.kernel(beta, margin),
        max_fpr=check_max_fpr(max_fpr),
    )


#: The attributes a pairwise loss object shows of its :class:`PairwiseArgs`.
PAIRWISE_ATTRIBUTES = ("surrogate", "beta", "margin", "pos_weight", "max_fpr")


def keep_pairwise_args(loss: object, args: PairwiseArgs, from_logits: bool) -> None:
    """Store ``args`` on a loss object (``loss._args``) and show its settings as attributes.

    Sets ``surrogate``, ``beta``, ``margin``, ``pos_weight``, ``max_fpr`` from ``args``
    and ``from_logits``, the attributes the Keras and torch loss classes document.
    """
    loss._args = args  # type: ignore[attr-defined]
    for name in PAIRWISE_ATTRIBUTES:
        setattr(loss, name, getattr(args, name))
    loss.from_logits = bool(from_logits)  # type: ignore[attr-defined]


def focal_args(
    gamma: float = DEFAULT_GAMMA, alpha: float = DEFAULT_ALPHA, reduction: str = "mean"
) -> FocalArgs:
    """Check the configuration of FL = −α_t (1 − p_t)^γ log p_t."""
    return FocalArgs(
        gamma=check_nonnegative(gamma, "gamma"),
        alpha=check_unit_interval(alpha, "alpha"),
        reduction=check_reduction(reduction, FOCAL_REDUCTIONS),
    )


def unused_params(surrogate: str) -> tuple[str, ...]:
    """The surrogate parameters ("beta", "margin") that ℓ of ``surrogate`` ignores."""
    sur = get_surrogate(surrogate)
    return tuple(
        name for name, used in (("beta", sur.uses_beta), ("margin", sur.uses_margin))
        if not used
    )


# ------------------------------------------------------------------ shapes and values
def check_flat_shape(shape: Sequence[int | None], name: str) -> int | None:
    """Length N of a tensor of shape (N,) or (N, 1); None when N is unknown (traced)."""
    shape = tuple(shape)
    if len(shape) == 1 or (len(shape) == 2 and shape[1] in (1, None)):
        return shape[0]
    raise ValueError(f"{name} must have shape (N,) or (N, 1), got {shape}")


def check_same_length(n: int | None, m: int | None, name: str, other: str) -> None:
    """Raise ValueError when two known lengths differ (None = unknown, not checked)."""
    if n is not None and m is not None and n != m:
        raise ValueError(f"{name} has {n} entries but {other} has {m}")


def bad_weights_error(name: str = "sample_weight") -> ValueError:
    """The error for NaN, infinite or negative sample weights."""
    return ValueError(f"{name} must be finite and non-negative")


def check_label_values(y: np.ndarray, name: str) -> None:
    """Raise :func:`bad_labels_error` unless every entry of (concrete) ``y`` is 0 or 1."""
    if y.dtype == np.bool_:
        return
    bad = (y != 0) & (y != 1)
    if np.any(bad):
        raise bad_labels_error(name, y[bad])


def check_weight_values(w: np.ndarray, name: str = "sample_weight") -> None:
    """Raise :func:`bad_weights_error` unless every entry of ``w`` is finite and ≥ 0."""
    if not (np.all(np.isfinite(w)) and np.all(w >= 0)):
        raise bad_weights_error(name)


# ------------------------------------------------------------------ package layout
def publish_classes(
    package: str, namespace: MutableMapping[str, object], names: Sequence[str]
) -> None:
    """Set ``__module__`` of the classes among ``names`` to the public ``package``.

    A front end is a package of private submodules re-exported by its ``__init__``; Keras
    records ``cls.__module__`` in saved models and pickle in pickled modules, so the
    public path (``aucscape.keras``, ``aucscape.torch``) is what they should record: it
    stays valid however the package is laid out inside.
    """
    for name in names:
        obj = namespace[name]
        if isinstance(obj, type):
            obj.__module__ = package
