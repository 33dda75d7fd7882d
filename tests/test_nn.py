"""Tests for aucscape.nn: parameter layout, forward pass, backprop, Jacobians, curvature.

References are independent: per-point Python loops for the forward pass and central
finite differences for every derivative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from aucscape.nn import MLP

ARCHS = [(2, 10, 2), (3, 4, 3), (5, 2, 2), (1, 1, 2)]


def _setup(arch, n=9, seed=0):
    rng = np.random.default_rng(seed)
    model = MLP(*arch)
    X = rng.normal(size=(n, arch[0]))
    w = rng.uniform(-1.0, 1.0, size=model.n_params)
    return model, X, w, rng


def _loop_forward(w, X, K, H, C):
    """Per-point reference straight from the documented flat layout."""
    W1 = [[w[j * K + k] for k in range(K)] for j in range(H)]
    b1 = [w[H * K + j] for j in range(H)]
    off = H * K + H
    W2 = [[w[off + c * H + j] for j in range(H)] for c in range(C)]
    b2 = [w[off + C * H + c] for c in range(C)]
    out = []
    for x in X:
        h = [math.tanh(sum(W1[j][k] * x[k] for k in range(K)) + b1[j]) for j in range(H)]
        o = [sum(W2[c][j] * h[j] for j in range(H)) + b2[c] for c in range(C)]
        e = [math.exp(v) for v in o]
        out.append([v / sum(e) for v in e])
    return np.array(out)


def test_paper_network_has_52_parameters():
    assert MLP(2, 10, 2).n_params == 52
    assert MLP(30, 5, 2).n_params == 167
    assert MLP(3, 4, 3).n_params == 4 * (3 + 3) + 4 + 3


def test_flat_order_w1_b1_w2_b2():
    model = MLP(2, 3, 2)
    w = np.arange(model.n_params, dtype=float)
    W1, b1, W2, b2 = model.unpack(w)
    assert W1.shape == (3, 2) and W1[1, 0] == 2.0  # row-major: W1[j, k] at j*K + k
    np.testing.assert_array_equal(b1, [6, 7, 8])
    assert W2.shape == (2, 3) and W2[1, 2] == 9 + 5
    np.testing.assert_array_equal(b2, [15, 16])
    np.testing.assert_array_equal(model.pack(W1, b1, W2, b2), w)
    np.testing.assert_array_equal(model.hidden_index()[1], [2, 3, 7])
    np.testing.assert_array_equal(model.output_index()[0], [9, 10, 11])


def test_w1_entry_joins_input_k_to_hidden_j():
    model = MLP(2, 2, 2)
    W1 = np.zeros((2, 2))
    W1[1, 0] = 0.7  # input 0 -> hidden 1
    W2 = np.array([[0.0, 0.0], [0.0, 1.0]])  # only hidden 1 reaches output 1
    w = model.pack(W1, np.zeros(2), W2, np.zeros(2))
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    logits = model.forward(w, X).logits
    np.testing.assert_allclose(logits[:, 1], [math.tanh(0.7), 0.0])


@pytest.mark.parametrize("arch", ARCHS)
def test_forward_matches_per_point_loop(arch):
    model, X, w, _ = _setup(arch)
    np.testing.assert_allclose(model.predict_proba(w, X), _loop_forward(w, X, *arch), rtol=1e-13)
    np.testing.assert_allclose(model.p1(w, X), _loop_forward(w, X, *arch)[:, 1], rtol=1e-13)


def test_softmax_is_overflow_safe():
    model = MLP(1, 1, 2)
    w = model.pack([[1.0]], [0.0], [[0.0], [1.0]], [800.0, 0.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = model.predict_proba(w, np.array([[0.0], [5.0]]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[0, 0] == 1.0 and p[0, 1] == 0.0


def _fd(f, w, h=1e-6):
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(w.size)]).T


@pytest.mark.parametrize("arch", ARCHS)
def test_backprop_and_jacobian_match_finite_differences(arch):
    model, X, w, rng = _setup(arch)
    G = rng.normal(size=(X.shape[0], arch[2]))
    fwd = model.forward(w, X)

    def per_point(v):  # Σ_c G_dc o_dc(v), shape (N,)
        return np.sum(G * model.forward(v, X).logits, axis=1)

    J_fd = _fd(per_point, w)
    J = model.jacobian(w, fwd, G)
    np.testing.assert_allclose(J, J_fd, atol=1e-8)
    np.testing.assert_allclose(model.backprop(w, fwd, G), J.sum(axis=0), atol=1e-12)


@pytest.mark.parametrize("arch", ARCHS)
def test_second_order_matches_finite_differences_of_backprop(arch):
    model, X, w, rng = _setup(arch, seed=3)
    G = rng.normal(size=(X.shape[0], arch[2]))
    H = model.second_order(w, model.forward(w, X), G)
    H_fd = _fd(lambda v: model.backprop(v, model.forward(v, X), G), w, h=1e-5)
    np.testing.assert_allclose(H, H.T, atol=0)
    np.testing.assert_allclose(H, H_fd, atol=1e-8 * max(1.0, np.abs(H).max()))


@pytest.mark.parametrize("C", [2, 3, 4])
def test_p1_cotangent_is_derivative_of_softmax_class_1(C):
    model = MLP(2, 3, C)
    rng = np.random.default_rng(C)
    X = rng.normal(size=(6, 2))
    w = rng.uniform(-1, 1, model.n_params)
    fwd = model.forward(w, X)
    o = fwd.logits

    def p1(logits):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e[:, 1] / e.sum(axis=1)

    fd = np.stack(
        [(p1(o + 1e-6 * np.eye(C)[c]) - p1(o - 1e-6 * np.eye(C)[c])) / 2e-6 for c in range(C)],
        axis=1,
    )
    np.testing.assert_allclose(model.p1_cotangent(fwd), fd, atol=1e-9)


def test_validation_messages():
    with pytest.raises(ValueError, match="n_hidden"):
        MLP(2, 0)
    with pytest.raises(ValueError, match="n_out"):
        MLP(2, 3, 1)
    model = MLP(2, 3)
    with pytest.raises(ValueError, match=r"shape \(17,\)"):
        model.check_params(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        model.check_params(np.full(17, np.nan))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        model.check_inputs(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="W2"):
        model.pack(np.zeros((3, 2)), np.zeros(3), np.zeros((3, 2)), np.zeros(2))
