"""Transition-state search: DNEB candidates, HEF convergence, verification, step-off."""

from __future__ import annotations

import numpy as np
import pytest

from aucscape.landscape.minimize import lbfgs
from aucscape.landscape.ts import check_saddle, dneb, hef, step_off
from aucscape.landscape.ts.attempt import TSSettings, attempt_connection, refine_candidate
from aucscape.landscape.ts.dneb import dneb_gradient, interpolate, local_maxima, tangents
from aucscape.testsurfaces import DoubleWell2D, MuellerBrown, SeparableWells, TiltedRing


def newton(obj, x, n=50):
    """Reference stationary point: Newton's method on the exact gradient."""
    x = np.array(x, dtype=float)
    for _ in range(n):
        _, g = obj.energy_gradient(x)
        x = x - np.linalg.solve(obj.hessian(x), g)
    return x


MB = MuellerBrown()
MB_MINIMA = np.array([newton(MB, m) for m in MB.MINIMA])
MB_SADDLES = np.array([newton(MB, s) for s in MB.SADDLES])


def test_reference_points_are_what_the_docstring_says():
    assert np.allclose(MB_MINIMA, MB.MINIMA, atol=1e-5)
    assert np.allclose(MB_SADDLES, MB.SADDLES, atol=1e-5)
    for s in MB_SADDLES:
        assert np.sum(np.linalg.eigvalsh(MB.hessian(s)) < 0) == 1


def test_interpolation_and_upwind_tangent():
    path = interpolate(np.zeros(2), np.array([3.0, 0.0]), 2)
    assert np.allclose(path[:, 0], [0, 1, 2, 3])
    # Energies rising along the band: tangent is the forward difference.
    path[1] += [0.0, 0.3]
    tau = tangents(path, np.array([0.0, 1.0, 2.0, 3.0]))
    fwd = path[2] - path[1]
    assert np.allclose(tau[0], fwd / np.linalg.norm(fwd))
    assert np.allclose(np.linalg.norm(tau, axis=1), 1.0)


def test_dneb_gradient_decomposition():
    rng = np.random.default_rng(0)
    path = interpolate(np.array([-1.0, 0.0]), np.array([1.0, 0.0]), 5)
    path[1:-1] += rng.normal(scale=0.1, size=(5, 2))
    e = np.array([MB.energy(p) for p in path])
    g = np.array([MB.energy_gradient(p)[1] for p in path])
    tau = tangents(path, e)
    g_perp = g[1:-1] - np.sum(g[1:-1] * tau, axis=1, keepdims=True) * tau
    # Without springs the DNEB gradient is exactly the perpendicular true gradient.
    assert np.allclose(dneb_gradient(path, e, g, 0.0), g_perp)
    # With springs, the extra part is parallel spring + a component orthogonal to g_perp.
    k = 3.0
    extra = dneb_gradient(path, e, g, k) - g_perp
    fwd, bwd = path[2:] - path[1:-1], path[1:-1] - path[:-2]
    par = -k * (np.linalg.norm(fwd, axis=1) - np.linalg.norm(bwd, axis=1))
    assert np.allclose(np.sum(extra * tau, axis=1), par)
    assert np.allclose(np.sum(extra * g_perp, axis=1), 0.0, atol=1e-9)


def test_local_maxima():
    assert local_maxima(np.array([0, 2, 1, 3, 5, 4.0])) == [4, 1]
    assert local_maxima(np.array([0, 1, 2.0])) == []


def test_dneb_candidates_lie_near_both_mueller_brown_saddles():
    band = dneb(MB, MB_MINIMA[0], MB_MINIMA[1])
    cands = np.array(band.candidate_points())
    assert len(cands) == 2
    for s in MB_SADDLES:
        assert np.min(np.linalg.norm(cands - s, axis=1)) < 0.05
    assert np.allclose(band.path[0], MB_MINIMA[0]) and np.allclose(band.path[-1], MB_MINIMA[1])


def _saddles_from_band(band):
    """Saddles that HEF reaches from the band's candidates (the band's only job)."""
    return [h.x for h in (hef(MB, c) for c in band.candidate_points()) if h.converged]


@pytest.mark.parametrize("method", ["lbfgs", "fire"])
@pytest.mark.parametrize("n_images", [8, 13, 20, 29, 40])
def test_band_finds_both_mueller_brown_saddles_whatever_the_rounding(method, n_images):
    # End points moved by 1e-10 must not change the outcome: the band's candidates lead
    # HEF to both saddles, and the band ends far below its starting force.
    rng = np.random.default_rng(n_images)
    for _ in range(2):
        a, b = MB_MINIMA[0] + 1e-10 * rng.normal(size=2), MB_MINIMA[1] + 1e-10 * rng.normal(size=2)
        start = dneb(MB, a, b, n_images=n_images, method=method, max_iter=0)
        band = dneb(MB, a, b, n_images=n_images, method=method)
        assert band.rms_force < 0.1 and band.rms_force < 1e-3 * start.rms_force
        found = _saddles_from_band(band)
        for s in MB_SADDLES:
            assert min(np.linalg.norm(f - s) for f in found) < 1e-8
        # Both quenches fix the end points and return the energies of the final band.
        assert np.array_equal(band.path[0], a) and np.array_equal(band.path[-1], b)
        assert np.allclose(band.energies, [MB.energy(x) for x in band.path])


@pytest.mark.parametrize("seed", [0, 1])
def test_lbfgs_band_converges_across_a_kink_at_an_intermediate_minimum(seed):
    # Opposite corners of two tilted double wells: the straight band crosses the central
    # hill, and the minimum energy path turns through a third corner, crossing one barrier
    # in each coordinate. There the force-norm merit has a trap that held the L-BFGS band
    # at RMS force 0.285 for 5000 steps; the band must converge and show both saddles,
    # known in closed form: each coordinate on a root of 4x^3 - 4x + t, exactly one on the
    # middle (barrier) root.
    surf = SeparableWells((0.3, -0.2))
    roots = [np.sort(np.roots([4.0, 0.0, -4.0, t]).real) for t in surf.tilts]
    pts, _ = surf.minima()
    corner = [tuple(int(x > r[1]) for x, r in zip(p, roots, strict=True)) for p in pts]
    rng = np.random.default_rng(seed)
    a = pts[1] + 1e-10 * rng.normal(size=2)
    b = pts[corner.index(tuple(1 - c for c in corner[1]))] + 1e-10 * rng.normal(size=2)
    band = dneb(surf, a, b, n_images=12, tol=1e-2, max_iter=500, method="lbfgs")
    assert band.converged and band.rms_force <= 1e-2
    on_barrier = []
    for c in band.candidate_points():
        h = hef(surf, c)
        assert h.converged and check_saddle(surf, h.x).is_ts
        dist = [np.abs(r - x) for x, r in zip(h.x, roots, strict=True)]
        assert all(np.min(d) < 1e-8 for d in dist)
        on_barrier.append(tuple(int(np.argmin(d) == 1) for d in dist))
    assert sorted(on_barrier) == [(0, 1), (1, 0)]


def test_band_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        dneb(MB, MB_MINIMA[0], MB_MINIMA[1], method="bfgs")


def test_lbfgs_band_on_double_well_finds_the_saddle():
    dw = DoubleWell2D()
    band = dneb(dw, dw.minima[0], dw.minima[1], n_images=9, method="lbfgs", tol=1e-6,
                max_iter=2000)
    assert band.converged
    # The minimum energy path is the x axis: the band lies on it, its highest image next to
    # the known saddle (-a/4, 0) (images are 0.2 apart).
    assert np.max(np.abs(band.path[:, 1])) < 1e-5
    top = band.candidate_points()[0]
    assert np.linalg.norm(top - dw.saddle) < 0.1
    assert np.allclose(hef(dw, top).x, dw.saddle, atol=1e-9)


@pytest.mark.parametrize(("a", "b"), [(0, 1), (0, 2), (2, 1)])
def test_hef_converges_mueller_brown_saddles_to_1e8(a, b):
    band = dneb(MB, MB_MINIMA[a], MB_MINIMA[b])
    got = []
    for c in band.candidate_points():
        h = hef(MB, c)
        assert h.converged and h.rms_grad <= 1e-10
        assert h.eigenvalues[0] < 0 < h.eigenvalues[1]
        got.append(h.x)
    expected = {(0, 1): [0, 1], (0, 2): [0], (2, 1): [1]}[(a, b)]
    for k in expected:
        assert min(np.max(np.abs(x - MB_SADDLES[k])) for x in got) < 1e-8


@pytest.mark.parametrize("a", [-2.0, 0.0, 1.0, 3.0])
def test_double_well_saddle_exact(a):
    dw = DoubleWell2D(a=a, k=0.7)
    band = dneb(dw, dw.minima[0], dw.minima[1])
    h = hef(dw, band.candidate_points()[0])
    assert h.converged
    assert np.max(np.abs(h.x - dw.saddle)) < 1e-12
    assert h.energy == pytest.approx(dw.saddle_energy, abs=1e-13)


def test_hef_does_not_claim_a_minimum():
    h = hef(DoubleWell2D(), np.array([1.0, 0.0]), max_iter=0)
    assert not h.converged and h.message == "stationary point of index 0"


def test_check_saddle_classifies_stationary_points():
    s = check_saddle(MB, MB_SADDLES[1])
    lam = np.linalg.eigvalsh(MB.hessian(MB_SADDLES[1]))
    assert s.is_ts and s.n_negative == 1
    assert s.neg_eig == pytest.approx(lam[0]) and s.lpphe == pytest.approx(np.log(lam[1]))
    assert abs(s.mode @ np.linalg.eigh(MB.hessian(MB_SADDLES[1]))[1][:, 0]) == pytest.approx(1)
    assert not check_saddle(MB, MB_MINIMA[0]).is_ts
    assert not check_saddle(MB, MB_SADDLES[1] + 1e-3).is_ts  # gradient too large
    with pytest.raises(ValueError, match="shape"):
        check_saddle(MB, np.zeros(3))


def test_step_off_reaches_the_two_minima_each_saddle_joins():
    joins = {0: {0, 2}, 1: {1, 2}}
    for k, s in enumerate(MB_SADDLES):
        c = check_saddle(MB, s)
        so = step_off(MB, s, c.mode, c.neg_eig)
        reached = set()
        for q in (so.plus, so.minus):
            assert q.converged
            d = np.linalg.norm(MB_MINIMA - q.x, axis=1)
            assert d.min() < 1e-8
            reached.add(int(np.argmin(d)))
        assert reached == joins[k]


class _Soft:
    """``scale`` times a surface: every curvature, hence the saddle's |lambda|, scaled."""

    def __init__(self, base, scale):
        self.base, self.scale, self.n_params = base, scale, base.n_params

    def energy(self, w):
        return self.scale * self.base.energy(w)

    def energy_gradient(self, w):
        e, g = self.base.energy_gradient(w)
        return self.scale * e, self.scale * g

    def hessian(self, w):
        return self.scale * self.base.hessian(w)


@pytest.mark.parametrize("scale", [1e-4, 5e-4, 2e-3, 1.0])
@pytest.mark.parametrize("shift", [0.0, 1e-10, -3e-10])
def test_step_off_escapes_a_soft_saddle_quickly(scale, shift):
    """A saddle of curvature -3.75 * scale (as soft as the spiral CE saddles, -1.8e-3):
    both quenches reach the two minima in far fewer than the 20,000 iterations of a
    fixed-scale steepest-descent crawl (module docstring of ts.verify)."""
    dw = DoubleWell2D(a=1.0)
    obj = _Soft(dw, scale)
    s = dw.saddle + np.array([shift, -shift])
    c = check_saddle(obj, s, tol=1.0)
    assert c.n_negative == 1 and c.neg_eig == pytest.approx(-3.75 * scale, rel=1e-6)
    so = step_off(obj, s, c.mode, c.neg_eig)
    reached = set()
    for q in (so.plus, so.minus):
        assert q.converged and q.n_iter < 2000, (q.message, q.n_iter)
        d = np.linalg.norm(dw.minima - q.x, axis=1)
        assert d.min() < 1e-6
        reached.add(int(np.argmin(d)))
    assert reached == {0, 1}


def test_step_off_checks_mode():
    with pytest.raises(ValueError, match="non-zero"):
        step_off(MB, MB_SADDLES[0], np.zeros(2), -1.0)


def test_attempt_finds_verified_ts_with_both_minima():
    res = attempt_connection(MB, MB_MINIMA[0], MB_MINIMA[1])
    assert len(res.found) == 2
    for ts in res.found:
        k = int(np.argmin(np.linalg.norm(MB_SADDLES - ts.coords, axis=1)))
        assert np.max(np.abs(ts.coords - MB_SADDLES[k])) < 1e-8
        assert ts.neg_eig < 0 and ts.plus.n_nonpositive == 0 and ts.minus.n_nonpositive == 0
        assert ts.energy == pytest.approx(MB.energy(MB_SADDLES[k]), abs=1e-10)


def test_ts_leading_back_to_one_minimum_is_reported_as_such():
    ring = TiltedRing()
    saddle = newton(ring, [-0.9, 0.0])
    assert np.sum(np.linalg.eigvalsh(ring.hessian(saddle)) < 0) == 1
    ts = refine_candidate(ring, saddle + np.array([0.01, 0.02]), TSSettings(step=0.05))
    assert not isinstance(ts, str)
    assert np.allclose(ts.coords, saddle, atol=1e-10)
    minimum = lbfgs(ring, np.array([1.0, 0.0])).x
    assert np.allclose(ts.plus.coords, minimum, atol=1e-8)
    assert np.allclose(ts.minus.coords, minimum, atol=1e-8)


class _Bowl:
    """E = c |x|^2: index 0 everywhere (a weight-decay plateau), no saddle to find."""

    n_params = 3

    def __init__(self, c=1e-5):
        self.c = c

    def energy(self, x):
        return self.c * float(x @ x)

    def energy_gradient(self, x):
        return self.energy(x), 2.0 * self.c * np.asarray(x, dtype=float)

    def hessian(self, x):
        return 2.0 * self.c * np.eye(3)


@pytest.mark.parametrize("patience", [3, 10, 25])
def test_hef_patience_stops_a_search_on_a_plateau(patience):
    # Climbing the bowl's lowest mode only raises the gradient: the best RMS gradient never
    # halves again, so the search stops after `patience` steps instead of max_iter.
    x0 = np.array([0.3, -0.2, 0.1]) + 1e-10 * np.random.default_rng(patience).normal(size=3)
    h = hef(_Bowl(), x0, max_iter=500, patience=patience)
    assert not h.converged and h.message.startswith("stalled")
    assert h.n_iter == patience
    assert hef(_Bowl(), x0, max_iter=60).n_iter == 60  # without patience: to max_iter


@pytest.mark.parametrize("n_images", [8, 17, 30])
def test_hef_patience_keeps_the_mueller_brown_saddles(n_images):
    # Quadratic convergence halves the RMS gradient at every step near a saddle: the stall
    # test never fires on a search that converges.
    rng = np.random.default_rng(n_images)
    a, b = MB_MINIMA[0] + 1e-10 * rng.normal(size=2), MB_MINIMA[1] + 1e-10 * rng.normal(size=2)
    band = dneb(MB, a, b, n_images=n_images, method="lbfgs")
    for c in band.candidate_points():
        h0, h1 = hef(MB, c), hef(MB, c, patience=5)
        assert h1.converged == h0.converged
        if h0.converged:
            assert np.max(np.abs(h1.x - h0.x)) < 1e-9
    with pytest.raises(ValueError, match="patience"):
        hef(MB, MB_SADDLES[0], patience=0)
