"""Multi-label / multi-class Keras losses on the backend named by ``KERAS_BACKEND``.

Run once per backend by ``tests/test_keras_multilabel.py`` (Keras fixes its backend at
import). Values and gradients against the loop over labels and pairs of
``tests/test_multilabel.py`` (float64 definition) to 1e-5 in float32; a config round
trip; errors; ``model.fit`` lowers the multi-label loss.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from _checks import expect_value_errors
from aucscape.keras import (
    MultiClassAUCLoss,
    MultiLabelAUCLoss,
    MultiLabelAUCMLoss,
    multiclass_auc_loss,
    multilabel_auc_loss,
)
from aucscape.pairwise import multiclass_pairwise_loss
from keras_backend_check import close, jit_modes, values_and_jacobian
from test_multilabel import NAMES, beta_for, brute, problem

BACKEND = keras.backend.backend()


def check_values_and_gradients() -> None:
    y, s, rng = problem(31, n=14, n_labels=4)
    w = rng.random((14, 4)).astype(np.float32)
    lam = [1.0, 2.0, 0.5, 3.0]
    for name in NAMES:
        kw = dict(beta=beta_for(name), pos_weight=1.5)
        ref_v, ref_g = brute(y, s, name, w=w, lam=lam, **kw)

        def fn(labels, t, name=name, kw=kw):
            return ops.stack([multilabel_auc_loss(labels, t, w, surrogate=name,
                                                  label_weight=lam, **kw)])

        for jit in jit_modes():
            v, jac = values_and_jacobian(fn, y.astype(np.float32), s.astype(np.float32),
                                         jit=jit)
            close(v[0], ref_v, f"{name} value (jit={jit})")
            close(jac[0], ref_g, f"{name} gradient (jit={jit})")
    print(f"[{BACKEND}] multi-label values and gradients")


def check_multiclass() -> None:
    rng = np.random.default_rng(32)
    y = rng.integers(0, 3, 15)
    s = rng.random((15, 3)).astype(np.float32)
    for mc in ("ovr", "ovo"):
        ref_v, ref_g = multiclass_pairwise_loss(y, s, "logistic", beta=5.0, multi_class=mc,
                                                return_grad=True)
        loss = MultiClassAUCLoss("logistic", multi_class=mc, beta=5.0)
        v, jac = values_and_jacobian(lambda labels, t, loss=loss: ops.stack(
            [loss(labels, t)]), y.astype(np.float32), s, jit=jit_modes()[0])
        close(v[0], ref_v, f"{mc} value")
        close(jac[0], ref_g, f"{mc} gradient")
        again = MultiClassAUCLoss.from_config(loss.get_config())
        close(float(again(y, s)), ref_v, f"{mc} config round trip")
    print(f"[{BACKEND}] multi-class one-vs-rest and one-vs-one")


def aucm_reference(y, s, w, lam, m):
    """Σ λ_l AM_l / Σ λ_l over labels with both classes, AM from its definition."""
    terms, used = [], []
    for col in range(y.shape[1]):
        pos = (y[:, col] == 1) & (w[:, col] > 0)
        neg = (y[:, col] == 0) & (w[:, col] > 0)
        if pos.any() and neg.any():
            wp, wn = w[pos, col] / w[pos, col].sum(), w[neg, col] / w[neg, col].sum()
            sp, sn = s[pos, col], s[neg, col]
            mp, mn = wp @ sp, wn @ sn
            terms.append(wp @ (sp - mp) ** 2 + wn @ (sn - mn) ** 2 + max(m - mp + mn, 0) ** 2)
            used.append(lam[col])
    return float(np.dot(used, terms) / np.sum(used))


def check_aucm() -> None:
    y, s, rng = problem(34, n=16, n_labels=4)
    w = rng.random((16, 4)) + 0.5
    lam = [1.0, 2.0, 0.5, 1.0]
    loss = MultiLabelAUCMLoss(margin=0.6, label_weight=lam)
    loss = MultiLabelAUCMLoss.from_config(loss.get_config())
    v, jac = values_and_jacobian(lambda labels, t: ops.stack([loss(labels, t, w)]), y, s,
                                 jit=jit_modes()[0])
    close(v[0], aucm_reference(y, s, w, lam, 0.6), "AUC-M value")
    h, num = 1e-6, np.zeros_like(s)
    for i in range(s.shape[0]):
        for j in range(s.shape[1]):
            up, dn = s.copy(), s.copy()
            up[i, j] += h
            dn[i, j] -= h
            num[i, j] = (aucm_reference(y, up, w, lam, 0.6)
                         - aucm_reference(y, dn, w, lam, 0.6)) / (2 * h)
    close(jac[0], num, "AUC-M gradient (central differences)")
    print(f"[{BACKEND}] multi-label AUC-M")


def check_errors() -> None:
    s = np.ones((3, 2), np.float32)
    expect_value_errors([
        (lambda: multilabel_auc_loss(np.array([[2, 0], [1, 0], [0, 1]]), s),
         "0/1 labels or -1 (unknown); found [2.0]"),
        (lambda: multilabel_auc_loss(np.array([1, 0, 1]), s), "one shape (N, L)"),
        (lambda: multilabel_auc_loss(np.ones((3, 2)), s, label_weight=[1.0]),
         "label_weight must have shape (2,)"),
        (lambda: multiclass_auc_loss(np.array([0, 4, 1]), s), "class indices 0..1; found"),
        (lambda: MultiClassAUCLoss(multi_class="ovx"), "multi_class must be 'ovr' or 'ovo'"),
    ])
    print(f"[{BACKEND}] errors")


def check_fit_lowers_the_loss() -> None:
    y, _, rng = problem(33, n=64, n_labels=3)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    y = np.where(y == -1, -1, (x[:, :3] > 0).astype(float)).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    loss = MultiLabelAUCLoss("sigmoid", beta=5.0, from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    before = float(ops.convert_to_numpy(loss(y, model(x))))
    model.fit(x, y, batch_size=64, epochs=20, verbose=0)
    after = float(ops.convert_to_numpy(loss(y, model(x))))
    assert after < before - 0.1, (before, after)
    print(f"[{BACKEND}] fit lowers the loss {before:.3f} -> {after:.3f}")


if __name__ == "__main__":
    check_values_and_gradients()
    check_multiclass()
    check_aucm()
    check_errors()
    check_fit_lowers_the_loss()
    print(f"[{BACKEND}] all multi-label checks passed")
