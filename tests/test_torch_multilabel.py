"""aucscape.torch multi-label / multi-class losses and multi-label AUC-M against loops."""

from __future__ import annotations

import numpy as np
import pytest

from _checks import close_value_grad as _close

torch = pytest.importorskip("torch")

import aucscape.torch as at  # noqa: E402
import aucscape.torch._multilabel as at_multilabel  # noqa: E402
from aucscape.pairwise import multiclass_pairwise_loss  # noqa: E402
from test_multilabel import NAMES, beta_for, brute, problem  # noqa: E402  (the loop over pairs)


def _torch_value_grad(fn, s, dtype, **kw):
    x = torch.tensor(s, dtype=dtype, requires_grad=True)
    v = fn(x, **kw)
    v.backward()
    return float(v.detach()), x.grad.double().numpy()


@pytest.fixture(params=["compiled", "batched"])
def kernel_path(request, monkeypatch):
    """Run the blocked family by the per-label core kernel and by the batched torch loop."""
    if request.param == "batched":
        monkeypatch.setattr(at_multilabel, "compiled_applies", lambda *a: False)
    return request.param


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-9), (torch.float32, 1e-5)])
def test_every_surrogate_equals_the_loop_over_labels_and_pairs(name, dtype, tol, kernel_path):
    y, s, rng = problem(11, n=16, n_labels=5)
    w = rng.random((16, 5))
    lam = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    kw = dict(beta=beta_for(name), pos_weight=1.5)

    def fn(x):
        return at.multilabel_auc_loss(x, torch.tensor(y), name, sample_weight=torch.tensor(w),
                                      label_weight=torch.tensor(lam), **kw)

    got = _torch_value_grad(fn, s, dtype)
    _close(got, brute(y, s, name, w=w, lam=lam, **kw), tol)


@pytest.mark.parametrize("name", ["sigmoid", "logistic", "hinge", "quad"])
def test_logits_sum_reduction_and_module_form(name, kernel_path):
    y, s, _ = problem(12, n=12, n_labels=3)
    x = 4.0 * s - 2.0
    sig = 1.0 / (1.0 + np.exp(-x))
    loss = at.MultiLabelAUCLoss(name, from_logits=True, reduction="sum")
    got = _torch_value_grad(lambda t: loss(t, torch.tensor(y)), x, torch.float64)
    rv, rg = brute(y, sig, name, reduction="sum")
    _close(got, (rv, rg * sig * (1.0 - sig)), 1e-9)


def test_one_class_labels_and_unknowns_are_not_counted():
    y = torch.tensor([[1, 1, -1], [0, 1, -1], [1, 1, 1]])
    s = torch.tensor([[0.9, 0.1, 0.3], [0.4, 0.2, 0.5], [0.2, 0.7, 0.6]], dtype=torch.float64)
    ref = at.pairwise_auc_loss(s[:, 0], y[:, 0], "sigmoid")
    assert float(at.multilabel_auc_loss(s, y)) == pytest.approx(float(ref), abs=1e-15)
    x = s.clone().requires_grad_(True)
    v = at.multilabel_auc_loss(x[:, 1:], y[:, 1:])
    v.backward()
    assert float(v) == 0.0 and not x.grad.any() and not torch.isnan(x.grad).any()


def test_partial_auc_per_label_matches_the_core():
    from aucscape.pairwise import multilabel_pairwise_loss

    y, s, rng = problem(13, n=20, n_labels=4)
    w = rng.random((20, 4))
    ref = multilabel_pairwise_loss(y, s, "sigmoid", max_fpr=0.3, sample_weight=w,
                                   return_grad=True)
    got = _torch_value_grad(lambda t: at.multilabel_auc_loss(
        t, torch.tensor(y), max_fpr=0.3, sample_weight=torch.tensor(w)), s, torch.float64)
    _close(got, ref, 1e-12)


@pytest.mark.parametrize("multi_class", ["ovr", "ovo"])
@pytest.mark.parametrize("name", ["sigmoid", "squared_hinge", "quad"])
def test_multiclass_matches_the_core(name, multi_class):
    rng = np.random.default_rng(14)
    y = rng.integers(0, 4, 18)
    y[y == 2] = 1  # class 2 absent
    s = rng.random((18, 4))
    ref = multiclass_pairwise_loss(y, s, name, multi_class=multi_class, return_grad=True,
                                   beta=beta_for(name))
    loss = at.MultiClassAUCLoss(name, multi_class=multi_class, beta=beta_for(name))
    got = _torch_value_grad(lambda t: loss(t, torch.tensor(y)), s, torch.float64)
    _close(got, ref, 1e-9)
    fn = at.multiclass_auc_loss(torch.tensor(s), torch.tensor(y), name, multi_class=multi_class,
                                beta=beta_for(name))
    assert float(fn) == pytest.approx(ref[0], rel=1e-12)


def _aucm_loop(y, s, a, b, alpha, m, lam):
    """Mean over labels with both classes of the single-label objective f_l."""
    terms, weights = [], []
    for col in range(y.shape[1]):
        keep = y[:, col] != -1
        yl, sl = y[keep, col], s[keep, col]
        if (yl == 1).any() and (yl == 0).any():
            terms.append(at.aucm_loss(sl, torch.tensor(yl), margin=m, a=a[col], b=b[col],
                                      alpha=alpha[col]))
            weights.append(lam[col])
    return sum(w * t for w, t in zip(weights, terms, strict=True)) / sum(weights)


def test_multilabel_aucm_is_the_weighted_mean_of_per_label_objectives():
    y, s, _ = problem(15, n=20, n_labels=4)
    lam = [1.0, 1.0, 2.0, 0.5]
    a, b, alpha = (torch.tensor(v, dtype=torch.float64) for v in (
        [0.1, 0.2, 0.3, 0.4], [0.5, 0.1, 0.0, 0.2], [0.3, 0.0, 1.0, 0.2]))
    x1 = torch.tensor(s, requires_grad=True)
    got = at.aucm_loss(x1, torch.tensor(y), margin=0.7, a=a, b=b, alpha=alpha,
                       label_weight=torch.tensor(lam, dtype=torch.float64))
    got.backward()
    x2 = torch.tensor(s, requires_grad=True)
    ref = _aucm_loop(y, x2, a, b, alpha, 0.7, lam)
    ref.backward()
    assert float(got) == pytest.approx(float(ref), rel=1e-12)
    np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), atol=1e-14)


def test_pesg_keeps_one_a_b_alpha_per_label():
    torch.manual_seed(0)
    y, s, _ = problem(16, n=32, n_labels=3)
    model = torch.nn.Linear(3, 3).double()
    loss_fn = at.AUCMLoss(num_labels=3, from_logits=True)
    opt = at.PESG(model.parameters(), loss_fn=loss_fn, lr=0.1)
    x = torch.tensor(s)
    for _ in range(3):
        opt.zero_grad()
        loss_fn(model(x), torch.tensor(y)).backward()
        opt.step()
    assert loss_fn.a.shape == (3,) and bool((loss_fn.alpha >= 0).all())
    assert loss_fn.a[0] != loss_fn.a[2]  # each label its own a


def test_bad_inputs_and_gather_without_a_process_group_raise():
    s = torch.rand(4, 2)
    with pytest.raises(ValueError, match=r"0/1 labels or -1 \(unknown\); found \[2.0\]"):
        at.multilabel_auc_loss(s, torch.tensor([[2, 0], [1, 0], [0, 1], [1, 1]]))
    with pytest.raises(ValueError, match="one shape"):
        at.multilabel_auc_loss(s, torch.tensor([1, 0, 1, 0]))
    with pytest.raises(ValueError, match="label_weight must be finite and non-negative"):
        at.multilabel_auc_loss(s, torch.ones(4, 2), label_weight=torch.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"class indices 0\.\.1; found"):
        at.multiclass_auc_loss(s, torch.tensor([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="a, b and alpha must have 2 entries"):
        at.AUCMLoss(num_labels=3)(s, torch.ones(4, 2))
    with pytest.raises(ValueError, match=r"initialised torch\.distributed process group"):
        at.SigmoidAUCLoss(gather=True)(s[:, 0], torch.tensor([1, 0, 1, 0]))
