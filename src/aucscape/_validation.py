"""Input checks shared by every public function: one place, one wording.

Per-sample arrays (labels, scores, weights) may be given as (N,) or as an (N, 1) column;
anything else with more than one dimension is refused (a row vector (1, N) is ambiguous).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _flat(a: np.ndarray, original: ArrayLike, name: str, n: int | None = None) -> np.ndarray:
    """``a`` as (N,): a 1-D array, or the column of an (N, 1) array; ValueError otherwise."""
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        size = "N" if n is None else str(n)
        shape = np.shape(original)
        raise ValueError(f"{name} must have shape ({size},) or ({size}, 1), got {shape}")
    return a


def _real(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """``values`` as a float64 array; ValueError for strings, complex numbers, objects."""
    a = np.asarray(values)
    if a.dtype.kind in "biuf" or a.size == 0:
        return a.astype(np.float64, copy=False)
    if a.dtype.kind == "O":  # e.g. Python numbers in an object array
        try:
            return a.astype(np.float64)
        except (TypeError, ValueError):
            pass
    raise ValueError(f"{name} must hold real numbers, got dtype {a.dtype}")


def bad_labels_error(name: str, values: ArrayLike) -> ValueError:
    """The error for labels outside {0, 1}; ``values`` are (some of) the offenders."""
    found = np.unique(np.asarray(values))[:5].tolist()
    return ValueError(f"{name} must hold only 0/1 labels; found {found}")


def check_labels(y_true: ArrayLike, name: str = "y_true") -> NDArray[np.bool_]:
    """Return binary labels as a 1-D bool array; 0/1 integers, floats equal to 0/1, or bools.

    Raises ValueError naming the problem for anything else (2-D input other than (N, 1),
    NaN, values outside {0, 1}, non-numeric dtypes).
    """
    y = _flat(np.asarray(y_true), y_true, name)
    if y.dtype == np.bool_:
        return y
    if y.size and not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"{name} must hold 0/1 labels, got dtype {y.dtype}")
    if y.size and np.issubdtype(y.dtype, np.inexact) and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or inf")
    bad = (y != 0) & (y != 1)
    if np.any(bad):
        raise bad_labels_error(name, y[bad])
    return y.astype(bool)


def check_scores(y_score: ArrayLike, n: int | None = None, name: str = "y_score") -> NDArray:
    """Return finite real scores as a 1-D float64 array (length ``n`` when given)."""
    s = _flat(_real(y_score, name), y_score, name, n)
    if n is not None and s.shape[0] != n:
        raise ValueError(f"{name} has {s.shape[0]} entries but y_true has {n}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or inf")
    return s


def check_weights(sample_weight: ArrayLike | None, n: int, name: str = "sample_weight") -> NDArray:
    """Return non-negative finite weights as float64, shape (n,) (ones when ``None``)."""
    if sample_weight is None:
        return np.ones(n)
    w = _real(sample_weight, name)
    if w.ndim == 2 and w.shape[1] == 1:
        w = w[:, 0]
    if w.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {np.shape(sample_weight)}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} contains NaN or inf")
    if np.any(w < 0):
        raise ValueError(f"{name} must be non-negative")
    return w


def rescale_weights(w: NDArray[np.float64]) -> NDArray[np.float64]:
    """``w`` times the power of two that brings max(w) into [0.5, 1) (w unchanged if all 0).

    Exact (only the exponents change), so every ratio w_i / w_j and every normalised
    quantity Σ w_i x_i / Σ w_i is unchanged, while the sums can no longer overflow (huge
    weights) or lose digits to underflow (tiny weights).
    """
    top = float(w.max()) if w.size else 0.0
    if top <= 0.0:
        return w
    return np.ldexp(w, -np.frexp(top)[1])


def _number(value: object, name: str, requirement: str) -> float:
    """``value`` as a float; booleans, strings and non-scalars are refused (ValueError).

    ``beta=True`` or ``beta="40"`` is a mistake, not 1.0 or 40.0: only real numbers
    (Python or NumPy ints and floats, 0-d real arrays) are accepted.
    """
    if isinstance(value, (bool, np.bool_, str, bytes)) or (
        isinstance(value, np.ndarray) and (value.ndim != 0 or value.dtype.kind not in "iuf")
    ):
        raise ValueError(f"{name} must be a finite number {requirement}, got {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number {requirement}, got {value!r}") from None


def check_int(value: object, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as an int after checking it is a whole number in [minimum, maximum].

    Booleans, strings and non-integral floats are refused with a ValueError naming
    ``name``; integral floats such as ``3.0`` are accepted.

    >>> check_int(3.0, "hidden", minimum=1)
    3
    """
    if minimum is not None and maximum is not None:
        bounds = f" in [{minimum}, {maximum}]"
    elif minimum is not None or maximum is not None:
        bounds = f" >= {minimum}" if minimum is not None else f" <= {maximum}"
    else:
        bounds = ""
    bad = ValueError(f"{name} must be an integer{bounds}, got {value!r}")
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise bad
    if isinstance(value, (int, np.integer)):
        v = int(value)
    else:
        try:
            f = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise bad from None
        if not np.isfinite(f) or f != int(f):
            raise bad
        v = int(f)
    if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
        raise bad
    return v


def check_nonnegative(value: float, name: str) -> float:
    """Return ``value`` as float after checking it is finite and >= 0."""
    v = _number(value, name, ">= 0")
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def check_positive(value: float, name: str) -> float:
    """Return ``value`` as float after checking it is finite and > 0."""
    v = _number(value, name, "> 0")
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def check_at_most(value: float, name: str, maximum: float) -> float:
    """``value`` when <= ``maximum``; ValueError naming ``name`` otherwise."""
    if value > maximum:
        raise ValueError(f"{name} must be <= {maximum:g}, got {value!r}")
    return value


def check_unit_interval(value: float, name: str) -> float:
    """Return ``value`` as float after checking 0 <= value <= 1 (NaN refused)."""
    v = _number(value, name, "in [0, 1]")
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return v


def check_max_fpr(max_fpr: object) -> float | None:
    """``max_fpr`` as a float in (0, 1], or None; ValueError otherwise (``True`` and
    ``"0.5"`` included). The one rule for every function that takes a partial-AUC bound."""
    if max_fpr is None:
        return None
    v = _number(max_fpr, "max_fpr", "in (0, 1]")
    if not 0.0 < v <= 1.0:
        raise ValueError(f"max_fpr must be a finite number in (0, 1], got {max_fpr!r}")
    return v


#: A margin surrogate's scores are used within (m/β)·MARGIN_SCORE_RANGE of their centre,
#: where the kink shift s_p − m/β (float64) keeps the margin to 2^-27 of itself.
MARGIN_SCORE_RANGE = 2.0**26


def margin_centre(lo: float, hi: float, gap: float, name: str = "y_score") -> float:
    """The centre c that a margin surrogate's scores are shifted by (s − c leaves every
    pair difference, so the risk and its gradient, unchanged) so that the shifted score
    s_p − m/β keeps the margin ``gap`` = m/β: 0 while every |s| ≤ gap·MARGIN_SCORE_RANGE,
    else the midpoint of [``lo``, ``hi``]. ValueError when even the midpoint leaves a score
    further than that: at |s|·2^-53 ≳ m/β the margin is lost in rounding (a margin of 1
    is nothing to scores of 1e16), and no method could honour it.

    >>> margin_centre(1e16, 1e16, 1.0)
    1e+16
    >>> margin_centre(-3.0, 5.0, 1.0)
    0.0
    """
    if not gap > 0.0:
        return 0.0
    bound = gap * MARGIN_SCORE_RANGE
    if max(abs(lo), abs(hi)) <= bound:
        return 0.0
    centre = 0.5 * lo + 0.5 * hi  # no overflow at ±1e308
    if max(hi - centre, centre - lo) > bound:
        raise ValueError(
            f"{name} spans [{lo:g}, {hi:g}]: too wide for this surrogate's margin m/beta = "
            f"{gap:g}, which is lost in rounding beyond {bound:g} from the scores' midpoint; "
            "rescale the scores, or raise the margin or lower beta")
    return centre


def check_reduction(reduction: object, allowed: Sequence[str], *, why: str = "") -> str:
    """Return ``reduction`` if it is one of ``allowed``, else raise ValueError."""
    if not isinstance(reduction, str) or reduction not in allowed:
        choices = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"reduction must be one of {choices}{why}, got {reduction!r}")
    return reduction


def not_probabilities_error(name: str) -> ValueError:
    """The error for scores outside [0, 1] given to a loss that expects probabilities."""
    return ValueError(
        f"{name} must hold probabilities in [0, 1] when from_logits=False; "
        "pass from_logits=True for logits"
    )


def check_probability_values(p: np.ndarray, name: str) -> None:
    """Raise :func:`not_probabilities_error` unless every entry of ``p`` is in [0, 1]."""
    if np.any((p < 0) | (p > 1)):
        raise not_probabilities_error(name)
