"""The credit-card fraud data set (ULB Machine Learning Group and Worldline, Kaggle).

The package ships ``creditcard_10pct.csv.gz``: all 492 frauds and 4,428 random
non-frauds of the public set (4,920 rows, 10 % positive); see ``CREDITCARD_README.md``
beside it for attribution and the DbCL v1.0 licence. The full Kaggle ``creditcard.csv``
(284,807 rows, 0.17 % fraud; quoted header and labels, optionally gzipped) works too.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from importlib import resources

import numpy as np

from aucscape._validation import check_int, check_labels
from aucscape.data.dataset import DESCRIPTION_FORMAT, Dataset, build, split_rngs
from aucscape.data.files import CsvTable, check_finite_columns, read_csv_table, select_columns

__all__ = ["CREDITCARD_FEATURES", "credit_card", "shipped_creditcard_path"]

#: The 30 feature columns, in file order: Time, V1..V28 (PCA components), Amount.
CREDITCARD_FEATURES: tuple[str, ...] = ("Time", *(f"V{i}" for i in range(1, 29)), "Amount")
LABEL_COLUMN = "Class"
SHIPPED_FILE = "creditcard_10pct.csv.gz"


def shipped_creditcard_path() -> str:
    """Filesystem path of the shipped 10 % fraud subset (located with importlib.resources)."""
    res = resources.files("aucscape.data").joinpath(SHIPPED_FILE)
    if not res.is_file():
        raise FileNotFoundError(f"shipped data file {SHIPPED_FILE!r} missing from aucscape.data")
    return str(res)


@functools.lru_cache(maxsize=1)
def _shipped_table() -> CsvTable:
    res = resources.files("aucscape.data").joinpath(SHIPPED_FILE)
    with resources.as_file(res) as p:  # a real file already, unless installed as a zip
        return read_csv_table(p)


def _subsample(
    y: np.ndarray, n: int | None, positive_fraction: float | None, rng: np.random.Generator
) -> np.ndarray:
    """Sorted row indices: n rows of which ⌊n·f + 1/2⌋ positive, drawn without replacement.

    f = ``positive_fraction`` (default: the file's own fraction P/(P+N)); n defaults to the
    most rows the file allows at that fraction, ⌊min(P/f, N/(1−f))⌋.
    """
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if n is None and positive_fraction is None:
        return np.arange(y.size)
    if positive_fraction is None:
        f = pos.size / y.size
    else:
        f = float(positive_fraction)
        if not (0.0 < f < 1.0):
            raise ValueError(
                f"positive_fraction must lie strictly between 0 and 1, got {positive_fraction!r}"
            )
    if n is None:
        n = math.floor(min(pos.size / f, neg.size / (1.0 - f)) + 1e-9)
    else:
        n = check_int(n, "n", minimum=1)
    n_pos = math.floor(n * f + 0.5)
    n_neg = int(n) - n_pos
    if n_pos > pos.size or n_neg > neg.size:
        raise ValueError(
            f"cannot draw n={n} rows with positive_fraction={f:.6g}: that needs {n_pos} "
            f"frauds and {n_neg} non-frauds, but the file has {pos.size} and {neg.size}"
        )
    take_pos = rng.choice(pos, size=n_pos, replace=False)
    take_neg = rng.choice(neg, size=n_neg, replace=False)
    return np.sort(np.concatenate([take_pos, take_neg]))


def credit_card(
    path: str | os.PathLike[str] | None = None,
    n: int | None = None,
    positive_fraction: float | None = None,
    seed: int = 0,
    test_fraction: float = 0.2,
    features: Sequence[str] | None = None,
    standardize: bool = True,
) -> Dataset:
    """The credit-card fraud data set, split and standardised.

    ``path``: None for the shipped 10 % fraud subset, or a copy of Kaggle's
    ``creditcard.csv`` (columns Time, V1..V28, Amount, Class; ``.gz`` allowed).
    ``n`` / ``positive_fraction``: optional reproducible subsample (from ``seed``) of n
    rows with ⌊n·f + 1/2⌋ frauds; either may be given alone (see ``_subsample``).
    ``features``: column names to keep (default all 30, in file order).
    Split: stratified, ``test_fraction`` in test. Features standardised with training
    statistics only, x' = (x − μ_train)/σ_train, unless ``standardize=False``.
    """
    table = _shipped_table() if path is None else read_csv_table(path)
    missing = [c for c in (*CREDITCARD_FEATURES, LABEL_COLUMN) if c not in table.columns]
    if missing:
        raise ValueError(
            f"{table.path}: not the credit-card data set, missing columns {missing}; "
            f"found {list(table.columns)}"
        )
    names = select_columns(
        table, CREDITCARD_FEATURES if features is None else features, exclude=LABEL_COLUMN
    )
    y = table.column(LABEL_COLUMN)
    try:
        check_labels(y, f"column {LABEL_COLUMN!r}")
    except ValueError as exc:
        raise ValueError(f"{table.path}: {exc}") from None
    sub_rng, split_rng = split_rngs(seed, 2)
    rows = _subsample(y, n, positive_fraction, sub_rng)
    X = np.column_stack([table.column(c)[rows] for c in names])
    check_finite_columns(X, names, table.path)
    description = {
        "kind": "creditcard",
        "format": DESCRIPTION_FORMAT,
        "path": None if path is None else table.path,
        "sha256": table.sha256,
        "n": None if n is None else int(n),
        "positive_fraction": None if positive_fraction is None else float(positive_fraction),
        "seed": int(seed),
        "test_fraction": float(test_fraction),
        "features": list(names),
        "standardize": bool(standardize),
    }
    return build(
        "creditcard",
        X,
        y[rows],
        names,
        test_fraction=test_fraction,
        rng=split_rng,
        standardize_features=bool(standardize),
        description=description,
    )
