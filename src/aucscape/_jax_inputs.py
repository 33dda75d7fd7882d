"""Input checks of the JAX front end: shapes, dtypes, label and weight values.

(N,) or (N, 1) arrays; values are checked when they are concrete (eager calls), not under
``jit``. Imported by :mod:`aucscape.jax`; importing this module imports ``jax``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from aucscape._frontend import (
    check_flat_shape,
    check_label_values,
    check_same_length,
    check_weight_values,
)

Array = jax.Array


def _flatten(x: Array, name: str) -> Array:
    """(N,) or (N, 1) -> (N,); anything else is a ValueError (at trace time)."""
    check_flat_shape(x.shape, name)
    return x.reshape(-1)


def _concrete(x: Array) -> np.ndarray | None:
    """The value of ``x`` as NumPy when it is known now (not a tracer), else None."""
    if isinstance(x, jax.core.Tracer):
        return None
    return np.asarray(x)


def _prepare(
    y_true: Array, y_pred: Array, mask: Array | None, sample_weight: Array | None
) -> tuple[Array, Array, Array]:
    """Return (x, y_bool, w) of shape (N,); x in float32 or better, w = weight · mask."""
    x = _flatten(jnp.asarray(y_pred), "y_pred")
    y = _flatten(jnp.asarray(y_true), "y_true")
    check_same_length(x.shape[0], y.shape[0], "y_pred", "y_true")
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise ValueError(f"y_pred must be floating point, got {x.dtype}")
    dtype = jnp.promote_types(x.dtype, jnp.float32)
    x = x.astype(dtype)
    y_np = _concrete(y)
    if y_np is not None:
        check_label_values(y_np, "y_true")
    y = y != 0 if y.dtype == jnp.bool_ else y == 1
    w = jnp.ones(x.shape, dtype)
    if sample_weight is not None:
        sw = _flatten(jnp.asarray(sample_weight), "sample_weight")
        check_same_length(sw.shape[0], x.shape[0], "sample_weight", "y_pred")
        sw_np = _concrete(sw)
        if sw_np is not None:
            check_weight_values(sw_np)
        w = lax.stop_gradient(sw.astype(dtype))
    if mask is not None:
        m = _flatten(jnp.asarray(mask), "mask")
        check_same_length(m.shape[0], x.shape[0], "mask", "y_pred")
        w = jnp.where(m.astype(bool), w, 0.0)
    return x, y, w
