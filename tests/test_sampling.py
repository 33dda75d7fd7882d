"""Guarantees of aucscape.sampling: positives per batch, coverage, reproducibility."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.sampling import BalancedBatchPlan, balanced_batches


def _labels(n_pos: int, n_neg: int, seed: int = 0) -> np.ndarray:
    y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
    return np.random.default_rng(seed).permutation(y)


def _check_epoch(y, batches, batch_size, k, drop_last):
    pos = set(np.flatnonzero(y == 1).tolist())
    counts = np.bincount(np.concatenate(batches), minlength=y.size)
    assert counts.min() >= 1, "every sample is visited each epoch"
    assert np.all(counts[y == 0] == 1), "negatives appear exactly once"
    for b in batches:
        assert b.dtype == np.int64
        assert len(b) <= batch_size
        if drop_last:
            assert len(b) == batch_size
        assert sum(int(i in pos) for i in b) >= k


@settings(max_examples=60, deadline=None)
@given(
    n_pos=st.integers(1, 40),
    n_neg=st.integers(1, 300),
    batch_size=st.integers(2, 64),
    k=st.integers(1, 8),
    drop_last=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_guarantees_hold_for_any_sizes(n_pos, n_neg, batch_size, k, drop_last, seed):
    y = _labels(n_pos, n_neg, seed)
    if k >= batch_size or (drop_last and y.size < batch_size):
        with pytest.raises(ValueError):
            BalancedBatchPlan(y, batch_size, min_positives=k, drop_last=drop_last)
        return
    plan = BalancedBatchPlan(y, batch_size, min_positives=k, seed=seed, drop_last=drop_last)
    for epoch in (0, 3):
        batches = plan.epoch(epoch)
        assert len(batches) == len(plan)
        _check_epoch(y, batches, batch_size, k, drop_last)


def test_batch_count_and_minimal_reuse():
    # 1000 samples, 7 positives, 64 per batch with 4 positives: negatives need
    # ceil(993 / 60) = 17 batches, so 68 positive slots (positives re-used ~10 times).
    y = _labels(7, 993)
    plan = BalancedBatchPlan(y, 64, min_positives=4)
    assert len(plan) == 17 == math.ceil(993 / 60)
    assert plan.n_positive_slots == 68
    # Plentiful positives: no re-use at all, plain ceil(n / b) batches.
    y = _labels(500, 500)
    plan = BalancedBatchPlan(y, 64, min_positives=4)
    assert len(plan) == math.ceil(1000 / 64)
    counts = np.bincount(np.concatenate(plan.epoch(0)), minlength=1000)
    assert np.all(counts == 1)


def test_positive_fraction():
    y = _labels(30, 2000)
    batches = balanced_batches(y, 100, positive_fraction=0.25, seed=1)
    assert all((y[b] == 1).sum() >= 25 for b in batches)
    # Each positive appears before any appears twice: counts differ by at most one.
    counts = np.bincount(np.concatenate(batches), minlength=y.size)[y == 1]
    assert counts.max() - counts.min() <= 1


def test_reproducible_and_epoch_dependent():
    y = _labels(20, 480)
    a = balanced_batches(y, 32, min_positives=2, seed=7, epoch=1)
    b = balanced_batches(y, 32, min_positives=2, seed=7, epoch=1)
    c = balanced_batches(y, 32, min_positives=2, seed=7, epoch=2)
    d = balanced_batches(y, 32, min_positives=2, seed=8, epoch=1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c, strict=True))
    assert not all(np.array_equal(u, v) for u, v in zip(a, d, strict=True))
    plan = BalancedBatchPlan(y, 32, min_positives=2, seed=7)
    assert all(np.array_equal(u, v) for u, v in zip(plan.epoch(1), a, strict=True))


def test_batches_are_shuffled_within_and_across():
    y = _labels(100, 900)
    batches = balanced_batches(y, 50, min_positives=5, seed=3)
    # Positives are not parked at the front of each batch.
    first_is_pos = np.mean([y[b[0]] for b in batches])
    assert first_is_pos < 0.5
    # Negatives are not visited in index order.
    neg_order = np.concatenate([b[y[b] == 0] for b in batches])
    assert not np.all(np.diff(neg_order) > 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 1}, "batch_size"),
        ({"batch_size": 8, "min_positives": 8}, "no room"),
        ({"batch_size": 8, "min_positives": 0}, "min_positives"),
        ({"batch_size": 8, "positive_fraction": 1.0}, "positive_fraction"),
        ({"batch_size": 8, "min_positives": 2, "positive_fraction": 0.5}, "not both"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BalancedBatchPlan(_labels(5, 50), **kwargs)


def test_bad_labels():
    with pytest.raises(ValueError, match="both classes"):
        BalancedBatchPlan(np.zeros(20), 4)
    with pytest.raises(ValueError, match="0/1"):
        BalancedBatchPlan(np.array([0, 1, 2, 0]), 2)
    with pytest.raises(ValueError, match="epoch"):
        BalancedBatchPlan(_labels(3, 10), 4).epoch(-1)


def test_core_imports_no_framework():
    code = (
        "import sys, aucscape, aucscape.sampling, aucscape.surrogates, aucscape._frontend\n"
        "bad = [m for m in ('torch', 'jax', 'keras', 'tensorflow') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
