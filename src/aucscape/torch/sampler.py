"""Balanced batch samplers (≥ k positives each) for a ``DataLoader``, single or per rank."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import Tensor

from aucscape.sampling import (
    BalancedBatchPlan,
    DistributedBatchPlan,
    MultilabelBatchPlan,
    make_plan,
)

__all__ = ["BalancedBatchSampler", "DistributedBalancedBatchSampler"]


def _numpy(labels: ArrayLike | Tensor) -> np.ndarray:
    if isinstance(labels, Tensor):
        return labels.detach().cpu().numpy()
    return np.asarray(labels)


class _EpochSampler(torch.utils.data.Sampler[list[int]]):
    """Yields, as lists of indices, the batches of ``source.epoch(self.epoch)`` (a plan of
    :mod:`aucscape.sampling`); ``advance``: each ``iter`` then moves on to the next epoch."""

    advance = False

    def __init__(self, source: BalancedBatchPlan | MultilabelBatchPlan | DistributedBatchPlan
                 ) -> None:
        self._source = source
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter`` yield the batches of ``epoch``."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self._source)

    def __iter__(self) -> Iterator[list[int]]:
        batches = self._source.epoch(self.epoch)
        if self.advance:
            self.epoch += 1
        for b in batches:
            yield b.tolist()


class BalancedBatchSampler(_EpochSampler):
    """Batch sampler (``DataLoader(ds, batch_sampler=...)``) with ≥ k positives per batch.

    Wraps :class:`aucscape.sampling.BalancedBatchPlan` (same arguments): every negative
    appears exactly once and every positive at least once per epoch; positives are re-used
    only as the guarantee needs. Epoch e's batches depend only on ``(seed, e)``. Each call
    to ``iter`` yields the current epoch and advances it; ``set_epoch`` sets it explicitly
    (as with ``DistributedSampler``).

    Multi-label targets of shape (n, L) (1 positive, 0 negative, −1 unknown) use
    :class:`aucscape.sampling.MultilabelBatchPlan`: every batch holds at least
    min(k, P_l) distinct positives of every label l (``drop_last`` is refused).
    """

    advance = True

    def __init__(
        self,
        labels: ArrayLike | Tensor,
        batch_size: int,
        *,
        min_positives: int | None = None,
        positive_fraction: float | None = None,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        self.plan = make_plan(
            _numpy(labels),
            batch_size,
            min_positives=min_positives,
            positive_fraction=positive_fraction,
            seed=seed,
            drop_last=drop_last,
        )
        super().__init__(self.plan)


class DistributedBalancedBatchSampler(_EpochSampler):
    """This rank's balanced batches under DDP: ``DataLoader(ds, batch_sampler=...)``.

    Wraps :class:`aucscape.sampling.DistributedBatchPlan`: every rank builds the same
    global plan from ``(seed, epoch)`` (binary or multi-label, as
    :class:`BalancedBatchSampler`) with a batch count that is a multiple of the world
    size, and takes every ``num_replicas``-th batch from ``rank`` on: the same number of
    batches on every rank, disjoint shares, each batch with the plan's guarantee.
    ``batch_size`` is per rank. As with ``DistributedSampler``, call ``set_epoch(e)``
    before each epoch (the epoch does not advance by itself, so all ranks stay in step).
    ``num_replicas`` and ``rank`` default to the initialised process group's.
    """

    def __init__(
        self,
        labels: ArrayLike | Tensor,
        batch_size: int,
        *,
        num_replicas: int | None = None,
        rank: int | None = None,
        min_positives: int | None = None,
        positive_fraction: float | None = None,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            dist = torch.distributed
            if not (dist.is_available() and dist.is_initialized()):
                raise ValueError("give num_replicas and rank, or initialise the default "
                                 "process group first")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        self.share = DistributedBatchPlan(
            _numpy(labels), batch_size, num_replicas=num_replicas, rank=rank,
            min_positives=min_positives, positive_fraction=positive_fraction, seed=seed,
            drop_last=drop_last,
        )
        super().__init__(self.share)
