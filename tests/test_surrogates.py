"""Surrogate registry: closed forms, derivatives, overflow safety."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from aucscape.surrogates import SURROGATES, Surrogate, get_surrogate

NAMES = ["sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad", "logistic",
         "smooth_hinge"]


def naive(name: str, z: np.ndarray, beta: float, m: float) -> np.ndarray:
    """Textbook formulas, valid for moderate |βz| only."""
    return {
        "sigmoid": 1.0 / (1.0 + np.exp(beta * z)),
        "tanh": (1.0 - np.tanh(beta * z)) / 2.0,
        "hinge": np.where(beta * z < m, m - beta * z, 0.0),
        "squared_hinge": np.where(beta * z < m, (m - beta * z) ** 2, 0.0),
        "exp": np.exp(-beta * z),
        "quad": (m - beta * z) ** 2,
        "logistic": np.log1p(np.exp(-beta * z)),
        "smooth_hinge": np.log1p(np.exp(m - beta * z)),
    }[name]


def test_registry_names_and_flags():
    assert sorted(SURROGATES) == sorted(NAMES)
    assert [n for n in NAMES if not get_surrogate(n).consistent] == ["hinge"]
    assert get_surrogate("hinge").family == "sorted"
    assert get_surrogate("exp").family == "factorised"
    assert get_surrogate("sigmoid").uses_beta and not get_surrogate("sigmoid").uses_margin
    assert get_surrogate("quad").uses_margin and get_surrogate("quad").uses_beta
    assert all(get_surrogate(n).uses_beta for n in NAMES)  # ℓ(z) = f(βz) for every one
    sur = get_surrogate("tanh")
    assert isinstance(sur, Surrogate) and get_surrogate(sur) is sur


def test_unknown_surrogate_lists_known_names():
    with pytest.raises(ValueError, match=r"unknown surrogate 'sigmod'.*sigmoid"):
        get_surrogate("sigmod")


@pytest.mark.parametrize("name", NAMES)
def test_value_matches_textbook_formula(name):
    z = np.linspace(-2.0, 2.0, 41) + 0.013  # avoid the hinge kink at βz = m exactly
    for beta, m in [(0.7, 1.0), (3.0, 0.5)]:
        got = get_surrogate(name).value(z, beta, m)
        np.testing.assert_allclose(got, naive(name, z, beta, m), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_finite_differences(name):
    sur = get_surrogate(name)
    z = np.linspace(-1.5, 1.5, 31) + 0.0137
    beta, m, h = 2.5, 0.8, 1e-6
    fd1 = (sur.value(z + h, beta, m) - sur.value(z - h, beta, m)) / (2 * h)
    fd2 = (sur.d1(z + h, beta, m) - sur.d1(z - h, beta, m)) / (2 * h)
    scale = 1.0 + np.abs(sur.d1(z, beta, m)).max() + np.abs(sur.d2(z, beta, m)).max()
    np.testing.assert_allclose(sur.d1(z, beta, m), fd1, atol=1e-7 * scale)
    np.testing.assert_allclose(sur.d2(z, beta, m), fd2, atol=1e-7 * scale)
    v, d = sur.value_d1(z, beta, m)
    np.testing.assert_array_equal(v, sur.value(z, beta, m))
    np.testing.assert_allclose(d, sur.d1(z, beta, m), rtol=1e-15, atol=0)


def test_hinge_kink_convention():
    for name, d1, d2 in [("hinge", 0.0, 0.0), ("squared_hinge", 0.0, 0.0)]:
        sur = get_surrogate(name)
        assert sur.d1(np.array(1.0), 1.0, 1.0) == d1
        assert sur.d2(np.array(1.0), 1.0, 1.0) == d2
        assert sur.d1(np.array(0.25), 4.0, 1.0) == d1  # βz = m
    assert get_surrogate("hinge").d1(np.array(0.999), 1.0, 1.0) == -1.0
    assert get_surrogate("hinge").d1(np.array(0.2), 4.0, 1.0) == -4.0  # ℓ' = −β below
    assert get_surrogate("squared_hinge").d2(np.array(0.999), 1.0, 1.0) == 2.0


@pytest.mark.parametrize("name", NAMES)
def test_extreme_arguments_no_nan_no_warning(name):
    sur = get_surrogate(name)
    z = np.array([-1e4, -250.0, -1.0, 0.0, 1.0, 250.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for beta in (1.0, 40.0):
            vals = [sur.value(z, beta, 1.0), sur.d1(z, beta, 1.0), sur.d2(z, beta, 1.0)]
            for arr in vals:
                assert not np.any(np.isnan(arr))
                if name != "exp":
                    assert np.all(np.isfinite(arr))


def test_saturating_limits_are_exact():
    z = np.array([-1e4, 1e4])
    np.testing.assert_array_equal(get_surrogate("sigmoid").value(z, 40.0, 1.0), [1.0, 0.0])
    np.testing.assert_array_equal(get_surrogate("tanh").value(z, 40.0, 1.0), [1.0, 0.0])
    np.testing.assert_array_equal(get_surrogate("sigmoid").d1(z, 40.0, 1.0), [0.0, 0.0])
    # logistic is linear for very negative z: log(1 + e^{βz'}) → −βz
    np.testing.assert_allclose(get_surrogate("logistic").value(z, 40.0, 1.0), [4e5, 0.0])
    np.testing.assert_allclose(get_surrogate("logistic").d1(z, 40.0, 1.0), [-40.0, 0.0])
    # exp overflows to inf only past the float64 range (−βz > ~709), as documented
    e = get_surrogate("exp").value(np.array([-17.0, -18.0]), 40.0, 1.0)
    assert np.isfinite(e[0]) and np.isinf(e[1])


def test_tiny_tails_keep_relative_accuracy():
    # σ(−βz) for large βz is e^{−βz}, not 0 or 1 − (1 − e^{−βz})
    z = np.array([10.0])
    np.testing.assert_allclose(get_surrogate("sigmoid").value(z, 40.0, 1.0), np.exp(-400.0),
                               rtol=1e-12)
    np.testing.assert_allclose(get_surrogate("tanh").value(z, 10.0, 1.0), np.exp(-200.0),
                               rtol=1e-12)
    np.testing.assert_allclose(get_surrogate("logistic").value(z, 40.0, 1.0), np.exp(-400.0),
                               rtol=1e-12)
    np.testing.assert_allclose(get_surrogate("sigmoid").d1(z, 40.0, 1.0),
                               -40.0 * np.exp(-400.0), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("beta", [1e200, 1e308])
def test_huge_beta_never_gives_nan(name, beta):
    # β² (and tanh's 2β) overflow: a saturated pair must still give ℓ' = ℓ'' = 0, not inf·0
    sur = get_surrogate(name)
    z = np.array([-1.0, 0.0, 1.0])
    with np.errstate(over="ignore"):
        vals = [sur.value(z, beta, 1.0), sur.d1(z, beta, 1.0), sur.d2(z, beta, 1.0)]
    for arr in vals:
        assert not np.any(np.isnan(arr)), (name, vals)
    if name in ("sigmoid", "tanh"):
        k = 2.0 if name == "tanh" else 1.0
        assert vals[1][1] == -k * (beta / 4)  # ℓ'(0) = −kβ/4, finite
        np.testing.assert_array_equal(vals[1][[0, 2]], 0.0)
        np.testing.assert_array_equal(vals[2], 0.0)  # ℓ''(0) = 0 by symmetry
    if name in ("exp", "logistic"):
        assert vals[1][2] == 0.0 and vals[2][2] == 0.0  # z > 0: e^{−βz} = 0


# -- the specification: defaults, ranges, kernel forms, kink rule, margin trap ----------


def test_defaults_keep_the_practitioner_meaning():
    for name in ("sigmoid", "tanh", "logistic", "exp"):
        assert get_surrogate(name).params() == (40.0, 1.0)
    for name in ("hinge", "squared_hinge", "quad", "smooth_hinge"):
        assert get_surrogate(name).params() == (1.0, 1.0)
    z = np.linspace(-1.0, 1.0, 9) + 0.01
    np.testing.assert_allclose(get_surrogate("hinge").value(z, *get_surrogate("hinge").params()),
                               np.maximum(0.0, 1.0 - z), rtol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_kernel_form_reproduces_the_surrogate(name):
    # ℓ_{β,m}(z) = outer · k(β'z; m'): k is the surrogate with β = β' ... at the base name
    from aucscape.surrogates import CODES

    base = {v: k for k, v in CODES.items()}
    # the LOGISTIC kernel carries the margin, k(u; m) = log(1 + e^{m − u}): it is the
    # smooth hinge at β = 1 (logistic is that kernel at m' = 0)
    base[CODES["logistic"]] = "smooth_hinge"
    sur = get_surrogate(name)
    beta, m = (2.5, 0.7)
    form = sur.kernel(beta, m)
    kern = get_surrogate(base[form.code])
    z = np.linspace(-1.3, 1.1, 23) + 0.0031
    got = form.outer * kern.value(form.beta * z, 1.0, form.margin)
    np.testing.assert_allclose(got, sur.value(z, beta, m), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["hinge", "squared_hinge", "quad", "smooth_hinge"])
@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_margin_surrogates_need_positive_beta(name, bad):
    with pytest.raises(ValueError, match="beta must be a finite number > 0"):
        get_surrogate(name).params(bad, 1.0)


@pytest.mark.parametrize("bad", [True, False, "40", None, [1.0]])
def test_params_refuse_booleans_strings_and_lists(bad):
    if bad is None:  # None means "the default"
        assert get_surrogate("sigmoid").params(bad) == (40.0, 1.0)
        return
    with pytest.raises(ValueError, match="beta must be a finite number"):
        get_surrogate("sigmoid").params(bad)
    with pytest.raises(ValueError, match="margin must be a finite number"):
        get_surrogate("hinge").params(1.0, bad)


def test_kink_rule_on_scores():
    # s_p − s_n = 0.9999999999999999 < m in floating point, but t_p = s_p − m = −1.9 = s_n
    sur = get_surrogate("hinge")
    v, d = sur.pair_value_d1(np.array([-0.9]), np.array([-1.9]), 1.0, 1.0)
    assert v[0] == 0.0 and d[0] == 0.0  # exactly at the kink: inactive, ℓ' = 0
    v, d = sur.pair_value_d1(np.array([-0.9]), np.array([np.nextafter(-1.9, 0.0)]), 1.0, 1.0)
    assert v[0] > 0.0 and d[0] == -1.0


def test_linear_on_probabilities_warns():
    from aucscape.surrogates import linear_on_probabilities, warn_if_linear_on_probabilities

    assert linear_on_probabilities("hinge", 1.0, 1.0)
    assert linear_on_probabilities("squared_hinge", 2.0, 2.0)
    assert not linear_on_probabilities("hinge", 4.0, 1.0)
    assert not linear_on_probabilities("quad", 1.0, 1.0)  # no kink to lose
    with pytest.warns(UserWarning, match="exactly linear"):
        warn_if_linear_on_probabilities("hinge", 1.0, 1.0)
    with pytest.warns(UserWarning, match="exactly the quad loss"):
        warn_if_linear_on_probabilities("squared_hinge", 1.0, 1.5)


def test_smooth_hinge_is_the_hinge_smoothed_and_logistic_shifted():
    # softplus(m − βz): within log 2 of max(0, m − βz) (the gap peaks at the kink) and
    # e^{−|m − βz|}-close away from it; it is logistic at z − m/β, and its kernel runs as
    # logistic on positive scores shifted by δ = m/β
    sm, hinge, logi = (get_surrogate(n) for n in ("smooth_hinge", "hinge", "logistic"))
    beta, m = 40.0, 1.0
    z = np.linspace(-1.0, 1.0, 201) + 0.0007
    gap = sm.value(z, beta, m) - hinge.value(z, beta, m)
    assert np.all(gap >= 0) and gap.max() <= np.log(2.0) + 1e-12
    far = np.abs(m - beta * z) > 20
    np.testing.assert_array_less(gap[far], 3e-9)
    for f in ("value", "d1", "d2"):
        np.testing.assert_allclose(getattr(sm, f)(z, beta, m),
                                   getattr(logi, f)(z - m / beta, beta, 0.3), rtol=1e-9,
                                   atol=1e-12)
    assert sm.kernel(beta, m).shift == m / beta and logi.kernel(beta, m).shift == 0.0
    assert np.all(sm.d2(z, beta, m) > 0)  # a Hessian at every pair, unlike hinge's ℓ'' = 0
