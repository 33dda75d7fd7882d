"""Every registered surrogate through every backend against one brute-force O(N²) sum.

Registering a surrogate in :data:`aucscape.surrogates.SURROGATES` adds it to every test
here: the NumPy algorithms, the numba kernels (``pairwise.kernels.pair_sums``, which the
objectives' compiled L-BFGS loop calls, and the objective's compiled energy), torch, JAX
and Keras on the backend this process has. The reference is a plain double loop over
the pairs with the surrogate's own ℓ and ℓ' as functions of z (scores are continuous
random numbers, so no pair sits on a hinge kink). Also here: the kink rule near the
kink, the partial AUC (``max_fpr``) and exp at extreme scores, on every backend.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from aucscape.pairwise import METHODS, numba_available, pairwise_loss
from aucscape.surrogates import SURROGATES, get_surrogate

NAMES = sorted(SURROGATES)
BETA, MARGIN = 3.0, 0.4  # kink at z = m/β ≈ 0.13: active on these scores for hinges


def _problem(n=31, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    y[:2] = [True, False]
    return y, rng.random(n), rng.uniform(0.3, 2.0, n)


def brute(y, s, w, name, beta=BETA, margin=MARGIN, pos_weight=1.3, max_fpr=None):
    """R and dR/ds by a double loop (mean reduction), partial AUC by sorting negatives."""
    sur = get_surrogate(name)
    pos = [i for i in range(y.size) if y[i]]
    neg = [j for j in range(y.size) if not y[j] and w[j] > 0]
    if max_fpr is not None:
        k = max(1, math.ceil(max_fpr * len(neg) - 1e-9))
        neg = sorted(neg, key=lambda j: (-s[j], j))[:k]
    z_norm = sum(w[i] for i in pos) * sum(w[j] for j in neg)
    value, grad = 0.0, np.zeros(y.size)
    for i in pos:
        for j in neg:
            c = pos_weight * w[i] * w[j] / z_norm
            value += c * float(sur.value(s[i] - s[j], beta, margin))
            d = c * float(sur.d1(s[i] - s[j], beta, margin))
            grad[i] += d
            grad[j] -= d
    return value, grad


def _assert_close(got, ref, rtol):
    v, g = got
    rv, rg = ref
    assert abs(float(v) - rv) <= rtol * (abs(rv) + 1e-3), (v, rv)
    np.testing.assert_allclose(np.asarray(g, dtype=float), rg, rtol=rtol,
                               atol=rtol * np.abs(rg).max())


def _methods(name):
    fast = {"factorised": ("exp", "quad"), "sorted": ("hinge", "squared_hinge")}
    out = ["auto", "blocked", "brute"]
    if numba_available():
        out.append("numba")
    out += [m for m, names in fast.items() if name in names]
    assert set(out) <= set(METHODS)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_numpy_algorithms(name):
    y, s, w = _problem()
    ref = brute(y, s, w, name)
    for method in _methods(name):
        got = pairwise_loss(y, s, name, beta=BETA, margin=MARGIN, pos_weight=1.3,
                            sample_weight=w, return_grad=True, method=method)
        _assert_close(got, ref, 1e-11)


@pytest.mark.parametrize("name", NAMES)
def test_numba_pair_sums_entry_point(name):
    pytest.importorskip("numba")
    from aucscape.pairwise.kernels import pair_sums

    y, s, w = _problem(seed=1)
    ref = brute(y, s, w, name, pos_weight=1.0)
    form = get_surrogate(name).kernel(BETA, MARGIN)
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    a = w[pos] / (w[pos].sum() * w[neg].sum()) * form.outer
    v, g_pos, g_neg = pair_sums(form.code, s[pos], s[neg], a, w[neg], form.beta, form.margin)
    g = np.zeros(y.size)
    g[pos], g[neg] = g_pos, g_neg
    _assert_close((v, g), ref, 1e-11)


@pytest.mark.parametrize("name", NAMES)
def test_objective_compiled_kernel(name):
    pytest.importorskip("numba")
    from aucscape.nn import MLP
    from aucscape.objectives import PairwiseAUC

    rng = np.random.default_rng(2)
    X = rng.normal(size=(24, 2))
    y = rng.random(24) < 0.4
    y[:2] = [True, False]
    obj = PairwiseAUC(MLP(2, 3, 2), X, y, name, beta=BETA, margin=MARGIN, lam=1e-3)
    w = obj.random_point(rng)
    fn, args = obj.numba_kernel()
    E, g = fn(np.ascontiguousarray(w), *args)
    s = obj.scores(w, X)
    R, _ = brute(y, s, np.ones(24), name, pos_weight=1.0)
    assert E == pytest.approx(R + 1e-3 * float(w @ w), rel=1e-11)
    np.testing.assert_allclose(g, obj.energy_gradient_numpy(w)[1], rtol=1e-9,
                               atol=1e-12 * np.abs(g).max())


@pytest.mark.parametrize("name", NAMES)
def test_torch(name):
    torch = pytest.importorskip("torch")
    import aucscape.torch as at

    y, s, w = _problem(seed=3)
    t = torch.tensor(s, requires_grad=True)
    loss = at.pairwise_auc_loss(t, torch.tensor(y), name, beta=BETA, margin=MARGIN,
                                pos_weight=1.3, sample_weight=torch.tensor(w))
    loss.backward()
    _assert_close((loss.item(), t.grad.numpy()), brute(y, s, w, name), 1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_jax(name):
    jax = pytest.importorskip("jax")
    import aucscape.jax as aj

    y, s, w = _problem(seed=4)
    with jax.enable_x64(True):
        f = jax.value_and_grad(lambda u: aj.pairwise_auc_loss(
            y, u, surrogate=name, beta=BETA, margin=MARGIN, pos_weight=1.3,
            sample_weight=w))
        v, g = f(jax.numpy.asarray(s))
        got = (float(v), np.asarray(g))
    _assert_close(got, brute(y, s, w, name), 1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_keras_on_this_backend(name):
    keras = pytest.importorskip("keras")
    from aucscape.keras import pairwise_auc_loss

    y, s, w = _problem(seed=5)
    s32, w32 = s.astype(np.float32), w.astype(np.float32)
    ref = brute(y, s32.astype(float), w32.astype(float), name)
    got = float(keras.ops.convert_to_numpy(pairwise_auc_loss(
        y.astype(np.float32), s32, w32, surrogate=name, beta=BETA, margin=MARGIN,
        pos_weight=1.3)))
    assert got == pytest.approx(ref[0], rel=2e-5, abs=1e-6)


# ------------------------------------------------------------------ the kink rule
KINK = (np.array([True, False]), np.array([-0.9, -1.9]))  # s_p − s_n = 0.9999999999999999


@pytest.mark.parametrize("name", ["hinge", "squared_hinge"])
@pytest.mark.parametrize("offset", [0.0, 1, -1])
def test_kink_rule_is_the_same_in_every_algorithm(name, offset):
    # at the kink (t_p = s_p − m/β equals s_n) every algorithm says inactive; one ulp on
    # either side every algorithm agrees too (the float64 backends; float32 front ends
    # apply the same comparison in their own dtype)
    y, s = KINK
    s = s.copy()
    if offset:
        s[1] = np.nextafter(s[1], s[1] + offset)
    want_active = s[1] > s[0] - 1.0
    grads = [pairwise_loss(y, s, name, return_grad=True, method=m)[1] for m in _methods(name)]
    if numba_available():  # the entry point of the objectives' compiled kernels
        from aucscape.pairwise.kernels import pair_sums

        form = get_surrogate(name).kernel(1.0, 1.0)
        _, g_pos, g_neg = pair_sums(form.code, s[:1], s[1:], np.ones(1), np.ones(1),
                                    form.beta, form.margin)
        grads.append(np.concatenate([g_pos, g_neg]))
    torch = pytest.importorskip("torch")
    import aucscape.torch as at

    t = torch.tensor(s, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scores here are not probabilities
        at.pairwise_auc_loss(t, torch.tensor(y), name).backward()
    grads.append(t.grad.numpy())
    jax = pytest.importorskip("jax")
    import aucscape.jax as aj

    with jax.enable_x64(True), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        grads.append(np.asarray(jax.grad(
            lambda u: aj.pairwise_auc_loss(y, u, surrogate=name))(jax.numpy.asarray(s))))
    for g in grads:
        if want_active and name == "hinge":
            np.testing.assert_allclose(g, [-1.0, 1.0], rtol=1e-12)
        elif not want_active:
            np.testing.assert_array_equal(g, [0.0, 0.0])
    for g in grads[1:]:
        np.testing.assert_allclose(g, grads[0], rtol=1e-9, atol=1e-15)


# ------------------------------------------------------------------ partial AUC
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("alpha", [0.05, 0.3, 1.0])
def test_partial_auc_matches_brute_force(name, alpha):
    y, s, w = _problem(n=60, seed=6)
    w[7] = 0.0  # a zero-weight sample never counts, nor is selected
    s[10:14] = s[20]  # ties among the scores
    ref = brute(y, s, w, name, max_fpr=alpha)
    for method in _methods(name):
        got = pairwise_loss(y, s, name, beta=BETA, margin=MARGIN, pos_weight=1.3,
                            sample_weight=w, return_grad=True, method=method, max_fpr=alpha)
        _assert_close(got, ref, 1e-9)
    if alpha == 1.0:
        full = pairwise_loss(y, s, name, beta=BETA, margin=MARGIN, pos_weight=1.3,
                             sample_weight=w)
        assert full == pytest.approx(ref[0], rel=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "hinge", "exp", "quad"])
def test_partial_auc_front_ends_match_the_core(name):
    y, s, w = _problem(n=50, seed=7)
    ref = brute(y, s, w, name, max_fpr=0.2)
    torch = pytest.importorskip("torch")
    import aucscape.torch as at

    t = torch.tensor(s, requires_grad=True)
    loss = at.pairwise_auc_loss(t, torch.tensor(y), name, beta=BETA, margin=MARGIN,
                                pos_weight=1.3, sample_weight=torch.tensor(w), max_fpr=0.2)
    loss.backward()
    _assert_close((loss.item(), t.grad.numpy()), ref, 1e-10)
    jax = pytest.importorskip("jax")
    import aucscape.jax as aj

    with jax.enable_x64(True):
        v, g = jax.value_and_grad(lambda u: aj.pairwise_auc_loss(
            y, u, surrogate=name, beta=BETA, margin=MARGIN, pos_weight=1.3,
            sample_weight=w, max_fpr=0.2))(jax.numpy.asarray(s))
        _assert_close((float(v), np.asarray(g)), ref, 1e-10)
    keras = pytest.importorskip("keras")
    from aucscape.keras import pairwise_auc_loss

    got = pairwise_auc_loss(y.astype(np.float32), s.astype(np.float32),
                            w.astype(np.float32), surrogate=name, beta=BETA, margin=MARGIN,
                            pos_weight=1.3, max_fpr=0.2)
    assert float(keras.ops.convert_to_numpy(got)) == pytest.approx(ref[0], rel=2e-5)


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, True, "0.1"])
def test_max_fpr_is_checked(bad):
    with pytest.raises(ValueError, match="max_fpr"):
        pairwise_loss([1, 0], [0.5, 0.2], max_fpr=bad)


# ------------------------------------------------------------------ no silent traps
def test_exp_at_extreme_scores_raises_everywhere():
    y = np.array([1, 0, 1, 0])
    s = np.array([-1e4, 1e4, 0.5, 0.25])
    with pytest.raises(ValueError, match="exp surrogate overflows"):
        pairwise_loss(y, s, "exp")
    torch = pytest.importorskip("torch")
    import aucscape.torch as at

    with pytest.raises(ValueError, match="exp surrogate overflows"):
        at.pairwise_auc_loss(torch.tensor(s), torch.tensor(y), "exp")
    jax = pytest.importorskip("jax")
    import aucscape.jax as aj

    with pytest.raises(ValueError, match="exp surrogate overflows"):
        aj.pairwise_auc_loss(y, jax.numpy.asarray(s, dtype=np.float32), surrogate="exp")
    pytest.importorskip("keras")
    from aucscape.keras import pairwise_auc_loss

    with pytest.raises(ValueError, match="exp surrogate overflows"):
        pairwise_auc_loss(y.astype(np.float32), s.astype(np.float32), surrogate="exp")
    # from logits the scores are probabilities: finite, whatever the logits
    v = at.pairwise_auc_loss(torch.tensor(s), torch.tensor(y), "exp", from_logits=True)
    assert torch.isfinite(v)


def test_margin_trap_warns_in_every_front_end():
    pytest.importorskip("torch")
    import aucscape.torch as at

    with pytest.warns(UserWarning, match="exactly linear"):
        at.HingeAUCLoss()
    with pytest.warns(UserWarning, match="exactly linear"):
        at.WeightedPairwiseRankingLoss(pos_weight=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        at.HingeAUCLoss(beta=4.0)  # kink at z = 0.25: active on probabilities
        at.HingeAUCLoss(from_logits=True)
    pytest.importorskip("keras")
    import aucscape.keras as ak

    with pytest.warns(UserWarning, match="exactly linear"):
        ak.HingeAUCLoss()
    from aucscape.nn import MLP
    from aucscape.objectives import PairwiseAUC

    X = np.random.default_rng(0).normal(size=(6, 2))
    with pytest.warns(UserWarning, match="exactly linear"):
        PairwiseAUC(MLP(2, 2, 2), X, [0, 1, 0, 1, 1, 0], "hinge", beta=1.0, margin=1.0)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "logistic", "smooth_hinge"])
@pytest.mark.parametrize("spread", [1.0, 300.0])  # product identity, then per-pair sigmoid
def test_torch_without_the_compiled_core(name, spread, monkeypatch):
    # GPU tensors (or no numba) take torch's own blocked loop: same numbers
    torch = pytest.importorskip("torch")
    import aucscape.torch as at
    import aucscape.torch._pairwise as tp

    monkeypatch.setattr(tp, "numba_available", lambda: False)
    y, s, w = _problem(seed=8)
    s = s * spread
    t = torch.tensor(s, requires_grad=True)
    loss = at.pairwise_auc_loss(t, torch.tensor(y), name, beta=BETA, margin=MARGIN,
                                pos_weight=1.3, sample_weight=torch.tensor(w))
    loss.backward()
    _assert_close((loss.item(), t.grad.numpy()), brute(y, s, w, name), 1e-10)


@pytest.mark.parametrize("name", ["logistic", "smooth_hinge"])
def test_numba_per_pair_path_beyond_the_product_range(name):
    # β·(score range) > 700: the numba kernels leave the product identity for one exp per
    # pair; the smooth hinge's shift s_p − m/β must be applied there too
    pytest.importorskip("numba")
    from aucscape.pairwise.kernels import pair_sums

    y, s, w = _problem(seed=11)
    s = s * 300.0
    ref = brute(y, s, w, name)
    got = pairwise_loss(y, s, name, beta=BETA, margin=MARGIN, pos_weight=1.3,
                        sample_weight=w, return_grad=True, method="numba")
    _assert_close(got, ref, 1e-11)
    form = get_surrogate(name).kernel(BETA, MARGIN)
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    a = 1.3 * w[pos] / (w[pos].sum() * w[neg].sum())
    v, g_pos, g_neg = pair_sums(form.code, s[pos], s[neg], a, w[neg], form.beta, form.margin)
    g = np.zeros(y.size)
    g[pos], g[neg] = g_pos, g_neg
    _assert_close((v, g), ref, 1e-11)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_jax_without_the_compiled_core(name, monkeypatch):
    # accelerators (or no numba) take the XLA while-loop: same numbers
    jax = pytest.importorskip("jax")
    import aucscape.jax as aj

    monkeypatch.setattr(aj, "_use_core", lambda code, beta: False)
    y, s, w = _problem(seed=9)
    with jax.enable_x64(True):
        v, g = jax.value_and_grad(lambda u: aj.pairwise_auc_loss(
            y, u, surrogate=name, beta=BETA, pos_weight=1.3, sample_weight=w))(
            jax.numpy.asarray(s))
        got = (float(v), np.asarray(g))
    _assert_close(got, brute(y, s, w, name), 1e-10)


def test_jax_compiled_core_under_jit_and_vmap():
    jax = pytest.importorskip("jax")
    import aucscape.jax as aj

    y, s, _ = _problem(seed=10)
    f = jax.jit(jax.value_and_grad(lambda u: aj.pairwise_auc_loss(y, u, beta=BETA)))
    v, g = f(jax.numpy.asarray(s, dtype=np.float32))
    ref = brute(y, s.astype(np.float32).astype(float), np.ones(y.size), "sigmoid",
                pos_weight=1.0)
    _assert_close((float(v), np.asarray(g, dtype=float)), ref, 2e-5)
    batch = jax.numpy.asarray(np.stack([s, s[::-1]]), dtype=np.float32)
    vs = jax.vmap(lambda u: aj.pairwise_auc_loss(y, u, beta=BETA))(batch)
    assert float(vs[0]) == pytest.approx(float(v), rel=1e-6)
