"""``StreamingAUROC``: ROC AUC over the batches of an epoch, on the scores' device.

The torch form of :class:`aucscape.streaming.StreamingAUC` (same arguments, same maths;
both subclass :class:`aucscape.streaming.StreamingState`, which holds the settings, the
label count and the final computation):
``mode="exact"`` keeps the detached scores and ``compute`` is
:func:`aucscape.metrics.roc_auc` of their concatenation; ``mode="binned"`` keeps two
(L, n_bins) float64 histograms on the device (constant memory) and ``compute`` is

    AUC_bin = Σ_b H⁺_b (Σ_{b'<b} H⁻_{b'} + ½ H⁻_b) / (W_P W_N),

with ``error_bound()`` = ε = ½ Σ_b H⁺_b H⁻_b / (W_P W_N) ≥ |AUC_bin − exact AUC|
(averaged over labels as ``average`` says). Bins are computed in the scores' dtype, so a
score on a bin edge may land in a neighbouring bin compared with the NumPy class; the
bound holds for the histogram actually kept.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from aucscape._frontend import bad_labels_error
from aucscape.streaming import StreamingState

__all__ = ["StreamingAUROC"]


class StreamingAUROC(StreamingState):
    """ROC AUC accumulated batch by batch: ``update(preds, target)``, ``compute``, ``reset``.

    Parameters
    ----------
    mode : "binned" (default, constant memory) or "exact".
    n_bins : bins of the binned mode (default 1024).
    score_range : (low, high) covered by the bins (default (0, 1)); outside, the end bins.
    from_logits : bin σ(preds) (the exact AUC is unchanged by the increasing σ).
    average : "macro", "weighted", "micro" or None for (N, L) targets.

    >>> import torch
    >>> m = StreamingAUROC(n_bins=4)
    >>> m.update(torch.tensor([0.1, 0.9, 0.3]), torch.tensor([0, 1, 0]))
    >>> m.update(torch.tensor([0.6, 0.65]), torch.tensor([1, 0]))
    >>> m.compute(), m.error_bound()  # exact 5/6: 0.6 and 0.65 share a bin
    (0.9166666666666666, 0.08333333333333333)
    """

    def _checked(self, preds: Tensor, target: Tensor, weight: Tensor | None):
        if not isinstance(preds, Tensor) or not torch.is_floating_point(preds):
            raise ValueError("preds must be a floating-point torch tensor")
        s = preds.detach()
        binary = s.ndim == 1 or (s.ndim == 2 and s.shape[1] == 1)
        s = s.reshape(-1, 1) if binary else s
        if s.ndim != 2:
            raise ValueError(f"preds must have shape (N,) or (N, L), got {tuple(preds.shape)}")
        y = torch.as_tensor(target, device=s.device).detach()
        y = y.reshape(-1, 1) if binary and y.ndim == 1 else y
        if y.shape != s.shape:
            raise ValueError(f"target has shape {tuple(target.shape)} but preds has shape "
                             f"{tuple(preds.shape)}")
        bad = (y != 0) & (y != 1)
        if bool(bad.any()):
            raise bad_labels_error("target", y[bad].double().cpu().numpy())
        if not bool(torch.isfinite(s).all()):
            raise ValueError("preds contains NaN or inf")
        if weight is None:
            w = torch.ones(s.shape[0], dtype=torch.float64, device=s.device)
        else:
            w = torch.as_tensor(weight, device=s.device).detach().reshape(-1).double()
            if w.shape[0] != s.shape[0] or not bool(torch.isfinite(w).all()) or bool(
                    (w < 0).any()):
                raise ValueError(f"sample_weight must hold {s.shape[0]} finite non-negative "
                                 "numbers")
            self._weighted = True
        self._count_labels(s.shape[1], binary, "preds")
        return s, y != 0, w

    def update(self, preds: Tensor, target: Tensor, sample_weight: Tensor | None = None
               ) -> None:
        """Add one batch: scores (N,) or (N, L), 0/1 targets alike, optional (N,) weights."""
        s, y, w = self._checked(preds, target, sample_weight)
        if self.mode == "exact":
            self._batches.append((s, y, w))
            return
        if self.from_logits:
            s = torch.sigmoid(s)
        n_labels = s.shape[1]
        if self.pos_hist is None:
            self.pos_hist = torch.zeros(n_labels * self.n_bins, dtype=torch.float64,
                                        device=s.device)
            self.neg_hist = torch.zeros_like(self.pos_hist)
        low, high = self.score_range
        idx = torch.floor((s - low) * (self.n_bins / (high - low))).clamp(0, self.n_bins - 1)
        flat = idx.long() + self.n_bins * torch.arange(n_labels, device=s.device)
        ww = w[:, None].expand_as(s)
        self.pos_hist.index_add_(0, flat[y], ww[y])
        self.neg_hist.index_add_(0, flat[~y], ww[~y])

    def sync(self, group: object = None) -> None:
        """Make every rank of the process group hold the state of all ranks together.

        Call it on every rank (a collective) before ``compute``: binned mode all-reduces
        the histograms (sum; the ranks must share ``n_bins``, ``score_range`` and the
        label count), exact mode all-gathers the kept batches. Afterwards ``compute``
        gives, on every rank, the AUC of all ranks' batches together. Without an
        initialised process group it does nothing. Call ``reset`` after use: syncing twice
        counts the other ranks twice.
        """
        dist = torch.distributed
        if not (dist.is_available() and dist.is_initialized()):
            return
        world = dist.get_world_size(group)
        shapes: list = [None] * world
        dist.all_gather_object(shapes, (self.n_labels, self._binary, self._weighted), group)
        known = {s[:2] for s in shapes if s[0] is not None}
        if len(known) > 1:
            raise ValueError(f"ranks disagree on the labels: {sorted(known)}")
        if not known:
            return
        self.n_labels, self._binary = known.pop()
        self._weighted = any(s[2] for s in shapes)
        if self.mode == "binned":
            if self.pos_hist is None:
                device = (torch.device("cuda", torch.cuda.current_device())
                          if dist.get_backend(group) == "nccl" else torch.device("cpu"))
                self.pos_hist = torch.zeros(self.n_labels * self.n_bins, dtype=torch.float64,
                                            device=device)
                self.neg_hist = torch.zeros_like(self.pos_hist)
            dist.all_reduce(self.pos_hist, group=group)
            dist.all_reduce(self.neg_hist, group=group)
            return
        mine = [tuple(t.cpu() for t in batch) for batch in self._batches]
        gathered: list = [None] * world
        dist.all_gather_object(gathered, mine, group)
        self._batches = [batch for part in gathered for batch in part]

    def _histograms(self) -> tuple[np.ndarray, np.ndarray]:
        shape = (self.n_labels, self.n_bins)
        return (self.pos_hist.cpu().numpy().reshape(shape),
                self.neg_hist.cpu().numpy().reshape(shape))

    def _exact_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s, y, w = (torch.cat(p).cpu().double().numpy() for p in zip(*self._batches,
                                                                   strict=True))
        return y, s, w
