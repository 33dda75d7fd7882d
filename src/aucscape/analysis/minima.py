"""Per-minimum properties: what each stored minimum W does as a classifier.

For a network with scores s_d = p_1(W; x_d) (softmax probability of class 1) and labels
c_d ∈ {0, 1}, at every minimum W:

- ``train_auc``, ``test_auc``: exact ROC AUC of s with class 1 positive
  (:func:`aucscape.metrics.roc_auc`, ties = 1/2), where s is taken as a function of each
  point's hidden state h_d = tanh(W1 x_d + b1) (see :func:`tie_exact_scores`): points
  with equal inputs or equal float hidden states (e.g. every unit saturated at ±1) tie,
  on every machine, instead of being ordered by position-dependent BLAS rounding;
- ``train_accuracy``, ``test_accuracy``: (1/N) Σ_d 1[argmax_c p_c(W; x_d) = c_d];
- ``ce_loss``: the cross-entropy data term −(1/N) Σ_d ln p_{c_d}(W; x_d) on the training
  split (no λ‖W‖²);
- ``app_auc``: 1 − R_σ(s) on the training split with R_σ the mean sigmoid pairwise risk
  (1/(NP·NN)) Σ_p Σ_n σ(−β(s_p − s_n)), i.e. the smoothed AUC (no λ‖W‖²);

whichever loss W was found on, so cross-entropy minima can be placed in the AUC
landscape and vice versa (Figure 5 of Niroomand et al., 2022). The stored ``energy``
(full loss, λ term included), ``lpphe`` = Σ_k ln λ_k and smallest Hessian eigenvalue
``min_eig`` are carried along as stored; ``energy_error`` = |E(W) − stored energy| for
the objective rebuilt from the database (NaN when no objective is given) flags a data
set or code change that would make the analysis describe a different landscape.

These are computed here, from stored coordinates, never inside the explorer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import check_labels, check_positive
from aucscape.defaults import DEFAULT_BETA  # sigmoid β of ``app_auc`` (the paper's)
from aucscape.metrics import roc_auc
from aucscape.nn import MLP, Forward
from aucscape.pairwise import pairwise_loss

__all__ = [
    "DEFAULT_BETA",
    "MinimumProperties",
    "minimum_properties",
    "properties_columns",
    "resolve_beta",
    "tie_exact_scores",
]


@dataclass(frozen=True)
class MinimumProperties:
    """Classifier and landscape properties of one minimum (see the module docstring)."""

    id: int
    energy: float
    train_auc: float
    test_auc: float
    train_accuracy: float
    test_accuracy: float
    ce_loss: float
    app_auc: float
    lpphe: float
    min_eig: float
    hits: int | None = None
    energy_error: float = math.nan
    component: int | None = None  # id of the lowest minimum of its connected network

    def to_dict(self) -> dict[str, Any]:
        """Plain dict in field order (CSV row / JSON object)."""
        return asdict(self)

    @classmethod
    def field_names(cls) -> list[str]:
        """Column names in CSV order."""
        return [f.name for f in fields(cls)]


def _network(model_or_objective: Any) -> tuple[MLP, Any]:
    """(MLP, objective or None) from an MLP or an objective with a ``model`` attribute."""
    if isinstance(model_or_objective, MLP):
        return model_or_objective, None
    model = getattr(model_or_objective, "model", None)
    if isinstance(model, MLP):
        return model, model_or_objective
    raise ValueError(
        "model_or_objective must be an aucscape.nn.MLP or a network objective with a "
        f".model MLP, got {type(model_or_objective).__name__}"
    )


def resolve_beta(model_or_objective: Any, beta: float | None = None) -> float:
    """β for ``app_auc``: ``beta`` if given, else the objective's β, else 40."""
    if beta is not None:
        return check_positive(beta, "beta")
    b = getattr(model_or_objective, "beta", None)
    return DEFAULT_BETA if b is None else check_positive(b, "objective beta")


def _optional_column(values: ArrayLike | None, m: int, name: str, fill: float) -> NDArray:
    if values is None:
        return np.full(m, fill)
    arr = np.array([fill if v is None else v for v in np.ravel(values).tolist()], dtype=float)
    if arr.shape != (m,):
        raise ValueError(f"{name} has {arr.size} entries for {m} minima")
    return arr


def tie_exact_scores(fwd: Forward, rows: NDArray[np.intp] | None = None) -> NDArray:
    """Scores s_d = p_1 as a function of the float hidden state h_d only.

    s_d = p_1(W; x_{f(d)}) with f(d) the first point whose hidden state equals h_d, after
    duplicate input rows have taken the hidden state of their first copy (``rows``: for
    each point, the index of the first row of X equal to it; None: no duplicates assumed).
    The output layer o = W2 h + b2 is exactly a function of h, but BLAS rounds identical rows
    differently by their position, which would order pairs that are tied in the network's
    output (a saturated tanh layer makes points of both classes share h = ±1) by the last
    bit. With this rule they tie, so the AUC of a stored minimum cannot depend on rounding.

    >>> import numpy as np
    >>> from aucscape.nn import MLP
    >>> m = MLP(1, 1)
    >>> fwd = m.forward(np.array([100.0, 0.0, 1.0, -1.0, 0.0, 0.0]), np.array([[1.0], [2.0]]))
    >>> bool(tie_exact_scores(fwd)[0] == tie_exact_scores(fwd)[1])  # both units at h = 1
    True
    """
    h = fwd.h if rows is None else fwd.h[rows]
    return fwd.proba[_first_rows(h), 1]


def _first_rows(a: NDArray) -> NDArray[np.intp]:
    """For each row of a 2-D array, the index of the first row bit-equal to it.

    Rows are compared as raw bytes (one void scalar per row), so equal means bit-equal
    (−0.0 and 0.0 differ, harmlessly: they give the same outputs).
    """
    rows = np.ascontiguousarray(a)
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first[inverse.ravel()]


def _classifier(
    model: MLP, w: NDArray, X: NDArray, y: NDArray[np.bool_], rows: NDArray[np.intp]
) -> tuple[float, float, Forward]:
    """(exact AUC of the tie-exact p_1, argmax accuracy, forward pass) of one network."""
    fwd = model.forward(w, X)
    acc = float(np.mean(np.argmax(fwd.proba, axis=1) == y.astype(np.int64)))
    return roc_auc(y, tie_exact_scores(fwd, rows)), acc, fwd


def _losses(fwd: Forward, y: NDArray[np.bool_], beta: float) -> tuple[float, float]:
    """(CE data term −mean ln p_{c_d}, 1 − mean sigmoid pairwise risk) from a forward pass."""
    o = fwd.logits
    m = o.max(axis=1)
    lse = m + np.log(np.exp(o - m[:, None]).sum(axis=1))
    ce = float(np.mean(lse - o[np.arange(o.shape[0]), y.astype(np.int64)]))
    app = 1.0 - float(pairwise_loss(y, fwd.proba[:, 1], "sigmoid", beta=beta))
    return ce, app


def minimum_properties(
    model_or_objective: Any,
    dataset: Any,
    coords: ArrayLike,
    *,
    energies: ArrayLike | None = None,
    lpphe: ArrayLike | None = None,
    min_eig: ArrayLike | None = None,
    ids: Sequence[int] | None = None,
    hits: Sequence[int] | None = None,
    beta: float | None = None,
) -> list[MinimumProperties]:
    """Properties of the minima whose parameter vectors are the rows of ``coords``.

    ``model_or_objective``: an :class:`~aucscape.nn.MLP` or a network objective (its
    ``model`` is used; its ``beta`` sets β for ``app_auc`` unless ``beta`` is given, and
    it recomputes each energy for ``energy_error``). ``dataset``: anything with
    ``X_train, y_train, X_test, y_test`` (0/1 labels). ``coords``: (M, P) or (P,).
    ``energies``, ``lpphe``, ``min_eig``: stored values per minimum (None entries or a
    missing array give NaN; a missing ``energies`` with an objective uses E(W)).
    ``ids`` default to 0..M−1. Returns one :class:`MinimumProperties` per row, in order.
    """
    model, objective = _network(model_or_objective)
    b = resolve_beta(model_or_objective, beta)
    W = np.asarray(coords, dtype=np.float64)
    if W.ndim == 1:
        W = W[None, :]
    if W.ndim != 2:
        raise ValueError(f"coords must have shape (M, {model.n_params}), got {W.shape}")
    if W.shape[1] != model.n_params:
        raise ValueError(
            f"coords have {W.shape[1]} parameters but the {model.n_in}-{model.n_hidden}-"
            f"{model.n_out} network has {model.n_params}"
        )
    if not np.all(np.isfinite(W)):
        raise ValueError("coords contain NaN or inf")
    m = W.shape[0]
    try:
        Xtr = model.check_inputs(dataset.X_train)
        Xte = model.check_inputs(dataset.X_test)
        ytr = check_labels(dataset.y_train, "dataset.y_train")
        yte = check_labels(dataset.y_test, "dataset.y_test")
    except AttributeError as exc:
        raise ValueError(
            f"dataset must have X_train, y_train, X_test, y_test ({exc})"
        ) from None
    for X, y, split in ((Xtr, ytr, "train"), (Xte, yte, "test")):
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"{split} split has {X.shape[0]} rows but {y.shape[0]} labels")
    stored_e = _optional_column(energies, m, "energies", math.nan)
    lp = _optional_column(lpphe, m, "lpphe", math.nan)
    me = _optional_column(min_eig, m, "min_eig", math.nan)
    id_list = list(range(m)) if ids is None else [int(i) for i in ids]
    if len(id_list) != m:
        raise ValueError(f"ids has {len(id_list)} entries for {m} minima")
    hit_list: list[int | None] = [None] * m if hits is None else [int(h) for h in hits]
    if len(hit_list) != m:
        raise ValueError(f"hits has {len(hit_list)} entries for {m} minima")

    rows_tr, rows_te = _first_rows(Xtr), _first_rows(Xte)
    out = []
    for k in range(m):
        w = W[k]
        tr_auc, tr_acc, fwd = _classifier(model, w, Xtr, ytr, rows_tr)
        te_auc, te_acc, _ = _classifier(model, w, Xte, yte, rows_te)
        ce, app = _losses(fwd, ytr, b)
        e = float(stored_e[k])
        err = math.nan
        if objective is not None and hasattr(objective, "energy"):
            e_now = float(objective.energy(w))
            if math.isnan(e):
                e = e_now
            else:
                err = abs(e_now - e)
        out.append(
            MinimumProperties(
                id=id_list[k], energy=e, train_auc=tr_auc, test_auc=te_auc,
                train_accuracy=tr_acc, test_accuracy=te_acc, ce_loss=ce, app_auc=app,
                lpphe=float(lp[k]), min_eig=float(me[k]), hits=hit_list[k], energy_error=err,
            )
        )
    return out


def properties_columns(props: Sequence[MinimumProperties]) -> dict[str, NDArray]:
    """Column arrays (float64; None → NaN) keyed by field name, for summaries and plots."""
    cols: dict[str, NDArray] = {}
    for name in MinimumProperties.field_names():
        vals = [getattr(p, name) for p in props]
        cols[name] = np.array([math.nan if v is None else v for v in vals], dtype=np.float64)
    return cols
