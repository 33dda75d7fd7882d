"""aucscape.jax against the NumPy core under jit and grad (float32, fixed shapes)."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import aucscape.jax as aj  # noqa: E402
from aucscape.focal import focal_loss as np_focal  # noqa: E402
from aucscape.pairwise import pairwise_loss  # noqa: E402
from aucscape.surrogates import SURROGATES  # noqa: E402

NAMES = sorted(SURROGATES)
PARAMS = {name: {"beta": 3.0 if name == "exp" else 40.0, "margin": 0.4} for name in NAMES}


def _problem(n=70, frac=0.3, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < frac).astype(np.int32)
    y[:2] = [0, 1]
    return y, rng.random(n).astype(np.float32), rng.uniform(0.2, 2.0, n).astype(np.float32)


def _value_and_grad(**kw):
    """jit(value_and_grad) of the loss in y_pred, the config closed over (static)."""
    return jax.jit(jax.value_and_grad(lambda yp, yt, w: aj.pairwise_auc_loss(
        yt, yp, sample_weight=w, **kw)))


def _assert_close_to_core(loss, grad, ref, gref):
    assert loss.dtype == jnp.float32
    np.testing.assert_allclose(float(loss), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(grad), gref, rtol=1e-4,
                               atol=1e-5 * np.abs(gref).max())


@pytest.mark.parametrize("name", NAMES)
def test_jit_grad_matches_numpy_core(name):
    """Weights, pos_weight, both reductions, and logits with a padding mask: one jit."""
    y, s, w = _problem(n=50)
    x = np.random.default_rng(2).normal(0.0, 2.0, y.size).astype(np.float32)
    # Pad to 64 with junk (label 1, huge logits) that the mask must hide.
    pad = 14
    xp = np.r_[x, np.full(pad, 50.0, np.float32)]
    yp = np.r_[y, np.ones(pad, np.int32)]
    wp = np.r_[w, np.ones(pad, np.float32)]
    mask = np.r_[np.ones(y.size, bool), np.zeros(pad, bool)]
    kw = {"surrogate": name, **PARAMS[name]}

    def mean(s_):
        return aj.pairwise_auc_loss(y, s_, pos_weight=1.7, sample_weight=w, **kw)

    def total(s_):
        return aj.pairwise_auc_loss(y, s_, pos_weight=1.7, sample_weight=w, reduction="sum",
                                    **kw)

    def padded_logits(x_):
        return aj.pairwise_auc_loss(yp, x_, from_logits=True, mask=mask, sample_weight=wp,
                                    **kw)

    vg = jax.value_and_grad
    f = jax.jit(lambda s_, x_: (vg(mean)(s_), vg(total)(s_), vg(padded_logits)(x_)))
    (m, gm), (sm, gs), (lg, gl) = f(jnp.asarray(s), jnp.asarray(xp))
    s64 = s.astype(np.float64)
    for red, (value, grad) in (("mean", (m, gm)), ("sum", (sm, gs))):
        ref, gref = pairwise_loss(y, s64, name, **PARAMS[name], pos_weight=1.7,
                                  sample_weight=w, reduction=red, return_grad=True,
                                  method="brute")
        _assert_close_to_core(value, grad, ref, gref)
    p = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    ref, g_s = pairwise_loss(y, p, name, **PARAMS[name], sample_weight=w, return_grad=True,
                             method="brute")
    _assert_close_to_core(lg, gl[: y.size], ref, g_s * p * (1.0 - p))
    assert np.all(np.asarray(gl[y.size :]) == 0)


def test_many_blocks_match_core(monkeypatch):
    monkeypatch.setattr(aj, "BLOCK_ELEMENTS", 600)  # 2-row blocks over 300 columns
    y, s, w = _problem(n=300, frac=0.1, seed=3)
    for name in ("sigmoid", "logistic"):
        ref, gref = pairwise_loss(y, s.astype(np.float64), name, beta=7.0, sample_weight=w,
                                  return_grad=True, method="brute")
        f = _value_and_grad(surrogate=name, beta=7.0)
        _assert_close_to_core(*f(jnp.asarray(s), jnp.asarray(y), jnp.asarray(w)), ref, gref)


@pytest.mark.parametrize("name", NAMES)
def test_one_class_and_extreme_logits_under_one_trace(name):
    traces = []

    def loss(yp, yt, m):
        traces.append(1)
        return aj.pairwise_auc_loss(yt, yp, surrogate=name, from_logits=True, mask=m,
                                    **PARAMS[name])

    f = jax.jit(jax.value_and_grad(loss))
    x = jnp.linspace(-3.0, 3.0, 6)
    ones = jnp.ones(6, bool)
    for y, m in [(jnp.zeros(6), ones), (jnp.ones(6), ones),
                 (jnp.array([1.0] + [0.0] * 5), ones.at[0].set(False))]:
        value, grad = f(x, y, m)
        assert float(value) == 0.0  # one class (or a fully masked class): a no-op step
        assert np.all(np.asarray(grad) == 0.0)
    # Logits of ±1e4: finite value and gradient, equal to the core on s = σ(x).
    x = jnp.array([1e4, -1e4, 3.0, -1e4, 1e4, 0.5])
    y = jnp.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    value, grad = f(x, y, ones)
    assert np.isfinite(float(value)) and np.all(np.isfinite(np.asarray(grad)))
    s = 1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, np.float64), -700, 700)))
    ref = pairwise_loss(np.asarray(y), s, name, **PARAMS[name])
    np.testing.assert_allclose(float(value), ref, rtol=1e-5)
    assert len(traces) == 1  # fixed shapes: one trace covers every batch


def test_focal_extreme_logits_are_finite():
    x = jnp.array([1e4, -1e4, 3.0, -1e4, 1e4, 0.5])
    y = jnp.array([1, 0, 1, 1, 0, 0])
    fl, gfl = jax.jit(jax.value_and_grad(lambda v: aj.focal_loss(y, v, from_logits=True)))(x)
    assert np.isfinite(float(fl)) and np.all(np.isfinite(np.asarray(gfl)))


@pytest.mark.parametrize(("dtype", "name"), [(jnp.float16, "sigmoid"),
                                             (jnp.bfloat16, "squared_hinge")])
def test_half_precision_inputs_sum_in_float32(dtype, name):
    y, s, _ = _problem(n=200, seed=8)
    xh = jnp.asarray(s).astype(dtype)
    f = jax.jit(jax.value_and_grad(
        lambda v: aj.pairwise_auc_loss(y, v, surrogate=name, **PARAMS[name])))
    value, grad = f(xh)
    assert value.dtype == jnp.float32
    ref = pairwise_loss(y, np.asarray(xh.astype(jnp.float32), np.float64), name,
                        **PARAMS[name])
    np.testing.assert_allclose(float(value), ref, rtol=1e-5)
    assert grad.dtype == dtype and np.all(np.isfinite(np.asarray(grad, np.float32)))


@pytest.mark.parametrize("from_logits", [False, True])
def test_focal_matches_numpy_core(from_logits):
    y, s, w = _problem(n=40, seed=6)
    x = np.random.default_rng(7).normal(0, 3, y.size).astype(np.float32) if from_logits else s
    ref, gref = np_focal(y, x, gamma=2.0, alpha=0.3, from_logits=from_logits,
                         sample_weight=w, return_grad=True)
    f = jax.jit(jax.value_and_grad(lambda v: aj.focal_loss(
        y, v, gamma=2.0, alpha=0.3, from_logits=from_logits, sample_weight=w)))
    _assert_close_to_core(*f(jnp.asarray(x)), ref, gref)
    none = aj.focal_loss(y, x, from_logits=from_logits, reduction="none")
    np.testing.assert_allclose(np.asarray(none), np_focal(y, x, from_logits=from_logits,
                                                          reduction="none"), rtol=1e-5)


def test_errors_at_trace_or_call_time():
    x = jnp.linspace(0.0, 1.0, 6)
    with pytest.raises(ValueError, match="entries"):
        jax.jit(lambda v: aj.pairwise_auc_loss(jnp.array([0, 1, 0]), v))(x)
    with pytest.raises(ValueError, match="shape"):
        jax.jit(lambda v: aj.pairwise_auc_loss(jnp.zeros((3, 2)), v))(jnp.zeros((3, 2)))
    with pytest.raises(ValueError, match="mask"):
        aj.pairwise_auc_loss(jnp.array([0, 1] * 3), x, mask=jnp.ones(5, bool))
    with pytest.raises(ValueError, match="0/1"):
        aj.pairwise_auc_loss(jnp.array([0, 1, 2, 0, 1, 0]), x)
    with pytest.raises(ValueError, match="non-negative"):
        aj.pairwise_auc_loss(jnp.array([0, 1] * 3), x, sample_weight=-jnp.ones(6))
    with pytest.raises(ValueError, match="unknown surrogate"):
        aj.pairwise_auc_loss(jnp.array([0, 1] * 3), x, surrogate="softmax")
    with pytest.raises(ValueError, match="probabilities"):
        aj.focal_loss(jnp.array([1, 0]), jnp.array([2.0, 0.5]))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"beta": -1.0}, "beta must be a finite number >= 0"),
    ({"margin": float("inf")}, "margin must be a finite number >= 0"),
    ({"pos_weight": -2.0}, "pos_weight"),
    ({"reduction": "none"}, "no per-sample value"),
])
def test_configuration_errors_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        aj.pairwise_auc_loss(jnp.array([0, 1]), jnp.array([0.2, 0.7]), **kwargs)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        aj.focal_loss(jnp.array([0, 1]), jnp.array([0.2, 0.7]), alpha=-0.1)


def test_gradient_descent_on_scores_raises_auc():
    # Plain jit+grad loop on free scores: the sigmoid risk falls, i.e. the ranking improves.
    y, s, _ = _problem(n=64, seed=12)
    step = jax.jit(lambda v: v - 2.0 * jax.grad(
        lambda u: aj.pairwise_auc_loss(y, u, surrogate="sigmoid", beta=10.0))(v))
    v = jnp.asarray(s)
    before = float(aj.pairwise_auc_loss(y, v, beta=10.0))
    for _ in range(50):
        v = step(v)
    assert float(aj.pairwise_auc_loss(y, v, beta=10.0)) < 0.5 * before
