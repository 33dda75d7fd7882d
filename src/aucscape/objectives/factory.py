"""Build network objectives from a data set, or rebuild them from ``describe()``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aucscape.defaults import DEFAULT_BETA, DEFAULT_LAM, DEFAULT_MARGIN
from aucscape.nn import MLP
from aucscape.objectives.base import NetworkObjective
from aucscape.objectives.cross_entropy import CrossEntropy
from aucscape.objectives.pairwise_auc import PairwiseAUC

__all__ = ["build_objective", "make_objective"]

_CE_NAMES = ("ce", "cross_entropy", "crossentropy")


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
    ``loss``: ``"ce"`` for cross-entropy, else a surrogate name for :class:`PairwiseAUC`;
    ``beta`` and ``margin`` are accepted for every loss (ignored where unused).
    """
    if not hasattr(dataset, "X_train"):
        from aucscape.data import load_dataset

        dataset = load_dataset(dataset)
    model = MLP(int(dataset.X_train.shape[1]), hidden, 2)
    if not isinstance(loss, str):
        raise ValueError(f"loss must be a string, got {type(loss).__name__}")
    if loss.lower() in _CE_NAMES:
        return CrossEntropy(model, dataset.X_train, dataset.y_train, lam=lam, dataset=dataset)
    return PairwiseAUC(
        model,
        dataset.X_train,
        dataset.y_train,
        loss,
        beta=beta,
        margin=margin,
        pos_weight=pos_weight,
        lam=lam,
        dataset=dataset,
    )


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
    if loss in _CE_NAMES:
        return CrossEntropy(
            model, dataset.X_train, dataset.y_train, lam=description["lam"], dataset=ds
        )
    beta = description.get("beta", DEFAULT_BETA)
    if "surrogate_form" not in description and loss in ("hinge", "squared_hinge", "quad"):
        beta = 1.0  # recorded before ℓ = f(βz): these surrogates ignored β (the old form)
    return PairwiseAUC(
        model,
        dataset.X_train,
        dataset.y_train,
        loss,
        beta=beta,
        margin=description.get("margin", DEFAULT_MARGIN),
        pos_weight=description.get("pos_weight", 1.0),
        lam=description["lam"],
        dataset=ds,
    )
