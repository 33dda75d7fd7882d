"""Train one small MLP on credit-card fraud with five losses (Keras 3) and compare test AUC.

The same 30-16-1 network (ReLU hidden layer, sigmoid output, same initial weights) is
trained on the shipped 10 %-fraud subset (``aucscape.data.credit_card()``) with

* binary cross-entropy (``keras.losses.BinaryCrossentropy``),
* the sigmoid AUC loss 1 − σ(β(s_p − s_n)), β = 40 (``aucscape.keras.SigmoidAUCLoss``),
* weighted pairwise ranking, hinge max(0, 1 − s_p + s_n) with a positive-class weight
  (``aucscape.keras.WeightedPairwiseRankingLoss``),
* focal loss, Keras's own ``keras.losses.BinaryFocalCrossentropy`` (γ = 2, α = 0.25),
* the AUC margin loss Var_P + Var_N + (m − μ_P + μ_N)_+², m = 1, the per-batch closed
  form of AUC-M (``aucscape.keras.AUCMLoss``),

all on the same balanced batches (``aucscape.keras.BalancedBatchDataset``: ≥ 16 frauds in
every batch of 256). Prints the exact test AUC (``aucscape.metrics.roc_auc``), the average precision
(``aucscape.metrics.average_precision``) and the
median wall time of an epoch (the first epoch, which compiles, is excluded).

    python examples/keras_fraud.py --backend jax --epochs 10 --seed 0
"""

from __future__ import annotations

import argparse
import os
import time


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="training epochs (10)")
    parser.add_argument("--backend", choices=["jax", "tensorflow", "torch"], default=None,
                        help="Keras backend (default: $KERAS_BACKEND or Keras's default)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and batches")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend  # before Keras is imported
    import keras
    import numpy as np

    from aucscape.data import credit_card
    from aucscape.keras import (
        AUCMLoss,
        BalancedBatchDataset,
        SigmoidAUCLoss,
        WeightedPairwiseRankingLoss,
    )
    from aucscape.metrics import average_precision, roc_auc

    data = credit_card(seed=args.seed)
    x_train, x_test = data.X_train.astype("float32"), data.X_test.astype("float32")
    y_train, y_test = data.y_train.astype("float32"), data.y_test
    losses = {
        "binary cross-entropy": keras.losses.BinaryCrossentropy(),
        "sigmoid AUC (beta=40)": SigmoidAUCLoss(beta=40.0),
        "weighted pairwise ranking": WeightedPairwiseRankingLoss(pos_weight=2.0),
        "focal (Keras, gamma=2)": keras.losses.BinaryFocalCrossentropy(
            gamma=2.0, alpha=0.25, apply_class_balancing=True
        ),
        "AUC-M (closed form, m=1)": AUCMLoss(margin=1.0),
    }

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    print(f"credit card: {len(y_train)} train ({int(y_train.sum())} fraud), "
          f"{len(y_test)} test ({int(y_test.sum())} fraud); backend "
          f"{keras.backend.backend()}, {args.epochs} epochs, batch {args.batch_size}")
    print(f"{'loss':28s} {'test AUC':>9s} {'test AP':>9s} {'s/epoch':>9s}")
    for label, loss in losses.items():
        keras.utils.set_random_seed(args.seed)  # same initial weights for every loss
        model = keras.Sequential([
            keras.Input((x_train.shape[1],)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(args.lr), loss=loss)
        batches = BalancedBatchDataset(x_train, y_train, batch_size=args.batch_size,
                                       min_positives=16, seed=args.seed)
        timer = EpochTimer()
        timer.times = []
        model.fit(batches, epochs=args.epochs, verbose=0, callbacks=[timer])
        scores = model.predict(x_test, batch_size=1024, verbose=0).ravel()
        per_epoch = float(np.median(timer.times[1:] or timer.times))
        print(f"{label:28s} {roc_auc(y_test, scores):9.4f} "
              f"{average_precision(y_test, scores):9.4f} {per_epoch:9.3f}")


if __name__ == "__main__":
    main()
