"""Hypothesis strategies shared by the metric tests (imported from tests/ by pytest)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def tied_problems(draw, weighted: bool, need_negative: bool = True):
    """(y, s, w): random labels with a positive (and a negative unless ``need_negative`` is
    False), scores on a coarse grid so that many scores tie across the classes, and, when
    ``weighted``, exponential weights with about 20 % zeros but a non-zero weight in each
    required class."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(2 if need_negative else 1, 300))
    levels = draw(st.integers(1, 12))
    rng = np.random.default_rng(seed)
    y = rng.random(n) < rng.uniform(0.05, 0.95)
    y[0] = True
    if need_negative:
        y[1] = False
    rng.shuffle(y)
    # shift positives by whole grid steps so that positives tie with negatives
    shift = draw(st.integers(0, 2))
    s = (rng.integers(0, levels, n) + shift * y) / levels
    w = None
    if weighted:
        w = rng.exponential(size=n)
        w[rng.random(n) < 0.2] = 0.0
        w[np.flatnonzero(y)[0]] = 1.0
        if need_negative:
            w[np.flatnonzero(~y)[0]] = 1.0
    return y, s, w


@st.composite
def tied_multilabel(draw, weighted: bool, rows_mixed: bool = False):
    """(Y, S, w): (N, L) 0/1 labels with both classes (non-zero weight) in every column
    (and, when ``rows_mixed``, in every row), scores on a coarse grid so that positives tie
    with negatives within a column, and optional weights with about 20 % zeros."""
    seed = draw(st.integers(0, 2**32 - 1))
    n_labels = draw(st.integers(2, 5))
    n = draw(st.integers(max(4, n_labels), 120))
    levels = draw(st.integers(1, 8))
    rng = np.random.default_rng(seed)
    y = rng.random((n, n_labels)) < rng.uniform(0.1, 0.9, n_labels)
    w = rng.exponential(size=n) if weighted else None
    if weighted:
        w[rng.random(n) < 0.2] = 0.0
        w[:2] = 1.0
    y[0, :], y[1, :] = True, False  # both classes in every column, rows 0 and 1 weighted
    if rows_mixed:
        y[:, 0] = rng.random(n) < 0.5
        y[0, 0], y[1, 0] = True, False
        y[:, 1] = ~y[:, 0]
    s = (rng.integers(0, levels, (n, n_labels)) + draw(st.integers(0, 2)) * y) / levels
    return y, s, w


@st.composite
def tied_multiclass(draw):
    """(y, P): integer labels 0..C−1 (every class present) and (N, C) probability rows
    drawn from a few fixed rows, so that scores tie exactly within each column."""
    seed = draw(st.integers(0, 2**32 - 1))
    n_classes = draw(st.integers(3, 5))
    n = draw(st.integers(n_classes, 120))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    y[:n_classes] = np.arange(n_classes)
    patterns = rng.integers(1, 5, (draw(st.integers(1, 6)), n_classes)).astype(float)
    patterns /= patterns.sum(axis=1, keepdims=True)
    return y, patterns[rng.integers(0, len(patterns), n)]
