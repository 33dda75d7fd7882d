"""Balanced mini-batches for pairwise losses: every batch holds both classes.

A pairwise AUC loss R = (1/Z) Σ_p Σ_n a_p b_n ℓ(s_p − s_n) is zero (and carries no
gradient) on a batch without positives, and fraud-like data have ~0.2 % positives, so a
plain shuffled batch of 256 often has none. The plan below builds, for each epoch, a list
of index arrays such that

* every batch holds at least ``k`` positive indices (``k = min_positives``, or
  ``ceil(positive_fraction · batch_size)``);
* every sample (each negative and each positive) appears at least once per epoch;
* negatives appear exactly once per epoch; positives are re-used (drawn from a stream of
  fresh random permutations of the positives) only as often as the guarantee needs;
* the batches are a pure function of ``(seed, epoch)``: the same seed and epoch give the
  same batches, different epochs give different shuffles.

Framework-free (NumPy only); ``aucscape.torch.BalancedBatchSampler`` and the Keras
``PyDataset`` wrap it.

Multi-label targets (n, L) use :class:`MultilabelBatchPlan` (at least min(k, P_l)
positives of every label l in every batch; see :mod:`aucscape._multilabel_plan`);
:func:`make_plan` picks the plan from the shape of the labels. For data-parallel training
:class:`DistributedBatchPlan` gives rank r of R the batches r, r + R, r + 2R, … of the
same global plan (every rank builds it from the same seed and epoch, no communication),
whose batch count is a multiple of R: disjoint shares of equal length, each batch
balanced.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._multilabel_plan import MultilabelBatchPlan
from aucscape._validation import check_int, check_labels

__all__ = [
    "BalancedBatchPlan",
    "DistributedBatchPlan",
    "MultilabelBatchPlan",
    "balanced_batches",
    "make_plan",
]


def _even_split(total: int, parts: int) -> NDArray[np.int64]:
    """``parts`` non-negative integers summing to ``total``, differing by at most one."""
    base, extra = divmod(total, parts)
    out = np.full(parts, base, dtype=np.int64)
    out[:extra] += 1
    return out


def batch_positives(batch_size: int, min_positives: int | None = None,
                    positive_fraction: float | None = None) -> int:
    """k, the guaranteed positives per batch: ``min_positives`` (default 1) or
    k = ⌈positive_fraction · batch_size⌉ (f in (0, 1)); giving both is refused.

    >>> batch_positives(256, positive_fraction=0.01), batch_positives(256)
    (3, 1)
    """
    if min_positives is not None and positive_fraction is not None:
        raise ValueError("give min_positives or positive_fraction, not both")
    if positive_fraction is not None:
        f = float(positive_fraction)
        if not 0.0 < f < 1.0:
            raise ValueError(f"positive_fraction must lie in (0, 1), got {positive_fraction!r}")
        return math.ceil(f * check_int(batch_size, "batch_size", minimum=2))
    return 1 if min_positives is None else check_int(min_positives, "min_positives",
                                                     minimum=1)


class BalancedBatchPlan:
    """Per-epoch batch plan guaranteeing ``k`` positives per batch.

    Let P, N be the numbers of positives and negatives, n = P + N, b = ``batch_size``.
    The number of batches per epoch is B = max(⌈n / b⌉, ⌈N / (b − k)⌉): enough batches to
    hold every sample, and enough that the negatives fit beside k positives each.
    Negatives are split evenly over the B batches (each exactly once). Positive slots:

    * ``drop_last=False``: T = max(P, B·k) slots split evenly (each batch ≥ k), so
      positives are re-used only when P < B·k; batch sizes then differ by at most one
      from each other and never exceed b.
    * ``drop_last=True``: every batch is filled to exactly ``batch_size`` (fixed shapes
      for ``jax.jit`` / compiled Keras steps). Unlike ``DataLoader(drop_last=True)`` no
      sample is dropped: the short batch is topped up with re-used positives instead, so
      the visit guarantee still holds. Needs n ≥ ``batch_size``.

    Positive slots are filled from a stream of independent random permutations of the
    positive indices, so every positive appears before any appears twice, and a positive
    appears twice within one batch only when P < k.

    Parameters
    ----------
    y : array of 0/1 labels, shape (n,)
    batch_size : int ≥ 2
    min_positives : int, optional
        Guaranteed positives per batch (1 ≤ k < batch_size). Default 1 (when
        ``positive_fraction`` is not given either).
    positive_fraction : float in (0, 1), optional
        Alternative to ``min_positives``: k = ⌈positive_fraction · batch_size⌉.
    seed : int
        Seed of the ``numpy.random.Generator``; epoch e uses ``default_rng([seed, e])``.
    drop_last : bool
        See above: ``True`` gives equal-size batches by topping up, never by dropping.
    batch_multiple : int
        B is rounded up to a multiple of it (for :class:`DistributedBatchPlan`); more
        batches keep every guarantee (fewer negatives each).
    """

    def __init__(
        self,
        y: ArrayLike,
        batch_size: int,
        *,
        min_positives: int | None = None,
        positive_fraction: float | None = None,
        seed: int = 0,
        drop_last: bool = False,
        batch_multiple: int = 1,
    ) -> None:
        labels = check_labels(y, "y")
        multiple = check_int(batch_multiple, "batch_multiple", minimum=1)
        batch_size = check_int(batch_size, "batch_size", minimum=2)
        k = batch_positives(batch_size, min_positives, positive_fraction)
        if k >= batch_size:
            raise ValueError(
                f"batch_size={batch_size} leaves no room for negatives beside {k} positives; "
                "use a larger batch_size or fewer positives per batch"
            )
        self.pos: NDArray[np.int64] = np.flatnonzero(labels).astype(np.int64)
        self.neg: NDArray[np.int64] = np.flatnonzero(~labels).astype(np.int64)
        if self.pos.size == 0 or self.neg.size == 0:
            raise ValueError(
                f"y must hold both classes to balance batches; got {self.pos.size} positives "
                f"and {self.neg.size} negatives"
            )
        n = labels.size
        if drop_last and n < batch_size:
            raise ValueError(
                f"drop_last=True needs at least batch_size={batch_size} samples, got {n}"
            )
        self.batch_size = batch_size
        self.positives_per_batch = k
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        n_pos, n_neg = self.pos.size, self.neg.size
        self.n_batches = max(-(-n // batch_size), -(-n_neg // (batch_size - k)))
        self.n_batches = -(-self.n_batches // multiple) * multiple
        b = self.n_batches
        # Extra negatives go to the last batches, extra positives to the first ones, so the
        # two "+1"s never meet in one batch and no batch exceeds batch_size.
        self._neg_counts = _even_split(n_neg, b)[::-1].copy()
        if self.drop_last:
            self._pos_counts = batch_size - self._neg_counts
        else:
            self._pos_counts = _even_split(max(n_pos, b * k), b)
        assert self._pos_counts.min() >= k
        assert (self._pos_counts + self._neg_counts).max() <= batch_size

    def __len__(self) -> int:
        return self.n_batches

    @property
    def n_positive_slots(self) -> int:
        """Positive entries per epoch (≥ P; the excess is re-used positives)."""
        return int(self._pos_counts.sum())

    def epoch(self, epoch: int = 0) -> list[NDArray[np.int64]]:
        """The batches of epoch ``epoch``: a list of ``len(self)`` int64 index arrays."""
        epoch = check_int(epoch, "epoch", minimum=0)
        rng = np.random.default_rng([self.seed, int(epoch)])
        neg = rng.permutation(self.neg)
        n_slots = self.n_positive_slots
        n_cycles = -(-n_slots // self.pos.size)
        pos = np.concatenate([rng.permutation(self.pos) for _ in range(n_cycles)])[:n_slots]
        neg_splits = np.cumsum(self._neg_counts)[:-1]
        pos_splits = np.cumsum(self._pos_counts)[:-1]
        batches = []
        for p, q in zip(np.split(pos, pos_splits), np.split(neg, neg_splits), strict=True):
            batches.append(rng.permutation(np.concatenate([p, q])))
        order = rng.permutation(len(batches))
        return [batches[i] for i in order]

    def __iter__(self) -> Iterator[NDArray[np.int64]]:
        """Batches of epoch 0 (use :meth:`epoch` for later epochs)."""
        return iter(self.epoch(0))


def balanced_batches(
    y: ArrayLike,
    batch_size: int,
    *,
    min_positives: int | None = None,
    positive_fraction: float | None = None,
    seed: int = 0,
    drop_last: bool = False,
    epoch: int = 0,
) -> list[NDArray[np.int64]]:
    """Index arrays of one epoch with ≥ k positives per batch; see :class:`BalancedBatchPlan`.

    Every negative appears exactly once and every positive at least once; the result is a
    pure function of ``(y, batch_size, k, seed, epoch, drop_last)``.
    """
    plan = BalancedBatchPlan(
        y,
        batch_size,
        min_positives=min_positives,
        positive_fraction=positive_fraction,
        seed=seed,
        drop_last=drop_last,
    )
    return plan.epoch(epoch)


def make_plan(
    y: ArrayLike,
    batch_size: int,
    *,
    min_positives: int | None = None,
    positive_fraction: float | None = None,
    seed: int = 0,
    drop_last: bool = False,
    batch_multiple: int = 1,
) -> BalancedBatchPlan | MultilabelBatchPlan:
    """:class:`BalancedBatchPlan` for (n,) or (n, 1) labels, :class:`MultilabelBatchPlan`
    for (n, L) labels with L ≥ 2 (``positive_fraction`` gives k = ⌈f · batch_size⌉ there
    too; ``drop_last`` is refused)."""
    shape = np.shape(y)
    if len(shape) == 2 and shape[1] > 1:
        if drop_last:
            raise ValueError("drop_last=True is not available for multi-label targets")
        k = batch_positives(batch_size, min_positives, positive_fraction)
        return MultilabelBatchPlan(y, batch_size, min_positives=k, seed=seed,
                                   batch_multiple=batch_multiple)
    return BalancedBatchPlan(y, batch_size, min_positives=min_positives,
                             positive_fraction=positive_fraction, seed=seed,
                             drop_last=drop_last, batch_multiple=batch_multiple)


class DistributedBatchPlan:
    """Rank ``rank``'s share of a balanced plan over ``num_replicas`` data-parallel ranks.

    Every rank builds the same global plan (:func:`make_plan` with ``batch_multiple =
    num_replicas``, so its B batches split evenly) and takes batches rank, rank + R, …:
    B / R batches per rank, disjoint across ranks within an epoch (a sample appears on two
    ranks only as a re-used positive, as in the single-process plan), each batch with the
    plan's guarantee. ``batch_size`` is per rank. Deterministic given ``(seed, epoch)``.

    >>> y = [0] * 18 + [1] * 2
    >>> shares = [DistributedBatchPlan(y, 4, num_replicas=2, rank=r) for r in (0, 1)]
    >>> idx = np.concatenate([b for share in shares for b in share.epoch(0)])
    >>> len(shares[0]), np.bincount(idx[idx < 18]).tolist() == [1] * 18  # negatives once
    (3, True)
    """

    def __init__(self, y: ArrayLike, batch_size: int, *, num_replicas: int, rank: int,
                 **plan_options: object) -> None:
        self.num_replicas = check_int(num_replicas, "num_replicas", minimum=1)
        self.rank = check_int(rank, "rank", minimum=0, maximum=self.num_replicas - 1)
        self.plan = make_plan(y, batch_size, batch_multiple=self.num_replicas,
                              **plan_options)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.plan) // self.num_replicas

    def epoch(self, epoch: int = 0) -> list[NDArray[np.int64]]:
        """This rank's batches of epoch ``epoch``."""
        return self.plan.epoch(epoch)[self.rank::self.num_replicas]
