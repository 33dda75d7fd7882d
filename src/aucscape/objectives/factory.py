"""Build network objectives from a data set, or rebuild them from ``describe()``.

Sizes are checked before anything is allocated (:func:`check_network_size`), and λ = 0 is
warned about (:data:`FLAT_LAMBDA_REASON`): the energy is unchanged by a common shift of the
logits (dW2[c, :] = u, db2[c] = t for every c), so without weight decay H + 1 Hessian
eigenvalues are 0 in exact arithmetic at every point.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any

from aucscape._validation import _number, check_int
from aucscape.defaults import DEFAULT_BETA, DEFAULT_LAM, DEFAULT_MARGIN
from aucscape.nn import MLP
from aucscape.objectives.base import NetworkObjective
from aucscape.objectives.cross_entropy import CrossEntropy
from aucscape.objectives.pairwise_auc import PairwiseAUC
from aucscape.surrogates import check_beta_squared

__all__ = ["FLAT_LAMBDA_REASON", "MAX_LAM", "build_objective", "check_lam",
           "check_network_size", "make_objective", "physical_memory"]

_CE_NAMES = ("ce", "cross_entropy", "crossentropy")

#: Why λ = 0 gives an empty landscape database.
FLAT_LAMBDA_REASON = (
    "with lam = 0 the loss is unchanged by a common shift of the softmax logits, so H + 1 "
    "Hessian eigenvalues are 0 (to rounding) everywhere and minima fail the "
    "positive-definite test: a landscape exploration would store nothing or rounding noise "
    "(use lam > 0, e.g. the paper's 1e-5)"
)


def physical_memory() -> int | None:
    """Bytes of physical memory on this machine (None where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return None


#: Largest weight decay accepted: beyond it λ Σ W² swamps every data term (one minimum at
#: W ≈ 0) and its gradient 2λW overflows within a few steps of a quench.
MAX_LAM = 1e6


def check_lam(lam: Any, name: str = "lam", *, allow_zero: bool = False) -> float:
    """λ as a float in (0, :data:`MAX_LAM`]; the one rule of the CLI's ``--lam``, the study
    config's ``lam`` keys and :func:`make_objective` (which takes 0 with a warning,
    ``allow_zero``). ValueError naming ``name`` otherwise; λ = 0 is refused with
    :data:`FLAT_LAMBDA_REASON`."""
    v = _number(lam, name, f"in (0, {MAX_LAM:g}]")
    if not 0.0 <= v <= MAX_LAM:  # NaN, inf and negatives too
        raise ValueError(f"{name} must be a finite number in (0, {MAX_LAM:g}] (beyond it the "
                         f"weight decay swamps the data term and overflows), got {lam!r}")
    if v == 0.0 and not allow_zero:
        raise ValueError(f"{name} 0 is refused: {FLAT_LAMBDA_REASON}")
    return v


def check_network_size(
    n_in: int, hidden: Any, n_train: int, *, name: str = "hidden", memory: int | None = None
) -> int:
    """``hidden`` as an int when an n_in-hidden-2 network fits in memory; else ValueError.

    P = hidden·(n_in + 2) + hidden + 2 parameters. One landscape quench holds the dense
    Hessian ∇²E, its symmetrised copy and ``eigvalsh``'s workspace (3·P² float64) and the
    per-point Jacobian with its product (2·N·P float64), so it needs about
    8·(3P² + 2NP) bytes; more than ``memory`` (default: this machine's physical memory)
    cannot fit and is refused, naming ``name``, before anything is allocated.

    >>> check_network_size(2, 10, 150)
    10
    """
    h = check_int(hidden, name, minimum=1)
    P = h * (int(n_in) + 2) + h + 2
    need = 8 * (3 * P * P + 2 * int(n_train) * P)
    limit = physical_memory() if memory is None else memory
    if limit is not None and need > limit:
        raise ValueError(
            f"{name} = {h} gives a {n_in}-{h}-2 network with {P} parameters whose Hessian "
            f"needs about {need / 2**30:.3g} GiB, more than the {limit / 2**30:.3g} GiB of "
            "memory here"
        )
    return h


def make_objective(
    dataset: Any,
    loss: str = "sigmoid",
    *,
    hidden: int = 10,
    beta: float = DEFAULT_BETA,
    margin: float = DEFAULT_MARGIN,
    pos_weight: float = 1.0,
    lam: float = DEFAULT_LAM,
) -> NetworkObjective:
    """The paper's objective on ``dataset``'s training split: an n_in-``hidden``-2 MLP.

    ``dataset``: a :class:`aucscape.data.Dataset`, or anything
    :func:`aucscape.data.load_dataset` accepts (name, CSV path, description dict).
    ``loss``: ``"ce"`` for cross-entropy, else a surrogate name for :class:`PairwiseAUC`.
    ``hidden`` is refused when the network cannot fit (:func:`check_network_size`);
    ``lam = 0`` warns (:data:`FLAT_LAMBDA_REASON`);
    ``beta`` and ``margin`` are accepted for every loss (ignored where unused).
    """
    if not hasattr(dataset, "X_train"):
        from aucscape.data import load_dataset

        dataset = load_dataset(dataset)
    n_in = int(dataset.X_train.shape[1])
    hidden = check_network_size(n_in, hidden, int(dataset.X_train.shape[0]))
    model = MLP(n_in, hidden, 2)
    if not isinstance(loss, str):
        raise ValueError(f"loss must be a string, got {type(loss).__name__}")
    if loss.lower() not in _CE_NAMES and isinstance(beta, (int, float)):
        check_beta_squared(beta)  # the landscape's Hessian scales as β²
    if check_lam(lam, allow_zero=True) == 0:
        warnings.warn(FLAT_LAMBDA_REASON, UserWarning, stacklevel=2)
    return _network_objective(model, dataset, loss, loss.lower() in _CE_NAMES, lam=lam,
                              record=dataset, beta=beta, margin=margin, pos_weight=pos_weight)


def build_objective(description: Mapping[str, Any], dataset: Any = None) -> NetworkObjective:
    """Rebuild the objective whose ``describe()`` gave ``description``.

    The data come from ``dataset`` when given (a Dataset; its training split is used),
    else from ``aucscape.data.load_dataset(description["dataset"])``.
    """
    if not isinstance(description, Mapping):
        raise ValueError(f"description must be a dict, got {type(description).__name__}")
    missing = [k for k in ("loss", "lam", "architecture") if k not in description]
    if missing:
        raise ValueError(f"description lacks {missing}; expected the output of describe()")
    if dataset is None:
        spec = description.get("dataset")
        if spec is None:
            raise ValueError(
                "description has no dataset (the objective was built from raw arrays); "
                "pass dataset= explicitly"
            )
        from aucscape.data import load_dataset

        dataset = load_dataset(spec)
    arch = description["architecture"]
    try:
        model = MLP(int(arch["n_in"]), int(arch["n_hidden"]), int(arch["n_out"]))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"bad architecture entry {arch!r}: {exc}") from None
    ds = dataset if description.get("dataset") is None else description["dataset"]
    loss = str(description["loss"])
    beta = description.get("beta", DEFAULT_BETA)
    if "surrogate_form" not in description and loss in ("hinge", "squared_hinge", "quad"):
        beta = 1.0  # recorded before ℓ = f(βz): these surrogates ignored β (the old form)
    return _network_objective(
        model, dataset, loss, loss in _CE_NAMES, lam=description["lam"], record=ds, beta=beta,
        margin=description.get("margin", DEFAULT_MARGIN),
        pos_weight=description.get("pos_weight", 1.0),
    )


def _network_objective(
    model: MLP, dataset: Any, loss: str, cross_entropy: bool, *, lam: float, record: Any,
    beta: float, margin: float, pos_weight: float,
) -> NetworkObjective:
    """E(w) of ``model`` on ``dataset``'s training split: cross-entropy or the pairwise risk.

    ``record`` is the dataset the objective describes itself with (a Dataset or its
    description); β, m and ``pos_weight`` are used by :class:`PairwiseAUC` only.
    """
    if cross_entropy:
        return CrossEntropy(model, dataset.X_train, dataset.y_train, lam=lam, dataset=record)
    return PairwiseAUC(model, dataset.X_train, dataset.y_train, loss, beta=beta,
                       margin=margin, pos_weight=pos_weight, lam=lam, dataset=record)
