"""Multi-label balanced batches and their per-rank shares for data-parallel training.

Checks each guarantee against the labels directly: every batch holds at least
min(k, P_l) distinct positives of every label, every sample is visited each epoch, no
batch exceeds batch_size; the rank shares of a distributed plan are disjoint, equally long,
cover the global plan and are built identically on every rank (no processes launched: one
plan per rank)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.sampling import (
    BalancedBatchPlan,
    DistributedBatchPlan,
    MultilabelBatchPlan,
    make_plan,
)


def multilabels(n, n_labels, seed, rate=0.05, unknown=0.1):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, n_labels)) < rng.uniform(0.002, rate, n_labels)).astype(np.int64)
    y[rng.random((n, n_labels)) < unknown] = -1
    return y


def check_multilabel_epoch(y, batches, batch_size, k):
    positive = y == 1
    counts = np.bincount(np.concatenate(batches), minlength=len(y))
    assert counts.min() >= 1, "every sample is visited each epoch"
    need = np.minimum(k, positive.sum(axis=0))
    for b in batches:
        assert b.dtype == np.int64 and len(b) <= batch_size
        distinct = np.unique(b)
        assert np.all(positive[distinct].sum(axis=0) >= need), "min(k, P_l) of each label"


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 400), n_labels=st.integers(2, 6), batch_size=st.integers(2, 48),
       k=st.integers(1, 4), seed=st.integers(0, 2**31))
def test_multilabel_guarantees_hold_for_any_sizes(n, n_labels, batch_size, k, seed):
    y = multilabels(n, n_labels, seed, rate=0.2)
    guarantee = np.minimum(k, (y == 1).sum(axis=0)).sum()
    if guarantee >= batch_size:
        with pytest.raises(ValueError, match="no room"):
            MultilabelBatchPlan(y, batch_size, min_positives=k)
        return
    plan = MultilabelBatchPlan(y, batch_size, min_positives=k, seed=seed)
    assert len(plan) == -(-n // (batch_size - guarantee))
    for epoch in (0, 2):
        batches = plan.epoch(epoch)
        assert len(batches) == len(plan)
        check_multilabel_epoch(y, batches, batch_size, k)


def test_rare_label_gets_all_its_positives_and_sizes_are_even():
    y = multilabels(3000, 5, 0)
    y[:, 4] = 0
    y[[10, 20], 4] = 1  # P = 2 < k = 3: both in every batch
    plan = MultilabelBatchPlan(y, 64, min_positives=3, seed=1)
    batches = plan.epoch(0)
    check_multilabel_epoch(y, batches, 64, 3)
    assert all({10, 20} <= set(b.tolist()) for b in batches)
    sizes = [len(b) for b in batches]
    assert max(sizes) - min(sizes) <= 1  # the guarantee slots leave room to equalise
    unknown_only = np.flatnonzero((y == -1).all(axis=1))
    seen = np.concatenate(batches)
    assert set(unknown_only.tolist()) <= set(seen.tolist())


def test_multilabel_reproducible_and_epoch_dependent():
    y = multilabels(500, 4, 2)
    a = MultilabelBatchPlan(y, 32, min_positives=2, seed=5)
    b = MultilabelBatchPlan(y, 32, min_positives=2, seed=5)
    first = [x.tolist() for x in a.epoch(0)]
    assert first == [x.tolist() for x in b.epoch(0)]
    assert first != [x.tolist() for x in a.epoch(1)]
    assert first != [x.tolist() for x in MultilabelBatchPlan(y, 32, min_positives=2,
                                                             seed=6).epoch(0)]


def test_make_plan_dispatch_and_errors():
    assert isinstance(make_plan(np.r_[np.ones(3), np.zeros(30)][:, None], 8),
                      BalancedBatchPlan)
    y = multilabels(100, 3, 3, rate=0.3)
    plan = make_plan(y, 40, positive_fraction=0.05)
    assert isinstance(plan, MultilabelBatchPlan) and plan.positives_per_batch == 2
    with pytest.raises(ValueError, match="drop_last"):
        make_plan(y, 40, drop_last=True)
    with pytest.raises(ValueError, match="1/0/-1"):
        MultilabelBatchPlan(np.full((4, 2), 2), 3)
    with pytest.raises(ValueError, match="shape"):
        MultilabelBatchPlan(np.zeros(4), 3)
    with pytest.raises(ValueError, match="batch_multiple"):
        MultilabelBatchPlan(y, 40, batch_multiple=0)


@settings(max_examples=30, deadline=None)
@given(world=st.integers(1, 4), multilabel=st.booleans(), n=st.integers(30, 300),
       batch_size=st.integers(8, 40), seed=st.integers(0, 2**31), epoch=st.integers(0, 3))
def test_distributed_shares_disjoint_balanced_and_deterministic(world, multilabel, n,
                                                                 batch_size, seed, epoch):
    rng = np.random.default_rng(seed)
    if multilabel:
        y = multilabels(n, 3, seed, rate=0.3)
        y[0] = 1
    else:
        y = (rng.random(n) < 0.1).astype(int)
        y[:2] = [0, 1]
    shares = [DistributedBatchPlan(y, batch_size, num_replicas=world, rank=r, seed=seed,
                                   min_positives=2) for r in range(world)]
    again = DistributedBatchPlan(y, batch_size, num_replicas=world, rank=world - 1,
                                 seed=seed, min_positives=2)
    per_rank = [s.epoch(epoch) for s in shares]
    assert len({len(s) for s in shares}) == 1 and all(len(p) == len(shares[0])
                                                      for p in per_rank)
    assert [b.tolist() for b in again.epoch(epoch)] == [b.tolist() for b in per_rank[-1]]
    global_plan = make_plan(y, batch_size, min_positives=2, seed=seed, batch_multiple=world)
    as_sets = Counter(tuple(b.tolist()) for p in per_rank for b in p)
    assert as_sets == Counter(tuple(b.tolist()) for b in global_plan.epoch(epoch))
    everything = [b for p in per_rank for b in p]
    if multilabel:
        check_multilabel_epoch(y, everything, batch_size, 2)
    else:
        seen = np.concatenate(everything)
        assert np.all(np.bincount(seen[y[seen] == 0], minlength=n)[y == 0] == 1)
        assert set(seen.tolist()) == set(range(n))
        assert all(np.sum(y[b]) >= min(2, y.sum()) for b in everything)
        assert all(len(b) <= batch_size for b in everything)


def test_torch_samplers():
    torch = pytest.importorskip("torch")
    from aucscape.torch import BalancedBatchSampler, DistributedBalancedBatchSampler

    y = multilabels(300, 4, 7, rate=0.1)
    sampler = BalancedBatchSampler(torch.tensor(y), 32, min_positives=2, seed=3)
    data = torch.utils.data.TensorDataset(torch.arange(300), torch.tensor(y))
    loader = torch.utils.data.DataLoader(data, batch_sampler=sampler)
    batches = [idx.numpy().astype(np.int64) for idx, _ in loader]
    check_multilabel_epoch(y, batches, 32, 2)
    ranks = [DistributedBalancedBatchSampler(y, 32, num_replicas=2, rank=r, seed=3,
                                             min_positives=2) for r in (0, 1)]
    for r in ranks:
        r.set_epoch(4)
    shares = [list(iter(r)) for r in ranks]
    assert len(shares[0]) == len(shares[1]) == len(ranks[0])
    assert shares[0] == list(iter(ranks[0]))  # no silent advance: set_epoch decides
    check_multilabel_epoch(y, [np.asarray(b, np.int64) for s in shares for b in s], 32, 2)
    if not torch.distributed.is_initialized():
        with pytest.raises(ValueError, match="process group"):
            DistributedBalancedBatchSampler(y, 32)


def test_keras_dataset_multilabel():
    keras_mod = pytest.importorskip("aucscape.keras", reason="keras is required")
    y = multilabels(250, 3, 8, rate=0.1)
    x = np.arange(250, dtype=np.float32)[:, None]
    data = keras_mod.BalancedBatchDataset(x, y, batch_size=24, min_positives=2, seed=0,
                                          sample_weight=np.ones(250))
    batches = []
    for i in range(len(data)):
        xb, yb, wb = data[i]
        assert yb.shape == (xb.shape[0], 3) and wb.shape == (xb.shape[0],)
        np.testing.assert_array_equal(yb, y[xb[:, 0].astype(int)])
        batches.append(xb[:, 0].astype(np.int64))
    check_multilabel_epoch(y, batches, 24, 2)
