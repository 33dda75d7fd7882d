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
