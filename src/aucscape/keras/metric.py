"""``StreamingAUC``: a ``keras.metrics.Metric`` for the binned AUC with a stated bound.

Written with ``keras.ops`` only, so it runs on the TensorFlow, JAX and torch backends,
eagerly and inside compiled train/test steps. It keeps, per label, two histograms of the
scores over ``n_bins`` equal bins of ``score_range`` (the end bins take the scores outside
it): H⁺_b the positive weight and H⁻_b the negative weight of bin b, so its memory is
O(L · n_bins) whatever the number of samples. Then (see :mod:`aucscape.streaming`)

    AUC_bin = Σ_b H⁺_b (Σ_{b'<b} H⁻_{b'} + ½ H⁻_b) / (W_P W_N),
    |AUC_bin − AUC_exact| ≤ ε = ½ Σ_b H⁺_b H⁻_b / (W_P W_N),

``result()`` is AUC_bin averaged over labels as ``average`` says ("macro", "weighted" by
positive weight, "micro" pooled, or None for the (L,) vector) and ``error_bound()`` is ε
averaged the same way. The histograms are variables of the metric's dtype (float32 by
default): unit-weight counts are exact up to 2^24 samples per bin. A label with one
class only gives NaN (a compiled step cannot raise); "weighted" leaves out labels without
positives. Unlike ``keras.metrics.AUC`` (which interpolates a thresholded curve and
states no error), the estimate here is the exact AUC of the binned scores, with the
bound computed from the same histograms.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from aucscape._validation import check_int
from aucscape.streaming import check_streaming_args

__all__ = ["StreamingAUC"]


@keras.saving.register_keras_serializable(package="aucscape")
class StreamingAUC(keras.metrics.Metric):
    """Binned ROC AUC over all batches since the last reset, with its error bound.

    Parameters
    ----------
    n_bins : bins (default 1024).
    score_range : (low, high) covered by the bins (default (0, 1), probabilities).
    from_logits : bin σ(y_pred) (the exact AUC is unchanged: σ is increasing).
    num_labels : None for one binary output ((N,) or (N, 1)); L for (N, L) outputs.
    average : "macro", "weighted", "micro" or None (multi-label only).

    >>> m = StreamingAUC(n_bins=4)
    >>> m.update_state([0, 1, 0], [0.1, 0.9, 0.3]); m.update_state([1, 0], [0.6, 0.65])
    >>> round(float(m.result()), 6), round(float(m.error_bound()), 6)  # exact: 5/6
    (0.916667, 0.083333)
    """

    def __init__(self, n_bins: int = 1024, score_range: tuple[float, float] = (0.0, 1.0),
                 from_logits: bool = False, num_labels: int | None = None,
                 average: str | None = "macro", name: str = "streaming_auc",
                 dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        _, self.n_bins, self.score_range = check_streaming_args(
            "binned", n_bins, score_range, average)
        self.num_labels = None if num_labels is None else check_int(
            num_labels, "num_labels", minimum=1)
        self.from_logits = bool(from_logits)
        self.average = average
        size = (self.num_labels or 1) * self.n_bins
        self.pos_hist = self.add_variable(shape=(size,), initializer="zeros",
                                          name="pos_hist", dtype=self.dtype)
        self.neg_hist = self.add_variable(shape=(size,), initializer="zeros",
                                          name="neg_hist", dtype=self.dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch: labels and scores of shape (N,), (N, 1) or (N, num_labels)."""
        n_labels = self.num_labels or 1
        s = ops.reshape(ops.cast(y_pred, self.dtype), (-1, n_labels))
        y = ops.reshape(ops.cast(y_true, self.dtype), (-1, n_labels))
        if self.from_logits:
            s = ops.sigmoid(s)
        w = ops.ones_like(y)
        if sample_weight is not None:
            w = w * ops.reshape(ops.cast(sample_weight, self.dtype), (-1, 1))
        low, high = self.score_range
        idx = ops.clip(ops.floor((s - low) * (self.n_bins / (high - low))), 0, self.n_bins - 1)
        flat = ops.cast(idx, "int32") + self.n_bins * ops.arange(n_labels, dtype="int32")
        flat = ops.reshape(flat, (-1,))
        size = n_labels * self.n_bins
        self.pos_hist.assign_add(ops.segment_sum(ops.reshape(w * y, (-1,)), flat, size))
        self.neg_hist.assign_add(ops.segment_sum(ops.reshape(w * (1 - y), (-1,)), flat, size))

    def _per_label(self) -> tuple[Any, Any, Any]:
        """(AUC_bin, ε, positive weight) per label, or of the pooled labels for "micro"."""
        shape = (self.num_labels or 1, self.n_bins)
        pos = ops.reshape(self.pos_hist, shape)
        neg = ops.reshape(self.neg_hist, shape)
        if self.average == "micro":
            pos = ops.sum(pos, axis=0, keepdims=True)
            neg = ops.sum(neg, axis=0, keepdims=True)
        below = ops.cumsum(neg, axis=1) - neg
        support = ops.sum(pos, axis=1)
        den = support * ops.sum(neg, axis=1)
        auc = ops.sum(pos * (below + 0.5 * neg), axis=1) / den
        bound = 0.5 * ops.sum(pos * neg, axis=1) / den
        return auc, bound, support

    def _average(self, per_label: Any, support: Any) -> Any:
        if self.num_labels is None or self.average == "micro":
            return per_label[0]
        if self.average is None:
            return per_label
        if self.average == "weighted":
            has = support > 0
            safe = ops.where(has, per_label, ops.zeros_like(per_label))
            return ops.sum(safe * support) / ops.sum(support)
        return ops.mean(per_label)

    def result(self) -> Any:
        auc, _, support = self._per_label()
        return self._average(auc, support)

    def error_bound(self) -> Any:
        """ε ≥ |result() − exact AUC of the scores seen| (same averaging as ``result``)."""
        _, bound, support = self._per_label()
        return self._average(bound, support)

    def reset_state(self) -> None:
        for hist in (self.pos_hist, self.neg_hist):
            hist.assign(ops.zeros(hist.shape, dtype=hist.dtype))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n_bins": self.n_bins,
                "score_range": list(self.score_range), "from_logits": self.from_logits,
                "num_labels": self.num_labels, "average": self.average}
