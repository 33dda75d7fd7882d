"""Multi-label and multi-class roc_auc / average_precision against scikit-learn and loops.

The references: ``sklearn.metrics.roc_auc_score`` / ``average_precision_score`` on tied,
weighted inputs (to 1e-12), and a brute-force double loop over pairs of each label or class
pair (the Mann-Whitney definition, independent of both implementations).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _strategies import tied_multiclass, tied_multilabel
from aucscape import average_precision, roc_auc

sklearn_metrics = pytest.importorskip("sklearn.metrics")

AVERAGES = ["macro", "micro", "weighted", "samples", None]


def brute_auc(y, s, w=None):
    """Σ_p Σ_n w_p w_n [1(s_p > s_n) + ½·1(s_p = s_n)] / (W_P W_N) by explicit loops."""
    w = np.ones(len(y)) if w is None else w
    num = den = 0.0
    for p in np.flatnonzero(y):
        for q in np.flatnonzero(~np.asarray(y, bool)):
            num += w[p] * w[q] * ((s[p] > s[q]) + 0.5 * (s[p] == s[q]))
            den += w[p] * w[q]
    return num / den


def close(got, ref, tol=1e-12):
    got, ref = np.asarray(got, float), np.asarray(ref, float)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=0, atol=tol)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(AVERAGES), st.booleans(), st.data())
def test_multilabel_matches_sklearn(average, weighted, data):
    y, s, w = data.draw(tied_multilabel(weighted, rows_mixed=average == "samples"))
    for ours, theirs in [(roc_auc, sklearn_metrics.roc_auc_score),
                         (average_precision, sklearn_metrics.average_precision_score)]:
        close(ours(y, s, sample_weight=w, average=average),
              theirs(y.astype(int), s, sample_weight=w, average=average))


@settings(max_examples=25, deadline=None)
@given(st.booleans(), st.floats(0.05, 0.9), st.data())
def test_multilabel_partial_auc_matches_sklearn(weighted, max_fpr, data):
    y, s, w = data.draw(tied_multilabel(weighted))
    close(roc_auc(y, s, sample_weight=w, max_fpr=max_fpr, average=None),
          sklearn_metrics.roc_auc_score(y, s, sample_weight=w, max_fpr=max_fpr, average=None))


@settings(max_examples=15, deadline=None)
@given(tied_multilabel(weighted=True))
def test_multilabel_per_label_and_micro_equal_brute_force(problem):
    y, s, w = problem
    per_label = roc_auc(y, s, sample_weight=w, average=None)
    close(per_label, [brute_auc(y[:, c], s[:, c], w) for c in range(y.shape[1])])
    micro = brute_auc(y.ravel(), s.ravel(), np.repeat(w, y.shape[1]))
    close(roc_auc(y, s, sample_weight=w, average="micro"), micro)
    support = (y * w[:, None]).sum(axis=0)
    close(roc_auc(y, s, sample_weight=w, average="weighted"),
          np.dot(per_label, support) / support.sum())


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["macro", "weighted", "micro", None]), st.booleans(), tied_multiclass())
def test_multiclass_ovr_matches_sklearn(average, weighted, problem):
    y, p = problem
    w = np.random.default_rng(len(y)).exponential(size=len(y)) if weighted else None
    close(roc_auc(y, p, sample_weight=w, average=average, multi_class="ovr"),
          sklearn_metrics.roc_auc_score(y, p, sample_weight=w, average=average,
                                        multi_class="ovr"))
    close(average_precision(y, p, sample_weight=w, average=average),
          sklearn_metrics.average_precision_score(y, p, sample_weight=w, average=average))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["macro", "weighted"]), tied_multiclass())
def test_multiclass_ovo_matches_sklearn_and_hand_till_loops(average, problem):
    y, p = problem
    got = roc_auc(y, p, average=average, multi_class="ovo")
    close(got, sklearn_metrics.roc_auc_score(y, p, average=average, multi_class="ovo"))
    pairs, prevalence = [], []
    for a, b in combinations(range(p.shape[1]), 2):
        m = (y == a) | (y == b)
        pairs.append(0.5 * (brute_auc(y[m] == a, p[m, a]) + brute_auc(y[m] == b, p[m, b])))
        prevalence.append(m.mean())
    close(got, np.average(pairs, weights=prevalence if average == "weighted" else None))


def test_multiclass_labels_map_to_sorted_columns_and_logits_allowed():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, 60)
    codes[:3] = [0, 1, 2]
    logits = rng.normal(size=(60, 3))
    ref = roc_auc(codes, logits, multi_class="ovr", average=None)
    # labels 5 < 7 < 11 index columns 0, 1, 2; unnormalised logits are accepted
    close(roc_auc(np.array([5, 7, 11])[codes], logits, multi_class="ovr", average=None), ref)
    close(ref, [brute_auc(codes == c, logits[:, c]) for c in range(3)])
    close(roc_auc(codes[:, None], logits, multi_class="ovr", average=None), ref)
    close(roc_auc(codes.astype(float), logits, multi_class="ovo"),
          roc_auc(codes, logits, multi_class="ovo"))


def test_weighted_average_skips_labels_without_positives_like_sklearn():
    rng = np.random.default_rng(1)
    y = rng.random((50, 3)) < 0.4
    y[:, 2] = False  # no positive: weight 0 in the weighted average
    s = rng.integers(0, 4, (50, 3)) / 4
    for ours, theirs in [(roc_auc, sklearn_metrics.roc_auc_score),
                         (average_precision, sklearn_metrics.average_precision_score)]:
        close(ours(y, s, average="weighted"), theirs(y, s, average="weighted"))
    with pytest.raises(ValueError, match="label 2 of y_true"):
        roc_auc(y, s)
    with pytest.raises(ValueError, match="label 2 of y_true"):
        average_precision(y, s, average=None)


def test_binary_path_unchanged_by_new_arguments():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.4, 0.4, 0.9])
    for kwargs in ({}, {"average": None}, {"multi_class": "ovo"}):
        assert roc_auc(y, s, **kwargs) == roc_auc(y, s[:, None], **kwargs) == brute_auc(y, s)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda y3, p: roc_auc(y3, p), "multi_class must be 'ovr' or 'ovo'"),
        (lambda y3, p: roc_auc(y3, p, multi_class="ovo", sample_weight=np.ones(6)),
         "sample_weight is not supported"),
        (lambda y3, p: roc_auc(y3, p, multi_class="ovo", average=None), "average must be"),
        (lambda y3, p: roc_auc(y3, p, multi_class="ovr", average="samples"),
         "average must be"),
        (lambda y3, p: roc_auc(y3, p, multi_class="ovr", max_fpr=0.5), "max_fpr"),
        (lambda y3, p: roc_auc(y3[:, None], p, multi_class="ovr", max_fpr=0.5), "max_fpr"),
        (lambda y3, p: roc_auc(y3, p[:, :2], multi_class="ovr"), "3 classes"),
        (lambda y3, p: roc_auc(y3 + 0.5, p, multi_class="ovr"), "integer class labels"),
        (lambda y3, p: roc_auc(np.eye(3)[y3], p, average="mean"), "average must be"),
        (lambda y3, p: roc_auc(np.eye(3)[y3][:5], p), "shape"),
        (lambda y3, p: roc_auc(2 * np.eye(3)[y3], p), "0/1"),
        (lambda y3, p: roc_auc(np.eye(3)[y3], p + np.nan), "NaN"),
        (lambda y3, p: roc_auc(np.eye(3)[y3], p, sample_weight=-np.ones(6)), "non-negative"),
        (lambda y3, p: roc_auc(np.eye(3)[y3], p, average="samples",
                               sample_weight=np.zeros(6)), "all zero"),
    ],
)
def test_errors_name_the_bad_value(call, match):
    y3 = np.array([0, 1, 2, 0, 1, 2])
    p = np.full((6, 3), 1 / 3)
    with pytest.raises(ValueError, match=match):
        call(y3, p)


def test_sklearn_also_refuses_what_we_refuse():
    y3 = np.array([0, 1, 2, 0, 1, 2])
    p = np.full((6, 3), 1 / 3)
    with pytest.raises(ValueError):
        sklearn_metrics.roc_auc_score(y3, p, multi_class="ovo", sample_weight=np.ones(6))
    with pytest.raises(ValueError):
        sklearn_metrics.roc_auc_score(y3, p, multi_class="ovr", max_fpr=0.5)
    with pytest.raises(ValueError):
        sklearn_metrics.roc_auc_score(y3, p)
