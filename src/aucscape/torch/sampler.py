"""``BalancedBatchSampler``: balanced batches (≥ k positives each) for a ``DataLoader``."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import Tensor

from aucscape.sampling import BalancedBatchPlan

__all__ = ["BalancedBatchSampler"]


class BalancedBatchSampler(torch.utils.data.Sampler[list[int]]):
    """Batch sampler (``DataLoader(ds, batch_sampler=...)``) with ≥ k positives per batch.

    Wraps :class:`aucscape.sampling.BalancedBatchPlan` (same arguments): every negative
    appears exactly once and every positive at least once per epoch; positives are re-used
    only as the guarantee needs. Epoch e's batches depend only on ``(seed, e)``. Each call
    to ``iter`` yields the current epoch and advances it; ``set_epoch`` sets it explicitly
    (as with ``DistributedSampler``).
    """

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
        if isinstance(labels, Tensor):
            labels = labels.detach().cpu().numpy()
        self.plan = BalancedBatchPlan(
            np.asarray(labels),
            batch_size,
            min_positives=min_positives,
            positive_fraction=positive_fraction,
            seed=seed,
            drop_last=drop_last,
        )
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter`` yield the batches of ``epoch``."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.plan)

    def __iter__(self) -> Iterator[list[int]]:
        batches = self.plan.epoch(self.epoch)
        self.epoch += 1
        for b in batches:
            yield b.tolist()
