"""Train one small MLP on credit-card fraud with five losses (PyTorch) and compare test AUC.

The PyTorch twin of ``examples/keras_fraud.py``: the same 30-16-1 network (ReLU hidden
layer, sigmoid output, same initial weights for every loss) on the shipped 10 %-fraud
subset, trained with binary cross-entropy (``torch.nn.BCELoss``), the sigmoid AUC loss
(β = 40), weighted pairwise ranking and focal loss (γ = 2, α = 0.25), all with Adam, and
the AUC-M min-max loss (``AUCMLoss``, m = 1) with its optimiser ``PESG`` (lr 0.1, learning
rate ÷ 10 and a new reference point after 50 % and 75 % of the epochs), all from
``aucscape.torch`` except BCE, on the same balanced batches
(``aucscape.torch.BalancedBatchSampler``: ≥ 16 frauds in every batch of 256). Prints the
exact test AUC (``aucscape.metrics.roc_auc``), the average precision and the median wall
time of an epoch.

    python examples/torch_fraud.py --epochs 10 --seed 0
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from aucscape.data import credit_card
from aucscape.metrics import average_precision, roc_auc
from aucscape.torch import (
    PESG,
    AUCMLoss,
    BalancedBatchSampler,
    FocalLoss,
    SigmoidAUCLoss,
    WeightedPairwiseRankingLoss,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="training epochs (10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and batches")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    return parser.parse_args()


def make_model(n_features: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)  # same initial weights for every loss
    return nn.Sequential(nn.Linear(n_features, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())


def main() -> None:
    args = parse_args()
    data = credit_card(seed=args.seed)
    x_train = torch.tensor(data.X_train, dtype=torch.float32)
    y_train = torch.tensor(data.y_train, dtype=torch.float32)
    x_test = torch.tensor(data.X_test, dtype=torch.float32)
    losses = {
        "binary cross-entropy": nn.BCELoss(),
        "sigmoid AUC (beta=40)": SigmoidAUCLoss(beta=40.0),
        "weighted pairwise ranking": WeightedPairwiseRankingLoss(pos_weight=2.0),
        "focal (gamma=2)": FocalLoss(gamma=2.0, alpha=0.25),
        "AUC-M + PESG (m=1)": AUCMLoss(margin=1.0),
    }
    print(f"credit card: {len(y_train)} train ({int(y_train.sum())} fraud), "
          f"{len(data.y_test)} test ({int(data.y_test.sum())} fraud); torch "
          f"{torch.__version__}, {args.epochs} epochs, batch {args.batch_size}")
    print(f"{'loss':28s} {'test AUC':>9s} {'test AP':>9s} {'s/epoch':>9s}")
    for label, loss_fn in losses.items():
        model = make_model(x_train.shape[1], args.seed)
        if isinstance(loss_fn, AUCMLoss):  # descent on the model, a, b; ascent on α
            optimizer = PESG(model.parameters(), loss_fn=loss_fn, lr=0.1)
        else:
            optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        sampler = BalancedBatchSampler(data.y_train, args.batch_size, min_positives=16,
                                       seed=args.seed)
        loader = DataLoader(TensorDataset(x_train, y_train), batch_sampler=sampler)
        times = []
        for epoch in range(1, args.epochs + 1):
            start = time.perf_counter()
            for xb, yb in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(xb).squeeze(1), yb)
                loss.backward()
                optimizer.step()
            if isinstance(optimizer, PESG) and epoch in (args.epochs // 2, 3 * args.epochs // 4):
                optimizer.update_regularizer(decay_factor=10)
            times.append(time.perf_counter() - start)
        with torch.no_grad():
            scores = model(x_test).squeeze(1).numpy()
        print(f"{label:28s} {roc_auc(data.y_test, scores):9.4f} "
              f"{average_precision(data.y_test, scores):9.4f} {float(np.median(times)):9.3f}")


if __name__ == "__main__":
    main()
