"""aucscape.torch against the NumPy core: values, gradients, edge cases, training."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import aucscape.torch as at  # noqa: E402
import aucscape.torch._pairwise as at_pairwise  # noqa: E402
from aucscape.focal import focal_loss as np_focal  # noqa: E402
from aucscape.pairwise import pairwise_loss  # noqa: E402
from aucscape.surrogates import SURROGATES  # noqa: E402

NAMES = sorted(SURROGATES)
# β = 40 suits scores in [0, 1]; exp with β = 40 spans e^±40, so give it a gentler β.
PARAMS = {name: {"beta": 3.0 if name == "exp" else 40.0, "margin": 0.4} for name in NAMES}


def _problem(n=70, frac=0.3, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < frac).astype(np.int64)
    y[:2] = [0, 1]
    return y, rng.random(n), rng.uniform(0.2, 2.0, n)


def _torch_value_grad(x, y, **kw):
    t = torch.tensor(x, requires_grad=True)
    loss = at.pairwise_auc_loss(t, torch.tensor(y), **kw)
    loss.backward()
    return loss, t.grad


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_matches_numpy_core_float64(name, reduction):
    y, s, w = _problem()
    # float64: against the brute-force pair sum of the core, to rounding.
    ref, gref = pairwise_loss(y, s, name, **PARAMS[name], pos_weight=1.7, sample_weight=w,
                              reduction=reduction, return_grad=True, method="brute")
    loss, grad = _torch_value_grad(s, y, surrogate=name, **PARAMS[name], pos_weight=1.7,
                                   sample_weight=torch.tensor(w), reduction=reduction)
    assert loss.dtype == torch.float64
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad.numpy(), gref, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_matches_numpy_core_float32_from_logits(name):
    y, _, w = _problem(seed=1)
    x = np.random.default_rng(2).normal(0.0, 2.0, y.size).astype(np.float32)
    p = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    ref, g_s = pairwise_loss(y, p, name, **PARAMS[name], sample_weight=w, return_grad=True,
                             method="brute")
    loss, grad = _torch_value_grad(x, y, surrogate=name, **PARAMS[name], from_logits=True,
                                   sample_weight=torch.tensor(w, dtype=torch.float32))
    assert loss.dtype == torch.float32
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-5, atol=1e-6)
    g_ref = g_s * p * (1.0 - p)  # chain rule through s = σ(x)
    np.testing.assert_allclose(grad.numpy(), g_ref, rtol=1e-4, atol=1e-5 * np.abs(g_ref).max())


def test_many_blocks_match_numpy_core(monkeypatch):
    monkeypatch.setattr(at_pairwise, "BLOCK_ELEMENTS", 64)  # 1-row blocks over ~90 negatives
    y, s, w = _problem(n=300, frac=0.1, seed=3)
    for name in ("sigmoid", "tanh", "logistic"):
        ref, gref = pairwise_loss(y, s, name, beta=7.0, sample_weight=w, return_grad=True)
        loss, grad = _torch_value_grad(s, y, surrogate=name, beta=7.0,
                                       sample_weight=torch.tensor(w))
        np.testing.assert_allclose(loss.item(), ref, rtol=1e-12)
        np.testing.assert_allclose(grad.numpy(), gref, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_float64(name):
    y, _, w = _problem(n=24, seed=4)
    loss_fn = at.PairwiseAUCLoss(name, beta=5.0, margin=0.3, pos_weight=1.3, from_logits=True)
    x = torch.tensor(np.random.default_rng(5).normal(0, 1, y.size), requires_grad=True)
    yt, wt = torch.tensor(y), torch.tensor(w)
    assert torch.autograd.gradcheck(lambda v: loss_fn(v, yt, wt), (x,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("from_logits", [False, True])
def test_focal_matches_numpy_core_and_gradcheck(from_logits):
    y, s, w = _problem(n=40, seed=6)
    x = np.random.default_rng(7).normal(0, 3, y.size) if from_logits else s
    ref, gref = np_focal(y, x, gamma=2.0, alpha=0.3, from_logits=from_logits,
                         sample_weight=w, return_grad=True)
    fl = at.FocalLoss(gamma=2.0, alpha=0.3, from_logits=from_logits)
    t = torch.tensor(x, requires_grad=True)
    loss = fl(t, torch.tensor(y), torch.tensor(w))
    loss.backward()
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), gref, rtol=1e-9, atol=1e-14)
    none = at.focal_loss(torch.tensor(x), torch.tensor(y), from_logits=from_logits,
                         reduction="none")
    np.testing.assert_allclose(none.numpy(), np_focal(y, x, from_logits=from_logits,
                                                      reduction="none"), rtol=1e-12)
    yt, wt = torch.tensor(y), torch.tensor(w)
    assert torch.autograd.gradcheck(lambda v: fl(v, yt, wt), (t.detach().requires_grad_(),))


@pytest.mark.parametrize("name", NAMES)
def test_one_class_batch_is_a_zero_no_op(name):
    x = torch.linspace(-2, 2, 9, requires_grad=True)
    for y in (torch.zeros(9), torch.ones(9)):
        loss = at.pairwise_auc_loss(x, y, name, from_logits=True)
        loss.backward()
        assert loss.item() == 0.0
        assert torch.all(x.grad == 0)
        x.grad = None
    # Zero weight on the only positive is the same as no positive.
    y = torch.tensor([1.0] + [0.0] * 8)
    w = torch.tensor([0.0] + [1.0] * 8)
    loss = at.pairwise_auc_loss(x, y, name, sample_weight=w)
    loss.backward()
    assert loss.item() == 0.0 and torch.all(x.grad == 0)


@pytest.mark.parametrize("name", NAMES)
def test_extreme_logits_are_finite(name):
    x = torch.tensor([1e4, -1e4, 3.0, -1e4, 1e4, 0.5], requires_grad=True)
    y = torch.tensor([1, 0, 1, 1, 0, 0])
    loss = at.pairwise_auc_loss(x, y, name, from_logits=True, **PARAMS[name])
    loss.backward()
    assert torch.isfinite(loss) and torch.all(torch.isfinite(x.grad))
    s = 1.0 / (1.0 + np.exp(-np.clip(x.detach().numpy().astype(np.float64), -700, 700)))
    ref = pairwise_loss(y.numpy(), s, name, **PARAMS[name])
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-5)
    fl = at.focal_loss(x, y.float(), from_logits=True)
    assert torch.isfinite(fl)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name", ["sigmoid", "hinge", "exp"])
def test_half_precision_inputs_sum_in_float32(dtype, name):
    y, s, _ = _problem(n=200, seed=8)
    t = torch.tensor(s).to(dtype).requires_grad_()
    loss = at.pairwise_auc_loss(t, torch.tensor(y), name, **PARAMS[name])
    loss.backward()
    assert loss.dtype == torch.float32 and t.grad.dtype == dtype
    rounded = t.detach().double().numpy()  # the exact values the loss saw
    ref, gref = pairwise_loss(y, rounded, name, **PARAMS[name], return_grad=True)
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-5)
    half_eps = float(torch.finfo(dtype).eps)
    np.testing.assert_allclose(t.grad.double().numpy(), gref, atol=half_eps * np.abs(gref).max())


def test_named_losses_fix_their_surrogate():
    y, s, _ = _problem(seed=9)
    x, yt = torch.tensor(s), torch.tensor(y)
    cases = [
        (at.SigmoidAUCLoss(beta=10.0), "sigmoid", {"beta": 10.0}),
        (at.TanhAUCLoss(beta=10.0), "tanh", {"beta": 10.0}),
        (at.HingeAUCLoss(margin=0.5), "hinge", {"margin": 0.5}),
        (at.WeightedPairwiseRankingLoss(pos_weight=3.0), "hinge", {"pos_weight": 3.0}),
        (at.ExpAUCLoss(beta=2.0), "exp", {"beta": 2.0}),
        (at.QuadAUCLoss(margin=0.5), "quad", {"margin": 0.5}),
    ]
    for module, name, kw in cases:
        np.testing.assert_allclose(module(x, yt).item(), pairwise_loss(y, s, name, **kw),
                                   rtol=1e-12)
    assert "surrogate='hinge'" in repr(at.HingeAUCLoss())


def test_column_inputs_and_bool_labels():
    y, s, _ = _problem(seed=10)
    a = at.pairwise_auc_loss(torch.tensor(s)[:, None], torch.tensor(y, dtype=torch.bool)[:, None])
    np.testing.assert_allclose(a.item(), pairwise_loss(y, s), rtol=1e-12)


def test_errors_are_clear():
    x = torch.rand(6)
    with pytest.raises(ValueError, match="0/1"):
        at.pairwise_auc_loss(x, torch.tensor([0, 1, 2, 0, 1, 0]))
    with pytest.raises(ValueError, match="entries"):
        at.pairwise_auc_loss(x, torch.tensor([0, 1, 0]))
    with pytest.raises(ValueError, match="shape"):
        at.pairwise_auc_loss(torch.rand(3, 2), torch.tensor([0, 1, 0]))
    with pytest.raises(ValueError, match="unknown surrogate"):
        at.PairwiseAUCLoss("softmax")
    with pytest.raises(ValueError, match="non-negative"):
        at.pairwise_auc_loss(x, torch.tensor([0, 1] * 3), sample_weight=-torch.ones(6))
    with pytest.raises(ValueError, match="reduction"):
        at.PairwiseAUCLoss(reduction="none")
    with pytest.raises(ValueError, match="probabilities"):
        at.focal_loss(torch.tensor([2.0, 0.5]), torch.tensor([1, 0]))


@pytest.mark.parametrize(("make", "message"), [
    (lambda: at.SigmoidAUCLoss(beta=-1.0), "beta must be a finite number >= 0"),
    (lambda: at.HingeAUCLoss(margin=float("nan")), "margin must be a finite number >= 0"),
    (lambda: at.WeightedPairwiseRankingLoss(pos_weight=-2.0), "pos_weight"),
    (lambda: at.FocalLoss(alpha=1.5), r"alpha must be in \[0, 1\]"),
    (lambda: at.FocalLoss(gamma=-1.0), "gamma"),
    (lambda: at.FocalLoss(reduction="batch"), "reduction must be one of 'mean'"),
])
def test_configuration_errors_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_sampler_in_dataloader_guarantees():
    y = np.zeros(500, np.int64)
    y[np.random.default_rng(0).choice(500, 9, replace=False)] = 1
    ds = torch.utils.data.TensorDataset(torch.arange(500), torch.tensor(y))
    sampler = at.BalancedBatchSampler(torch.tensor(y), 48, min_positives=3, seed=4)
    loader = torch.utils.data.DataLoader(ds, batch_sampler=sampler)
    epochs = []
    for _ in range(2):
        seen = []
        for idx, yb in loader:
            assert int(yb.sum()) >= 3
            seen.append(idx.numpy())
        assert len(seen) == len(sampler)
        assert np.unique(np.concatenate(seen)).size == 500
        epochs.append(np.concatenate(seen))
    assert not np.array_equal(epochs[0], epochs[1])  # a new shuffle each epoch
    sampler.set_epoch(1)
    np.testing.assert_array_equal(np.concatenate(list(sampler)), epochs[1])


def test_tiny_mlp_trains_with_sampler():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(600, 2)).astype(np.float32)
    y = ((X[:, 0] + 0.5 * X[:, 1]) > 1.6).astype(np.int64)  # ~5 % positives
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    loss_fn = at.SigmoidAUCLoss(beta=10.0, from_logits=True)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    ds = torch.utils.data.TensorDataset(Xt, yt)
    loader = torch.utils.data.DataLoader(
        ds, batch_sampler=at.BalancedBatchSampler(y, 64, min_positives=4, seed=0)
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)  # Adam: 2 s first step
    with torch.no_grad():
        before = loss_fn(model(Xt), yt).item()
    for _ in range(4):
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    with torch.no_grad():
        after = loss_fn(model(Xt), yt).item()
    assert after < 0.5 * before
