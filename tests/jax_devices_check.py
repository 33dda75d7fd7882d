"""Run by tests/test_jax_multilabel.py with XLA_FLAGS=--xla_force_host_platform_device_count=2.

A linear model's loss with ``axis_name`` under ``jax.pmap`` over 2 CPU devices (each
holding half of the batch) must equal the loss of one device on the whole batch, and the
``lax.pmean`` of the per-device parameter gradients the single-device gradient (1e-6).
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import aucscape.jax as aj  # noqa: E402

assert jax.device_count() == 2, jax.devices()
print("devices:", jax.device_count())
rng = np.random.default_rng(0)
x = jnp.array(rng.normal(size=(16, 5)))
y = rng.integers(0, 2, (16, 3))
y[0, 2] = -1
y = jnp.array(y)
w = jnp.array(rng.random(16) + 0.5)
theta = jnp.array(rng.normal(size=(5, 3)) * 0.3)

CASES = {
    "sigmoid single": lambda th, xb, yb, wb, ax: aj.pairwise_auc_loss(
        jnp.maximum(yb[:, 0], 0), (xb @ th)[:, 0], beta=10.0, sample_weight=wb,
        from_logits=True, axis_name=ax),
    "squared hinge single": lambda th, xb, yb, wb, ax: aj.pairwise_auc_loss(
        yb[:, 1], (xb @ th)[:, 1], surrogate="squared_hinge", beta=4.0, from_logits=True,
        axis_name=ax),
    "sigmoid multi-label": lambda th, xb, yb, wb, ax: aj.multilabel_auc_loss(
        yb, xb @ th, beta=10.0, sample_weight=wb, from_logits=True, axis_name=ax),
    "quad multi-label": lambda th, xb, yb, wb, ax: aj.multilabel_auc_loss(
        yb, xb @ th, surrogate="quad", from_logits=True, axis_name=ax),
}

for name, loss in CASES.items():
    ref_v, ref_g = jax.value_and_grad(loss)(theta, x, y, w, None)

    def step(th, xb, yb, wb, loss=loss):
        v, g = jax.value_and_grad(loss)(th, xb, yb, wb, "dev")
        return v, jax.lax.pmean(g, "dev")

    split = [a.reshape(2, 8, *a.shape[1:]) for a in (x, y, w)]
    v, g = jax.pmap(step, axis_name="dev", in_axes=(None, 0, 0, 0))(theta, *split)
    assert np.allclose(np.asarray(v), float(ref_v), atol=1e-6, rtol=0), (name, v, ref_v)
    for dev in range(2):
        assert np.allclose(np.asarray(g[dev]), np.asarray(ref_g), atol=1e-6, rtol=0), name
    assert abs(float(ref_g.std())) > 1e-4, name  # a real gradient
    print(name, "ok", float(ref_v))
