"""Streaming AUC (NumPy core and torch): exact mode equals roc_auc on the concatenation;
binned mode stays within its stated bound of the exact AUC, equals a brute-force pair loop
over bin indices, and the bound is attained (it is not vacuous)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _strategies import tied_multilabel, tied_problems
from aucscape.metrics import roc_auc
from aucscape.streaming import StreamingAUC, histogram_auc


def feed(metric, y, s, w, n_batches, convert=lambda a: a):
    """Update ``metric`` with ``n_batches`` consecutive slices (some may be empty)."""
    cuts = np.linspace(0, len(y), n_batches + 1).astype(int)
    for a, b in pairwise(cuts):
        ww = None if w is None else convert(w[a:b])
        metric.update(convert(y[a:b]), convert(s[a:b]), ww)
    return metric


def brute_binned(y, bins, w):
    """Σ_p Σ_n w_p w_n [1(bin_p > bin_n) + ½·1(bin_p = bin_n)] / (W_P W_N), and ½ of the
    same-bin part: the binned estimate and its bound by an explicit pair loop."""
    num = same = den = 0.0
    for p in np.flatnonzero(y):
        for q in np.flatnonzero(~y):
            num += w[p] * w[q] * ((bins[p] > bins[q]) + 0.5 * (bins[p] == bins[q]))
            same += w[p] * w[q] * (bins[p] == bins[q])
            den += w[p] * w[q]
    return num / den, 0.5 * same / den


@settings(max_examples=40, deadline=None)
@given(st.booleans(), st.integers(1, 5), st.data())
def test_exact_mode_equals_roc_auc_of_concatenation(weighted, n_batches, data):
    y, s, w = data.draw(tied_problems(weighted=weighted))
    m = feed(StreamingAUC("exact"), y, s, w, n_batches)
    assert m.compute() == roc_auc(y, s, sample_weight=w)
    assert m.error_bound() == 0.0


@settings(max_examples=60, deadline=None)
@given(st.booleans(), st.integers(1, 64), st.sampled_from([(0.0, 1.0), (0.3, 0.7)]),
       st.integers(1, 4), st.data())
def test_binned_within_bound_of_exact(weighted, n_bins, score_range, n_batches, data):
    y, s, w = data.draw(tied_problems(weighted=weighted))
    s = s + data.draw(st.floats(-0.2, 0.2))  # some scores leave the range: end bins
    m = feed(StreamingAUC(n_bins=n_bins, score_range=score_range), y, s, w, n_batches)
    exact = roc_auc(y, s, sample_weight=w)
    assert abs(m.compute() - exact) <= m.error_bound() + 1e-12


def test_binned_equals_pair_loop_and_bound_is_attained():
    rng = np.random.default_rng(0)
    y = rng.random(300) < 0.3
    bins = rng.integers(0, 16, 300)
    w = rng.exponential(size=300)
    s = (bins + 0.5) / 16  # bin centres: no score on an edge
    m = feed(StreamingAUC(n_bins=16), y, s, w, 3)
    ref, ref_bound = brute_binned(y, bins, w)
    assert abs(m.compute() - ref) <= 1e-12 and abs(m.error_bound() - ref_bound) <= 1e-12
    # within each bin, order positives above negatives: the exact AUC gains the whole bound
    s_best = s + np.where(y, 0.01, 0.0)
    assert abs(roc_auc(y, s_best, sample_weight=w) - (ref + ref_bound)) <= 1e-12
    s_worst = s - np.where(y, 0.01, 0.0)
    assert abs(roc_auc(y, s_worst, sample_weight=w) - (ref - ref_bound)) <= 1e-12


def test_fine_bins_separating_the_classes_are_exact():
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.05, 0.95, 0.45, 0.55, 0.25, 0.35])
    m = feed(StreamingAUC(n_bins=10), y, s, None, 2)
    assert m.error_bound() == 0.0 and m.compute() == roc_auc(y, s)


def test_from_logits_bins_sigmoid_and_keeps_exact_auc():
    rng = np.random.default_rng(1)
    y = rng.random(500) < 0.2
    x = rng.normal(0, 30, 500)  # logits far beyond exp overflow in float64 do not matter
    x[:3] = [800.0, -800.0, 1e308]
    m = feed(StreamingAUC(n_bins=256, from_logits=True), y, x, None, 4)
    assert abs(m.compute() - roc_auc(y, x)) <= m.error_bound() + 1e-12
    assert np.isfinite(m.compute())


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["macro", "weighted", "micro", None]), st.booleans(),
       st.integers(2, 40), st.data())
def test_multilabel_average_exact_and_binned(average, weighted, n_bins, data):
    y, s, w = data.draw(tied_multilabel(weighted))
    exact = roc_auc(y, s, sample_weight=w, average=average)
    e = feed(StreamingAUC("exact", average=average), y, s, w, 3)
    np.testing.assert_array_equal(e.compute(), exact)
    b = feed(StreamingAUC(n_bins=n_bins, average=average), y, s, w, 3)
    assert np.all(np.abs(b.compute() - exact) <= b.error_bound() + 1e-12)


def test_merge_equals_one_stream_and_reset_forgets():
    rng = np.random.default_rng(2)
    y, s, w = rng.random((200, 3)) < 0.4, rng.random((200, 3)), rng.exponential(size=200)
    for mode in ("exact", "binned"):
        whole = feed(StreamingAUC(mode, n_bins=32, average=None), y, s, w, 1)
        a = feed(StreamingAUC(mode, n_bins=32, average=None), y[:90], s[:90], w[:90], 2)
        a.merge(feed(StreamingAUC(mode, n_bins=32, average=None), y[90:], s[90:], w[90:], 2))
        np.testing.assert_allclose(a.compute(), whole.compute(), rtol=0, atol=1e-14)
        a.reset()
        with pytest.raises(ValueError, match="no batch seen"):
            a.compute()


def test_histogram_auc_hand_computed():
    auc, bound = histogram_auc([[0, 1, 2]], [[2, 1, 0]])  # (1·(2 + ½) + 2·3) / 9, ½·1 / 9
    assert auc[0] == pytest.approx(8.5 / 9, abs=1e-15)
    assert bound[0] == pytest.approx(0.5 / 9, abs=1e-15)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: StreamingAUC("fast"), "mode"),
        (lambda: StreamingAUC(n_bins=0), "n_bins"),
        (lambda: StreamingAUC(score_range=(1.0, 0.0)), "score_range"),
        (lambda: StreamingAUC(score_range=1.0), "score_range"),
        (lambda: StreamingAUC(average="samples"), "average"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_updates_and_one_class():
    m = StreamingAUC()
    with pytest.raises(ValueError, match="0/1"):
        m.update([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        m.update([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="non-negative"):
        m.update([0, 1], [0.1, 0.2], [1.0, -1.0])
    m.update([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="one class"):
        m.compute()
    with pytest.raises(ValueError, match="labels"):
        m.update(np.zeros((2, 3)), np.zeros((2, 3)))
    ml = StreamingAUC(average=None)
    ml.update([[1, 0], [0, 0]], [[0.3, 0.2], [0.1, 0.9]])
    with pytest.raises(ValueError, match="label 1 of y_true"):
        ml.compute()


# -- torch -------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["macro", "weighted", "micro", None]), st.booleans(), st.data())
def test_torch_matches_core(average, weighted, data):
    torch = pytest.importorskip("torch")
    from aucscape.torch import StreamingAUROC

    y, s, w = data.draw(tied_multilabel(weighted))
    s = s.astype(np.float32).astype(np.float64)  # the same values in both

    def tensor(a):
        return torch.tensor(a)

    exact = roc_auc(y, s, sample_weight=w, average=average)
    e = StreamingAUROC("exact", average=average)
    for a, b in ((0, 7), (7, len(y))):
        e.update(tensor(s[a:b]).float(), tensor(y[a:b]),
                 None if w is None else tensor(w[a:b]))
    np.testing.assert_allclose(e.compute(), exact, rtol=0, atol=1e-12)
    t = StreamingAUROC(n_bins=16, average=average)
    for a, b in ((0, 7), (7, len(y))):
        t.update(tensor(s[a:b]).float(), tensor(y[a:b]).int(),
                 None if w is None else tensor(w[a:b]))
    assert np.all(np.abs(t.compute() - exact) <= t.error_bound() + 1e-12)
    core = feed(StreamingAUC(n_bins=16, average=average), y, s, w, 2)
    # float32 binning may move an edge score by one bin; on these grids it does not
    np.testing.assert_allclose(t.compute(), core.compute(), rtol=0, atol=1e-12)


def test_torch_binary_logits_and_errors():
    torch = pytest.importorskip("torch")
    from aucscape.torch import StreamingAUROC

    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, generator=g) * 2
    y = (torch.rand(400, generator=g) < 0.3).long()
    m = StreamingAUROC(n_bins=512, from_logits=True)
    m.update(x[:150], y[:150])
    m.update(x[150:], y[150:])
    exact = roc_auc(y.numpy(), x.double().numpy())
    assert abs(m.compute() - exact) <= m.error_bound() + 1e-12
    assert m.error_bound() < 0.01
    with pytest.raises(ValueError, match="0/1"):
        m.update(x[:2], torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="floating-point"):
        m.update(y[:2], y[:2])
    m.reset()
    with pytest.raises(ValueError, match="no batch seen"):
        m.compute()
