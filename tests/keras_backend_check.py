"""Checks of :mod:`aucscape.keras` on the Keras backend named by ``KERAS_BACKEND``.

Keras fixes its backend at import, so ``tests/test_keras.py`` runs this script once per
backend in a subprocess (``KERAS_BACKEND=jax python tests/keras_backend_check.py``). Every
check asserts; the script exits non-zero on the first failure and prints one line per
passed check group.

References are independent of the code under test: ``aucscape.pairwise.pairwise_loss``
with ``method="brute"`` (the NumPy O(NP·NN) definition, float64) for values and
gradients, and the loss of the model before training for "training lowers the loss".
"""

from __future__ import annotations

import os
import sys
import tempfile

import keras
import numpy as np
from keras import ops

from _checks import expect_value_errors
from aucscape import pairwise_loss
from aucscape.keras import (
    BalancedBatchDataset,
    ExpAUCLoss,
    HingeAUCLoss,
    PairwiseAUCLoss,
    QuadAUCLoss,
    SigmoidAUCLoss,
    TanhAUCLoss,
    WeightedPairwiseRankingLoss,
    pairwise_auc_loss,
)

BACKEND = keras.backend.backend()
SURROGATES = ("sigmoid", "tanh", "hinge", "squared_hinge", "exp", "quad", "logistic")
RTOL = 1e-5


_COMPILED: dict = {}


def values_and_jacobian(fn, y: np.ndarray, x: np.ndarray, *, jit: bool):
    """fn(y, x) (a vector of K losses) and its (K, N) Jacobian in x by backend autodiff.

    ``jit=True`` runs it compiled (``jax.jit`` / ``tf.function``, cached per ``fn`` so
    calls with new label/score values of the same shape reuse one compilation); torch
    runs eagerly.
    """
    if BACKEND == "jax":
        import jax

        def vj(labels, t):
            return fn(labels, t), jax.jacrev(fn, argnums=1)(labels, t)

        run = _COMPILED.setdefault(fn, jax.jit(vj)) if jit else vj
        v, jac = run(jax.numpy.asarray(y), jax.numpy.asarray(x))
    elif BACKEND == "tensorflow":
        import tensorflow as tf

        def vj(labels, t):
            with tf.GradientTape(persistent=True) as tape:
                tape.watch(t)
                v = fn(labels, t)
                parts = [v[k] for k in range(v.shape[0])]
            return v, tf.stack([tape.gradient(p, t) for p in parts])

        run = _COMPILED.setdefault(fn, tf.function(vj)) if jit else vj
        v, jac = run(tf.constant(y), tf.constant(x))
    else:
        import torch

        t = torch.tensor(x, requires_grad=True)
        v = fn(torch.tensor(y), t)
        jac = torch.stack([torch.autograd.grad(vk, t, retain_graph=True)[0] for vk in v])
        v = v.detach()
    return np.asarray(v, dtype=np.float64), np.asarray(jac, dtype=np.float64)


def jit_modes() -> tuple[bool, ...]:
    # JAX runs un-jitted code op by op (each compiled on first use): slow and not how Keras
    # or JAX users run a loss, so JAX is checked compiled only; torch only eagerly.
    return {"jax": (True,), "tensorflow": (False, True), "torch": (False,)}[BACKEND]


def all_losses(w=None, **kw):
    """A function (y, t) -> the vector of the 7 surrogate losses of scores/logits t."""
    betas = dict.fromkeys(SURROGATES, kw.pop("beta", 40.0))
    betas["exp"] = kw.pop("beta_exp", 3.0)
    return lambda y, t: ops.stack([
        pairwise_auc_loss(y, t, w, surrogate=sur, beta=betas[sur], **kw) for sur in SURROGATES
    ])


def close(actual, desired, what: str) -> None:
    desired = np.asarray(desired, dtype=np.float64)
    atol = RTOL * max(1e-3, float(np.max(np.abs(desired))))
    np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=atol, err_msg=what)


def check_matches_core(rng: np.random.Generator) -> None:
    """Values and gradients equal the NumPy core for every surrogate and option."""
    cases = [  # block_size 64 at N = 40: one row per block, so the loop runs many times
        dict(n=40, frac=0.3, reduction="mean", block_size=64, from_logits=False),
        dict(n=33, frac=0.7, reduction="sum", block_size=10**6, from_logits=True),
    ]
    for case in cases:
        n, from_logits = case["n"], case["from_logits"]
        y = (rng.random(n) < case["frac"]).astype(np.float32)
        y[:2] = [0.0, 1.0]
        w = rng.uniform(0.2, 2.0, n).astype(np.float32)
        x = (rng.normal(0, 2, n) if from_logits else rng.random(n)).astype(np.float32)
        s64 = 1 / (1 + np.exp(-x.astype(np.float64))) if from_logits else x.astype(float)
        ds_dx = s64 * (1 - s64) if from_logits else 1.0
        kw = dict(margin=0.8, pos_weight=1.7, reduction=case["reduction"])
        fn = all_losses(w, from_logits=from_logits, block_size=case["block_size"], **kw)
        for jit in jit_modes():
            values, jac = values_and_jacobian(fn, y, x, jit=jit)
            for k, sur in enumerate(SURROGATES):
                ref_v, ref_g = pairwise_loss(
                    y, s64, sur, beta=3.0 if sur == "exp" else 40.0, sample_weight=w,
                    return_grad=True, method="brute", **kw,
                )
                what = f"{sur} {case} jit={jit}"
                close(values[k], ref_v, "value " + what)
                close(jac[k], ref_g * ds_dx, "grad " + what)
    # The loss classes (and Keras' (batch, 1) shapes) route to the same numbers.
    y = (rng.random(30) < 0.4).astype(np.float32)
    s = rng.random(30).astype(np.float32)
    w = rng.uniform(0.5, 1.5, 30).astype(np.float32)
    classes = {
        "sigmoid": SigmoidAUCLoss(beta=20.0), "tanh": TanhAUCLoss(beta=20.0),
        "hinge": HingeAUCLoss(margin=0.5, beta=20.0), "exp": ExpAUCLoss(beta=20.0),
        "quad": QuadAUCLoss(margin=0.5, beta=20.0),
        "logistic": PairwiseAUCLoss("logistic", beta=20.0),
    }
    for sur, loss in classes.items():
        got = float(loss(y[:, None], s[:, None], sample_weight=w))
        ref = pairwise_loss(y, s, sur, beta=20.0, margin=0.5, sample_weight=w, method="brute")
        close(got, ref, f"class {type(loss).__name__}")
    got = float(WeightedPairwiseRankingLoss(pos_weight=5.0, reduction="sum")(y, s))
    close(got, pairwise_loss(y, s, "hinge", pos_weight=5.0, reduction="sum"), "wprl sum")
    print(f"[{BACKEND}] values and gradients match the NumPy core")


def check_awkward_batches(rng: np.random.Generator) -> None:
    """One class: 0 and zero gradient; extreme logits finite; low precision cast up."""
    x = rng.normal(0, 1, 16).astype(np.float32)
    jit = jit_modes()[-1]
    fn = all_losses(from_logits=True, beta_exp=40.0)
    for labels in (np.zeros(16, np.float32), np.ones(16, np.float32)):
        v, jac = values_and_jacobian(fn, labels, x, jit=jit)
        assert np.all(v == 0.0) and np.all(jac == 0.0), (labels[0], v, jac)
    y = np.array([0, 1] * 8, np.float32)
    big = np.where(rng.random(16) < 0.5, -1e4, 1e4).astype(np.float32)
    v, jac = values_and_jacobian(fn, y, big, jit=jit)
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(jac)), (v, jac)
    y = np.array([0, 1] * 20, np.float32)
    s = rng.random(40).astype(np.float32)
    for dtype in ("float16", "bfloat16"):
        low = ops.cast(ops.convert_to_tensor(s), dtype)
        s_low = ops.convert_to_numpy(ops.cast(low, "float32")).astype(np.float64)
        for sur in ("sigmoid", "hinge", "exp"):
            got = pairwise_auc_loss(y, low, surrogate=sur, beta=10.0)
            assert keras.backend.standardize_dtype(got.dtype) == "float32", got.dtype
            close(float(got), pairwise_loss(y, s_low, sur, beta=10.0), f"{dtype} {sur}")
    print(f"[{BACKEND}] one-class, extreme-logit and float16/bfloat16 batches behave")


def check_errors() -> None:
    y, s = np.array([0.0, 1.0, 1.0]), np.array([0.2, 0.4, 0.9], np.float32)
    bad = [
        (lambda: pairwise_auc_loss(np.array([0.0, 2.0, 1.0]), s), "0/1 labels"),
        (lambda: pairwise_auc_loss(y, s[:2]), "entries"),
        (lambda: pairwise_auc_loss(y, np.ones((3, 2), np.float32)), "shape"),
        (lambda: pairwise_auc_loss(y, s, np.array([1.0, -1.0, 1.0])), "non-negative"),
        (lambda: PairwiseAUCLoss("cubic"), "unknown surrogate"),
        (lambda: SigmoidAUCLoss(reduction="none"), "reduction"),
        (lambda: HingeAUCLoss(surrogate="sigmoid"), "uses surrogate"),
    ]
    expect_value_errors(bad)
    print(f"[{BACKEND}] invalid input raises ValueError")


def make_data(rng: np.random.Generator, n: int = 384):
    x = rng.normal(size=(n, 4)).astype(np.float32)
    logit = x @ np.array([2.0, -1.0, 0.5, 0.0]) - 2.0 + 0.5 * rng.normal(size=n)
    return x, (logit > 0).astype(np.float32)


def tiny_model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])


class SameTargetForEachHead(keras.utils.PyDataset):
    """(x, y) batches of a dataset as (x, (y,) * heads) for a model with several outputs."""

    def __init__(self, data: keras.utils.PyDataset, heads: int) -> None:
        super().__init__()
        self.data, self.heads = data, heads

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int):
        xb, yb = self.data[i]
        return xb, (yb,) * self.heads

    def on_epoch_end(self) -> None:
        self.data.on_epoch_end()


def check_training(rng: np.random.Generator) -> None:
    """model.fit on balanced batches lowers each loss on the full training set.

    One Keras model holds one independent logistic-regression head per loss (the heads
    share only the input), so a single fit (one compilation) trains every loss.
    """
    x, y = make_data(rng)
    assert 0.05 < y.mean() < 0.5
    losses = [
        SigmoidAUCLoss(), TanhAUCLoss(), HingeAUCLoss(), WeightedPairwiseRankingLoss(2.0),
        ExpAUCLoss(beta=2.0), QuadAUCLoss(), PairwiseAUCLoss("squared_hinge"),
        PairwiseAUCLoss("logistic", beta=5.0),
        keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True),
    ]
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    heads = [keras.layers.Dense(1, activation="sigmoid")(inputs) for _ in losses]
    model = keras.Model(inputs, heads)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=losses)

    def each_loss() -> list[float]:
        scores = [ops.convert_to_numpy(h) for h in model(x)]
        return [float(loss(y, p)) for loss, p in zip(losses, scores, strict=True)]

    before = each_loss()
    data = BalancedBatchDataset(x, y, batch_size=64, min_positives=8, seed=1, drop_last=True)
    model.fit(SameTargetForEachHead(data, len(losses)), epochs=3, verbose=0)
    for loss, b, a in zip(losses, before, each_loss(), strict=True):
        assert np.isfinite(a) and a < 0.9 * b, (loss.name, b, a)
    print(f"[{BACKEND}] model.fit lowers all {len(losses)} losses")


def check_serialisation(rng: np.random.Generator) -> None:
    """get_config round trip for every class; a saved model reloads with its loss."""
    for loss in (
        PairwiseAUCLoss("logistic", beta=3.0, pos_weight=2.0, block_size=1000, name="lg"),
        SigmoidAUCLoss(beta=12.0, from_logits=True), TanhAUCLoss(pos_weight=0.5),
        HingeAUCLoss(margin=0.3, reduction="sum"), WeightedPairwiseRankingLoss(4.0),
        ExpAUCLoss(beta=2.0), QuadAUCLoss(margin=2.0),
    ):
        clone = keras.losses.deserialize(keras.losses.serialize(loss))
        assert type(clone) is type(loss) and clone.get_config() == loss.get_config(), loss
        name = keras.saving.get_registered_name(type(loss))
        assert name == f"aucscape>{type(loss).__name__}", name
    # Byte-for-byte what the single-file aucscape.keras wrote before it became a package:
    # old files still load and new files are written the same.
    saved = {
        "module": "aucscape.keras", "class_name": "SigmoidAUCLoss",
        "config": {"name": "sigmoid_auc_loss", "reduction": "sum_over_batch_size",
                   "beta": 3.0, "pos_weight": 1.0, "from_logits": False,
                   "block_size": 1048576},
        "registered_name": "aucscape>SigmoidAUCLoss",
    }
    assert keras.saving.serialize_keras_object(SigmoidAUCLoss(beta=3.0)) == saved
    old = keras.saving.deserialize_keras_object(saved)
    assert isinstance(old, SigmoidAUCLoss) and old.beta == 3.0, old
    x, y = make_data(rng, 64)
    model = tiny_model(0)
    loss = SigmoidAUCLoss(beta=13.0, pos_weight=2.0)
    model.compile(optimizer="sgd", loss=loss)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss, SigmoidAUCLoss), loaded.loss
    assert loaded.loss.get_config() == loss.get_config()
    p = ops.convert_to_numpy(model(x))
    ref = pairwise_loss(y, p, beta=13.0, pos_weight=2.0, method="brute")
    close(float(loaded.loss(y, p)), ref, "reloaded")
    print(f"[{BACKEND}] serialisation round trip")


def main() -> int:
    rng = np.random.default_rng(20240607)
    check_matches_core(rng)
    check_awkward_batches(rng)
    check_errors()
    check_serialisation(rng)
    check_training(rng)
    print(f"[{BACKEND}] all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
