"""pairwise_loss: every algorithm against the brute-force reference and the definition."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

import aucscape
from aucscape.pairwise import pairwise_loss
from aucscape.surrogates import get_surrogate

NAMES = ["sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad", "logistic"]
FAST = {"exp": "factorised", "quad": "factorised", "hinge": "sorted",
        "squared_hinge": "sorted"}  # fmt: skip


def methods_for(name):
    extra = [FAST[name]] if name in FAST else []
    return ["auto", "blocked", "numba", *extra]


def definition(y, s, name, beta, margin, pos_weight, w, reduction):
    """R straight from the docstring, one pair at a time (tiny inputs only)."""
    sur = get_surrogate(name)
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    total = 0.0
    for p, n in itertools.product(pos, neg):
        if w[p] > 0 and w[n] > 0:
            total += pos_weight * w[p] * w[n] * float(sur.value(s[p] - s[n], beta, margin))
    z = w[pos].sum() * w[neg].sum() if reduction == "mean" else 1.0
    return total / z if z > 0 else 0.0


def scales(y, s, name, beta, margin, pos_weight, w, reduction):
    """Condition scales from the pair matrices: how much rounding of the scores moves R."""
    sur = get_surrogate(name)
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    zden = w[pos].sum() * w[neg].sum() if reduction == "mean" else 1.0
    ab = pos_weight * w[pos][:, None] * w[neg][None, :] / (zden if zden > 0 else 1.0)
    z = s[pos][:, None] - s[neg][None, :]
    mag = np.abs(s[pos])[:, None] + np.abs(s[neg])[None, :] + margin
    d1 = ab * np.abs(sur.d1(z, beta, margin))
    d2 = ab * np.abs(sur.d2(z, beta, margin)) * mag
    v_scale = float((d1 * mag).sum())
    g_scale = max(d1.sum(1).max(initial=0), d1.sum(0).max(initial=0))
    g2_scale = max(d2.sum(1).max(initial=0), d2.sum(0).max(initial=0))
    return v_scale, g_scale, g2_scale


def assert_close(got, ref, y, s, name, kw):
    v_scale, g_scale, g2_scale = scales(y, s, name, kw["beta"], kw["margin"],
                                        kw["pos_weight"], kw["w"], kw["reduction"])
    v, g = got
    rv, rg = ref
    assert abs(v - rv) <= 1e-10 * abs(rv) + 1e-13 * v_scale + 1e-300, (v, rv)
    tol = 1e-12 * (np.abs(rg).max(initial=0) + g_scale) + 1e-13 * g2_scale + 1e-300
    assert np.abs(g - rg).max(initial=0) <= tol, (np.abs(g - rg).max(), tol)


@st.composite
def problems(draw, max_n=24):
    n = draw(st.integers(0, max_n))
    y = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    kind = draw(st.sampled_from(["ties", "unit", "extreme"]))
    if kind == "ties":  # few distinct dyadic values: many exact ties and z = m cases
        k = st.integers(-4, 4).map(lambda i: i / 4)
    elif kind == "unit":
        k = st.integers(-2**20, 2**20).map(lambda i: i / 2**20)
    else:  # |s| up to 1e3, dyadic so hinge kinks are decided exactly
        k = st.integers(-64000, 64000).map(lambda i: i / 64)
    s = np.array(draw(st.lists(k, min_size=n, max_size=n)), dtype=float)
    if draw(st.booleans()):
        wl = st.sampled_from([0.0, 0.25, 1.0, 2.5, 7.0])
        w = np.array(draw(st.lists(wl, min_size=n, max_size=n)), dtype=float)
    else:
        w = None
    kw = dict(
        beta=draw(st.sampled_from([0.0, 0.5, 4.0, 40.0])),
        margin=draw(st.sampled_from([0.0, 0.5, 1.0])),
        pos_weight=draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])),
        reduction=draw(st.sampled_from(["mean", "sum"])),
    )
    return y, s, w, kw


MARGIN_SURROGATES = ("hinge", "squared_hinge", "quad")


def _in_range(kw, name):
    """The drawn parameters within the surrogate's range (β > 0 for the margin ones)."""
    if name in MARGIN_SURROGATES and kw["beta"] == 0.0:
        return {**kw, "beta": 0.5}
    return kw


def _call(y, s, w, kw, name, method):
    return pairwise_loss(y, s, name, sample_weight=w, return_grad=True, method=method, **kw)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prob=problems())
def test_every_method_matches_brute_force(name, prob):
    y, s, w, kw = prob
    kw = _in_range(kw, name)
    if name == "exp" and s.size:  # keep e^{β|z|} inside float64 for the comparison
        kw = {**kw, "beta": min(kw["beta"], 300.0 / (2 * np.abs(s).max() + 1))}
    ref = _call(y, s, w, kw, name, "brute")
    ww = np.ones(y.size) if w is None else w
    for method in methods_for(name):
        assert_close(_call(y, s, w, kw, name, method), ref, y, s, name, {**kw, "w": ww})


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=25, deadline=None)
@given(prob=problems(max_n=8))
def test_brute_force_matches_definition(name, prob):
    y, s, w, kw = prob
    kw = _in_range(kw, name)
    if name == "exp" and s.size:
        kw = {**kw, "beta": min(kw["beta"], 300.0 / (2 * np.abs(s).max() + 1))}
    ww = np.ones(y.size) if w is None else w
    want = definition(y, s, name, kw["beta"], kw["margin"], kw["pos_weight"], ww,
                      kw["reduction"])
    got = pairwise_loss(y, s, name, sample_weight=w, method="brute", **kw)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "logistic", "quad", "exp"])
@settings(max_examples=40, deadline=None)
@given(
    s=st.lists(st.floats(-1e3, 1e3, allow_subnormal=True), min_size=2, max_size=16),
    seed=st.integers(0, 2**16),
)
@example(s=[10.0, 0.0], seed=0)  # every pair saturated: r q² underflowed to 0 in numba
@example(s=[0.0, 10.0], seed=0)
def test_arbitrary_floats_match_brute_force(name, s, seed):
    s = np.array(s)
    rng = np.random.default_rng(seed)
    y = rng.random(s.size) < 0.5
    y[0], y[1] = True, False
    kw = dict(beta=40.0, margin=1.0, pos_weight=1.0, reduction="mean")
    if name == "exp":
        kw["beta"] = 300.0 / (2 * np.abs(s).max() + 1)
    ref = _call(y, s, None, kw, name, "brute")
    for method in methods_for(name):
        got = _call(y, s, None, kw, name, method)
        assert_close(got, ref, y, s, name, {**kw, "w": np.ones(s.size)})


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    rng = np.random.default_rng(3)
    n = 30
    y = rng.random(n) < 0.4
    s = rng.normal(size=n) * 0.6
    w = rng.uniform(0.2, 2.0, size=n)
    kw = dict(beta=3.0, margin=0.7, pos_weight=1.5, sample_weight=w)
    _, g = pairwise_loss(y, s, name, return_grad=True, **kw)
    h = 1e-6
    fd = np.empty(n)
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        fd[i] = (pairwise_loss(y, s + e, name, **kw) - pairwise_loss(y, s - e, name, **kw)) / (
            2 * h
        )
    np.testing.assert_allclose(g, fd, atol=1e-7 * (1 + np.abs(g).max()))


def test_sigmoid_and_tanh_tend_to_one_minus_auc_with_ties():
    rng = np.random.default_rng(5)
    s = rng.integers(0, 20, size=300) / 20.0  # ties, gaps >= 0.05
    y = rng.random(300) < 0.3
    auc = roc_auc_score(y, s)
    for name in ("sigmoid", "tanh"):
        assert pairwise_loss(y, s, name, beta=2e3) == pytest.approx(1 - auc, abs=1e-12)
    perfect = np.where(y, 1.0, 0.0)
    assert pairwise_loss(y, perfect, "sigmoid", beta=40.0) == pytest.approx(np.exp(-40.0),
                                                                             rel=1e-9)


def test_weighted_ranking_hinge_normalisation():
    # two positives (weights 1, 3), one negative (weight 2); pos_weight 2, margin 1
    y = np.array([1, 1, 0])
    s = np.array([0.5, 2.0, 0.0])
    w = np.array([1.0, 3.0, 2.0])
    # pairs: (0.5 − 0) → hinge 0.5, (2 − 0) → 0; sum = 2·1·2·0.5 = 2; Z = (1+3)·2 = 8
    assert pairwise_loss(y, s, "hinge", pos_weight=2.0, sample_weight=w) == pytest.approx(0.25)
    assert pairwise_loss(y, s, "hinge", pos_weight=2.0, sample_weight=w,
                         reduction="sum") == pytest.approx(2.0)
    _, g = pairwise_loss(y, s, "hinge", pos_weight=2.0, sample_weight=w, return_grad=True)
    np.testing.assert_allclose(g, [-4.0 / 8, 0.0, 4.0 / 8])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", ["only_pos", "only_neg", "empty", "zero_w", "pw0"])
def test_one_class_gives_zero_not_nan(name, case):
    y = {"only_pos": [1, 1, 1], "only_neg": [0, 0, 0], "empty": []}.get(case, [1, 0, 1])
    s = np.arange(len(y), dtype=float)
    w = np.array([0.0, 1.0, 0.0]) if case == "zero_w" else None
    pw = 0.0 if case == "pw0" else 1.0
    for method in methods_for(name):
        v, g = pairwise_loss(y, s, name, sample_weight=w, pos_weight=pw, return_grad=True,
                             method=method)
        assert v == 0.0 and isinstance(v, float)
        np.testing.assert_array_equal(g, np.zeros(len(y)))


@pytest.mark.parametrize("name", NAMES)
def test_extreme_scores_no_warnings_no_nan(name):
    rng = np.random.default_rng(1)
    y = rng.random(40) < 0.5
    s = rng.choice([-1e3, -1.0, 0.0, 1e-3, 1e3], size=40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in [*methods_for(name), "brute"]:
            if name == "exp":  # true value e^{80000}: a clear error, never a silent inf
                with pytest.raises(ValueError, match="exp surrogate overflows"):
                    pairwise_loss(y, s, name, beta=40.0, return_grad=True, method=method)
                continue
            v, g = pairwise_loss(y, s, name, beta=40.0, return_grad=True, method=method)
            assert np.isfinite(v) and np.all(np.isfinite(g))


@pytest.mark.parametrize("method", ["numba", "blocked"])
def test_sigmoid_kernels_handle_wide_and_narrow_ranges(method):
    rng = np.random.default_rng(2)
    y = rng.random(200) < 0.2
    for spread in (0.3, 50.0):  # exp-free product identity, then exp per pair
        s = rng.normal(size=200) * spread
        for name in ("sigmoid", "tanh", "logistic"):
            v, g = pairwise_loss(y, s, name, return_grad=True, method=method)
            rv, rg = pairwise_loss(y, s, name, return_grad=True, method="brute")
            assert v == pytest.approx(rv, rel=1e-12)
            np.testing.assert_allclose(g, rg, rtol=0, atol=1e-12 * np.abs(rg).max())


def test_bool_labels_lists_and_column_vectors_accepted():
    y = [True, False, True, False]
    s = [[0.2], [0.1], [0.9], [0.95]]
    assert pairwise_loss(y, s, "quad") == pytest.approx(
        pairwise_loss(np.array([1, 0, 1, 0]), np.array([0.2, 0.1, 0.9, 0.95]), "quad"))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(y_true=[0, 2], y_score=[0.0, 1.0]), "0/1"),
        (dict(y_true=[0, 1], y_score=[0.0, np.nan]), "NaN or inf"),
        (dict(y_true=[0, 1], y_score=[0.0, np.inf]), "NaN or inf"),
        (dict(y_true=[0, 1, 1], y_score=[0.0, 1.0]), "entries"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], beta=-1.0), "beta"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], margin=-0.1), "margin"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], pos_weight=-2.0), "pos_weight"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], sample_weight=[1.0, -1.0]), "non-negative"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], sample_weight=[1.0]), "shape"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], reduction="avg"), "reduction"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], method="fast"), "method"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], method="sorted"), "hinge"),
        (dict(y_true=[0, 1], y_score=[0.0, 1.0], surrogate="nope"), "unknown surrogate"),
    ],
)
def test_invalid_input_raises_naming_the_problem(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pairwise_loss(**kwargs)


def test_package_level_export_and_lazy_numba():
    assert aucscape.pairwise_loss is pairwise_loss
    import subprocess
    import sys

    code = ("import sys, aucscape, aucscape.pairwise; "
            "aucscape.pairwise_loss([0, 1], [0.0, 1.0], 'quad'); "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# -- review regressions: weight scale, custom surrogates, shapes, argument types --------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("scale", [1e300, 1e-300, 1e-320])
def test_mean_risk_is_invariant_to_the_scale_of_the_weights(name, scale):
    # R is homogeneous of degree 0 in w for "mean": Z = Σw_p·Σw_n must not over/underflow
    rng = np.random.default_rng(8)
    y = rng.random(12) < 0.5
    y[0], y[1] = True, False
    s = rng.normal(size=12) * 0.3
    ws = rng.uniform(0.5, 2.0, size=12) * scale
    w = np.ldexp(ws, -np.frexp(ws.max())[1])  # the same ratios (exact), max in [0.5, 1)
    for method in [*methods_for(name), "brute"]:
        ref = pairwise_loss(y, s, name, sample_weight=w, return_grad=True, method=method)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = pairwise_loss(y, s, name, sample_weight=ws, return_grad=True, method=method)
        assert got[0] == pytest.approx(ref[0], rel=1e-12)
        np.testing.assert_allclose(got[1], ref[1], rtol=1e-12, atol=1e-15 * np.abs(ref[1]).max())


def _cubic(name):
    """A user surrogate ℓ(z) = (1 − z)³ registered under ``name`` (not the built-in maths)."""
    from aucscape.surrogates import Surrogate

    return Surrogate(name, True, False, False, "blocked",
                     lambda z, b, m: (1 - np.asarray(z, float)) ** 3,
                     lambda z, b, m: -3 * (1 - np.asarray(z, float)) ** 2,
                     lambda z, b, m: 6 * (1 - np.asarray(z, float)), "(1 − z)³")


@pytest.mark.parametrize("name", ["cubic", "exp", "sigmoid", "hinge"])
def test_user_surrogate_is_summed_exactly_whatever_its_name(name):
    sur = _cubic(name)
    y = np.array([1, 0, 1, 0, 0])
    s = np.array([0.1, 0.4, 0.3, 0.2, -0.5])
    pos, neg = np.flatnonzero(y), np.flatnonzero(y == 0)
    want = np.mean([(1 - (s[p] - s[n])) ** 3 for p in pos for n in neg])
    v, g = pairwise_loss(y, s, sur, return_grad=True)
    assert v == pytest.approx(want, rel=1e-13)
    assert pairwise_loss(y, s, sur, method="blocked") == pytest.approx(want, rel=1e-13)
    fd = np.array([(pairwise_loss(y, s + 1e-6 * e, sur) - pairwise_loss(y, s - 1e-6 * e, sur))
                   / 2e-6 for e in np.eye(5)])
    np.testing.assert_allclose(g, fd, atol=1e-8)
    from aucscape.pairwise import pairwise_curvature

    h = pairwise_curvature(y, s, sur).dense()
    np.testing.assert_allclose(h, pairwise_curvature(y, s, sur, method="brute").dense(),
                               rtol=1e-13)
    assert np.abs(h).max() > 0
    for method in ("factorised", "sorted", "numba"):
        with pytest.raises(ValueError, match="built-in"):
            pairwise_loss(y, s, sur, method=method)


def test_single_sample_column_vectors_and_row_vectors():
    assert pairwise_loss([[1]], [[0.5]]) == 0.0
    v, g = pairwise_loss(np.array([[1], [0]]), np.array([[0.5], [0.2]]), "quad",
                         sample_weight=[[2.0], [1.0]], return_grad=True)
    assert v == pytest.approx((1 - 0.3) ** 2)
    np.testing.assert_allclose(g, [-1.4, 1.4], rtol=1e-14)  # ∓2(m − z), one pair
    with pytest.raises(ValueError, match="y_score must have shape"):
        pairwise_loss([1, 0, 1], [[0.1, 0.2, 0.3]])
    with pytest.raises(ValueError, match="y_true must have shape"):
        pairwise_loss([[1, 0, 1]], [0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(beta=True), "beta must be a finite number"),
        (dict(beta=np.array([1.0])), "beta must be a finite number"),
        (dict(beta="steep"), "beta must be a finite number"),
        (dict(margin=[1.0, 2.0]), "margin must be a finite number"),
        (dict(y_score=["a", "b"]), "y_score must hold real numbers"),
        (dict(y_score=[1 + 1j, 0.0]), "y_score must hold real numbers"),
        (dict(sample_weight=["a", "b"]), "sample_weight must hold real numbers"),
    ],
)
def test_non_numeric_arguments_raise_value_error_naming_them(kwargs, match):
    args = dict(y_true=[0, 1], y_score=[0.0, 1.0]) | kwargs
    with pytest.raises(ValueError, match=match):
        pairwise_loss(**args)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "logistic", "exp"])
def test_huge_beta_gives_saturated_risk_not_nan(name):
    # β = 1e308: every pair with z ≠ 0 is saturated; tanh's 2β overflows to inf
    y = np.array([1, 0, 1, 0])
    s = np.array([0.5, 0.25, 0.125, 0.375])  # z ∈ {±0.25, ±0.125}: no tie
    with np.errstate(over="ignore"):
        for method in [*methods_for(name), "brute"]:
            if name == "exp":  # e^{0.25e308}: refused, not inf
                with pytest.raises(ValueError, match="overflows"):
                    pairwise_loss(y, s, name, beta=1e308, method=method)
                continue
            v, g = pairwise_loss(y, s, name, beta=1e308, return_grad=True, method=method)
            assert not np.isnan(v) and not np.any(np.isnan(g)), method
            if name in ("sigmoid", "tanh"):  # 2 of 4 pairs mis-ordered, flat steps
                assert v == 0.5
                np.testing.assert_array_equal(g, 0.0)
