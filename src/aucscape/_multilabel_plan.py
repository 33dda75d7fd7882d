"""Balanced batches for multi-label targets: k positives of every label in every batch.

Labels Y of shape (n, L): 1 = positive, 0 = negative, −1 = unknown (counted as not
positive). With P_l the positives of label l and k = ``min_positives``, the guarantee is

* every batch holds at least min(k, P_l) *distinct* positives of every label l, i.e. k
  of each label that has k or more, and all of them for a label with fewer (as many as
  possible); labels without positives are ignored;
* every sample appears at least once per epoch; batches never exceed ``batch_size``;
* the batches are a pure function of ``(seed, epoch)``.

Construction of an epoch (rng = ``default_rng([seed, epoch])``): for each batch, for each
label from the rarest up, while the batch holds fewer than min(k, P_l) positives of l,
take the next positive of l from a stream of fresh random permutations of l's positives
(skipping those already in the batch); a sample drawn for one label counts for all its
labels. These guarantee slots take at most G = Σ_l min(k, P_l) places in a batch. The
samples not yet drawn this epoch are then dealt to the batches to equalise their sizes.
With B = ⌈n / (b − G)⌉ batches (rounded up to a multiple of ``batch_multiple``) the rest
always fits, so G < b is required. Positives are re-used (drawn in several batches) as
the guarantee needs; negatives of every label are not balanced (rare-positive data
have plenty).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._validation import check_int


def check_multilabel(y: ArrayLike, name: str = "y") -> NDArray[np.bool_]:
    """(n, L) positives mask of labels in {1, 0, −1 (unknown)}; ValueError otherwise."""
    a = np.asarray(y)
    if a.ndim != 2:
        raise ValueError(f"{name} must have shape (n, L), got {a.shape}")
    if a.dtype != np.bool_:
        if a.size and not np.issubdtype(a.dtype, np.number):
            raise ValueError(f"{name} must hold 1/0/-1 labels, got dtype {a.dtype}")
        bad = (a != 0) & (a != 1) & (a != -1)
        if np.any(bad):
            found = np.unique(a[bad])[:5].tolist()
            raise ValueError(f"{name} must hold 1/0/-1 labels (positive, negative, unknown); "
                             f"found {found}")
    return a == 1


def _deal(sizes: NDArray[np.int64], n_rest: int, cap: int) -> NDArray[np.int64]:
    """How many of ``n_rest`` samples each batch gets so that sizes are as equal as possible
    (water-filling: the smallest batches first, none above ``cap``)."""
    lo, hi = 0, cap  # smallest level with room for n_rest below it: bisection
    while lo < hi:
        mid = (lo + hi) // 2
        if np.clip(mid - sizes, 0, None).sum() >= n_rest:
            hi = mid
        else:
            lo = mid + 1
    level = lo
    assert np.clip(level - sizes, 0, None).sum() >= n_rest  # B (b − G) ≥ n
    quota = np.clip(level - 1 - sizes, 0, None)
    short = np.flatnonzero(sizes + quota == level - 1)[: n_rest - int(quota.sum())]
    quota[short] += 1
    return quota


class MultilabelBatchPlan:
    """Per-epoch batch plan with min(k, P_l) positives of every label l in every batch.

    Parameters
    ----------
    y : (n, L) labels, 1 positive, 0 negative, −1 unknown.
    batch_size : int ≥ 2.
    min_positives : k ≥ 1 (default 1).
    seed : seed of ``numpy.random.default_rng([seed, epoch])``.
    batch_multiple : the number of batches is a multiple of it (the ranks of a
        distributed run each take the same number).

    See the module docstring for the guarantee and the construction.

    >>> y = [[1, 0], [0, 1], [0, 0], [0, 0], [1, 1], [0, 0], [0, 0], [0, 0]]
    >>> plan = MultilabelBatchPlan(y, 4, min_positives=1, seed=0)
    >>> len(plan)  # ⌈8 / (4 − 2)⌉
    4
    >>> all(np.asarray(y)[b].max(axis=0).tolist() == [1, 1] for b in plan.epoch(0))
    True
    """

    def __init__(self, y: ArrayLike, batch_size: int, *, min_positives: int = 1,
                 seed: int = 0, batch_multiple: int = 1) -> None:
        self.positive = check_multilabel(y)
        self.batch_size = check_int(batch_size, "batch_size", minimum=2)
        k = check_int(min_positives, "min_positives", minimum=1)
        multiple = check_int(batch_multiple, "batch_multiple", minimum=1)
        n = self.positive.shape[0]
        counts = self.positive.sum(axis=0)
        self.labels = [int(c) for c in np.argsort(counts, kind="stable") if counts[c] > 0]
        self.need = {c: min(k, int(counts[c])) for c in self.labels}
        guarantee = sum(self.need.values())
        if guarantee >= self.batch_size:
            raise ValueError(
                f"batch_size={batch_size} leaves no room beside the {guarantee} guaranteed "
                f"positives (min(k, P_l) for each of {len(self.labels)} labels); use a larger "
                "batch_size or a smaller min_positives")
        if n == 0:
            raise ValueError("y is empty")
        self.positives_per_batch = k
        self.seed = int(seed)
        self.n_batches = -(-n // (self.batch_size - guarantee))
        self.n_batches = -(-self.n_batches // multiple) * multiple

    def __len__(self) -> int:
        return self.n_batches

    def epoch(self, epoch: int = 0) -> list[NDArray[np.int64]]:
        """The batches of epoch ``epoch``: ``len(self)`` int64 index arrays."""
        epoch = check_int(epoch, "epoch", minimum=0)
        rng = np.random.default_rng([self.seed, epoch])
        streams = {c: [] for c in self.labels}
        members: list[list[int]] = []
        used = np.zeros(self.positive.shape[0], dtype=bool)
        for _ in range(self.n_batches):
            batch: list[int] = []
            have = np.zeros(self.positive.shape[1], dtype=np.int64)
            for c in self.labels:
                stream = streams[c]
                while have[c] < self.need[c]:
                    if not stream:
                        stream.extend(rng.permutation(np.flatnonzero(self.positive[:, c]))
                                      .tolist()[::-1])
                    i = stream.pop()
                    if i in batch:
                        continue
                    batch.append(i)
                    have += self.positive[i]
            members.append(batch)
            used[batch] = True
        rest = rng.permutation(np.flatnonzero(~used))
        sizes = np.array([len(b) for b in members], dtype=np.int64)
        quota = _deal(sizes, rest.size, self.batch_size)
        parts = np.split(rest, np.cumsum(quota)[:-1])
        batches = [rng.permutation(np.concatenate([np.asarray(m, np.int64), p]))
                   .astype(np.int64) for m, p in zip(members, parts, strict=True)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def __iter__(self):
        """Batches of epoch 0 (use :meth:`epoch` for later epochs)."""
        return iter(self.epoch(0))
