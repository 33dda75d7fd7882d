"""Surrogate registry: closed forms, derivatives, overflow safety."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from aucscape.surrogates import SURROGATES, Surrogate, get_surrogate

NAMES = ["sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad", "logistic"]


def naive(name: str, z: np.ndarray, beta: float, m: float) -> np.ndarray:
    """Textbook formulas, valid for moderate |βz| only."""
    return {
        "sigmoid": 1.0 / (1.0 + np.exp(beta * z)),
        "tanh": (1.0 - np.tanh(beta * z)) / 2.0,
        "hinge": np.where(z < m, m - z, 0.0),
        "squared_hinge": np.where(z < m, (m - z) ** 2, 0.0),
        "exp": np.exp(-beta * z),
        "quad": (m - z) ** 2,
        "logistic": np.log1p(np.exp(-beta * z)),
    }[name]


def test_registry_names_and_flags():
    assert sorted(SURROGATES) == sorted(NAMES)
    assert [n for n in NAMES if not get_surrogate(n).consistent] == ["hinge"]
    assert get_surrogate("hinge").family == "sorted"
    assert get_surrogate("exp").family == "factorised"
    assert get_surrogate("sigmoid").uses_beta and not get_surrogate("sigmoid").uses_margin
    assert get_surrogate("quad").uses_margin and not get_surrogate("quad").uses_beta
    sur = get_surrogate("tanh")
    assert isinstance(sur, Surrogate) and get_surrogate(sur) is sur


def test_unknown_surrogate_lists_known_names():
    with pytest.raises(ValueError, match=r"unknown surrogate 'sigmod'.*sigmoid"):
        get_surrogate("sigmod")


@pytest.mark.parametrize("name", NAMES)
def test_value_matches_textbook_formula(name):
    z = np.linspace(-2.0, 2.0, 41) + 0.013  # avoid the hinge kink at z = m exactly
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
    assert get_surrogate("hinge").d1(np.array(0.999), 1.0, 1.0) == -1.0
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
