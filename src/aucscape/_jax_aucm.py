"""AUC-margin loss for JAX, a pure function (re-exported as ``aucscape.jax.aucm_loss``).

The saddle value of the AUC-M min-max objective (:mod:`aucscape._aucm`) over the auxiliary
a, b and the dual α, for the scores s of a batch:

    AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+²,

with class means and variances weighted by w = sample_weight · mask. This is the exact
inner solution a = μ_P, b = μ_N, α = max(0, m − μ_P + μ_N) of Yuan et al. (2021): no
state to carry, any optax optimiser trains it, and by Danskin's theorem its gradient is
the partial gradient of f at the saddle. Fixed shapes (classes are weights), so it traces
once per shape under ``jax.jit``; one-class batches give 0 and zero gradients.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from aucscape._aucm import DEFAULT_MARGIN, check_margin
from aucscape._frontend import (
    check_flat_shape,
    check_label_values,
    check_same_length,
    check_weight_values,
)

__all__ = ["aucm_loss"]


def _flat(x: jax.Array, name: str, n: int | None = None) -> jax.Array:
    x = jnp.asarray(x)
    check_flat_shape(x.shape, name)
    x = x.reshape(-1)
    if n is not None:
        check_same_length(x.shape[0], n, name, "y_pred")
    if not isinstance(x, jax.core.Tracer):  # concrete: check the values now
        values = np.asarray(x)
        if name == "y_true":
            check_label_values(values, name)
        elif name == "sample_weight":
            check_weight_values(values)
    return x


def aucm_loss(
    y_true: jax.Array,
    y_pred: jax.Array,
    *,
    margin: float = DEFAULT_MARGIN,
    from_logits: bool = False,
    mask: jax.Array | None = None,
    sample_weight: jax.Array | None = None,
) -> jax.Array:
    """AM(s) = Var_P(s) + Var_N(s) + (m − μ_P + μ_N)_+² as a 0-d array (float32 or better).

    ``from_logits=True`` takes s = σ(y_pred). ``mask`` (bool or 0/1, padding 0) and
    ``sample_weight`` multiply into the weights and get no gradient. Configuration
    (margin, from_logits) must be static Python values.

    >>> import jax.numpy as jnp
    >>> round(float(aucm_loss(jnp.array([1, 1, 0, 0]), jnp.array([0.9, 0.8, 0.3, 0.1]))), 6)
    0.135
    """
    m = check_margin(margin)
    x = _flat(y_pred, "y_pred")
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise ValueError(f"y_pred must be floating point, got {x.dtype}")
    dtype = jnp.promote_types(x.dtype, jnp.float32)
    s = x.astype(dtype)
    s = jax.nn.sigmoid(s) if from_logits else s
    y = _flat(y_true, "y_true", s.shape[0]) == 1
    w = jnp.ones_like(s)
    if sample_weight is not None:
        w = _flat(sample_weight, "sample_weight", s.shape[0]).astype(dtype)
    if mask is not None:
        w = jnp.where(_flat(mask, "mask", s.shape[0]).astype(bool), w, 0.0)
    w = jax.lax.stop_gradient(w)
    wp = jnp.where(y, w, 0.0)
    wn = w - wp
    wp_tot, wn_tot = jnp.sum(wp), jnp.sum(wn)
    valid = (wp_tot > 0) & (wn_tot > 0)
    wp = wp / jnp.where(valid, wp_tot, 1.0)  # guarded: finite on one-class batches
    wn = wn / jnp.where(valid, wn_tot, 1.0)
    mu_p, mu_n = wp @ s, wn @ s
    value = (wp @ (s - mu_p) ** 2 + wn @ (s - mu_n) ** 2
             + jnp.maximum(m - mu_p + mu_n, 0.0) ** 2)  # fmt: skip
    return jnp.where(valid, value, 0.0)
