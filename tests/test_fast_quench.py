"""Numba fast path: compiled E/∇E kernels and the compiled L-BFGS loop vs the NumPy path."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from aucscape.data import credit_card, spiral
from aucscape.landscape.minimize import lbfgs, minimize_fn, rms
from aucscape.nn import MLP
from aucscape.objectives import CrossEntropy, PairwiseAUC, make_objective
from aucscape.surrogates import SURROGATES
from aucscape.testsurfaces import MuellerBrown

LOSSES = ["ce", *sorted(SURROGATES)]


@pytest.fixture(scope="module")
def spiral_ds():
    return spiral()


@pytest.fixture(scope="module")
def card_ds():
    return credit_card(n=240, positive_fraction=0.25, seed=3)


def _assert_same(E, g, E0, g0, rel=1e-12):
    assert E == pytest.approx(E0, rel=rel, abs=1e-300)
    assert np.linalg.norm(g - g0) <= rel * np.linalg.norm(g0)


@pytest.mark.parametrize("loss", LOSSES)
def test_kernel_matches_numpy_objective(loss, spiral_ds, card_ds):
    pytest.importorskip("numba")
    rng = np.random.default_rng(11)
    for ds, hidden, scale in [(spiral_ds, 10, 1.0), (spiral_ds, 4, 4.0), (card_ds, 3, 0.5)]:
        obj = make_objective(ds, loss, hidden=hidden)
        fn, args = obj.numba_kernel()
        for _ in range(3):
            w = scale * obj.random_point(rng)
            E0, g0 = obj.energy_gradient_numpy(w)
            E, g = fn(w, *args)
            _assert_same(E, g, E0, g0)
            E1, g1 = obj.energy_gradient(w)  # the objective's own (kernel) path
            _assert_same(E1, g1, E0, g0)
            assert obj.energy(w) == E1


@pytest.mark.parametrize("surrogate", ["sigmoid", "tanh"])
def test_kernel_wide_score_range_and_weights(surrogate, spiral_ds):
    """β·(score range) > 700 takes the generic pair kernel; pos_weight scales the pairs."""
    pytest.importorskip("numba")
    model = MLP(2, 5)
    obj = PairwiseAUC(model, spiral_ds.X_train, spiral_ds.y_train, surrogate, beta=900.0,
                      pos_weight=2.5, lam=3e-4)
    w = 3.0 * obj.random_point(np.random.default_rng(2))
    s = obj.scores(w, spiral_ds.X_train)
    assert obj.beta * (s.max() - s.min()) > 700
    _assert_same(*obj.energy_gradient(w), *obj.energy_gradient_numpy(w))


def test_kernel_three_classes_and_one_class(spiral_ds):
    """C = 3 softmax cross-entropy; a single-class AUC objective has R = 0."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(5)
    X = spiral_ds.X_train
    y3 = rng.integers(0, 3, X.shape[0])
    ce = CrossEntropy(MLP(2, 4, 3), X, y3, lam=1e-3)
    w = ce.random_point(rng)
    _assert_same(*ce.energy_gradient(w), *ce.energy_gradient_numpy(w))
    one = PairwiseAUC(MLP(2, 4), X, np.ones(X.shape[0], dtype=int), lam=1e-3)
    w = one.random_point(rng)
    E, g = one.energy_gradient(w)
    _assert_same(E, g, *one.energy_gradient_numpy(w))
    assert E == pytest.approx(1e-3 * w @ w, rel=1e-14)


def _assert_same_hessian(H, H0, rel=1e-11):
    assert H.shape == H0.shape and np.array_equal(H, H.T)
    assert np.abs(H - H0).max() <= rel * np.abs(H0).max()


@pytest.mark.parametrize("surrogate", sorted(SURROGATES))
def test_hessian_kernel_matches_numpy_hessian(surrogate, spiral_ds, card_ds):
    """The compiled ∇²E against the NumPy one, every surrogate, at points where scores
    spread (kinks active, β·range past the product identity's 700), with pos_weight and a
    margin; and against central differences of the gradient."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(23)
    for ds, hidden, scale, beta, margin, pw in [
        (spiral_ds, 4, 1.0, 40.0, 1.0, 1.0),
        (spiral_ds, 10, 3.0, 40.0 if surrogate == "exp" else 900.0, 0.5, 2.5),  # exp: finite
        (card_ds, 3, 0.5, 4.0, 1.0, 0.7)]:
        obj = PairwiseAUC(MLP(ds.X_train.shape[1], hidden), ds.X_train, ds.y_train, surrogate,
                          beta=beta, margin=margin, pos_weight=pw, lam=3e-4)
        assert obj._hessian_kernel() is not None
        for _ in range(2):
            w = scale * obj.random_point(rng)
            H = obj.hessian(w)
            _assert_same_hessian(H, obj.hessian_numpy(w))
        if surrogate in ("sigmoid", "tanh", "logistic", "exp") and hidden == 4:
            h = 1e-6
            fd = np.array([(obj.energy_gradient(w + h * e)[1] - obj.energy_gradient(w - h * e)[1])
                           / (2 * h) for e in np.eye(w.size)])
            assert np.abs(H - fd).max() <= 1e-5 * np.abs(H).max()


def test_hessian_kernel_falls_back_to_numpy(spiral_ds, monkeypatch):
    """Three classes, one class, and a pair count past HESSIAN_KERNEL_PAIRS take the NumPy
    Hessian (or have no pairs), with the same result."""
    pytest.importorskip("numba")
    from aucscape.objectives import pairwise_auc

    X, y = spiral_ds.X_train, spiral_ds.y_train
    rng = np.random.default_rng(8)
    one = PairwiseAUC(MLP(2, 4), X, np.ones(X.shape[0], dtype=int), lam=1e-3)
    w = one.random_point(rng)
    _assert_same_hessian(one.hessian(w), one.hessian_numpy(w))
    np.testing.assert_allclose(one.hessian(w), 2e-3 * np.eye(w.size), atol=1e-15)
    three = PairwiseAUC(MLP(2, 4, 3), X, y, lam=1e-3)
    assert three._hessian_kernel() is None
    w = three.random_point(rng)
    np.testing.assert_array_equal(three.hessian(w), three.hessian_numpy(w))
    obj = PairwiseAUC(MLP(2, 4), X, y, lam=1e-3)
    w = obj.random_point(rng)
    H = obj.hessian(w)
    monkeypatch.setattr(pairwise_auc, "HESSIAN_KERNEL_PAIRS", 10)
    assert obj._hessian_kernel() is None
    _assert_same_hessian(obj.hessian(w), H)


@pytest.mark.parametrize("loss", ["ce", "sigmoid", "squared_hinge"])
def test_numba_loop_takes_the_numpy_loops_steps(loss, card_ds):
    """Same kernel, both loops: the same steps up to the rounding of dot products (the
    compiled loop sums in index order, numpy's BLAS in its own), the same minimum."""
    pytest.importorskip("numba")
    obj = make_objective(card_ds, loss, hidden=2)
    x0 = obj.random_point(np.random.default_rng(4)) + 1e-10
    ref = minimize_fn(obj.energy_gradient, x0)
    res = lbfgs(obj, x0, backend="numba", polish_below=None)
    assert res.converged and ref.converged and res.message == ref.message == "converged"
    # thousands of crawling steps amplify rounding, so the step counts differ (by 20 % on
    # squared hinge); the points agree to 1e-4, what rms 1e-10 leaves along the softest
    # modes (|dx| ~ |g| / lambda_min); the first steps agree to rounding (below)
    np.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-4)
    assert res.energy == pytest.approx(ref.energy, rel=1e-10)
    assert res.rms_grad <= 1e-10 and res.rms_grad == pytest.approx(rms(res.grad))
    # the reported gradient is the true (NumPy) gradient at the returned point
    E0, g0 = obj.energy_gradient_numpy(res.x)
    assert E0 == pytest.approx(res.energy, rel=1e-12)
    assert rms(g0) <= 1.001e-10
    # max_iter stops both loops at the same point
    a = minimize_fn(obj.energy_gradient, x0, max_iter=7)
    b = lbfgs(obj, x0, backend="numba", max_iter=7, polish_below=None)
    assert b.n_iter == 7 and b.message == a.message == "max_iter reached" and not b.converged
    np.testing.assert_allclose(b.x, a.x, rtol=0, atol=1e-12)


@pytest.mark.parametrize("loss", ["ce", "sigmoid"])
def test_same_minimum_as_pure_numpy(loss, spiral_ds):
    """From a start near a minimum, the numba quench and a pure-NumPy quench agree.

    Both stop at rms(g) <= 1e-10, so each lies within |g| / λ_min of the exact minimum.
    """
    pytest.importorskip("numba")
    obj = make_objective(spiral_ds, loss, hidden=3)
    rng = np.random.default_rng(8)
    seed_min = lbfgs(obj, obj.random_point(rng), backend="numba").x
    x0 = seed_min + 1e-3 * rng.uniform(-1, 1, obj.n_params)
    ref = minimize_fn(obj.energy_gradient_numpy, x0)
    res = lbfgs(obj, x0, backend="numba", polish_below=None)
    assert ref.converged and res.converged
    assert res.energy == pytest.approx(ref.energy, rel=1e-12)
    lam_min = np.linalg.eigvalsh(obj.hessian(ref.x))[0]
    assert lam_min > 0
    bound = 2 * np.sqrt(obj.n_params) * 1e-10 / lam_min
    assert np.linalg.norm(res.x - ref.x) <= max(bound, 1e-9)


def test_backend_numpy_forced_never_touches_the_kernel(spiral_ds):
    obj = make_objective(spiral_ds, "ce", hidden=3)

    class Spy:
        n_params = obj.n_params

        def energy_gradient(self, w):
            return obj.energy_gradient_numpy(w)

        def numba_kernel(self):
            raise AssertionError("numba_kernel must not be called with backend='numpy'")

    x0 = obj.random_point(np.random.default_rng(1))
    res = lbfgs(Spy(), x0, backend="numpy", max_iter=50)
    ref = minimize_fn(obj.energy_gradient_numpy, x0, max_iter=50)
    np.testing.assert_array_equal(res.x, ref.x)
    assert res.n_eval == ref.n_eval


def test_objective_without_hook_uses_numpy():
    mb = MuellerBrown()
    x0 = np.array([-0.2, 0.9])
    res = lbfgs(mb, x0, polish_below=None)
    ref = minimize_fn(mb.energy_gradient, x0)
    np.testing.assert_array_equal(res.x, ref.x)
    assert res.converged and res.n_eval == ref.n_eval
    with pytest.raises(ValueError, match="numba"):
        lbfgs(mb, x0, backend="numba")


def test_backend_validation(spiral_ds):
    obj = make_objective(spiral_ds, "ce", hidden=2)
    x0 = obj.random_point(np.random.default_rng(0))
    with pytest.raises(ValueError, match="backend must be one of"):
        lbfgs(obj, x0, backend="gpu")
    seen = []
    res = lbfgs(obj, x0, max_iter=5, callback=lambda x, e, r: seen.append(e))
    assert len(seen) == res.n_iter == 5  # auto + callback: NumPy loop
    pytest.importorskip("numba")
    with pytest.raises(ValueError, match="callback"):
        lbfgs(obj, x0, backend="numba", callback=lambda x, e, r: None)
    with pytest.raises(ValueError, match="coordinates"):
        lbfgs(obj, x0[:-1], backend="numba")
    with pytest.raises(ValueError, match="NaN or inf"):
        lbfgs(obj, np.full(obj.n_params, np.nan), backend="numba")
    with pytest.raises(ValueError, match="max_step"):
        lbfgs(obj, x0, backend="numba", max_step=0.0)


def test_pickle_roundtrip_after_kernel_use(spiral_ds):
    pytest.importorskip("numba")
    obj = make_objective(spiral_ds, "sigmoid", hidden=3)
    x0 = obj.random_point(np.random.default_rng(6))
    a = lbfgs(obj, x0, max_iter=200)
    state = obj.__getstate__()
    assert "_kernel_args" in obj.__dict__ and "_kernel_args" not in state
    clone = pickle.loads(pickle.dumps(obj))
    b = lbfgs(clone, x0, max_iter=200)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.energy == b.energy


def test_import_aucscape_does_not_import_numba():
    code = ("import sys, aucscape, aucscape.objectives, aucscape.landscape.minimize, "
            "aucscape.landscape.basinhopping; print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_numba_loop_on_a_plain_jitted_function():
    """The compiled loop is generic: extended Rosenbrock from a jitted kernel."""
    nb = pytest.importorskip("numba")
    from aucscape.landscape import _lbfgs_numba

    @nb.njit
    def rosen(x, a):
        e = np.sum(a * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        g = np.zeros_like(x)
        g[:-1] = -4 * a * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
        g[1:] += 2 * a * (x[1:] - x[:-1] ** 2)
        return e, g

    x0 = np.random.default_rng(3).uniform(0.5, 1.5, 6)
    opts = dict(tol=1e-10, max_iter=20000, max_step=0.4, memory=10, max_rise=1e-10,
                dguess=0.1, max_halvings=20)
    x, e, _, n_iter, n_eval, status = _lbfgs_numba.run(rosen, (100.0,), x0, **opts)
    ref = minimize_fn(lambda z: rosen(z, 100.0), x0, **opts)
    assert status == _lbfgs_numba.CONVERGED and ref.converged
    assert (n_iter, n_eval) == (ref.n_iter, ref.n_eval)
    np.testing.assert_allclose(x, np.ones(6), atol=1e-8)
    np.testing.assert_allclose(x, ref.x, rtol=0, atol=1e-12)
    assert e == pytest.approx(ref.energy, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("loss", ["ce", "sigmoid"])
def test_numba_loop_at_sloppy_and_tight_tolerance(loss, spiral_ds):
    """Both backends, the exploration memory (100): quench to rms 1e-6, then tighten to
    1e-10; the same minimum either way (energies within the identity tolerance)."""
    pytest.importorskip("numba")
    obj = make_objective(spiral_ds, loss, hidden=4)
    rng = np.random.default_rng(21)
    x0 = lbfgs(obj, obj.random_point(rng)).x + 0.05 * rng.uniform(-1, 1, obj.n_params)
    res = {}
    for backend in ("numba", "numpy"):
        s = lbfgs(obj, x0, tol=1e-6, memory=100, polish_below=None, backend=backend)
        t = lbfgs(obj, s.x, tol=1e-10, memory=100, backend=backend)
        assert s.converged and 1e-10 < s.rms_grad <= 1e-6
        assert t.converged and rms(obj.energy_gradient_numpy(t.x)[1]) <= 1e-10
        res[backend] = (s.energy, t.energy)
    assert res["numba"][1] == pytest.approx(res["numpy"][1], abs=1e-9)
    assert res["numba"][0] == pytest.approx(res["numpy"][0], abs=1e-6)
