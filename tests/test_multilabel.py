"""Multi-label and multi-class pairwise risks (NumPy) against a loop over labels and pairs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import aucscape
from aucscape.pairwise import multiclass_pairwise_loss, multilabel_pairwise_loss, pairwise_loss
from aucscape.surrogates import get_surrogate

NAMES = ["sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad", "logistic"]


def brute(y, s, name, w=None, lam=None, pos_weight=1.0, reduction="mean", beta=None,
          margin=None):
    """R and dR/ds straight from the definition: every label, every pair, one at a time."""
    y, s = np.asarray(y, float), np.asarray(s, float)
    n, n_labels = y.shape
    w = np.ones((n, n_labels)) if w is None else np.broadcast_to(
        np.asarray(w, float).reshape(n, -1), (n, n_labels))
    lam = np.ones(n_labels) if lam is None else np.asarray(lam, float)
    sur = get_surrogate(name)
    beta, margin = sur.params(beta, margin)
    risks, grads, used = [], [], []
    for col in range(n_labels):
        pos = [i for i in range(n) if y[i, col] == 1 and w[i, col] > 0]
        neg = [i for i in range(n) if y[i, col] == 0 and w[i, col] > 0]
        if not pos or not neg or pos_weight == 0:
            continue
        z = sum(w[p, col] for p in pos) * sum(w[q, col] for q in neg)
        z = z if reduction == "mean" else 1.0
        r, g = 0.0, np.zeros((n, n_labels))
        for p, q in itertools.product(pos, neg):
            c = pos_weight * w[p, col] * w[q, col] / z
            d = s[p, col] - s[q, col]
            r += c * float(sur.value(d, beta, margin))
            d1 = c * float(sur.d1(d, beta, margin))
            g[p, col] += d1
            g[q, col] -= d1
        risks.append(r)
        grads.append(g)
        used.append(lam[col])
    if not used or sum(used) == 0:
        return 0.0, np.zeros((n, n_labels))
    share = np.array(used) / sum(used)
    return float(share @ risks), sum(u * g for u, g in zip(share, grads, strict=True))


def beta_for(name):
    """β that keeps every surrogate's kink inside scores in [0, 1] and exp in range."""
    return {"exp": 2.0, "hinge": 4.0, "squared_hinge": 4.0}.get(name)


def problem(seed, n=14, n_labels=4, unknown=True):
    """Random labels (with a one-class label, an all-unknown label and -1 entries)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, (n, n_labels)).astype(float)
    if unknown:
        y[rng.random((n, n_labels)) < 0.25] = -1
    y[:, 1] = np.where(y[:, 1] == -1, -1, 1)  # one class only: not counted
    s = rng.random((n, n_labels))
    return y, s, rng


def assert_close(got, ref, tol=1e-9):
    (v, g), (rv, rg) = got, ref
    scale = max(1.0, abs(rv))
    assert abs(v - rv) <= tol * scale, (v, rv)
    np.testing.assert_allclose(g, rg, rtol=tol, atol=tol * max(1.0, np.abs(rg).max()))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_surrogate_matches_the_loop_over_labels_and_pairs(name, seed):
    y, s, rng = problem(seed)
    beta = beta_for(name)
    got = multilabel_pairwise_loss(y, s, name, beta=beta, return_grad=True)
    assert_close(got, brute(y, s, name, beta=beta))
    w = rng.random((14, 4))
    w[0] = 0.0
    lam = np.array([0.5, 3.0, 1.0, 2.0])
    kw = dict(beta=beta, pos_weight=1.5, reduction="sum")
    got = multilabel_pairwise_loss(y, s, name, sample_weight=w, label_weight=lam,
                                   return_grad=True, **kw)
    assert_close(got, brute(y, s, name, w=w, lam=lam, **kw))


@pytest.mark.parametrize("name", ["exp", "quad"])
def test_vectorised_columns_equal_the_per_label_algorithm(name):
    y, s, rng = problem(5, n=40, n_labels=6)
    w = rng.random(40)  # one weight per sample, every label
    fast = multilabel_pairwise_loss(y, s, name, beta=1.0, sample_weight=w, return_grad=True)
    slow = multilabel_pairwise_loss(y, s, name, beta=1.0, sample_weight=w, return_grad=True,
                                    method="blocked")
    assert_close(fast, slow, 1e-12)


def test_one_class_and_unknown_labels_are_not_counted():
    y = np.array([[1, 1, -1], [0, 1, -1], [1, 1, 1]], float)
    s = np.array([[0.9, 0.1, 0.3], [0.4, 0.2, 0.5], [0.2, 0.7, 0.6]])
    # only label 0 has pairs: its risk alone, not a third of it
    assert multilabel_pairwise_loss(y, s, "hinge") == pytest.approx(
        pairwise_loss(y[:, 0], s[:, 0], "hinge"), abs=1e-15)
    loss, grad = multilabel_pairwise_loss(y[:, 1:], s[:, 1:], "hinge", return_grad=True)
    assert loss == 0.0 and not grad.any()


def test_multilabel_through_the_public_pairwise_loss():
    y, s, _ = problem(3)
    assert aucscape.pairwise_loss(y, s, "sigmoid") == multilabel_pairwise_loss(y, s)
    assert aucscape.multilabel_pairwise_loss is multilabel_pairwise_loss
    # a single column stays the binary problem
    assert pairwise_loss(y[:, :1] == 1, s[:, :1]) == pairwise_loss(y[:, 0] == 1, s[:, 0])


def test_partial_auc_per_label():
    y, s, _ = problem(4, n=20, unknown=False)
    got = multilabel_pairwise_loss(y, s, "sigmoid", max_fpr=0.5)
    ref = [pairwise_loss(y[:, c], s[:, c], max_fpr=0.5) for c in (0, 2, 3)]
    assert got == pytest.approx(np.mean(ref), rel=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "hinge", "quad"])
def test_one_vs_rest_is_the_one_hot_problem(name):
    rng = np.random.default_rng(7)
    y = rng.integers(0, 3, 15)
    s = rng.random((15, 3))
    onehot = (y[:, None] == np.arange(3)).astype(float)
    got = multiclass_pairwise_loss(y, s, name, multi_class="ovr", return_grad=True)
    assert_close(got, brute(onehot, s, name))


@pytest.mark.parametrize("name", ["sigmoid", "squared_hinge", "exp"])
def test_one_vs_one_averages_both_directions_of_every_class_pair(name):
    rng = np.random.default_rng(8)
    y = rng.integers(0, 4, 16)
    y[y == 3] = 2  # class 3 absent: its pairs are not counted
    s = rng.random((16, 4))
    loss, grad = multiclass_pairwise_loss(y, s, name, multi_class="ovo", return_grad=True)
    sur = get_surrogate(name)
    beta, margin = sur.params(None, None)
    terms, ref_g = [], np.zeros_like(s)
    pairs = [(j, k) for j in range(4) for k in range(4) if j != k and {j, k} <= set(y)]
    for j, k in pairs:  # R_{j|k}: positives class j, negatives class k, scores column j
        pos, neg = np.flatnonzero(y == j), np.flatnonzero(y == k)
        z = len(pos) * len(neg) * len(pairs)
        terms.append(sum(float(sur.value(s[p, j] - s[q, j], beta, margin))
                         for p in pos for q in neg) / (len(pos) * len(neg)))
        for p in pos:
            for q in neg:
                d1 = float(sur.d1(s[p, j] - s[q, j], beta, margin)) / z
                ref_g[p, j] += d1
                ref_g[q, j] -= d1
    assert_close((loss, grad), (np.mean(terms), ref_g))


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(y_true=[[2, 0], [1, 0]]), r"0/1 labels or -1 \(unknown\); found \[2.0\]"),
    (dict(y_score=[[0.1], [0.2]]), "y_score has shape"),
    (dict(sample_weight=[1.0, 2.0, 3.0]), "sample_weight must have shape"),
    (dict(label_weight=[1.0, -1.0]), "label_weight must be non-negative"),
    (dict(y_score=[[np.nan, 0.0], [0.0, 0.0]]), "y_score contains NaN"),
])
def test_bad_inputs_raise_naming_them(kwargs, match):
    args = dict(y_true=[[1, 0], [0, 1]], y_score=[[0.1, 0.2], [0.3, 0.4]]) | kwargs
    with pytest.raises(ValueError, match=match):
        multilabel_pairwise_loss(**args)


def test_bad_multiclass_inputs_raise_naming_them():
    with pytest.raises(ValueError, match=r"class indices 0..1; found \[2.0\]"):
        multiclass_pairwise_loss([0, 2], [[0.1, 0.2], [0.3, 0.4]])
    with pytest.raises(ValueError, match="multi_class must be 'ovr' or 'ovo'"):
        multiclass_pairwise_loss([0, 1], [[0.1, 0.2], [0.3, 0.4]], multi_class="ovx")
