"""The ``Dataset`` value, the stratified train/test split and training-set standardisation.

Every loader in :mod:`aucscape.data` ends here: it builds the full feature matrix X (N, d)
and 0/1 labels y (N,), calls :func:`stratified_split`, optionally :func:`standardize`, and
wraps the result in a :class:`Dataset` whose ``description`` is enough for
:func:`aucscape.data.load_dataset` to rebuild the identical arrays.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import check_int, check_labels

__all__ = [
    "DESCRIPTION_FORMAT",
    "Dataset",
    "check_features",
    "check_test_fraction",
    "mlpnorm",
    "split_rngs",
    "standardize",
    "stratified_split",
]

#: Version of the ``description`` dict layout; bump when a loader's keys change meaning.
DESCRIPTION_FORMAT = 1

#: Each class must have at least this many points in the training and in the test split,
#: so that AUC (which needs both classes) is defined on both.
MIN_PER_CLASS = 2


def _frozen(a: NDArray) -> NDArray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Dataset:
    """A binary classification data set, already split into training and test parts.

    Attributes
    ----------
    name : short label ("spiral", "creditcard", the CSV file stem, ...).
    X_train, X_test : float64 arrays of shape (n_train, d) and (n_test, d), read-only.
    y_train, y_test : int64 arrays of 0/1 labels (1 = positive class), read-only.
    feature_names : one name per column of X.
    description : JSON-serialisable dict saying how the data were made (loader ``kind``,
        seed, noise, scaling, path, ...); ``load_dataset(description)`` rebuilds the
        identical arrays. Stored as a canonical JSON round-trip copy.
    """

    name: str
    X_train: NDArray[np.float64]
    y_train: NDArray[np.int64]
    X_test: NDArray[np.float64]
    y_test: NDArray[np.int64]
    feature_names: tuple[str, ...]
    description: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = {}
        for split in ("train", "test"):
            X = check_features(getattr(self, f"X_{split}"), f"X_{split}")
            y = check_labels(getattr(self, f"y_{split}"), f"y_{split}")
            if y.shape[0] != X.shape[0]:
                raise ValueError(
                    f"X_{split} has {X.shape[0]} rows but y_{split} has {y.shape[0]} labels"
                )
            parts[split] = (X, y)
        d_train, d_test = parts["train"][0].shape[1], parts["test"][0].shape[1]
        if d_train != d_test:
            raise ValueError(f"X_train has {d_train} features but X_test has {d_test}")
        names = tuple(str(n) for n in self.feature_names)
        if len(names) != d_train:
            raise ValueError(f"feature_names has {len(names)} names but X has {d_train} columns")
        try:
            description = json.loads(json.dumps(self.description, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"description must be JSON-serialisable: {exc}") from exc
        for split, (X, y) in parts.items():
            object.__setattr__(self, f"X_{split}", _frozen(X))
            object.__setattr__(self, f"y_{split}", _frozen(y.astype(np.int64)))
        object.__setattr__(self, "feature_names", names)
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "description", description)

    @property
    def n_features(self) -> int:
        """Number of input features d."""
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        """Number of training points."""
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test points."""
        return int(self.X_test.shape[0])

    def summary(self) -> str:
        """One line: name, split sizes with positive counts, features, scaling."""
        scaled = ("standardised" if self.description.get("standardize") else
                  "MLPNORM-scaled" if self.description.get("mlpnorm") else "raw")
        return (
            f"{self.name}: {self.n_train} train ({int(self.y_train.sum())} positive), "
            f"{self.n_test} test ({int(self.y_test.sum())} positive), "
            f"{self.n_features} features ({scaled})"
        )

    def __repr__(self) -> str:
        return f"Dataset({self.summary()})"


def check_features(X: ArrayLike, name: str = "X") -> NDArray[np.float64]:
    """Return ``X`` as a 2-D finite float64 array (a 1-D input is one feature column)."""
    try:
        a = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {a.shape}")
    if a.shape[1] == 0:
        raise ValueError(f"{name} has no feature columns")
    bad = ~np.isfinite(a)
    if np.any(bad):
        rows, cols = np.nonzero(bad)
        raise ValueError(
            f"{name} contains NaN or inf ({bad.sum()} entries; first at row {rows[0]}, "
            f"column {cols[0]})"
        )
    return a


def check_test_fraction(test_fraction: float) -> float:
    """Return ``test_fraction`` as float after checking 0 < test_fraction < 1."""
    f = float(test_fraction)
    if not (0.0 < f < 1.0):
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction!r}")
    return f


def split_rngs(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent generators spawned from ``seed``.

    Loaders use one stream per random step (noise, subsample, split), so that e.g. the
    spiral's train/test assignment does not change when only the noise level changes.
    """
    seed = check_int(seed, "seed", minimum=0)
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def stratified_split(
    y: ArrayLike, test_fraction: float, rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices (train, test) of a stratified random split, each sorted ascending.

    For each class c with n_c points, n_test_c = ⌊test_fraction · n_c + 1/2⌋ of them, drawn
    uniformly without replacement, go to the test split; the rest to training. Raises
    ValueError when a class would have fewer than 2 points in either split.
    """
    f = check_test_fraction(test_fraction)
    labels = check_labels(y, "y")
    train, test = [], []
    for c in (1, 0):  # fixed order so the draws are reproducible
        idx = np.flatnonzero(labels == bool(c))
        n_c = idx.size
        n_test = math.floor(f * n_c + 0.5)
        if n_test < MIN_PER_CLASS or n_c - n_test < MIN_PER_CLASS:
            raise ValueError(
                f"class {c} has {n_c} points; a stratified split with test_fraction={f} "
                f"puts {n_c - n_test} in training and {n_test} in test, but each split needs "
                f"at least {MIN_PER_CLASS} points of each class"
            )
        perm = rng.permutation(idx)
        test.append(perm[:n_test])
        train.append(perm[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def standardize(
    X_train: NDArray[np.float64], X_test: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Scale both splits with training statistics only: x' = (x − μ_train) / σ_train.

    μ and σ are the per-feature mean and population standard deviation (ddof = 0) of
    ``X_train``; a constant training feature gets σ = 1 so it maps to 0 instead of NaN.
    Returns (X_train', X_test', μ, σ).
    """
    mu = X_train.mean(axis=0)
    sd = X_train.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (X_train - mu) / sd, (X_test - mu) / sd, mu, sd


def mlpnorm(
    X_train: NDArray[np.float64], X_test: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """GMIN/OPTIM's MLPNORM input scaling, with training statistics only: x' = x / m.

    m_k = (1/N_train) Σ_d |x_dk| is the mean magnitude of column k on the training split
    (a column that is zero throughout gets m_k = 1). Columns are not centred. Returns
    (X_train', X_test', m).

    >>> a, b, m = mlpnorm(np.array([[2.0, -1.0], [-2.0, 3.0]]), np.array([[1.0, 1.0]]))
    >>> m.tolist(), b.tolist()
    ([2.0, 2.0], [[0.5, 0.5]])
    """
    m = np.abs(X_train).mean(axis=0)
    m = np.where(m > 0, m, 1.0)
    return X_train / m, X_test / m, m


def build(
    name: str,
    X: NDArray[np.float64],
    y: ArrayLike,
    feature_names: Sequence[str],
    *,
    test_fraction: float,
    rng: np.random.Generator,
    standardize_features: bool,
    description: dict[str, Any],
    mlpnorm_features: bool = False,
) -> Dataset:
    """Split (stratified), optionally standardise or MLPNORM-scale, wrap as a :class:`Dataset`."""
    X = check_features(X)
    labels = check_labels(y, "y").astype(np.int64)
    if labels.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {labels.shape[0]} labels")
    tr, te = stratified_split(labels, test_fraction, rng)
    X_train, X_test = X[tr], X[te]
    if standardize_features:
        X_train, X_test, _, _ = standardize(X_train, X_test)
    elif mlpnorm_features:
        X_train, X_test, _ = mlpnorm(X_train, X_test)
    return Dataset(
        name=name,
        X_train=X_train,
        y_train=labels[tr],
        X_test=X_test,
        y_test=labels[te],
        feature_names=tuple(feature_names),
        description=description,
    )
