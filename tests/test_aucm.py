"""AUC-M (torch, Keras, JAX) and PESG against independent references.

References: the brute-force pairwise quadratic risk of the NumPy core (AM equals it while
the margin is not met), a direct NumPy transcription of f(s; a, b, α) optimised
numerically by SciPy (the closed-form inner solution), ``torch.autograd.gradcheck``
(finite differences) and scikit-learn-free exact AUC for the training run. The Keras
checks run once per backend in a subprocess (``tests/keras_aucm_check.py``).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from aucscape.metrics import roc_auc
from aucscape.pairwise import pairwise_loss

torch = pytest.importorskip("torch")

import aucscape.torch as at  # noqa: E402


def problem(n: int = 60, frac: float = 0.3, seed: int = 0, sep: float = 0.0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < frac).astype(np.int64)
    y[:2] = [0, 1]
    s = np.clip(rng.random(n) + sep * y, 0.0, None)
    return y, s, rng.uniform(0.2, 2.0, n)


def f_numpy(s, y, w, a, b, alpha, m):
    """f = E_P (s − a)² + E_N (s − b)² + 2α(m − E_P s + E_N s) − α², weighted means."""
    p, n = y == 1, y == 0
    ep = lambda x: np.sum(w[p] * x[p]) / np.sum(w[p])  # noqa: E731
    en = lambda x: np.sum(w[n] * x[n]) / np.sum(w[n])  # noqa: E731
    return (ep((s - a) ** 2) + en((s - b) ** 2)
            + 2 * alpha * (m - ep(s) + en(s)) - alpha**2)  # fmt: skip


def t64(x):
    return torch.tensor(np.asarray(x, dtype=np.float64))


# ---------------------------------------------------------------- the objective
@pytest.mark.parametrize(("margin", "sep"), [(1.0, 0.0), (0.3, 0.0), (0.1, 0.8)])
def test_closed_form_is_the_numeric_saddle(margin, sep):
    """min over (a, b) of max over α ≥ 0 of f, by SciPy, equals the closed form."""
    y, s, w = problem(sep=sep)

    def inner_max(ab):
        res = optimize.minimize_scalar(
            lambda al: -f_numpy(s, y, w, ab[0], ab[1], al, margin),
            bounds=(0.0, 10.0), method="bounded", options={"xatol": 1e-12})
        return -res.fun, res.x

    res = optimize.minimize(lambda ab: inner_max(ab)[0], x0=[0.0, 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000})
    a_num, b_num = res.x
    value_num, alpha_num = inner_max(res.x)
    p, n = y == 1, y == 0
    mu_p, mu_n = np.average(s[p], weights=w[p]), np.average(s[n], weights=w[n])
    alpha_star = max(0.0, margin - mu_p + mu_n)
    assert a_num == pytest.approx(mu_p, abs=1e-5) and b_num == pytest.approx(mu_n, abs=1e-5)
    assert alpha_num == pytest.approx(alpha_star, abs=1e-5)
    got = float(at.aucm_loss(t64(s), torch.tensor(y), margin=margin, sample_weight=t64(w)))
    assert got == pytest.approx(value_num, rel=1e-9, abs=1e-12)
    if sep > 0:  # the margin is met: the hinge is off and α* = 0
        assert alpha_star == 0.0


def test_with_active_margin_equals_brute_force_quad_risk():
    y, s, w = problem(n=80)
    ref = pairwise_loss(y, s, "quad", margin=0.7, sample_weight=w, method="brute")
    got = at.aucm_loss(t64(s), torch.tensor(y), margin=0.7, sample_weight=t64(w))
    assert float(got) == pytest.approx(ref, rel=1e-12)


def test_module_matches_numpy_objective_and_its_closed_form():
    y, s, w = problem(seed=4)
    loss = at.AUCMLoss(margin=0.6).double()
    with torch.no_grad():
        loss.a.fill_(0.55), loss.b.fill_(0.4), loss.alpha.fill_(0.3)
    got = loss(t64(s), torch.tensor(y), sample_weight=t64(w))
    assert float(got.detach()) == pytest.approx(f_numpy(s, y, w, 0.55, 0.4, 0.3, 0.6), rel=1e-12)
    x = np.log(s + 0.01) - np.log(1.01 - s)  # logits of scores inside (0, 1)
    logit = at.AUCMLoss(margin=0.6, from_logits=True).closed_form(t64(x), torch.tensor(y))
    plain = at.aucm_loss(torch.sigmoid(t64(x)), torch.tensor(y), margin=0.6)
    assert float(logit) == pytest.approx(float(plain), rel=1e-12)


@pytest.mark.parametrize("from_logits", [False, True])
def test_gradients_match_finite_differences(from_logits):
    y, s, w = problem(n=25, seed=2)
    yt, wt = torch.tensor(y), t64(w)
    x = t64(s).requires_grad_()
    params = [t64(v).reshape(()).requires_grad_() for v in (0.4, 0.2, 0.5)]

    def objective(x, a, b, alpha):
        return at.aucm_loss(x, yt, margin=0.8, a=a, b=b, alpha=alpha, sample_weight=wt,
                            from_logits=from_logits)

    assert torch.autograd.gradcheck(objective, (x, *params))
    closed = lambda x: at.aucm_loss(x, yt, margin=0.8, sample_weight=wt,  # noqa: E731
                                    from_logits=from_logits)
    assert torch.autograd.gradcheck(closed, (x,))


def test_one_class_batches_give_zero_and_zero_gradients():
    loss = at.AUCMLoss()
    with torch.no_grad():
        loss.a.fill_(0.3), loss.alpha.fill_(0.7)
    for y, w in ((torch.zeros(6), None), (torch.ones(6), None),
                 (torch.tensor([0, 1, 0, 1, 0, 0]), torch.tensor([1.0, 0, 2, 0, 1, 1]))):
        x = torch.linspace(-3, 3, 6, requires_grad=True)
        for value in (loss(x, y, sample_weight=w), loss.closed_form(x, y, sample_weight=w)):
            loss.zero_grad()
            x.grad = None
            value.backward()
            assert float(value) == 0.0
            assert torch.all(x.grad == 0)
            grads = [p.grad for p in loss.parameters() if p.grad is not None]
            assert all(torch.all(g == 0) for g in grads)
    empty = loss(torch.zeros(0), torch.zeros(0))
    assert float(empty) == 0.0


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="margin"):
        at.AUCMLoss(margin=-1.0)
    with pytest.raises(ValueError, match="margin"):
        at.AUCMLoss(margin=True)
    with pytest.raises(ValueError, match="all of a, b and alpha"):
        at.aucm_loss(torch.rand(4), torch.tensor([0, 1, 0, 1]), a=torch.zeros(()))
    with pytest.raises(ValueError, match="0/1"):
        at.AUCMLoss()(torch.rand(3), torch.tensor([0, 2, 1]))
    model = torch.nn.Linear(2, 1)
    with pytest.raises(ValueError, match="momentum"):
        at.PESG(model.parameters(), at.AUCMLoss(), momentum=1.0)
    with pytest.raises(ValueError, match="lr"):
        at.PESG(model.parameters(), at.AUCMLoss(), lr=-0.1)
    with pytest.raises(ValueError, match="loss_fn"):
        at.PESG(model.parameters(), torch.nn.BCELoss())
    with pytest.raises(ValueError, match="decay_factor"):
        at.PESG(model.parameters(), at.AUCMLoss()).update_regularizer(0.0)


# ---------------------------------------------------------------- PESG
def test_pesg_on_fixed_scores_reaches_the_saddle():
    """Descent on (a, b) and projected ascent on α, scores held fixed -> closed form."""
    y, s, w = problem(seed=5)
    loss = at.AUCMLoss(margin=0.9).double()
    opt = at.PESG([], loss_fn=loss, lr=0.2, momentum=0.0, epoch_decay=0.0, weight_decay=0.0)
    yt, st, wt = torch.tensor(y), t64(s), t64(w)
    for _ in range(300):
        opt.zero_grad()
        loss(st, yt, sample_weight=wt).backward()
        opt.step()
        assert float(loss.alpha) >= 0.0
    p, n = y == 1, y == 0
    mu_p, mu_n = np.average(s[p], weights=w[p]), np.average(s[n], weights=w[n])
    assert float(loss.a) == pytest.approx(mu_p, abs=1e-9)
    assert float(loss.b) == pytest.approx(mu_n, abs=1e-9)
    assert float(loss.alpha) == pytest.approx(0.9 - mu_p + mu_n, abs=1e-9)
    # margin met -> the projection keeps α at exactly 0
    loss2 = at.AUCMLoss(margin=0.0).double()
    opt2 = at.PESG([], loss_fn=loss2, lr=0.2, momentum=0.0, epoch_decay=0.0)
    sep = t64(s + 2.0 * y)
    for _ in range(50):
        opt2.zero_grad()
        loss2(sep, yt).backward()
        opt2.step()
    assert float(loss2.alpha) == 0.0


def test_pesg_update_rule_and_regularizer():
    """One hand-checked step with momentum, weight and epoch decay; v_ref = stage mean."""
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = at.PESG([w], lr=0.1, momentum=0.5, epoch_decay=0.3, weight_decay=0.2)
    ref = w.detach().clone()
    iterates, buf = [], None
    target = torch.tensor([0.5, 0.5], dtype=torch.float64)
    expect = w.detach().clone()
    for _ in range(3):
        opt.zero_grad()
        ((w - target) ** 2).sum().backward()
        d = 2 * (expect - target) + 0.2 * expect + 0.3 * (expect - ref)
        buf = d if buf is None else 0.5 * buf + d
        expect = expect - 0.1 * buf
        opt.step()
        iterates.append(expect.clone())
        torch.testing.assert_close(w.detach(), expect, rtol=1e-14, atol=1e-14)
    opt.update_regularizer(decay_factor=2.0)
    torch.testing.assert_close(opt.state[w]["ref"], torch.stack(iterates).mean(0))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)
    assert opt.param_groups[0]["stage_steps"] == 0


def _fit_steps(model, loss, opt, batches, epoch_end=True):
    for xb, yb in batches:
        opt.zero_grad()
        loss(model(xb).squeeze(1), yb).backward()
        opt.step()
    if epoch_end:
        opt.update_regularizer()


def test_pesg_state_dict_round_trip_continues_identically():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=gen)
    y = (x[:, 0] + 0.3 * torch.randn(64, generator=gen) > 0.5).long()
    batches = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)]

    def fresh():
        torch.manual_seed(1)
        model, loss = torch.nn.Linear(3, 1), at.AUCMLoss(margin=0.8)
        return model, loss, at.PESG(model.parameters(), loss_fn=loss, lr=0.05)

    model, loss, opt = fresh()
    _fit_steps(model, loss, opt, batches)
    _fit_steps(model, loss, opt, batches[:2], epoch_end=False)
    buffer = io.BytesIO()  # through torch.save, as a checkpoint would be
    torch.save([m.state_dict() for m in (model, loss, opt)], buffer)
    buffer.seek(0)
    saved = torch.load(buffer)
    _fit_steps(model, loss, opt, batches)
    model2, loss2, opt2 = fresh()
    for obj, state in zip((model2, loss2, opt2), saved, strict=True):
        obj.load_state_dict(state)
    _fit_steps(model2, loss2, opt2, batches)
    for p, q in zip([*model.parameters(), *loss.parameters()],
                    [*model2.parameters(), *loss2.parameters()], strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    assert opt2.param_groups[0]["stage_steps"] == opt.param_groups[0]["stage_steps"] == 0


def test_aucm_with_pesg_trains_as_well_as_bce():
    """A 30-16-1 MLP on the shipped credit-card subset: held-out AUC close to BCE's."""
    from aucscape.data import credit_card

    data = credit_card(seed=0)
    x = torch.tensor(data.X_train, dtype=torch.float32)
    y = torch.tensor(data.y_train, dtype=torch.float32)
    sampler = at.BalancedBatchSampler(data.y_train, 256, min_positives=16, seed=0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                         batch_sampler=sampler)

    def train(loss, make_opt, epochs=6):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(30, 16), torch.nn.ReLU(),
                                    torch.nn.Linear(16, 1), torch.nn.Sigmoid())
        opt = make_opt(model)
        sampler.set_epoch(0)
        for _ in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                loss(model(xb).squeeze(1), yb).backward()
                opt.step()
            if isinstance(opt, at.PESG):
                opt.update_regularizer()
        with torch.no_grad():
            scores = model(torch.tensor(data.X_test, dtype=torch.float32)).squeeze(1)
        return roc_auc(data.y_test, scores.numpy())

    bce = train(torch.nn.BCELoss(), lambda m: torch.optim.Adam(m.parameters(), 3e-3))
    aucm = at.AUCMLoss()
    auc_m = train(aucm, lambda m: at.PESG(m.parameters(), loss_fn=aucm, lr=0.1))
    assert bce > 0.9 and auc_m >= bce - 0.02, (bce, auc_m)


# ---------------------------------------------------------------- JAX and Keras
def test_jax_matches_torch_values_and_gradients():
    jax = pytest.importorskip("jax")
    import aucscape.jax as aj

    y, s, w = problem(n=40, seed=8)
    mask = np.ones(40, bool)
    mask[-5:] = False
    for from_logits in (False, True):
        x = s if not from_logits else 3 * (s - 0.5)
        xt = t64(x).requires_grad_()
        ref = at.aucm_loss(xt, torch.tensor(y), margin=0.7, from_logits=from_logits,
                           sample_weight=t64(w * mask))
        ref.backward()
        fn = jax.jit(jax.value_and_grad(lambda v, fl=from_logits: aj.aucm_loss(
            y, v, margin=0.7, from_logits=fl, sample_weight=w, mask=mask)))
        value, grad = fn(np.asarray(x, np.float32))
        assert float(value) == pytest.approx(float(ref), rel=1e-5)
        np.testing.assert_allclose(np.asarray(grad), xt.grad.numpy(), rtol=1e-4, atol=1e-6)
    for labels in (np.zeros(6), np.ones(6)):
        value, grad = jax.value_and_grad(lambda v, lab=labels: aj.aucm_loss(lab, v))(
            np.linspace(0, 1, 6, dtype=np.float32))
        assert float(value) == 0.0 and np.all(np.asarray(grad) == 0.0)
    with pytest.raises(ValueError, match="margin"):
        aj.aucm_loss(y, s, margin=-0.5)


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_keras_aucm_on_backend(backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.setdefault("OMP_NUM_THREADS", "1")
    script = Path(__file__).with_name("keras_aucm_check.py")
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert f"[{backend}] AUC-M checks passed" in proc.stdout
