"""Multi-label training on a real shipped data set: BCE against the AUC losses and AUC-M.

Run: ``python benchmarks/bench_multilabel.py [--seeds 5] [--epochs 30] [--ddp]``.

Data: scikit-learn's digits (1,797 8×8 images, shipped inside scikit-learn, no
download), its 10 classes as 10 one-vs-rest labels (each ~10 % positive). Per seed: a
stratified 50/50 train/test split, features standardised on the training half, a
64-32-10 MLP (tanh) initialised from the seed, mini-batches of 128 shuffled by the seed.
Losses (all multi-label, one output per label):

* BCE: ``torch.nn.BCEWithLogitsLoss`` (mean over samples and labels), Adam lr 1e-2;
* sigmoid AUC: ``MultiLabelAUCLoss("sigmoid", beta=10, from_logits=True)``, Adam 1e-2;
* squared hinge AUC: ``MultiLabelAUCLoss("squared_hinge", beta=4, from_logits=True)``;
* AUC-M: ``AUCMLoss(num_labels=10, from_logits=True)`` (a, b, α per label) with PESG,
  lr 0.1, the regulariser moved every 5 epochs.

Prints mean ± sd over the seeds of the macro test AUC (scikit-learn's
``roc_auc_score(average="macro")``), its paired difference to BCE (same split and initial
weights per seed; mean ± standard error) and of the time per epoch (one thread; the losses
take turns within each seed, so that a shared machine's drift hits them alike), and the
best loss. ``--ddp`` first trains AUC-M + PESG on 2 local gloo processes (DDP, each rank
half of every batch, ``gather=True``) and prints its test AUC next to one process's, seed
by seed. Digits is an easy problem, so the differences are in the third decimal.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def split(seed: int):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.5, stratify=y, random_state=seed)
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    onehot = np.eye(10)
    return (xtr - mu) / sd, (xte - mu) / sd, onehot[ytr], onehot[yte]


def make_loss(name: str):
    import torch

    import aucscape.torch as at

    if name == "BCE":
        return torch.nn.BCEWithLogitsLoss()
    if name == "sigmoid AUC":
        return at.MultiLabelAUCLoss("sigmoid", beta=10.0, from_logits=True)
    if name == "squared hinge AUC":
        return at.MultiLabelAUCLoss("squared_hinge", beta=4.0, from_logits=True)
    return at.AUCMLoss(num_labels=10, from_logits=True)


def train(name: str, seed: int, epochs: int, rank: int = 0, world: int = 1
          ) -> tuple[float, float]:
    """(macro test AUC, seconds per epoch) of one run.

    With ``world`` > 1 (inside a torch.distributed process group) the model is wrapped in
    DDP, each rank takes rows rank, rank + world, … of every batch and the loss gathers
    the batch across the ranks (``gather=True``).
    """
    import torch
    from sklearn.metrics import roc_auc_score

    import aucscape.torch as at

    xtr, xte, ytr, yte = split(seed)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(),
                                torch.nn.Linear(32, 10))
    loss_fn = make_loss(name)
    if world > 1:
        loss_fn.gather = True
        net = torch.nn.parallel.DistributedDataParallel(model)
    else:
        net = model
    if name == "AUC-M":
        opt = at.PESG(model.parameters(), loss_fn=loss_fn, lr=0.1)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = torch.tensor(xtr, dtype=torch.float32), torch.tensor(ytr, dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    loss_fn(net(x[:128]), y[:128]).backward()  # warm-up: numba compiles outside the clock
    opt.zero_grad()
    start = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 128):
            idx = order[i:i + 128][rank::world]
            opt.zero_grad()
            loss_fn(net(x[idx]), y[idx]).backward()
            opt.step()
        if name == "AUC-M" and (epoch + 1) % 5 == 0:
            opt.update_regularizer()
    per_epoch = (time.perf_counter() - start) / epochs
    with torch.no_grad():
        scores = model(torch.tensor(xte, dtype=torch.float32)).numpy()
    return float(roc_auc_score(yte, scores, average="macro")), per_epoch


def _ddp_worker(rank: int, port: int, seeds: int, epochs: int, out: str) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=2)
    try:
        aucs = [train("AUC-M", seed, epochs, rank, 2)[0] for seed in range(seeds)]
        if rank == 0:
            np.save(out, np.array(aucs))
    finally:
        dist.destroy_process_group()


def ddp_check(seeds: int, epochs: int) -> None:
    """AUC-M + PESG on 2 gloo processes (gather=True) against one process, per seed."""
    import os
    import socket
    import tempfile

    import torch

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "aucs.npy")
        torch.multiprocessing.spawn(_ddp_worker, args=(port, seeds, epochs, out), nprocs=2)
        ddp = np.load(out)
    single = np.array([train("AUC-M", seed, epochs)[0] for seed in range(seeds)])
    print(f"AUC-M + PESG, 2-process gloo DDP (gather=True, 64 rows per rank) vs one process "
          f"(batch 128), {epochs} epochs")
    print("| seed | one process | DDP | difference |")
    print("|---|---|---|---|")
    for seed, (a, b) in enumerate(zip(single, ddp, strict=True)):
        print(f"| {seed} | {a:.6f} | {b:.6f} | {b - a:+.1e} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--ddp", action="store_true",
                        help="also train AUC-M + PESG on 2 gloo processes and compare")
    opts = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    if opts.ddp:
        ddp_check(opts.seeds, opts.epochs)
    names = ["BCE", "sigmoid AUC", "squared hinge AUC", "AUC-M"]
    runs: dict = {name: [] for name in names}
    for seed in range(opts.seeds):  # losses in turns: a shared machine's drift hits all
        for name in names:
            runs[name].append(train(name, seed, opts.epochs))
    rows = []
    for name in names:
        aucs, secs = zip(*runs[name], strict=True)
        rows.append((name, statistics.mean(aucs), statistics.stdev(aucs),
                     statistics.mean(secs), statistics.stdev(secs)))
    print(f"digits, 10 one-vs-rest labels, {opts.seeds} seeds, {opts.epochs} epochs, "
          "batch 128, 64-32-10 MLP")
    print("| loss | macro test AUC (mean ± sd) | paired Δ vs BCE (mean ± se) | "
          "ms / epoch (mean ± sd) | time / BCE |")
    print("|---|---|---|---|---|")
    base = rows[0][3]
    bce = np.array([r[0] for r in runs["BCE"]])
    for name, auc, auc_sd, sec, sec_sd in rows:
        delta = np.array([r[0] for r in runs[name]]) - bce
        paired = "" if name == "BCE" else (
            f"{delta.mean():+.4f} ± {delta.std(ddof=1) / np.sqrt(delta.size):.4f}")
        print(f"| {name} | {auc:.4f} ± {auc_sd:.4f} | {paired} | {1e3 * sec:.1f} ± "
              f"{1e3 * sec_sd:.1f} | {sec / base:.2f} |")
    best = max(rows, key=lambda r: r[1])
    print(f"highest mean macro test AUC: {best[0]}")


if __name__ == "__main__":
    main()
