"""average_precision against scikit-learn and a brute-force definition, on tied data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _strategies import tied_problems
from aucscape import average_precision

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def brute_ap(y, s, w=None):
    """Σ over distinct thresholds t (decreasing) of ΔRecall(t) · Precision(t), O(N·G)."""
    y = np.asarray(y, dtype=bool)
    s = np.asarray(s, dtype=float)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    keep = w > 0
    y, s, w = y[keep], s[keep], w[keep]
    total, ap, prev_recall = w[y].sum(), 0.0, 0.0
    for t in np.unique(s)[::-1]:
        above = s >= t
        tp, fp = w[above & y].sum(), w[above & ~y].sum()
        recall = tp / total
        ap += (recall - prev_recall) * tp / (tp + fp)
        prev_recall = recall
    return ap


@settings(max_examples=100, deadline=None)
@given(st.booleans(), st.data())
def test_matches_sklearn_and_brute_force(weighted, data):
    y, s, w = data.draw(tied_problems(weighted=weighted, need_negative=False))
    got = average_precision(y, s, sample_weight=w)
    assert abs(got - sklearn_metrics.average_precision_score(y, s, sample_weight=w)) <= 1e-12
    assert abs(got - brute_ap(y, s, w)) <= 1e-12


def test_hand_computed_perfect_and_all_positive():
    # descending: 0.8 (pos, P = 1), 0.4 (neg), 0.35 (pos, P = 2/3), 0.1 (neg)
    assert average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(
        0.5 + 0.5 * 2 / 3, abs=1e-15)
    assert average_precision([0, 1, 0, 1], [0.1, 0.4, 0.35, 0.8]) == 1.0
    assert average_precision([1, 1, 1], [0.3, 0.3, 0.1]) == 1.0
    # one tie group holding everything: precision = weighted positive share
    w = [1.0, 3.0, 2.0]
    assert average_precision([0, 1, 1], [0.5] * 3, sample_weight=w) == pytest.approx(5 / 6)


def test_large_continuous_and_weight_scale():
    rng = np.random.default_rng(5)
    n = 50_000
    y = rng.random(n) < 0.05
    s = np.round(rng.normal(size=n) + 1.5 * y, 2)
    w = rng.exponential(size=n)
    ref = sklearn_metrics.average_precision_score(y, s, sample_weight=w)
    assert abs(average_precision(y, s, sample_weight=w) - ref) <= 1e-12
    assert average_precision(y, s, sample_weight=w * 1e-300) == pytest.approx(ref, rel=1e-12)
    assert abs(average_precision(y, s) - sklearn_metrics.average_precision_score(y, s)) <= 1e-12


@pytest.mark.parametrize(
    ("y", "s", "w", "match"),
    [
        ([], [], None, "empty"),
        ([0, 0], [0.1, 0.2], None, "only negative"),
        ([0, 1], [0.1, 0.2], [1.0, 0.0], "only negative"),
        ([0, 1], [0.1, 0.2], [0.0, 0.0], "all zero"),
        ([0, 1], [0.1, np.nan], None, "NaN"),
        ([0, 2], [0.1, 0.2], None, "0/1"),
        ([0, 1], [0.1], None, "entries"),
        ([0, 1], [0.1, 0.2], [1.0, -1.0], "non-negative"),
    ],
)
def test_invalid_inputs_raise(y, s, w, match):
    with pytest.raises(ValueError, match=match):
        average_precision(y, s, sample_weight=w)
