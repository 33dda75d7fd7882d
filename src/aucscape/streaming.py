"""Streaming ROC AUC for training loops: update per batch, compute at the end.

Two modes.

* ``"exact"`` keeps every (label, score, weight) seen; :meth:`StreamingAUC.compute` is
  :func:`aucscape.metrics.roc_auc` of the concatenation (memory O(total samples)).
* ``"binned"`` keeps, per label, two weighted histograms of the scores over ``n_bins``
  equal bins of ``score_range`` (scores outside it fall into the end bins): H⁺_b, the
  positive weight in bin b, and H⁻_b, the negative weight. Memory O(L · n_bins),
  whatever the number of samples. The estimate counts a positive-negative pair as won
  when the positive's bin is higher and as a tie (½) when both share a bin:

      AUC_bin = Σ_b H⁺_b (Σ_{b' < b} H⁻_{b'} + ½ H⁻_b) / (W_P W_N).

  The bin of a score is a non-decreasing function of the score, so every pair in
  different bins is ranked as the exact AUC ranks it; only a pair that shares a bin can
  differ, by at most ½ (exact 0 or 1 against ½). Hence the bound, computed exactly from
  the histograms and returned by :meth:`StreamingAUC.error_bound`:

      |AUC_bin − AUC_exact| ≤ ε = ½ Σ_b H⁺_b H⁻_b / (W_P W_N),

  half the weighted fraction of pairs that share a bin (0 when no bin holds both
  classes). For an average over labels the bound is the same average of the per-label
  bounds ("macro", "weighted"), or the bound of the pooled histograms ("micro").

``from_logits=True`` bins σ(x) instead of x: AUC depends only on the order of the scores
and σ is increasing, so the exact value is unchanged while the bins cover (0, 1).

Labels: (N,) 0/1 for one binary problem, or (N, L) 0/1 for L labels with ``average`` =
"macro", "weighted", "micro" or None as in :func:`aucscape.metrics.roc_auc`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aucscape._multilabel import check_average
from aucscape._validation import bad_labels_error, check_int, check_weights
from aucscape.metrics import roc_auc

__all__ = ["StreamingAUC", "StreamingState", "bin_index", "histogram_auc"]

MODES = ("exact", "binned")


def check_streaming_args(mode: object, n_bins: object, score_range: object,
                         average: object) -> tuple[str, int, tuple[float, float]]:
    """Validate the constructor arguments shared by every streaming metric."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    bins = check_int(n_bins, "n_bins", minimum=1)
    try:
        lo, hi = (float(v) for v in score_range)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"score_range must be two numbers (low, high), got {score_range!r}"
                         ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"score_range must be finite with low < high, got {score_range!r}")
    check_average(average, ("macro", "weighted", "micro", None), " for a streaming AUC")
    return str(mode), bins, (lo, hi)


def bin_index(s: NDArray[np.float64], n_bins: int, low: float, high: float) -> NDArray:
    """Bin of each score: clip(⌊(s − low) · n_bins / (high − low)⌋, 0, n_bins − 1).

    Non-decreasing in s (each step rounds monotonically), which is what the error bound
    needs.

    >>> bin_index(np.array([-1.0, 0.0, 0.24, 0.25, 0.99, 1.0, 7.0]), 4, 0.0, 1.0)
    array([0, 0, 0, 1, 3, 3, 3])
    """
    b = np.floor((s - low) * (n_bins / (high - low)))
    return np.clip(b, 0, n_bins - 1).astype(np.int64)


def histogram_auc(pos: ArrayLike, neg: ArrayLike) -> tuple[NDArray, NDArray]:
    """(AUC_bin, ε) per row of (..., B) positive and negative bin weights (see module).

    Rows without positive or without negative weight give NaN.

    >>> auc, bound = histogram_auc([0, 1, 2], [2, 1, 0])  # (1·2.5 + 2·3) / 9, ½·1 / 9
    >>> float(auc), float(bound)
    (0.9444444444444444, 0.05555555555555555)
    """
    pos, neg = np.asarray(pos, np.float64), np.asarray(neg, np.float64)
    below = np.cumsum(neg, axis=-1) - neg
    den = pos.sum(axis=-1) * neg.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = np.sum(pos * (below + 0.5 * neg), axis=-1) / den
        bound = 0.5 * np.sum(pos * neg, axis=-1) / den
    auc = np.where(den > 0, auc, np.nan)
    return auc, np.where(den > 0, bound, np.nan)


def average_histograms(pos: NDArray, neg: NDArray, average: str | None
                       ) -> tuple[float | NDArray, float | NDArray]:
    """(AUC_bin, ε) of (L, B) histograms averaged over labels as ``average`` says.

    Raises ValueError naming a label (or the pooled problem) with one class only.
    """
    if average == "micro":
        pos, neg = pos.sum(axis=0, keepdims=True), neg.sum(axis=0, keepdims=True)
    auc, bound = histogram_auc(pos, neg)
    support = pos.sum(axis=1)
    use = np.arange(pos.shape[0]) if average != "weighted" else np.flatnonzero(support > 0)
    if use.size == 0:
        raise ValueError("no label has a positive sample; the weighted average is undefined")
    bad = [int(c) for c in use if not np.isfinite(auc[c])]
    if bad:
        which = "y_true" if pos.shape[0] == 1 else f"label {bad[0]} of y_true"
        raise ValueError(f"{which} holds only one class (with non-zero weight); "
                         "ROC AUC is undefined when only one class is present")
    if average is None:
        return (auc[0], bound[0]) if pos.shape[0] == 1 else (auc, bound)
    weights = support[use] if average == "weighted" else None
    return (float(np.average(auc[use], weights=weights)),
            float(np.average(bound[use], weights=weights)))


class StreamingState:
    """Settings, label bookkeeping and result of a streaming AUC (NumPy and torch forms).

    A subclass keeps the batches (``_batches``, exact mode) or two histograms
    (``pos_hist``, ``neg_hist``, binned mode) and says how to read them as NumPy arrays:
    ``_histograms()`` gives the (L, n_bins) H⁺ and H⁻, ``_exact_arrays()`` the (N, L)
    labels, scores and (N,) weights of every kept batch.
    """

    def __init__(self, mode: str = "binned", *, n_bins: int = 1024,
                 score_range: tuple[float, float] = (0.0, 1.0), from_logits: bool = False,
                 average: str | None = "macro") -> None:
        self.mode, self.n_bins, self.score_range = check_streaming_args(
            mode, n_bins, score_range, average)
        self.from_logits = bool(from_logits)
        self.average = average
        self.reset()

    def reset(self) -> None:
        """Forget every batch seen."""
        self.n_labels: int | None = None
        self._binary = True
        self._weighted = False
        self._batches: list = []
        self.pos_hist = None
        self.neg_hist = None

    def _count_labels(self, n_labels: int, binary: bool, name: str) -> None:
        """Record the label count of the first batch; refuse a later batch with another."""
        if self.n_labels is None:
            self.n_labels, self._binary = n_labels, binary
        elif n_labels != self.n_labels:
            raise ValueError(f"{name} has {n_labels} labels but earlier batches had "
                             f"{self.n_labels}")

    def _histograms(self) -> tuple[NDArray, NDArray]:
        raise NotImplementedError

    def _exact_arrays(self) -> tuple[NDArray, NDArray, NDArray]:
        raise NotImplementedError

    def _result(self) -> tuple[float | NDArray, float | NDArray]:
        if self.n_labels is None:
            raise ValueError("no batch seen yet; call update before compute")
        if self.mode == "binned":
            return average_histograms(*self._histograms(),
                                      "macro" if self._binary else self.average)
        y, s, w = self._exact_arrays()
        if self._binary:
            y, s = y[:, 0], s[:, 0]
        value = roc_auc(y, s, sample_weight=w if self._weighted else None,
                        average=self.average)
        return value, 0.0 if np.ndim(value) == 0 else np.zeros_like(value)

    def compute(self) -> float | NDArray[np.float64]:
        """The AUC of everything seen since the last reset (an (L,) array if average=None)."""
        return self._result()[0]

    def error_bound(self) -> float | NDArray[np.float64]:
        """ε ≥ |compute() − exact AUC| (0 in exact mode); see :mod:`aucscape.streaming`."""
        return self._result()[1]


class StreamingAUC(StreamingState):
    """ROC AUC accumulated over batches: ``update`` per batch, ``compute``, ``reset``.

    Parameters
    ----------
    mode : "exact" (keeps the scores; equals :func:`~aucscape.metrics.roc_auc` of all
        batches together) or "binned" (constant memory, error ≤ :meth:`error_bound`).
    n_bins : bins of the binned mode (default 1024).
    score_range : (low, high) covered by the bins (default (0, 1), probabilities).
    from_logits : bin σ(score) (same exact AUC, bins over (0, 1)).
    average : "macro", "weighted", "micro" or None for (N, L) labels (ignored for (N,)).

    >>> m = StreamingAUC("binned", n_bins=4)
    >>> m.update([0, 1, 0], [0.1, 0.9, 0.3]); m.update([1, 0], [0.6, 0.65])
    >>> m.compute(), m.error_bound()  # exact AUC is 5/6; 0.6 and 0.65 share a bin
    (0.9166666666666666, 0.08333333333333333)
    """

    def _checked(self, y_true, y_score, sample_weight):
        s = np.asarray(y_score, dtype=np.float64)
        binary = s.ndim == 1 or (s.ndim == 2 and s.shape[1] == 1)
        s2 = s.reshape(-1, 1) if binary else s
        if s2.ndim != 2:
            raise ValueError(f"y_score must have shape (N,) or (N, L), got {s.shape}")
        y = np.asarray(y_true)
        y2 = y.reshape(-1, 1) if binary and y.ndim == 1 else y
        if y2.shape != s2.shape:
            raise ValueError(f"y_true has shape {y.shape} but y_score has shape {s.shape}")
        bad = (y2 != 0) & (y2 != 1)
        if np.any(bad):
            raise bad_labels_error("y_true", y2[bad])
        if not np.all(np.isfinite(s2)):
            raise ValueError("y_score contains NaN or inf")
        w = check_weights(sample_weight, s2.shape[0])
        self._weighted |= sample_weight is not None
        self._count_labels(s2.shape[1], binary, "y_score")
        return y2.astype(bool), s2, w

    def update(self, y_true: ArrayLike, y_score: ArrayLike,
               sample_weight: ArrayLike | None = None) -> None:
        """Add one batch: (N,) or (N, L) 0/1 labels, scores alike, optional (N,) weights."""
        y, s, w = self._checked(y_true, y_score, sample_weight)
        if self.mode == "exact":
            self._batches.append((y, s, w))
            return
        if self.from_logits:
            s = 0.5 * (1.0 + np.tanh(0.5 * s))  # σ(s) without overflow
        n_labels = s.shape[1]
        if self.pos_hist is None:
            self.pos_hist = np.zeros((n_labels, self.n_bins))
            self.neg_hist = np.zeros((n_labels, self.n_bins))
        flat = bin_index(s, self.n_bins, *self.score_range) + self.n_bins * np.arange(n_labels)
        ww = np.broadcast_to(w[:, None], s.shape)
        size = n_labels * self.n_bins
        self.pos_hist += np.bincount(flat[y], ww[y], size).reshape(n_labels, -1)
        self.neg_hist += np.bincount(flat[~y], ww[~y], size).reshape(n_labels, -1)

    def merge(self, other: StreamingAUC) -> None:
        """Add the batches of ``other`` (same settings), e.g. from another worker."""
        if (other.mode, other.n_bins, other.score_range, other.from_logits) != (
                self.mode, self.n_bins, self.score_range, self.from_logits):
            raise ValueError("merge needs two StreamingAUC with the same mode, n_bins, "
                             "score_range and from_logits")
        if other.n_labels is None:
            return
        if self.n_labels is None:
            self.n_labels, self._binary = other.n_labels, other._binary
        elif other.n_labels != self.n_labels:
            raise ValueError(f"cannot merge {other.n_labels} labels into {self.n_labels}")
        self._weighted |= other._weighted
        self._batches.extend(other._batches)
        if other.pos_hist is not None:
            if self.pos_hist is None:
                self.pos_hist, self.neg_hist = other.pos_hist.copy(), other.neg_hist.copy()
            else:
                self.pos_hist += other.pos_hist
                self.neg_hist += other.neg_hist

    def _histograms(self) -> tuple[NDArray, NDArray]:
        return self.pos_hist, self.neg_hist

    def _exact_arrays(self) -> tuple[NDArray, NDArray, NDArray]:
        y, s, w = (np.concatenate(parts) for parts in zip(*self._batches, strict=True))
        return y, s, w
