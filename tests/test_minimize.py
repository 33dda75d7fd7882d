"""GMIN-style L-BFGS: reaches RMS 1e-10 on known minima, honours max_step and the rise guard."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.landscape.minimize import LbfgsOptions, MinimizeResult, lbfgs, minimize_fn, rms
from aucscape.testsurfaces import DoubleWell2D, MuellerBrown, SeparableWells


def rosenbrock(x):
    """Extended Rosenbrock sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2; global min at 1."""
    e = np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return e, g


def newton_refine(obj, x, steps=20):
    for _ in range(steps):
        x = x - np.linalg.solve(obj.hessian(x), obj.energy_gradient(x)[1])
    return x


@pytest.mark.parametrize("n", [2, 5, 10, 30])
def test_rosenbrock_reaches_1e_10(n):
    rng = np.random.default_rng(n)
    for _ in range(3):
        # starts in the basin of the global minimum (n >= 4 has a second minimum near x_0 = -1)
        res = minimize_fn(rosenbrock, rng.uniform(0.5, 1.5, n))
        assert res.converged and res.message == "converged"
        assert res.rms_grad <= 1e-10
        np.testing.assert_allclose(res.x, np.ones(n), atol=1e-8)
        assert res.energy < 1e-16
        # reported gradient and rms are those of the returned point
        e, g = rosenbrock(res.x)
        assert e == res.energy
        np.testing.assert_array_equal(g, res.grad)
        assert res.rms_grad == pytest.approx(np.linalg.norm(g) / np.sqrt(n))


@pytest.mark.parametrize("n", [10, 40])
def test_ill_conditioned_quadratic(n):
    """Eigenvalues 2e-5..10 (condition 5e5): error bounded by |g| / lambda_min."""
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.geomspace(2e-5, 10.0, n)
    a = q @ np.diag(lam) @ q.T
    x_star = rng.standard_normal(n)
    b = a @ x_star

    def fg(x):
        return 0.5 * x @ a @ x - b @ x, a @ x - b

    res = minimize_fn(fg, x_star + rng.uniform(-1, 1, n))
    assert res.converged
    assert res.rms_grad <= 1e-10
    bound = np.linalg.norm(res.grad) / lam[0]
    assert np.linalg.norm(res.x - x_star) <= bound * (1 + 1e-6)
    assert np.linalg.norm(res.x - x_star) < 1e-4


def test_mueller_brown_minima():
    mb = MuellerBrown()
    exact = np.array([newton_refine(mb, m) for m in mb.MINIMA])
    rng = np.random.default_rng(3)
    found = set()
    for _ in range(20):
        res = lbfgs(mb, mb.random_point(rng))
        assert res.converged and res.rms_grad <= 1e-10
        d = np.linalg.norm(exact - res.x, axis=1)
        k = int(np.argmin(d))
        assert d[k] < 1e-9
        assert res.energy == pytest.approx(mb.energy(exact[k]), abs=1e-11)
        found.add(k)
    assert found == {0, 1, 2}


def test_double_well_and_separable_wells():
    dw = DoubleWell2D(a=1.0, k=2.0)
    res = lbfgs(dw, np.array([0.4, 0.7]))
    np.testing.assert_allclose(res.x, [1.0, 0.0], atol=1e-10)
    assert res.energy == pytest.approx(-2 / 3, abs=1e-14)
    sw = SeparableWells([0.3, -0.2, 0.45, 0.1])
    pts, _ = sw.minima()
    rng = np.random.default_rng(0)
    for _ in range(10):
        res = lbfgs(sw, sw.random_point(rng))
        assert res.converged
        assert np.min(np.linalg.norm(pts - res.x, axis=1)) < 1e-9


def test_max_step_caps_every_step():
    """On a linear function every trial is downhill, so each step has length max_step."""
    c = np.array([3.0, -4.0, 12.0])
    points = []

    def fg(x):
        points.append(x.copy())
        return float(c @ x), c.copy()

    res = minimize_fn(fg, np.zeros(3), max_step=0.25, max_iter=6)
    assert not res.converged and res.message == "max_iter reached"
    assert res.n_iter == 6 and res.n_eval == 7
    steps = np.linalg.norm(np.diff(np.array(points), axis=0), axis=1)
    np.testing.assert_allclose(steps, 0.25, rtol=1e-12)
    # steepest descent direction -c
    np.testing.assert_allclose(res.x, -6 * 0.25 * c / np.linalg.norm(c), rtol=1e-12)


def test_energy_never_rises_more_than_max_rise():
    energies = []
    res = minimize_fn(
        rosenbrock, np.array([-1.2, 1.0, -0.5, 2.0]), max_step=1.0, max_rise=1e-10,
        callback=lambda x, e, r: energies.append(e),
    )
    assert res.converged
    assert len(energies) == res.n_iter
    assert energies[-1] == res.energy
    start = rosenbrock(np.array([-1.2, 1.0, -0.5, 2.0]))[0]
    rises = np.diff(np.concatenate([[start], energies]))
    assert np.max(rises) <= 1e-10


def test_nan_region_is_avoided_by_halving():
    """E = sum(x - log x) is NaN for x <= 0; the first step from 0.01 overshoots into it."""

    def fg(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(np.sum(x - np.log(x))), 1 - 1 / x

    res = minimize_fn(fg, np.full(3, 0.01), max_step=5.0)
    assert res.converged
    np.testing.assert_allclose(res.x, np.ones(3), atol=1e-9)


def test_already_converged_start_does_nothing():
    res = lbfgs(DoubleWell2D(), np.array([1.0, 0.0]))
    assert isinstance(res, MinimizeResult)
    assert res.converged and res.n_iter == 0 and res.n_eval == 1


def test_validation_errors():
    mb = MuellerBrown()
    with pytest.raises(ValueError, match="tol"):
        lbfgs(mb, [0.0, 0.0], tol=0)
    with pytest.raises(ValueError, match="max_step"):
        lbfgs(mb, [0.0, 0.0], max_step=-1)
    with pytest.raises(ValueError, match="memory"):
        lbfgs(mb, [0.0, 0.0], memory=0)
    with pytest.raises(ValueError, match="NaN"):
        lbfgs(mb, [np.nan, 0.0])
    with pytest.raises(ValueError, match="energy_gradient"):
        lbfgs(object(), [0.0])
    with pytest.raises(ValueError, match="not finite"):
        minimize_fn(lambda x: (np.inf, x), [1.0])
    with pytest.raises(ValueError, match=r"unknown L-BFGS option.*memroy"):
        lbfgs(mb, [0.0, 0.0], memroy=5)
    with pytest.raises(ValueError, match="max_halvings"):
        LbfgsOptions(max_halvings=-1)


def test_options_object_and_keywords_are_one_setting():
    """An LbfgsOptions, its fields as keywords, and keywords over an object agree."""
    mb = MuellerBrown()
    x0 = MuellerBrown.MINIMA[1] + np.array([0.11, -0.07])
    opts = LbfgsOptions(memory=4, max_step=0.1)
    for backend in ("numpy", "auto"):
        a = lbfgs(mb, x0, opts, backend=backend)
        b = lbfgs(mb, x0, memory=4, max_step=0.1, backend=backend)
        c = lbfgs(mb, x0, LbfgsOptions(memory=4), max_step=0.1, backend=backend)
        assert a.converged and (a.n_iter, a.n_eval) == (b.n_iter, b.n_eval) == (c.n_iter,
                                                                                c.n_eval)
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.x, c.x)
    f = minimize_fn(mb.energy_gradient, x0, opts)
    assert f.converged and f.energy == pytest.approx(a.energy, abs=1e-9)
    assert opts.with_changes(memory=4) is opts  # unchanged options are not rebuilt


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_random_spd_quadratic_matches_solve(n, seed):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, n))
    a = m @ m.T + 0.1 * np.eye(n)
    b = rng.standard_normal(n)
    x_star = np.linalg.solve(a, b)

    res = minimize_fn(lambda x: (0.5 * x @ a @ x - b @ x, a @ x - b), x_star + rng.normal(size=n))
    assert res.converged
    assert rms(a @ res.x - b) <= 1e-10
    lam_min = np.linalg.eigvalsh(a)[0]
    # |x - x*| <= |g| / lambda_min, plus rounding in x* itself
    bound = np.linalg.norm(res.grad) / lam_min * (1 + 1e-6) + 1e-12 * (1 + np.abs(x_star).max())
    assert np.linalg.norm(res.x - x_star) <= bound


def test_newton_polish_reaches_the_same_minimum_with_fewer_evaluations():
    """Polishing with the exact Hessian ends at the minimum pure L-BFGS finds (ill-conditioned)."""
    rng = np.random.default_rng(3)
    n = 12
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = np.geomspace(2e-5, 10, n)
    A = Q @ np.diag(lam) @ Q.T
    x_star = rng.normal(size=n)

    class Quartic:
        """E = ½ (x−x*)ᵀA(x−x*) + ¼ Σ (x−x*)⁴: unique minimum x*, exact Hessian."""

        n_params = n

        def energy_gradient(self, x):
            d = x - x_star
            return 0.5 * d @ A @ d + 0.25 * np.sum(d**4), A @ d + d**3

        def hessian(self, x):
            return A + np.diag(3 * (x - x_star) ** 2)

    x0 = x_star + rng.uniform(-1, 1, n)
    plain = lbfgs(Quartic(), x0, polish_below=None)
    polished = lbfgs(Quartic(), x0, polish_below=1e-4)
    assert plain.converged and polished.converged
    assert polished.message == "converged (Newton polish)"
    assert polished.rms_grad <= 1e-10
    np.testing.assert_allclose(polished.x, x_star, atol=1e-5)
    assert np.linalg.norm(polished.x - x_star) <= np.linalg.norm(plain.x - x_star) + 1e-6
    assert polished.n_eval < plain.n_eval


def test_newton_polish_falls_back_to_lbfgs_without_hessian_progress():
    """An objective whose Hessian is useless (negative) still converges through L-BFGS."""
    dw = DoubleWell2D()

    class BadHessian:
        n_params = 2
        energy_gradient = staticmethod(dw.energy_gradient)

        def hessian(self, x):
            return -np.eye(2)

    res = lbfgs(BadHessian(), np.array([0.4, 0.7]), polish_below=1e-3)
    assert res.converged and res.message == "converged"
    np.testing.assert_allclose(res.x, [1.0, 0.0], atol=1e-9)
