"""Tests for aucscape.objectives: energies, exact gradients and Hessians, symmetry, LPPHE.

Independent references: brute-force pair sums in NumPy, scikit-learn's log_loss, central
finite differences, and JAX's autodiff Hessian of a separate pure-jnp implementation of
each loss (brute-force pairs, float64).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit

from aucscape.data import spiral
from aucscape.nn import MLP
from aucscape.objectives import (
    CrossEntropy,
    HessianSpectrum,
    NotAMinimumError,
    PairwiseAUC,
    build_objective,
    hessian_spectrum,
    lpphe,
    make_objective,
)
from aucscape.protocols import Objective

SURROGATES = ["sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad", "logistic"]
LOSSES = ["ce", *SURROGATES]
ARCH = (3, 3, 2)
# exp(−βz) at β = 40 reaches e^40 on these scores: Hessian entries ~1e8 leave the 2λ-sized
# eigenvalues below float64 resolution (eps·‖H‖ ~ 1e-8), so the exp tests use a mild β.
SETTINGS = {"exp": {"beta": 3.0}}


def _data(n=16, n_pos=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k)) * 1.5
    y = np.zeros(n, dtype=np.int64)
    y[rng.choice(n, n_pos, replace=False)] = 1
    return X, y


def _objective(loss, arch=ARCH, lam=1e-5, seed=0, **kw):
    X, y = _data(k=arch[0], seed=seed)
    model = MLP(*arch)
    if loss == "ce":
        return CrossEntropy(model, X, y, lam=lam)
    return PairwiseAUC(model, X, y, loss, lam=lam, **{**SETTINGS.get(loss, {}), **kw})


def _point(obj, seed=1):
    return obj.random_point(np.random.default_rng(seed))


def _fd_grad(obj, w, h=1e-6):
    rows = [(obj.energy(w + h * e) - obj.energy(w - h * e)) / (2 * h) for e in np.eye(w.size)]
    return np.array(rows)


def _fd_hessian(obj, w, h=1e-5):
    rows = [
        (obj.energy_gradient(w + h * e)[1] - obj.energy_gradient(w - h * e)[1]) / (2 * h)
        for e in np.eye(w.size)
    ]
    return np.array(rows)


# ---------------------------------------------------------------- JAX reference
def _jax_energy(obj):
    """Pure-jnp E(w) rebuilt from the documented layout and brute-force pair sums."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    K, H, C = obj.model.n_in, obj.model.n_hidden, obj.model.n_out
    X = np.asarray(obj.X)  # converted inside the x64 context, so it stays float64
    y = np.asarray(obj.y).astype(int)
    lam = obj.lam
    if isinstance(obj, PairwiseAUC):
        beta, m = obj.beta, obj.margin
        ell = {
            "sigmoid": lambda z: jax.nn.sigmoid(-beta * z),
            "tanh": lambda z: (1 - jnp.tanh(beta * z)) / 2,
            "hinge": lambda z: jnp.maximum(m - beta * z, 0.0),
            "squared_hinge": lambda z: jnp.maximum(m - beta * z, 0.0) ** 2,
            "exp": lambda z: jnp.exp(-beta * z),
            "quad": lambda z: (m - beta * z) ** 2,
            "logistic": lambda z: jnp.logaddexp(0.0, -beta * z),
        }[obj.surrogate]
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)

    def energy(w):
        W1 = w[: H * K].reshape(H, K)
        b1 = w[H * K : H * K + H]
        W2 = w[H * K + H : H * K + H + C * H].reshape(C, H)
        b2 = w[H * K + H + C * H :]
        o = jnp.tanh(X @ W1.T + b1) @ W2.T + b2
        reg = lam * jnp.sum(w * w)
        if isinstance(obj, CrossEntropy):
            return -jnp.mean(jax.nn.log_softmax(o)[jnp.arange(len(y)), y]) + reg
        s = jax.nn.softmax(o)[:, 1]
        return jnp.mean(ell(s[pos][:, None] - s[neg][None, :])) + reg

    return jax, energy


def _assert_eigenvalues_agree(H, H_ref, rtol=1e-7, floor=1e-6):
    ev, ev_ref = np.linalg.eigvalsh(H), np.linalg.eigvalsh(H_ref)
    big = np.abs(ev_ref) > floor
    assert big.sum() > 0
    np.testing.assert_allclose(ev[big], ev_ref[big], rtol=rtol, atol=0)


# ---------------------------------------------------------------- energies
def test_sigmoid_energy_is_one_minus_approximate_auc():
    obj = _objective("sigmoid", lam=1e-3)
    w = _point(obj)
    s = obj.scores(w, obj.X)
    y = obj.y
    app_auc = expit(40.0 * (s[y][:, None] - s[~y][None, :])).mean()
    assert obj.energy(w) == pytest.approx(1 - app_auc + 1e-3 * w @ w, rel=1e-12)


def test_cross_entropy_matches_sklearn_log_loss():
    from sklearn.metrics import log_loss

    obj = _objective("ce", lam=0.0)
    w = _point(obj)
    proba = obj.model.predict_proba(w, obj.X)
    assert obj.energy(w) == pytest.approx(log_loss(obj.y, proba), rel=1e-12)
    obj_l = _objective("ce", lam=0.25)
    assert obj_l.energy(w) - obj.energy(w) == pytest.approx(0.25 * w @ w, rel=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_objective_protocol_and_energy_gradient_consistency(loss):
    obj = _objective(loss)
    assert isinstance(obj, Objective)
    w = _point(obj)
    E, g = obj.energy_gradient(w)
    assert E == obj.energy(w)
    assert g.shape == (obj.n_params,) and g.dtype == np.float64


# ---------------------------------------------------------------- gradients
@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_matches_central_differences(loss):
    obj = _objective(loss)
    w = _point(obj)
    g = obj.energy_gradient(w)[1]
    g_fd = _fd_grad(obj, w)
    np.testing.assert_allclose(g, g_fd, rtol=1e-6, atol=1e-8 * np.abs(g).max())


def test_gradient_on_spiral_paper_network():
    obj = make_objective(spiral(), "sigmoid", hidden=10)
    assert obj.n_params == 52
    w = _point(obj, seed=7)
    g = obj.energy_gradient(w)[1]
    np.testing.assert_allclose(g, _fd_grad(obj, w), atol=1e-8 * np.abs(g).max())


# ---------------------------------------------------------------- Hessians
@pytest.mark.parametrize("loss", LOSSES)
def test_hessian_matches_finite_differences_of_gradient(loss):
    obj = _objective(loss)
    w = _point(obj)
    H = obj.hessian(w)
    np.testing.assert_array_equal(H, H.T)
    H_fd = _fd_hessian(obj, w)
    np.testing.assert_allclose(H, H_fd, atol=1e-6 * np.abs(H).max())


@pytest.mark.parametrize("loss", LOSSES)
def test_hessian_matches_jax_autodiff(loss):
    obj = _objective(loss)
    jax, energy = _jax_energy(obj)
    w = _point(obj)
    with jax.enable_x64(True):
        H_ref = np.asarray(jax.jit(jax.hessian(energy))(jax.numpy.asarray(w)))
        g_ref = np.asarray(jax.jit(jax.grad(energy))(jax.numpy.asarray(w)))
        E_ref = float(energy(jax.numpy.asarray(w)))
    E, g = obj.energy_gradient(w)
    assert E == pytest.approx(E_ref, rel=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=1e-9, atol=1e-13 * np.abs(g_ref).max())
    H = obj.hessian(w)
    np.testing.assert_allclose(H, H_ref, rtol=1e-8, atol=1e-11 * np.abs(H_ref).max())
    _assert_eigenvalues_agree(H, H_ref)


@pytest.mark.parametrize("loss", ["ce", "sigmoid"])
def test_three_class_network_hessian_matches_finite_differences(loss):
    X, y = _data(k=2, seed=4)
    model = MLP(2, 3, 3)
    if loss == "ce":
        y = np.random.default_rng(4).integers(0, 3, y.size)
        obj = CrossEntropy(model, X, y)
    else:
        obj = PairwiseAUC(model, X, y, loss)
    w = _point(obj)
    H = obj.hessian(w)
    np.testing.assert_allclose(H, _fd_hessian(obj, w), atol=1e-6 * np.abs(H).max())


def test_spiral_sigmoid_hessian_eigenvalues_match_jax():
    obj = make_objective(spiral(), "sigmoid", hidden=10)
    jax, energy = _jax_energy(obj)
    w = _point(obj, seed=11)
    with jax.enable_x64(True):
        H_ref = np.asarray(jax.jit(jax.hessian(energy))(jax.numpy.asarray(w)))
    _assert_eigenvalues_agree(obj.hessian(w), H_ref)


# ---------------------------------------------------------------- minima and LPPHE
def test_cross_entropy_quench_reaches_positive_definite_minimum():
    ds = spiral(points_per_arm=24, seed=3)
    lam, hidden = 1e-4, 4
    obj = make_objective(ds, "ce", hidden=hidden, lam=lam)
    w0 = _point(obj, seed=5)
    res = minimize(
        obj.energy_gradient, w0, jac=True, method="L-BFGS-B",
        options={"maxiter": 5000, "gtol": 1e-6, "ftol": 1e-15},
    )
    w = res.x
    for _ in range(4):  # Newton polish: quadratic convergence near a minimum
        g = obj.energy_gradient(w)[1]
        w = w - np.linalg.solve(obj.hessian(w), g)
    g = obj.energy_gradient(w)[1]
    assert np.linalg.norm(g) / np.sqrt(w.size) < 1e-10
    H = obj.hessian(w)
    spec = hessian_spectrum(H)
    assert spec.is_minimum and spec.n_nonpositive == 0 and spec.min_eigenvalue > 0
    assert spec.lpphe == pytest.approx(np.sum(np.log(np.linalg.eigvalsh(H))), rel=1e-12)
    assert lpphe(obj, w) == pytest.approx(spec.lpphe)
    # Softmax ignores a common shift of the logits, so the H+1 directions (dW2[c, :] = u,
    # db2[c] = t for every c) are flat for the data term: exactly 2λ, and lowest at a minimum.
    np.testing.assert_allclose(spec.eigenvalues[: hidden + 1], 2 * lam, rtol=1e-8)
    assert spec.eigenvalues[hidden + 1] > 2 * lam * (1 + 1e-6)


def test_spectrum_reports_non_minimum():
    spec = hessian_spectrum(np.diag([3.0, -2.0, 0.0, 1.0]))
    assert isinstance(spec, HessianSpectrum)
    assert spec.n_nonpositive == 2 and spec.index == 1 and spec.min_eigenvalue == -2.0
    assert np.isnan(spec.lpphe) and not spec.is_minimum
    assert spec.to_dict()["lpphe"] is None
    with pytest.raises(NotAMinimumError, match="2 of 4 Hessian eigenvalues are <= 0"):
        lpphe(np.diag([3.0, -2.0, 0.0, 1.0]))
    assert lpphe(np.diag([1.0, np.e])) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="square"):
        hessian_spectrum(np.zeros((2, 3)))


@pytest.mark.parametrize("policy", ["positive", "nan", "raise"])
def test_spectrum_policy_off_a_minimum(policy):
    """One spectrum for objectives and landscape: only the LPPHE off a minimum differs."""
    H = np.diag([np.e, -2.0, 1.0, np.e**2])  # a transition state: one negative mode
    if policy == "raise":
        with pytest.raises(NotAMinimumError, match="1 of 4"):
            hessian_spectrum(H, on_not_minimum=policy)
        return
    spec = hessian_spectrum(H, on_not_minimum=policy)
    assert (spec.min_eig, spec.min_eigenvalue, spec.n_nonpositive, spec.index) == (-2.0, -2.0, 1, 1)
    if policy == "positive":  # Σ ln over the n − 1 positive modes, as stored for a TS
        assert spec.lpphe == pytest.approx(3.0, rel=1e-15)
    else:
        assert np.isnan(spec.lpphe)
    at_min = hessian_spectrum(np.diag([np.e, 1.0]), on_not_minimum=policy)
    assert at_min.lpphe == pytest.approx(1.0, rel=1e-15)  # every policy agrees at a minimum
    # zero_tol moves eigenvalues <= tol into the non-positive count
    assert hessian_spectrum(np.diag([1e-9, 1.0]), 1e-8, policy).n_nonpositive == 1
    with pytest.raises(ValueError, match="on_not_minimum"):
        hessian_spectrum(H, on_not_minimum="ignore")


# ---------------------------------------------------------------- symmetry
@pytest.mark.parametrize("loss", ["ce", "sigmoid"])
def test_canonical_maps_symmetric_copies_to_one_vector(loss):
    obj = _objective(loss, arch=(3, 5, 2))
    rng = np.random.default_rng(2)
    w = _point(obj)
    c = obj.canonical(w)
    assert obj.energy(c) == pytest.approx(obj.energy(w), rel=1e-13, abs=1e-15)
    W1, b1, W2, b2 = obj.model.unpack(c)
    assert np.all(b1 >= 0) and np.all(np.diff(b1) >= 0)
    np.testing.assert_array_equal(obj.canonical(c), c)
    for _ in range(5):
        W1, b1, W2, b2 = (a.copy() for a in obj.model.unpack(w))
        perm = rng.permutation(5)
        sign = rng.choice([-1.0, 1.0], 5)
        w2 = obj.model.pack((W1 * sign[:, None])[perm], (b1 * sign)[perm], (W2 * sign)[:, perm], b2)
        assert not np.array_equal(w2, w) or np.all(sign == 1)
        assert obj.energy(w2) == pytest.approx(obj.energy(w), rel=1e-13, abs=1e-15)
        np.testing.assert_array_equal(obj.canonical(w2), c)


# ---------------------------------------------------------------- describe / build
@pytest.mark.parametrize("loss", ["ce", "sigmoid", "hinge"])
def test_describe_round_trip_rebuilds_identical_objective(loss):
    ds = spiral(noise=0.05, seed=2)
    obj = make_objective(ds, loss, hidden=3, beta=20.0, margin=0.5, lam=2e-5)
    desc = json.loads(json.dumps(obj.describe()))
    assert desc["dataset"] == ds.description
    assert desc["architecture"] == {"n_in": 2, "n_hidden": 3, "n_out": 2}
    assert desc["lam"] == 2e-5 and desc["loss"] == loss
    rebuilt = build_objective(desc)
    assert type(rebuilt) is type(obj) and rebuilt.describe() == obj.describe()
    w = _point(obj)
    assert rebuilt.energy(w) == obj.energy(w)
    np.testing.assert_array_equal(rebuilt.scores(w, ds.X_test), obj.scores(w, ds.X_test))


def test_build_objective_needs_data_for_raw_arrays():
    obj = _objective("sigmoid")
    desc = obj.describe()
    assert desc["dataset"] is None
    with pytest.raises(ValueError, match="pass dataset="):
        build_objective(desc)
    with pytest.raises(ValueError, match="lacks"):
        build_objective({"loss": "ce"})
    ds = spiral()
    obj2 = make_objective("spiral", "ce", hidden=2)
    assert build_objective(obj2.describe(), dataset=ds).energy(np.zeros(obj2.n_params)) == (
        pytest.approx(np.log(2.0))
    )


def test_random_point_is_seeded_uniform():
    obj = _objective("ce")
    a = obj.random_point(np.random.default_rng(9))
    np.testing.assert_array_equal(a, obj.random_point(np.random.default_rng(9)))
    assert a.shape == (obj.n_params,) and np.all(np.abs(a) <= 1)


def test_validation_messages():
    X, y = _data()
    model = MLP(3, 2)
    with pytest.raises(ValueError, match="lam"):
        CrossEntropy(model, X, y, lam=-1.0)
    with pytest.raises(ValueError, match=r"0\.\.1"):
        CrossEntropy(model, X, y + 1)
    with pytest.raises(ValueError, match="0/1"):
        PairwiseAUC(model, X, y * 2)
    with pytest.raises(ValueError, match="sigmoid"):
        PairwiseAUC(model, X, y, "nonsense")
    with pytest.raises(ValueError, match="beta"):
        PairwiseAUC(model, X, y, beta=0.0)
    with pytest.raises(ValueError, match=r"shape \(16,\)"):
        PairwiseAUC(model, X, y[:-1])
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        CrossEntropy(model, X[:, :2], y)
    obj = CrossEntropy(model, X, y)
    with pytest.raises(ValueError, match="shape"):
        obj.energy(np.zeros(3))


def test_pos_weight_scales_risk_and_derivatives():
    base = _objective("sigmoid", lam=0.0)
    heavy = _objective("sigmoid", lam=0.0, pos_weight=2.5)
    w = _point(base)
    assert heavy.energy(w) == pytest.approx(2.5 * base.energy(w), rel=1e-12)
    np.testing.assert_allclose(heavy.energy_gradient(w)[1], 2.5 * base.energy_gradient(w)[1])
    H = heavy.hessian(w)
    np.testing.assert_allclose(H, _fd_hessian(heavy, w), atol=1e-6 * np.abs(H).max())


# ---------------------------------------------------------------- review regressions
@pytest.mark.parametrize("loss", ["ce", "sigmoid"])
def test_column_vector_and_bool_labels_give_the_same_objective(loss):
    X, y = _data()
    model = MLP(3, 2)
    make = (lambda yy: CrossEntropy(model, X, yy)) if loss == "ce" else (
        lambda yy: PairwiseAUC(model, X, yy, loss))
    ref = make(y)
    w = _point(ref)
    for variant in (y[:, None], y.astype(bool), y.astype(float).tolist()):
        obj = make(variant)
        np.testing.assert_array_equal(obj.y, ref.y)
        assert obj.energy(w) == ref.energy(w)


@pytest.mark.parametrize("bad", [np.nan, np.inf, 1e20, 0.5])
def test_cross_entropy_rejects_non_integer_labels_without_warnings(bad):
    import warnings

    X, y = _data()
    y = y.astype(float)
    y[3] = bad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"integer labels in 0\.\.1"):
            CrossEntropy(MLP(3, 2), X, y)


def test_pairwise_auc_refuses_an_unregistered_surrogate_object():
    from aucscape.surrogates import Surrogate, get_surrogate

    X, y = _data()
    tanh = get_surrogate("tanh")
    assert PairwiseAUC(MLP(3, 2), X, y, tanh).surrogate == "tanh"
    mine = Surrogate("mine", True, False, False, "blocked", tanh.value, tanh.d1, tanh.d2, "")
    with pytest.raises(ValueError, match="registered surrogate"):
        PairwiseAUC(MLP(3, 2), X, y, mine)


def test_lam_of_the_wrong_type_raises_value_error():
    X, y = _data()
    with pytest.raises(ValueError, match="lam must be a finite number"):
        CrossEntropy(MLP(3, 2), X, y, lam=None)
