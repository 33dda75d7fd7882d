"""roc_auc / roc_curve against hand-computed answers, brute force and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _strategies import tied_problems
from aucscape.metrics import roc_auc, roc_curve

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def brute_auc(y, s, w=None):
    """O(NP·NN) double sum of the Mann-Whitney definition."""
    y = np.asarray(y, dtype=bool)
    s = np.asarray(s, dtype=float)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    sp, sn = s[y][:, None], s[~y][None, :]
    wp, wn = w[y][:, None], w[~y][None, :]
    win = (sp > sn) + 0.5 * (sp == sn)
    return float(np.sum(wp * wn * win) / (wp.sum() * wn.sum()))


# -- hand-computed answers ----------------------------------------------------------


def test_perfect_reversed_and_tied():
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc(y, [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc(y, [0.5, 0.5, 0.5, 0.5]) == 0.5
    w = [1.0, 3.0, 2.0, 0.5]
    assert roc_auc(y, [0.5] * 4, sample_weight=w) == 0.5
    assert roc_auc(y, [0.1, 0.2, 0.8, 0.9], sample_weight=w) == 1.0


def test_hand_computed_with_ties():
    # pairs (p, n): p=0.4 vs n=0.1 win, vs n=0.4 tie; p=0.35 vs 0.1 win, vs 0.4 lose
    y = [0, 0, 1, 1]
    s = [0.1, 0.4, 0.4, 0.35]
    assert roc_auc(y, s) == pytest.approx((1 + 0.5 + 1 + 0) / 4, abs=1e-15)
    # weights: w_n = (1, 2), w_p = (3, 1) -> (3*1*1 + 3*2*0.5 + 1*1*1 + 0) / (4*3)
    got = roc_auc(y, s, sample_weight=[1, 2, 3, 1])
    assert got == pytest.approx((3 + 3 + 1) / 12, abs=1e-15)


def test_integer_weights_equal_repetition():
    rng = np.random.default_rng(3)
    y = rng.random(50) < 0.4
    s = rng.integers(0, 5, 50).astype(float)
    reps = rng.integers(0, 4, 50)
    reps[np.flatnonzero(y)[0]] = reps[np.flatnonzero(~y)[0]] = 1
    expect = roc_auc(np.repeat(y, reps), np.repeat(s, reps))
    assert roc_auc(y, s, sample_weight=reps) == pytest.approx(expect, abs=1e-13)


def test_roc_curve_hand_computed():
    fpr, tpr, thr = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    np.testing.assert_array_equal(thr, [np.inf, 0.8, 0.4, 0.35, 0.1])
    np.testing.assert_array_equal(fpr, [0, 0, 0.5, 0.5, 1])
    np.testing.assert_array_equal(tpr, [0, 0.5, 0.5, 1, 1])


def test_partial_auc_perfect_and_random():
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, [0.1, 0.2, 0.8, 0.9], max_fpr=0.3) == pytest.approx(1.0, abs=1e-15)
    assert roc_auc(y, [0.5] * 4, max_fpr=0.3) == pytest.approx(0.5, abs=1e-15)
    s = [0.3, 0.1, 0.7, 0.2]
    assert roc_auc(y, s, max_fpr=1.0) == roc_auc(y, s)


def test_partial_auc_hand_computed():
    # ROC points (0,0), (0,.5), (.5,.5), (.5,1), (1,1); A_0.5 = 0.5 * 0.5 = 0.25
    y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    m = 0.5
    expect = 0.5 * (1 + (0.25 - m * m / 2) / (m - m * m / 2))
    assert roc_auc(y, s, max_fpr=m) == pytest.approx(expect, abs=1e-15)


# -- scikit-learn and brute force on random tied data ------------------------------


@settings(max_examples=80, deadline=None)
@given(tied_problems(weighted=False))
def test_auc_matches_sklearn_and_brute_unweighted(problem):
    y, s, _ = problem
    got = roc_auc(y, s)
    assert abs(got - sklearn_metrics.roc_auc_score(y, s)) <= 1e-12
    assert abs(got - brute_auc(y, s)) <= 1e-12


@settings(max_examples=80, deadline=None)
@given(tied_problems(weighted=True))
def test_auc_matches_sklearn_and_brute_weighted(problem):
    y, s, w = problem
    got = roc_auc(y, s, sample_weight=w)
    assert abs(got - sklearn_metrics.roc_auc_score(y, s, sample_weight=w)) <= 1e-12
    assert abs(got - brute_auc(y, s, w)) <= 1e-12


@settings(max_examples=80, deadline=None)
@given(
    st.booleans(),
    st.floats(1e-3, 1.0),
    st.data(),
)
def test_partial_auc_matches_sklearn(weighted, max_fpr, data):
    y, s, w = data.draw(tied_problems(weighted=weighted))
    got = roc_auc(y, s, sample_weight=w, max_fpr=max_fpr)
    ref = sklearn_metrics.roc_auc_score(y, s, sample_weight=w, max_fpr=max_fpr)
    assert abs(got - ref) <= 1e-12


@settings(max_examples=60, deadline=None)
@given(st.booleans(), st.data())
def test_roc_curve_matches_sklearn(weighted, data):
    y, s, w = data.draw(tied_problems(weighted=weighted))
    fpr, tpr, thr = roc_curve(y, s, sample_weight=w)
    r_fpr, r_tpr, r_thr = sklearn_metrics.roc_curve(
        y, s, sample_weight=w, drop_intermediate=False
    )
    np.testing.assert_array_equal(thr, r_thr)
    np.testing.assert_allclose(fpr, r_fpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tpr, r_tpr, rtol=0, atol=1e-12)
    assert fpr[0] == tpr[0] == 0.0 and fpr[-1] == tpr[-1] == 1.0
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)


def test_large_continuous_matches_sklearn():
    rng = np.random.default_rng(7)
    n = 20_000
    y = rng.random(n) < 0.1
    s = rng.normal(size=n) + y
    w = rng.random(n)
    assert abs(roc_auc(y, s) - sklearn_metrics.roc_auc_score(y, s)) <= 1e-12
    ref = sklearn_metrics.roc_auc_score(y, s, sample_weight=w)
    assert abs(roc_auc(y, s, sample_weight=w) - ref) <= 1e-12
    ref = sklearn_metrics.roc_auc_score(y, s, sample_weight=w, max_fpr=0.05)
    assert abs(roc_auc(y, s, sample_weight=w, max_fpr=0.05) - ref) <= 1e-12


def test_accepts_bool_float_labels_and_column_vectors():
    y = np.array([0.0, 1.0, 0.0, 1.0])
    s = np.array([[0.2], [0.9], [0.4], [0.3]])
    expect = brute_auc(y, s.ravel())
    assert roc_auc(y, s) == expect
    assert roc_auc(y.astype(bool), s.ravel()) == expect
    assert roc_auc(y.astype(int).tolist(), s.ravel().tolist()) == expect


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [roc_auc, roc_curve])
def test_single_class_raises(fn):
    with pytest.raises(ValueError, match="one class"):
        fn([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="one class"):
        fn([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="one class"):
        fn([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="y_true is empty"):
        fn([], [])
    with pytest.raises(ValueError, match="sample_weight is all zero"):
        fn([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="non-negative"):  # sign errors before zero sums
        fn([0, 1], [0.1, 0.2], sample_weight=[0.0, -1.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y_score": [0.1, np.nan, 0.3]}, "NaN"),
        ({"y_score": [0.1, np.inf, 0.3]}, "NaN or inf"),
        ({"y_true": [0, 2, 1]}, "0/1"),
        ({"y_true": [0, 1, 0.5]}, "0/1"),
        ({"y_score": [0.1, 0.2]}, "entries"),
        ({"sample_weight": [1.0, -1.0, 1.0]}, "non-negative"),
        ({"sample_weight": [1.0, 1.0]}, "shape"),
        ({"max_fpr": 0.0}, "max_fpr"),
        ({"max_fpr": 1.5}, "max_fpr"),
        ({"max_fpr": -0.1}, "max_fpr"),
        ({"max_fpr": float("nan")}, "max_fpr"),
    ],
)
def test_invalid_inputs_raise(kwargs, match):
    args = {"y_true": [0, 1, 0], "y_score": [0.1, 0.2, 0.3]} | kwargs
    y_true, y_score = args.pop("y_true"), args.pop("y_score")
    with pytest.raises(ValueError, match=match):
        roc_auc(y_true, y_score, **args)


@pytest.mark.parametrize("scale", [1e300, 1e-300, 1e-320])
def test_weight_scale_does_not_change_auc_or_curve(scale):
    rng = np.random.default_rng(9)
    y = rng.random(400) < 0.3
    s = rng.integers(0, 9, 400) / 8.0
    ws = rng.uniform(0.5, 2.0, 400) * scale
    w = np.ldexp(ws, -np.frexp(ws.max())[1])  # the same ratios (exact), max in [0.5, 1)
    for max_fpr in (None, 0.3):
        ref = roc_auc(y, s, sample_weight=w, max_fpr=max_fpr)
        assert roc_auc(y, s, sample_weight=ws, max_fpr=max_fpr) == pytest.approx(
            ref, rel=1e-12)
    for got, want in zip(roc_curve(y, s, sample_weight=ws),
                         roc_curve(y, s, sample_weight=w), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_column_vectors_of_one_sample_and_row_vectors():
    with pytest.raises(ValueError, match="one class"):
        roc_auc([[1]], [[0.3]])
    with pytest.raises(ValueError, match="y_true must have shape"):
        roc_auc([[0, 1, 1]], [0.1, 0.2, 0.3])
