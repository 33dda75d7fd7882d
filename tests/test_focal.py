"""focal_loss against an extended-precision direct formula, log-loss, finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.focal import EPS, focal_loss


def reference_focal(y, p, gamma, alpha, w=None):
    """Direct −α_t (1 − p_t)^γ log p_t in extended precision (np.longdouble)."""
    y = np.asarray(y, dtype=bool)
    p = np.asarray(p, dtype=np.longdouble)
    w = np.ones(len(y)) if w is None else np.asarray(w)
    p_t = np.where(y, p, 1 - p)
    a_t = np.where(y, np.longdouble(alpha), 1 - np.longdouble(alpha))
    fl = -a_t * (1 - p_t) ** np.longdouble(gamma) * np.log(p_t)
    return fl * w.astype(np.longdouble)


def sigmoid_ld(x):
    x = np.asarray(x, dtype=np.longdouble)
    return 1 / (1 + np.exp(-x))


def problem(seed, n=40, logit_scale=4.0):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    x = rng.normal(scale=logit_scale, size=n)
    w = rng.exponential(size=n)
    return y, x, w


# -- values ----------------------------------------------------------------------


def test_hand_computed_value():
    # y=1, p=0.9: 0.25 * 0.1**2 * -log(0.9); y=0, p=0.9: 0.75 * 0.9**2 * -log(0.1)
    got = focal_loss([1, 0], [0.9, 0.9], reduction="none")
    expect = [0.25 * 0.01 * -np.log(0.9), 0.75 * 0.81 * -np.log(0.1)]
    np.testing.assert_allclose(got, expect, rtol=1e-14)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.floats(0.0, 5.0),
    st.floats(0.0, 1.0),
    st.booleans(),
)
def test_matches_extended_precision_formula(seed, gamma, alpha, from_logits):
    y, x, w = problem(seed, logit_scale=3.0)
    p64 = np.asarray(sigmoid_ld(x), dtype=np.float64)
    pred = x if from_logits else p64
    p_ref = sigmoid_ld(x) if from_logits else p64
    ref = reference_focal(y, p_ref, gamma, alpha, w)
    got = focal_loss(
        y, pred, gamma=gamma, alpha=alpha, from_logits=from_logits,
        sample_weight=w, reduction="none",
    )
    np.testing.assert_allclose(got, np.asarray(ref, dtype=np.float64), rtol=1e-12, atol=1e-300)
    got_sum = focal_loss(y, pred, gamma=gamma, alpha=alpha, from_logits=from_logits,
                         sample_weight=w, reduction="sum")
    assert got_sum == pytest.approx(float(ref.sum()), rel=1e-12, abs=1e-300)
    got_mean = focal_loss(y, pred, gamma=gamma, alpha=alpha, from_logits=from_logits,
                          sample_weight=w)
    assert got_mean == pytest.approx(float(ref.sum() / w.sum()), rel=1e-12, abs=1e-300)


def test_gamma0_alpha_half_is_half_log_loss():
    metrics = pytest.importorskip("sklearn.metrics")
    y, x, w = problem(11, n=200)
    p = 1.0 / (1.0 + np.exp(-x))
    p = np.clip(p, 1e-6, 1 - 1e-6)
    for sw in (None, w):
        ref = 0.5 * metrics.log_loss(y, p, sample_weight=sw)
        got = focal_loss(y, p, gamma=0.0, alpha=0.5, sample_weight=sw)
        assert got == pytest.approx(ref, rel=1e-12)
        # same from logits (BCE from the logits of the clipped probabilities)
        got = focal_loss(y, np.log(p) - np.log1p(-p), gamma=0.0, alpha=0.5,
                         from_logits=True, sample_weight=sw)
        assert got == pytest.approx(ref, rel=1e-9)


def test_focusing_downweights_easy_examples():
    # γ > 0 never exceeds the α-weighted cross-entropy, and the gap grows with p_t
    y = np.ones(5, dtype=bool)
    p = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    ce = focal_loss(y, p, gamma=0.0, reduction="none")
    fl = focal_loss(y, p, gamma=2.0, reduction="none")
    assert np.all(fl < ce)
    np.testing.assert_allclose(fl / ce, (1 - p) ** 2, rtol=1e-14)


def test_weights_equal_repetition_and_reductions():
    y, x, _ = problem(5, n=30)
    reps = np.random.default_rng(6).integers(0, 4, 30)
    reps[0] = 1
    rep_mean = focal_loss(np.repeat(y, reps), np.repeat(x, reps), from_logits=True)
    got = focal_loss(y, x, from_logits=True, sample_weight=reps)
    assert got == pytest.approx(rep_mean, rel=1e-13)
    none = focal_loss(y, x, from_logits=True, sample_weight=reps, reduction="none")
    total = focal_loss(y, x, from_logits=True, sample_weight=reps, reduction="sum")
    assert total == pytest.approx(none.sum(), rel=1e-13)
    assert got == pytest.approx(total / reps.sum(), rel=1e-13)


def test_zero_total_weight_mean_is_zero():
    loss, grad = focal_loss([0, 1], [0.2, 0.3], sample_weight=[0, 0], return_grad=True)
    assert loss == 0.0
    np.testing.assert_array_equal(grad, 0.0)


# -- extreme inputs ------------------------------------------------------------------


def test_extreme_logits_are_finite_and_exact():
    y = np.array([1, 1, 0, 0])
    x = np.array([1e4, -1e4, -1e4, 1e4])
    loss, grad = focal_loss(y, x, from_logits=True, reduction="none", return_grad=True)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    # confidently right: 0 loss and 0 gradient; confidently wrong: α_t·|x|, slope ∓α_t
    np.testing.assert_allclose(loss, [0.0, 0.25e4, 0.0, 0.75e4], rtol=1e-15, atol=0)
    np.testing.assert_allclose(grad, [0.0, -0.25, 0.0, 0.75], rtol=1e-12, atol=1e-300)


def test_probabilities_zero_and_one_are_clipped():
    y = np.array([1, 1, 0, 0])
    p = np.array([1.0, 0.0, 0.0, 1.0])
    loss, grad = focal_loss(y, p, reduction="none", return_grad=True)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    # equal to the loss at the clip bounds, which matches the direct formula there
    bounds = np.array([1.0 - EPS, EPS, EPS, 1.0 - EPS])
    np.testing.assert_array_equal(loss, focal_loss(y, bounds, reduction="none"))
    ref = np.asarray(reference_focal(y, bounds, 2.0, 0.25), dtype=np.float64)
    np.testing.assert_allclose(loss, ref, rtol=1e-12)
    assert loss[1] == pytest.approx(-0.25 * (1 - EPS) ** 2 * np.log(EPS), rel=1e-12)
    # the clip is flat outside [EPS, 1 - EPS]
    np.testing.assert_array_equal(grad, 0.0)


# -- gradients ---------------------------------------------------------------------


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 3.7])
def test_gradient_matches_finite_differences(from_logits, reduction, gamma):
    y, x, w = problem(int(gamma * 10) + len(reduction), n=25, logit_scale=2.0)
    pred = x if from_logits else 1.0 / (1.0 + np.exp(-x))
    kw = {"gamma": gamma, "alpha": 0.3, "from_logits": from_logits, "sample_weight": w,
          "reduction": reduction}
    loss, grad = focal_loss(y, pred, return_grad=True, **kw)
    np.testing.assert_allclose(loss, focal_loss(y, pred, **kw), rtol=0, atol=0)
    # 5-point central differences, step relative to the distance from the clip bounds
    h = 1e-3 * (np.maximum(1.0, np.abs(pred)) if from_logits else np.minimum(pred, 1 - pred))
    fd = np.empty_like(pred)
    for i in range(pred.size):
        vals = []
        for k in (-2, -1, 1, 2):
            shifted = pred.copy()
            shifted[i] += k * h[i]
            out = focal_loss(y, shifted, **kw)
            vals.append(out[i] if reduction == "none" else out)
        fd[i] = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h[i])
    np.testing.assert_allclose(grad, fd, rtol=1e-7, atol=1e-9)


def test_torch_inline_formula_agrees():
    torch = pytest.importorskip("torch")
    y, x, w = problem(21, n=50)
    gamma, alpha = 2.0, 0.25
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = torch.tensor(y, dtype=torch.float64)
    wt = torch.tensor(w, dtype=torch.float64)
    # the torchvision sigmoid_focal_loss formula, written out
    p = torch.sigmoid(xt)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(xt, yt, reduction="none")
    p_t = p * yt + (1 - p) * (1 - yt)
    a_t = alpha * yt + (1 - alpha) * (1 - yt)
    ref = (a_t * ce * (1 - p_t) ** gamma * wt).sum() / wt.sum()
    ref.backward()
    loss, grad = focal_loss(y, x, gamma=gamma, alpha=alpha, from_logits=True,
                            sample_weight=w, return_grad=True)
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-10, atol=1e-15)


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"gamma": -1.0}, "gamma"),
        ({"gamma": float("nan")}, "gamma"),
        ({"alpha": -0.1}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": float("nan")}, "alpha"),
        ({"reduction": "avg"}, "reduction"),
        ({"y_pred": [0.2, 1.3, 0.5]}, "probabilities"),
        ({"y_pred": [0.2, -0.1, 0.5]}, "probabilities"),
        ({"y_pred": [0.2, np.nan, 0.5]}, "NaN"),
        ({"y_pred": [0.2, 0.5]}, "entries"),
        ({"y_true": [0, 2, 1]}, "0/1"),
        ({"sample_weight": [1.0, -1.0, 1.0]}, "non-negative"),
    ],
)
def test_invalid_inputs_raise(kwargs, match):
    args = {"y_true": [0, 1, 0], "y_pred": [0.2, 0.7, 0.5]} | kwargs
    y_true, y_pred = args.pop("y_true"), args.pop("y_pred")
    with pytest.raises(ValueError, match=match):
        focal_loss(y_true, y_pred, **args)


def test_logits_outside_unit_interval_are_accepted():
    assert np.isfinite(focal_loss([0, 1], [-3.0, 5.0], from_logits=True))


@pytest.mark.parametrize("scale", [1e306, 1e-310])
def test_mean_is_invariant_to_the_scale_of_the_weights(scale):
    y, x, w = problem(31, n=2000)
    ws = (w + 0.5) * scale
    w = np.ldexp(ws, -np.frexp(ws.max())[1])  # the same ratios (exact), max in [0.5, 1)
    ref, ref_g = focal_loss(y, x, from_logits=True, sample_weight=w, return_grad=True)
    got, g = focal_loss(y, x, from_logits=True, sample_weight=ws, return_grad=True)
    assert got == pytest.approx(ref, rel=1e-12)
    np.testing.assert_allclose(g, ref_g, rtol=1e-12)


def test_single_sample_column_vector():
    assert focal_loss([[1]], [[0.9]]) == pytest.approx(0.25 * 0.01 * -np.log(0.9), rel=1e-14)
