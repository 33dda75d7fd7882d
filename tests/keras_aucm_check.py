"""Checks of ``aucscape.keras.AUCMLoss`` on the backend named by ``KERAS_BACKEND``.

Run by ``tests/test_aucm.py`` once per backend in a subprocess (Keras fixes its backend at
import). References: the brute-force pairwise quadratic risk of the NumPy core (AM equals
it while the margin is not met) and its analytic score gradient, a NumPy transcription of
AM for a met margin, the exact AUC of the model before training. Prints one line per
passed check group and exits non-zero on the first failure.
"""

from __future__ import annotations

import os
import sys
import tempfile

import keras
import numpy as np
from keras import ops

from _checks import expect_value_errors
from aucscape.keras import AUCMLoss, BalancedBatchDataset, aucm_loss
from aucscape.metrics import roc_auc
from aucscape.pairwise import pairwise_loss

BACKEND = keras.backend.backend()


def value_and_grad(fn, x: np.ndarray):
    """fn(x) and d fn / dx by the backend's own autodiff (compiled on JAX and TF)."""
    if BACKEND == "jax":
        import jax

        v, g = jax.jit(jax.value_and_grad(fn))(jax.numpy.asarray(x))
    elif BACKEND == "tensorflow":
        import tensorflow as tf

        @tf.function
        def vg(t):
            with tf.GradientTape() as tape:
                tape.watch(t)
                v = fn(t)
            return v, tape.gradient(v, t)

        v, g = vg(tf.constant(x))
    else:
        import torch

        t = torch.tensor(x, requires_grad=True)
        v = fn(t)
        (g,) = torch.autograd.grad(v, t)
        v = v.detach()
    return float(np.asarray(v)), np.asarray(g, dtype=np.float64)


def am_numpy(y, s, w, m):
    p, n = y == 1, y == 0
    mp, mn = np.average(s[p], weights=w[p]), np.average(s[n], weights=w[n])
    return (np.average((s[p] - mp) ** 2, weights=w[p]) + np.average((s[n] - mn) ** 2,
            weights=w[n]) + max(0.0, m - mp + mn) ** 2)  # fmt: skip


def check_values(rng: np.random.Generator) -> None:
    n = 48
    y = (rng.random(n) < 0.3).astype(np.float32)
    y[:2] = [0, 1]
    w = rng.uniform(0.3, 2.0, n).astype(np.float32)
    s = rng.random(n).astype(np.float32)
    s64 = s.astype(np.float64)
    v, g = value_and_grad(lambda t: aucm_loss(y, t, w, margin=0.8), s)
    ref, gref = pairwise_loss(y, s64, "quad", margin=0.8, sample_weight=w, method="brute",
                              return_grad=True)
    np.testing.assert_allclose(v, ref, rtol=1e-5)
    np.testing.assert_allclose(g, gref, rtol=1e-4, atol=1e-6)
    x = rng.normal(0, 2, n).astype(np.float32)
    p64 = 1 / (1 + np.exp(-x.astype(np.float64)))
    v, g = value_and_grad(lambda t: aucm_loss(y, t, w, margin=0.8, from_logits=True), x)
    ref, gref = pairwise_loss(y, p64, "quad", margin=0.8, sample_weight=w, method="brute",
                              return_grad=True)
    np.testing.assert_allclose(v, ref, rtol=1e-5)
    np.testing.assert_allclose(g, gref * p64 * (1 - p64), rtol=1e-4, atol=1e-6)
    sep = (s + 2.0 * y).astype(np.float32)  # margin met: only the two variances remain
    got = float(AUCMLoss(margin=0.5)(y[:, None], sep[:, None], sample_weight=w))
    np.testing.assert_allclose(got, am_numpy(y, sep.astype(float), w, 0.5), rtol=1e-5)
    print(f"[{BACKEND}] values and gradients match the NumPy references")


def check_one_class() -> None:
    x = np.linspace(0.1, 0.9, 8).astype(np.float32)
    for labels in (np.zeros(8, np.float32), np.ones(8, np.float32)):
        v, g = value_and_grad(lambda t, lab=labels: aucm_loss(lab, t), x)
        assert v == 0.0 and np.all(g == 0.0), (v, g)
    expect_value_errors((
        (lambda: AUCMLoss(margin=-1.0), "margin"),
        (lambda: AUCMLoss(reduction="none"), "reduction"),
        (lambda: aucm_loss(np.array([0.0, 2.0]), np.array([0.1, 0.2], np.float32)), "0/1"),
    ))
    print(f"[{BACKEND}] one-class batches give 0; bad input raises ValueError")


def check_fit_and_serialise(rng: np.random.Generator) -> None:
    """compile(loss=AUCMLoss()) + fit raises a small MLP's AUC; a saved model reloads."""
    n = 1200
    x = rng.normal(size=(n, 6)).astype(np.float32)
    logit = x @ np.array([1.5, -1.0, 0.5, 0.0, 0.0, 0.8]) - 2.5 + 0.7 * rng.normal(size=n)
    y = (logit > 0).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    loss = AUCMLoss(margin=1.0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    train, test = slice(0, 900), slice(900, n)

    def state() -> tuple[float, float]:
        p = ops.convert_to_numpy(model(x[train]))[:, 0]
        q = ops.convert_to_numpy(model(x[test]))[:, 0]
        return float(loss(y[train], p)), roc_auc(y[test], q)

    loss_before, _ = state()
    data = BalancedBatchDataset(x[train], y[train], batch_size=64, min_positives=8, seed=0,
                                drop_last=True)
    model.fit(data, epochs=8, verbose=0)
    loss_after, auc_after = state()
    assert loss_after < 0.9 * loss_before and auc_after > 0.93, (
        loss_before, loss_after, auc_after)
    clone = keras.losses.deserialize(keras.losses.serialize(AUCMLoss(0.4, from_logits=True)))
    assert isinstance(clone, AUCMLoss) and clone.margin == 0.4 and clone.from_logits
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss, AUCMLoss) and loaded.loss.get_config() == loss.get_config()
    print(f"[{BACKEND}] compile(loss=AUCMLoss()) + fit trains (test AUC {auc_after:.3f}); "
          "saved model reloads")


def main() -> int:
    rng = np.random.default_rng(11)
    check_values(rng)
    check_one_class()
    check_fit_and_serialise(rng)
    print(f"[{BACKEND}] AUC-M checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
