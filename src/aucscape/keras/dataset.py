"""``BalancedBatchDataset``: a Keras ``PyDataset`` of balanced batches for ``model.fit``."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike

from aucscape._validation import check_labels
from aucscape.sampling import make_plan

__all__ = ["BalancedBatchDataset"]

class BalancedBatchDataset(keras.utils.PyDataset):
    """Batches for ``model.fit`` with at least k positives each; every sample each epoch.

    Wraps :class:`aucscape.sampling.BalancedBatchPlan`: batch i of epoch e is
    ``plan.epoch(e)[i]``, a pure function of ``(seed, e)``; ``on_epoch_end`` advances e.
    Use ``drop_last=True`` for equal-size batches (no retracing of compiled steps; short
    batches are topped up with re-used positives, nothing is dropped).

    Multi-label targets y of shape (n, L) (1 positive, 0 negative, −1 unknown; yielded as
    float32 (batch, L)) use :class:`aucscape.sampling.MultilabelBatchPlan`: every batch
    holds at least min(k, P_l) distinct positives of every label l.

    Parameters
    ----------
    x : array (n, ...) of features; y : 0/1 labels (n,) or (n, L);
    sample_weight : optional (n,) weights, yielded as the third element of each batch.
    batch_size, min_positives, positive_fraction, seed, drop_last : see
        :class:`aucscape.sampling.BalancedBatchPlan`.
    **kwargs : ``workers``, ``use_multiprocessing``, ``max_queue_size`` of ``PyDataset``.
    """

    def __init__(
        self,
        x: ArrayLike,
        y: ArrayLike,
        batch_size: int = 256,
        *,
        sample_weight: ArrayLike | None = None,
        min_positives: int | None = None,
        positive_fraction: float | None = None,
        seed: int = 0,
        drop_last: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.x = np.asarray(x)
        y_arr = np.asarray(y)
        multilabel = y_arr.ndim == 2 and y_arr.shape[1] > 1
        labels = y_arr if multilabel else check_labels(y, "y")
        if self.x.shape[0] != labels.shape[0]:
            raise ValueError(f"x has {self.x.shape[0]} rows but y has {labels.shape[0]} labels")
        self.y = labels.astype(np.float32)
        self.sample_weight = None
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
            if sw.shape != self.y.shape[:1]:
                raise ValueError(
                    f"sample_weight must have shape ({self.y.shape[0]},), got "
                    f"{np.shape(sample_weight)}"
                )
            self.sample_weight = sw
        self.plan = make_plan(
            labels, batch_size, min_positives=min_positives,
            positive_fraction=positive_fraction, seed=seed, drop_last=drop_last,
        )
        self.epoch = 0
        self._batches = self.plan.epoch(0)

    @property
    def num_batches(self) -> int:
        return len(self.plan)

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self.plan):
            raise IndexError(f"batch index {index} out of range [0, {len(self.plan)})")
        idx = self._batches[index]
        if self.sample_weight is None:
            return self.x[idx], self.y[idx]
        return self.x[idx], self.y[idx], self.sample_weight[idx]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._batches = self.plan.epoch(self.epoch)

