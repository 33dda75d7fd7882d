"""pairwise_curvature: exact score Hessian against brute force and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.pairwise import pairwise_curvature, pairwise_loss
from aucscape.pairwise._blocked import BlockedCross
from aucscape.pairwise._problem import prepare
from aucscape.pairwise.curvature import PairCurvature

NAMES = ["sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad", "logistic"]


def brute_hessian(y, s, name, **kw):
    """H_s from the gradient of the brute-force reference by central differences."""
    n, h = s.size, 1e-5
    out = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        gp = pairwise_loss(y, s + e, name, return_grad=True, method="brute", **kw)[1]
        gm = pairwise_loss(y, s - e, name, return_grad=True, method="brute", **kw)[1]
        out[:, i] = (gp - gm) / (2 * h)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_dense_matches_finite_differences_of_gradient(name):
    rng = np.random.default_rng(11)
    n = 16
    y = rng.random(n) < 0.4
    s = rng.normal(size=n) * 0.5
    kw = dict(beta=2.0, margin=0.6, pos_weight=1.7, sample_weight=rng.uniform(0.3, 2, n))
    h = pairwise_curvature(y, s, name, **kw).dense()
    fd = brute_hessian(y, s, name, **kw)
    np.testing.assert_allclose(h, fd, atol=1e-6 * (1 + np.abs(fd).max()))
    np.testing.assert_allclose(h, h.T, atol=0)
    assert np.all(h[np.ix_(y, y)] == np.diag(np.diag(h)[y]))  # no positive-positive terms


@st.composite
def problems(draw):
    n = draw(st.integers(0, 14))
    y = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    s = np.array(draw(st.lists(st.integers(-8, 8).map(lambda i: i / 4), min_size=n,
                               max_size=n)))  # dyadic ties
    w = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=n,
                               max_size=n)))
    kw = dict(beta=draw(st.sampled_from([0.5, 4.0])),
              margin=draw(st.sampled_from([0.0, 0.5, 1.0])),
              pos_weight=draw(st.sampled_from([0.0, 1.0, 2.0])),
              reduction=draw(st.sampled_from(["mean", "sum"])),
              sample_weight=w if draw(st.booleans()) else None)
    return y, s, kw


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None)
@given(prob=problems())
def test_fast_and_blocked_match_brute(name, prob):
    y, s, kw = prob
    ref = pairwise_curvature(y, s, name, method="brute", **kw)
    hr = ref.dense()
    scale = 1e-12 * (1 + np.abs(hr).max(initial=0))
    rng = np.random.default_rng(0)
    for method in ("auto", "blocked"):
        c = pairwise_curvature(y, s, name, method=method, **kw)
        np.testing.assert_array_equal(c.pos, np.flatnonzero(y))
        np.testing.assert_array_equal(c.neg, np.flatnonzero(~y))
        np.testing.assert_allclose(c.dense(), hr, rtol=1e-10, atol=scale)
        np.testing.assert_allclose(c.diag, np.diag(hr), rtol=1e-10, atol=scale)
        k = hr[np.ix_(c.pos, c.neg)]
        m = rng.normal(size=(c.neg.size, 3))
        np.testing.assert_allclose(c.cross_matmul(m), k @ m, rtol=1e-10, atol=scale * 10)
        mt = rng.normal(size=(c.pos.size, 2))
        np.testing.assert_allclose(c.cross_rmatmul(mt), k.T @ mt, rtol=1e-10, atol=scale * 10)
        v = rng.normal(size=y.size)
        np.testing.assert_allclose(c.matvec(v), hr @ v, rtol=1e-10, atol=scale * 10)


def test_brute_diag_is_row_sums_of_pair_second_derivatives():
    y = np.array([1, 0, 0])
    s = np.array([0.0, 0.0, 1.0])
    c = pairwise_curvature(y, s, "quad", method="brute")
    # ℓ'' = 2, Z = 2: diag_p = 2·2/2, diag_n = 2/2, K = −2/2 per pair
    np.testing.assert_allclose(c.diag, [2.0, 1.0, 1.0])
    np.testing.assert_allclose(c.cross_dense(), [[-1.0, -1.0]])


def test_streaming_blocks_equal_cached_dense():
    rng = np.random.default_rng(4)
    y = rng.random(90) < 0.3
    s = rng.normal(size=90)
    pb = prepare(y, s, "sigmoid", 5.0, 1.0, 1.0, rng.uniform(0, 1, 90), "mean")
    cached = PairCurvature(pb, BlockedCross(pb))
    streamed = PairCurvature(pb, BlockedCross(pb, block_elems=7, cache_elems=0))
    m = rng.normal(size=(y.size - y.sum(), 4))
    np.testing.assert_allclose(streamed.cross_matmul(m), cached.cross_matmul(m), rtol=1e-13)
    mt = rng.normal(size=(y.sum(), 4))
    np.testing.assert_allclose(streamed.cross_rmatmul(mt), cached.cross_rmatmul(mt),
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(streamed.diag, cached.diag, rtol=1e-13)


def test_exp_curvature_survives_large_shifts():
    y = np.array([1, 1, 0, 0])
    s = np.array([500.0, 500.5, 499.0, 499.2])  # e^{±βs} alone would overflow
    c = pairwise_curvature(y, s, "exp", beta=2.0)
    ref = pairwise_curvature(y, s, "exp", beta=2.0, method="brute")
    np.testing.assert_allclose(c.dense(), ref.dense(), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_one_class_curvature_is_zero(name):
    c = pairwise_curvature([1, 1, 1], [0.1, 0.2, 0.3], name)
    np.testing.assert_array_equal(c.dense(), np.zeros((3, 3)))
    assert c.cross_matmul(np.zeros((0, 2))).shape == (3, 2)
    assert c.cross_rmatmul(np.ones((3, 2))).shape == (0, 2)


def test_hinge_curvature_is_zero_and_vectors_accepted():
    c = pairwise_curvature([1, 0, 1], [0.1, 0.2, 0.3], "hinge")
    np.testing.assert_array_equal(c.dense(), np.zeros((3, 3)))
    assert c.cross_matmul(np.ones(1)).shape == (2,)


def test_curvature_argument_errors():
    c = pairwise_curvature([1, 0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="cross_matmul argument must have shape"):
        c.cross_matmul(np.ones((2, 2)))
    with pytest.raises(ValueError, match="cross_rmatmul argument"):
        c.cross_rmatmul(np.ones((1, 2)))
    with pytest.raises(ValueError, match="matvec argument"):
        c.matvec(np.ones(2))
    with pytest.raises(ValueError, match="numba"):
        pairwise_curvature([1, 0], [0.0, 1.0], method="numba")
    with pytest.raises(ValueError, match="beta"):
        pairwise_curvature([1, 0], [0.0, 1.0], beta=-1)
