"""Tests of :mod:`aucscape.keras`.

The loss checks run in a subprocess per Keras backend (Keras fixes its backend at import):
``tests/keras_backend_check.py`` compares values and gradients with the NumPy core, checks
awkward batches, errors, serialisation and that ``model.fit`` lowers every loss. The
balanced ``PyDataset`` is backend-independent and is tested here directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

CHECK = Path(__file__).with_name("keras_backend_check.py")


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_losses_on_backend(backend: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.run(
        [sys.executable, str(CHECK)], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert f"[{backend}] all checks passed" in proc.stdout


keras_mod = pytest.importorskip("aucscape.keras", reason="keras is required")


def labels(n: int = 203, n_pos: int = 9, seed: int = 3) -> np.ndarray:
    y = np.zeros(n, dtype=np.int64)
    y[np.random.default_rng(seed).choice(n, n_pos, replace=False)] = 1
    return y


@pytest.mark.parametrize("drop_last", [False, True])
def test_balanced_dataset_guarantees(drop_last: bool) -> None:
    y = labels()
    x = np.arange(y.size, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    data = keras_mod.BalancedBatchDataset(
        x, y, batch_size=32, min_positives=4, seed=7, drop_last=drop_last
    )
    for _epoch in range(2):
        seen = []
        for i in range(len(data)):
            xb, yb = data[i]
            assert xb.shape[1:] == (3,) and xb.shape[0] == yb.shape[0] <= 32
            if drop_last:
                assert yb.shape[0] == 32
            assert yb.sum() >= 4  # at least k positives in every batch
            np.testing.assert_array_equal(yb, y[xb[:, 0].astype(int)])  # rows stay paired
            seen.append(xb[:, 0].astype(int))
        seen = np.concatenate(seen)
        assert set(seen.tolist()) == set(range(y.size))  # every sample visited
        negatives = seen[y[seen] == 0]
        assert negatives.size == np.unique(negatives).size == (y == 0).sum()
        data.on_epoch_end()


def test_balanced_dataset_reproducible_and_reshuffled() -> None:
    y = labels()
    x = np.arange(y.size)[:, None]

    def epoch_batches(data):
        return [data[i][0][:, 0].tolist() for i in range(len(data))]

    a = keras_mod.BalancedBatchDataset(x, y, batch_size=20, positive_fraction=0.25, seed=1)
    b = keras_mod.BalancedBatchDataset(x, y, batch_size=20, positive_fraction=0.25, seed=1)
    first = epoch_batches(a)
    assert first == epoch_batches(b)
    assert all(np.sum(y[batch]) >= 5 for batch in first)  # ceil(0.25 · 20)
    a.on_epoch_end()
    assert epoch_batches(a) != first
    c = keras_mod.BalancedBatchDataset(x, y, batch_size=20, positive_fraction=0.25, seed=2)
    assert epoch_batches(c) != first


def test_balanced_dataset_sample_weight_and_errors() -> None:
    y = labels(40, 5)
    x = np.random.default_rng(0).normal(size=(40, 2))
    w = np.linspace(0.1, 4.0, 40)
    data = keras_mod.BalancedBatchDataset(x, y, batch_size=8, sample_weight=w, seed=0)
    xb, yb, wb = data[0]
    rows = [int(np.flatnonzero((x == row).all(axis=1))[0]) for row in xb]
    np.testing.assert_allclose(wb, w[rows])
    np.testing.assert_array_equal(yb, y[rows])
    with pytest.raises(IndexError):
        data[len(data)]
    with pytest.raises(ValueError, match="rows"):
        keras_mod.BalancedBatchDataset(x[:-1], y, batch_size=8)
    with pytest.raises(ValueError, match="sample_weight"):
        keras_mod.BalancedBatchDataset(x, y, batch_size=8, sample_weight=w[:-1])
    with pytest.raises(ValueError, match="0/1"):
        keras_mod.BalancedBatchDataset(x, y * 2, batch_size=8)
    with pytest.raises(ValueError, match="both classes"):
        keras_mod.BalancedBatchDataset(x, np.zeros(40), batch_size=8)


def test_loss_arguments_validated() -> None:
    with pytest.raises(ValueError, match="unknown surrogate"):
        keras_mod.PairwiseAUCLoss("cubic")
    with pytest.raises(ValueError, match="beta"):
        keras_mod.SigmoidAUCLoss(beta=-1.0)
    with pytest.raises(ValueError, match="block_size"):
        keras_mod.TanhAUCLoss(block_size=0)
    with pytest.raises(ValueError, match="reduction"):
        keras_mod.HingeAUCLoss(reduction=None)
    cfg = keras_mod.WeightedPairwiseRankingLoss(3.0, margin=0.5).get_config()
    assert cfg["pos_weight"] == 3.0 and cfg["margin"] == 0.5 and "surrogate" not in cfg
    assert keras_mod.WeightedPairwiseRankingLoss.from_config(cfg).get_config() == cfg


def test_keras_mask_folds_into_the_class_weights() -> None:
    """A Keras mask on y_pred multiplies the sample weights (pairwise loss and AUC-M)."""
    import keras

    set_keras_mask = pytest.importorskip("keras.src.backend").set_keras_mask
    from aucscape.pairwise import pairwise_loss

    rng = np.random.default_rng(11)
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 1, 0])
    s = rng.uniform(0.05, 0.95, size=y.size).astype("float32")
    mask = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 1], bool)
    w = rng.uniform(0.5, 2.0, size=y.size).astype("float32")
    x = keras.ops.convert_to_tensor(s)
    set_keras_mask(x, keras.ops.convert_to_tensor(mask))
    for weights, folded in ((None, mask * 1.0), (w, w * mask)):
        got = float(keras_mod.SigmoidAUCLoss()(y, x, sample_weight=weights))
        want = pairwise_loss(y, s.astype(float), surrogate="sigmoid", sample_weight=folded)
        assert got == pytest.approx(want, rel=1e-5)
        # AM = Var_P + Var_N + (1 − μ_P + μ_N)_+² with the folded weights, brute force
        moments = []
        for cls in (1, 0):
            wc = folded * (y == cls)
            mu = float(np.sum(wc * s) / np.sum(wc))
            moments.append((mu, float(np.sum(wc * (s - mu) ** 2) / np.sum(wc))))
        (mu_p, var_p), (mu_n, var_n) = moments
        want_am = var_p + var_n + max(0.0, 1.0 - mu_p + mu_n) ** 2
        got_am = float(keras_mod.AUCMLoss()(y, x, sample_weight=weights))
        assert got_am == pytest.approx(want_am, rel=1e-5)
