"""Train one small MLP with each loss on real imbalanced data: test AUC and AP over seeds.

Run: ``python benchmarks/bench_training.py [--epochs 30] [--seeds 5]
[--datasets creditcard,digits]``.

Data (nothing is downloaded):

* ``creditcard``: the shipped 10 %-fraud subset of the ULB credit-card data
  (``aucscape.data.credit_card``), 30 features, 3,936 train / 984 test rows;
* ``digits``: scikit-learn's ``load_digits``, digit 9 against the rest (about 10 %
  positives), 64 features, 1,437 / 360 rows (``aucscape.data.from_arrays``).

For each seed the stratified train/test split, the initial weights and the batch order
change; every loss of a seed starts from the same weights and sees the same balanced
batches (``BalancedBatchSampler``, batch 128, at least 8 positives each). Model: d-32-1,
ReLU hidden layer, sigmoid output s = P(y = 1) (the scores every loss takes).

Recipes, fixed before any run (package defaults, no tuning):

* BCE (``torch.nn.BCELoss``), focal (γ = 2, α = 0.25), the pairwise sigmoid (β = 40),
  tanh (β = 40), weighted pairwise ranking (hinge, m = 1, pos_weight = 2, as in
  ``examples/``) and squared hinge (m = 1) of ``aucscape.torch``: Adam, lr 3e-3, as in
  ``examples/``. (AUC-M in closed form, what the Keras/JAX front ends minimise, is not a
  separate row: on probabilities with m = 1 the margin is never met, so it equals the
  squared hinge risk (1 − s_p + s_n)² averaged over pairs, the quad loss, exactly);
* AUC-M + PESG (``aucscape.torch.AUCMLoss``, m = 1; ``PESG`` defaults lr 0.1,
  momentum 0.9, epoch_decay 2e-3, weight_decay 1e-5): LibAUC's published schedule,
  ``update_regularizer(decay_factor=10)`` after 50 % and 75 % of the epochs;
* LibAUC's AUC-M (v1) + PESG with the same schedule, only when ``libauc`` is importable.

Printed per data set: mean ± sd over seeds of the exact test AUC (``aucscape.roc_auc``)
and average precision (``aucscape.average_precision``); the paired difference of test
AUC to BCE on the same split and initial weights (mean ± sd over seeds: the split moves
every loss alike, so the paired sd is the one that compares losses); and the mean over
seeds of the fastest epoch's wall time (the minimum is the estimate least disturbed by
other load). One torch thread; on a shared machine compare the times within one run only.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

import aucscape.torch as at
from aucscape.data import Dataset, credit_card, from_arrays
from aucscape.metrics import average_precision, roc_auc

BATCH, MIN_POSITIVES, HIDDEN = 128, 8, 32


def load(name: str, seed: int) -> Dataset:
    if name == "creditcard":
        return credit_card(seed=seed)
    if name == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        return from_arrays(digits.data, (digits.target == 9).astype(int), name="digits9",
                           seed=seed, embed=False)
    raise ValueError(f"unknown dataset {name!r} (choose creditcard or digits)")


def adam(model: nn.Module, loss: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.Adam(model.parameters(), lr=3e-3)


def pesg(model: nn.Module, loss: nn.Module) -> torch.optim.Optimizer:
    return at.PESG(model.parameters(), loss_fn=loss)


Recipe = tuple[Callable[[], nn.Module], Callable[[nn.Module, nn.Module], Any]]


def recipes() -> dict[str, Recipe]:
    out: dict[str, Recipe] = {
        "BCE": (nn.BCELoss, adam),
        "focal (γ=2)": (lambda: at.FocalLoss(gamma=2.0, alpha=0.25), adam),
        "sigmoid AUC (β=40)": (lambda: at.SigmoidAUCLoss(beta=40.0), adam),
        "tanh AUC (β=40)": (lambda: at.TanhAUCLoss(beta=40.0), adam),
        "WPR (hinge, pos_weight=2)": (
            lambda: at.WeightedPairwiseRankingLoss(pos_weight=2.0), adam),
        "squared hinge (m=1)": (lambda: at.PairwiseAUCLoss("squared_hinge"), adam),
        "AUC-M + PESG": (at.AUCMLoss, pesg),
    }
    try:
        import libauc.losses as ll
        import libauc.optimizers as lo
    except ImportError:
        return out

    class LibAUCM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = ll.AUCMLoss(margin=1.0)
            self.a, self.b, self.alpha = self.inner.a, self.inner.b, self.inner.alpha
            self.margin = self.inner.margin

        def forward(self, s: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return self.inner(s.reshape(-1, 1), y.reshape(-1, 1))

    def libauc_pesg(model: nn.Module, loss: nn.Module) -> Any:
        return lo.PESG(model.parameters(), loss_fn=loss.inner, lr=0.1, verbose=False,
                       device="cpu")

    out["LibAUC AUC-M v1 + PESG"] = (LibAUCM, libauc_pesg)
    return out


def train_once(data: Dataset, recipe: Recipe, epochs: int, seed: int) -> tuple[float, ...]:
    """(test AUC, test AP, fastest epoch in seconds) of one recipe on one split."""
    make_loss, make_opt = recipe
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(data.X_train.shape[1], HIDDEN), nn.ReLU(),
                          nn.Linear(HIDDEN, 1), nn.Sigmoid())
    loss_fn = make_loss()
    opt = make_opt(model, loss_fn)
    x = torch.tensor(data.X_train, dtype=torch.float32)
    y = torch.tensor(data.y_train, dtype=torch.float32)
    sampler = at.BalancedBatchSampler(data.y_train, BATCH, min_positives=MIN_POSITIVES,
                                      seed=seed)
    decay_at = {epochs // 2, (3 * epochs) // 4} - {0}
    times = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        for batch in sampler:
            opt.zero_grad()
            loss_fn(model(x[batch]).squeeze(1), y[batch]).backward()
            opt.step()
        if hasattr(opt, "update_regularizer") and epoch in decay_at:
            opt.update_regularizer(decay_factor=10)
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        scores = model(torch.tensor(data.X_test, dtype=torch.float32)).squeeze(1).numpy()
    if not np.all(np.isfinite(scores)):
        return float("nan"), float("nan"), min(times)
    return roc_auc(data.y_test, scores), average_precision(data.y_test, scores), min(times)


def mean_sd(values: list[float], signed: bool = False) -> str:
    a = np.asarray(values)
    mean = f"{a.mean():+.4f}" if signed else f"{a.mean():.4f}"
    return f"{mean} ± {a.std(ddof=1):.4f}" if a.size > 1 else mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. S-1")
    parser.add_argument("--datasets", default="creditcard,digits")
    args = parser.parse_args()
    if args.epochs < 1 or args.seeds < 1:
        raise SystemExit("--epochs and --seeds must be >= 1")
    torch.set_num_threads(1)
    all_recipes = recipes()
    for name in args.datasets.split(","):
        splits = [load(name, seed) for seed in range(args.seeds)]
        d = splits[0]
        print(f"\n{name}: {len(d.y_train)} train ({int(d.y_train.sum())} positive), "
              f"{len(d.y_test)} test ({int(d.y_test.sum())} positive); {args.epochs} epochs, "
              f"batch {BATCH} (>= {MIN_POSITIVES} positives), {args.seeds} seeds")
        print(f"{'loss':<28} {'test AUC':>17} {'AUC − BCE (paired)':>19} {'test AP':>17} "
              f"{'ms/epoch':>9}")
        base = None
        for label, recipe in all_recipes.items():
            runs = [train_once(data, recipe, args.epochs, seed)
                    for seed, data in enumerate(splits)]
            aucs, aps, secs = (np.array(col) for col in zip(*runs, strict=True))
            base = aucs if base is None else base  # the first recipe is BCE
            diff = "" if aucs is base else mean_sd(list(aucs - base), signed=True)
            print(f"{label:<28} {mean_sd(list(aucs)):>17} {diff:>19} {mean_sd(list(aps)):>17} "
                  f"{1e3 * float(np.mean(secs)):>9.1f}", flush=True)


if __name__ == "__main__":
    main()
