"""Users' own data: :func:`from_arrays`, :func:`from_csv`, and the shared CSV reader.

CSV files have one header line of column names (quoted or not) and numeric rows; a
``.gz`` file (detected by its magic bytes) is read through gzip. Parsing is NumPy's
``loadtxt``; no pandas.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import check_labels
from aucscape.data.dataset import (
    DESCRIPTION_FORMAT,
    MIN_PER_CLASS,
    Dataset,
    build,
    check_features,
    split_rngs,
)
from aucscape.data.dataset import standardize as standardize_splits

__all__ = ["from_arrays", "from_csv", "read_csv_table"]

#: from_arrays embeds the arrays in the description (so load_dataset can rebuild them)
#: when X and y together hold at most this many values.
EMBED_LIMIT = 20_000

_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class CsvTable:
    """A parsed numeric CSV: column names, read-only float64 data (rows × columns), and
    the sha256 of the file's bytes."""

    path: str
    columns: tuple[str, ...]
    data: NDArray[np.float64]
    sha256: str

    def column(self, name: str) -> NDArray[np.float64]:
        """The values of column ``name`` (a read-only view)."""
        return self.data[:, self.columns.index(name)]


def resolve_path(path: str | os.PathLike[str]) -> Path:
    """Absolute path of an existing file; FileNotFoundError naming it otherwise."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"data file not found: {str(p)!r}")
    return p.resolve()


def read_csv_table(path: str | os.PathLike[str], delimiter: str = ",") -> CsvTable:
    """Parse a numeric CSV with a header line (cached on path, size and modification time)."""
    p = resolve_path(path)
    st = p.stat()
    return _read_cached(str(p), st.st_mtime_ns, st.st_size, delimiter)


@functools.lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int, size: int, delimiter: str) -> CsvTable:
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if raw[:2] == _GZIP_MAGIC:
        raw = gzip.decompress(raw)
    try:
        text = io.StringIO(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text CSV file (byte {exc.start} is not UTF-8: "
                         f"{exc.reason})") from None
    header_line = text.readline()
    if not header_line.strip():
        raise ValueError(f"{path}: empty file or missing header line")
    columns = tuple(c.strip() for c in next(csv.reader([header_line], delimiter=delimiter)))
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise ValueError(f"{path}: duplicate column names {dup}")
    try:
        data = np.loadtxt(
            text, delimiter=delimiter, dtype=np.float64, quotechar='"', ndmin=2, encoding=None
        )
    except ValueError as exc:
        raise ValueError(f"{path}: could not parse as numeric CSV: {exc}") from exc
    if data.shape[0] == 0:
        raise ValueError(f"{path}: no data rows after the header")
    if data.shape[1] != len(columns):
        raise ValueError(
            f"{path}: header names {len(columns)} columns but rows have {data.shape[1]}"
        )
    data.setflags(write=False)
    return CsvTable(path=path, columns=columns, data=data, sha256=digest)


def select_columns(
    table: CsvTable, features: Sequence[str] | None, exclude: str
) -> tuple[str, ...]:
    """Validated feature names: ``features``, or every column except ``exclude``."""
    available = [c for c in table.columns if c != exclude]
    if features is None:
        return tuple(available)
    if isinstance(features, str):
        raise ValueError(f"features must be a list of column names, got the string {features!r}")
    names = tuple(str(f) for f in features)
    if not names:
        raise ValueError("features must name at least one column")
    missing = [n for n in names if n not in available]
    if missing:
        raise ValueError(f"{table.path}: unknown feature columns {missing}; available: {available}")
    if len(set(names)) != len(names):
        raise ValueError(f"features lists a column more than once: {list(names)}")
    return names


def check_finite_columns(X: NDArray[np.float64], names: Sequence[str], where: str) -> None:
    """ValueError naming the first feature column that holds NaN or inf."""
    bad = ~np.isfinite(X)
    if np.any(bad):
        col = int(np.flatnonzero(bad.any(axis=0))[0])
        rows = np.flatnonzero(bad[:, col])
        raise ValueError(
            f"{where}: feature column {names[col]!r} contains NaN or inf "
            f"({rows.size} rows, first data row {rows[0]})"
        )


def from_csv(
    path: str | os.PathLike[str],
    label_column: str | None = None,
    *,
    features: Sequence[str] | None = None,
    positive_label: float | None = None,
    seed: int = 0,
    test_fraction: float = 0.2,
    standardize: bool = True,
    delimiter: str = ",",
    name: str | None = None,
) -> Dataset:
    """A data set from a CSV file with a header line.

    ``label_column`` names the label column (default: the last column). Labels must be
    0/1 unless ``positive_label`` is given, in which case y = [label == positive_label].
    ``features`` selects columns (default: all but the label). Split: stratified by class
    with ``test_fraction`` from ``seed``; features standardised with training statistics
    (x' = (x − μ_train)/σ_train) unless ``standardize=False``.
    """
    table = read_csv_table(path, delimiter)
    label = table.columns[-1] if label_column is None else str(label_column)
    if label not in table.columns:
        raise ValueError(
            f"{table.path}: label column {label!r} not found; columns: {list(table.columns)}"
        )
    names = select_columns(table, features, exclude=label)
    raw_y = table.column(label)
    if positive_label is None:
        try:
            y = check_labels(raw_y, f"label column {label!r}")
        except ValueError as exc:
            raise ValueError(
                f"{table.path}: {exc} (pass positive_label= to binarise other labels)"
            ) from exc
    else:
        if not np.all(np.isfinite(raw_y)):
            raise ValueError(f"{table.path}: label column {label!r} contains NaN or inf")
        y = raw_y == float(positive_label)
    X = np.column_stack([table.column(n) for n in names])
    check_finite_columns(X, names, table.path)
    stem = Path(table.path).name.removesuffix(".gz").removesuffix(".csv")
    (split_rng,) = split_rngs(seed, 1)
    description = {
        "kind": "csv",
        "format": DESCRIPTION_FORMAT,
        "path": table.path,
        "sha256": table.sha256,
        "label_column": label,
        "features": list(names),
        "positive_label": None if positive_label is None else float(positive_label),
        "seed": int(seed),
        "test_fraction": float(test_fraction),
        "standardize": bool(standardize),
        "delimiter": delimiter,
        "name": stem if name is None else str(name),
    }
    return build(
        description["name"],
        X,
        y,
        names,
        test_fraction=test_fraction,
        rng=split_rng,
        standardize_features=bool(standardize),
        description=description,
    )


def _arrays_sha256(*arrays: NDArray | None) -> str:
    h = hashlib.sha256()
    for a in arrays:
        if a is not None:
            h.update(str(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def from_arrays(
    X: ArrayLike,
    y: ArrayLike,
    *,
    X_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    feature_names: Sequence[str] | None = None,
    name: str = "arrays",
    seed: int = 0,
    test_fraction: float = 0.2,
    standardize: bool = True,
    embed: bool | None = None,
) -> Dataset:
    """A data set from in-memory arrays X (N, d) and 0/1 labels y (N,).

    Without ``X_test``/``y_test``: stratified split of (X, y) with ``test_fraction`` from
    ``seed``. With them: (X, y) is the training set and (X_test, y_test) the test set as
    given. Features are standardised with training statistics unless ``standardize=False``.

    ``embed`` (default: when X and y hold at most 20,000 values) stores the arrays in the
    description so that ``load_dataset(description)`` can rebuild them; otherwise the
    description holds only their sha256 and cannot be rebuilt.
    """
    Xa = check_features(X, "X")
    ya = check_labels(y, "y").astype(np.int64)
    if ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"X has {Xa.shape[0]} rows but y has {ya.shape[0]} labels")
    names = (
        tuple(f"x{i}" for i in range(Xa.shape[1]))
        if feature_names is None
        else tuple(str(n) for n in feature_names)
    )
    if len(names) != Xa.shape[1]:
        raise ValueError(f"feature_names has {len(names)} names but X has {Xa.shape[1]} columns")
    if (X_test is None) != (y_test is None):
        raise ValueError("pass both X_test and y_test, or neither")
    Xt = yt = None
    if X_test is not None:
        Xt = check_features(X_test, "X_test")
        yt = check_labels(y_test, "y_test").astype(np.int64)
        if Xt.shape[1] != Xa.shape[1]:
            raise ValueError(f"X has {Xa.shape[1]} features but X_test has {Xt.shape[1]}")
        if yt.shape[0] != Xt.shape[0]:
            raise ValueError(f"X_test has {Xt.shape[0]} rows but y_test has {yt.shape[0]}")
    n_values = Xa.size + ya.size + (0 if Xt is None else Xt.size + yt.size)
    do_embed = n_values <= EMBED_LIMIT if embed is None else bool(embed)
    description: dict[str, Any] = {
        "kind": "arrays",
        "format": DESCRIPTION_FORMAT,
        "name": str(name),
        "feature_names": list(names),
        "seed": int(seed),
        "test_fraction": float(test_fraction),
        "standardize": bool(standardize),
        "sha256": _arrays_sha256(Xa, ya, Xt, yt),
    }
    if do_embed:
        description["data"] = {
            "X": Xa.tolist(),
            "y": ya.tolist(),
            "X_test": None if Xt is None else Xt.tolist(),
            "y_test": None if yt is None else yt.tolist(),
        }
    if Xt is None:
        (split_rng,) = split_rngs(seed, 1)
        return build(
            str(name),
            Xa,
            ya,
            names,
            test_fraction=test_fraction,
            rng=split_rng,
            standardize_features=bool(standardize),
            description=description,
        )
    for split, labels in (("training", ya), ("test", yt)):
        for c in (1, 0):
            if int(np.sum(labels == c)) < MIN_PER_CLASS:
                raise ValueError(
                    f"the {split} set has {int(np.sum(labels == c))} points of class {c}; "
                    f"each split needs at least {MIN_PER_CLASS} points of each class"
                )
    if standardize:
        Xa, Xt, _, _ = standardize_splits(Xa, Xt)
    return Dataset(str(name), Xa, ya, Xt, yt, names, description)
