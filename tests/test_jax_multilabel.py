"""aucscape.jax multi-label / multi-class losses (float32, jit) and pairs across devices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _checks import close_value_grad

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import aucscape.jax as aj  # noqa: E402
from aucscape.pairwise import multiclass_pairwise_loss  # noqa: E402
from test_multilabel import NAMES, beta_for, brute, problem  # noqa: E402  (loop over pairs)

CHECK = Path(__file__).with_name("jax_devices_check.py")


def _close(got, ref, tol=1e-5):
    close_value_grad(got, ref, tol)


@pytest.mark.parametrize("name", NAMES)
def test_every_surrogate_equals_the_loop_over_labels_and_pairs(name):
    y, s, rng = problem(21, n=16, n_labels=5)
    w = rng.random((16, 5))
    lam = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    kw = dict(beta=beta_for(name), pos_weight=1.5)
    fn = jax.jit(jax.value_and_grad(lambda x: aj.multilabel_auc_loss(
        jnp.array(y), x, surrogate=name, sample_weight=jnp.array(w),
        label_weight=jnp.array(lam), **kw)))
    _close(fn(jnp.array(s, jnp.float32)), brute(y, s, name, w=w, lam=lam, **kw))


def test_partial_auc_per_label_matches_the_core():
    from aucscape.pairwise import multilabel_pairwise_loss

    y, s, rng = problem(24, n=20, n_labels=4)
    w = rng.random((20, 4))
    ref = multilabel_pairwise_loss(y, s, "sigmoid", beta=10.0, max_fpr=0.3, sample_weight=w,
                                   return_grad=True)
    got = jax.value_and_grad(lambda x: aj.multilabel_auc_loss(
        jnp.array(y), x, beta=10.0, max_fpr=0.3, sample_weight=jnp.array(w)))(
        jnp.array(s, jnp.float32))
    _close(got, ref)


def test_mask_drops_entries_like_unknown_labels():
    y, s, _ = problem(22, n=12, n_labels=3, unknown=False)
    known = np.random.default_rng(0).random((12, 3)) > 0.3
    masked = aj.multilabel_auc_loss(jnp.array(y), jnp.array(s), mask=jnp.array(known))
    unknown = aj.multilabel_auc_loss(jnp.array(np.where(known, y, -1)), jnp.array(s))
    assert float(masked) == pytest.approx(brute(np.where(known, y, -1), s, "sigmoid")[0],
                                          rel=1e-5)
    assert float(masked) == float(unknown)


@pytest.mark.parametrize("multi_class", ["ovr", "ovo"])
def test_multiclass_matches_the_core(multi_class):
    rng = np.random.default_rng(23)
    y = rng.integers(0, 4, 18)
    y[y == 3] = 0  # class 3 absent
    s = rng.random((18, 4))
    got = jax.value_and_grad(lambda x: aj.multiclass_auc_loss(
        jnp.array(y), x, multi_class=multi_class, surrogate="logistic", beta=5.0))(
        jnp.array(s, jnp.float32))
    _close(got, multiclass_pairwise_loss(y, s, "logistic", beta=5.0, multi_class=multi_class,
                                         return_grad=True))


def test_multilabel_aucm_is_the_mean_of_per_label_saddle_values():
    y, s, rng = problem(25, n=18, n_labels=4)
    w = rng.random(18) + 0.5
    lam = np.array([1.0, 1.0, 2.0, 0.5])

    def loop(x):  # the single-label aucm_loss on each label's known entries
        terms, used = [], []
        for col in range(4):
            keep = y[:, col] != -1
            yl = y[keep, col]
            if (yl == 1).any() and (yl == 0).any():
                terms.append(aj.aucm_loss(jnp.array(yl), x[keep, col], margin=0.6,
                                          sample_weight=jnp.array(w[keep])))
                used.append(lam[col])
        return sum(u * v for u, v in zip(used, terms, strict=True)) / sum(used)

    x = jnp.array(s, jnp.float32)
    got = jax.value_and_grad(lambda t: aj.multilabel_aucm_loss(
        jnp.array(y), t, margin=0.6, sample_weight=jnp.array(w),
        label_weight=jnp.array(lam)))(x)
    ref = jax.value_and_grad(loop)(x)
    _close(got, (float(ref[0]), np.asarray(ref[1], np.float64)))


def test_bad_inputs_raise_naming_them():
    s = jnp.ones((3, 2))
    with pytest.raises(ValueError, match=r"0/1 labels or -1 \(unknown\); found \[2\]"):
        aj.multilabel_auc_loss(jnp.array([[2, 0], [1, 0], [0, 1]]), s)
    with pytest.raises(ValueError, match="one shape"):
        aj.multilabel_auc_loss(jnp.array([1, 0, 1]), s)
    with pytest.raises(ValueError, match=r"class indices 0\.\.1; found \[5\]"):
        aj.multiclass_auc_loss(jnp.array([0, 5, 1]), s)


def test_pairs_across_two_host_devices_equal_one_device():
    """pmap over 2 CPU devices with axis_name: loss and pmean'd gradients (subprocess)."""
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, str(CHECK)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "devices: 2" in proc.stdout and "ok" in proc.stdout
