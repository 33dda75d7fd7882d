"""Input checks shared by every public function: one place, one wording."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def check_labels(y_true: ArrayLike, name: str = "y_true") -> NDArray[np.bool_]:
    """Return binary labels as a 1-D bool array; 0/1 integers, floats equal to 0/1, or bools.

    Raises ValueError naming the problem for anything else (2-D input, NaN, values outside
    {0, 1}).
    """
    y = np.asarray(y_true)
    if y.ndim != 1:
        y = np.squeeze(y)
        if y.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {np.shape(y_true)}")
    if y.dtype == np.bool_:
        return y
    if y.size and not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"{name} must hold 0/1 labels, got dtype {y.dtype}")
    if y.size and np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or inf")
    bad = (y != 0) & (y != 1)
    if np.any(bad):
        vals = np.unique(y[bad])[:5]
        raise ValueError(f"{name} must hold only 0/1 labels; found {vals.tolist()}")
    return y.astype(bool)


def check_scores(y_score: ArrayLike, n: int | None = None, name: str = "y_score") -> NDArray:
    """Return finite scores as a 1-D float64 array (length ``n`` when given)."""
    s = np.asarray(y_score, dtype=np.float64)
    if s.ndim != 1:
        s = np.squeeze(s)
        if s.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {np.shape(y_score)}")
    if n is not None and s.shape[0] != n:
        raise ValueError(f"{name} has {s.shape[0]} entries but y_true has {n}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or inf")
    return s


def check_weights(sample_weight: ArrayLike | None, n: int, name: str = "sample_weight") -> NDArray:
    """Return non-negative finite weights as float64 (ones when ``None``)."""
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim != 1:
        w = np.squeeze(w)
    if w.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {np.shape(sample_weight)}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} contains NaN or inf")
    if np.any(w < 0):
        raise ValueError(f"{name} must be non-negative")
    return w


def check_nonnegative(value: float, name: str) -> float:
    """Return ``value`` as float after checking it is finite and >= 0."""
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def check_positive(value: float, name: str) -> float:
    """Return ``value`` as float after checking it is finite and > 0."""
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v
