"""Multi-label and multi-class pairwise AUC risks for JAX (re-exported by ``aucscape.jax``).

For (N, L) scores and labels (0/1, −1 = unknown entry; or a (N, L) ``mask``) the loss is,
as in :mod:`aucscape.pairwise._multilabel`,

    R = Σ_{l∈C} λ_l R_l / Σ_{l∈C} λ_l,

R_l the single-label risk of :func:`aucscape.jax.pairwise_auc_loss` on column l and C the
labels with a pair of non-zero weight (a one-class label is not counted). No Python loop
over labels: the single-label computation is ``jax.vmap``-ped over the columns (the
blocked while-loop runs as many blocks as the label with most positives; on CPU with
numba the core's kernel is called once per label by the host callback). Fixed shapes,
so it traces once under ``jit``. Multi-class scores (N, C) with class indices (N,) map to
one-vs-rest (one-hot labels) or one-vs-one (one column per ordered class pair (j, k):
scores s_j, class j against class k, the others unknown) as in the NumPy core.
:func:`multilabel_aucm_loss` is the per-label AUC-M saddle value, by columns.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from aucscape._aucm import DEFAULT_MARGIN, check_margin
from aucscape._frontend import check_weight_values, pairwise_args
from aucscape._jax_inputs import _concrete
from aucscape.pairwise._multilabel import (
    UNKNOWN,
    check_class_values,
    check_multi_class,
    check_multilabel_values,
    ovo_pairs,
)

Array = jax.Array


def _check(y_true, y_pred, mask, sample_weight, label_weight):
    """(x, y, w, λ): float (N, L) scores, int labels, weights with unknowns at 0, (L,) λ."""
    x, y = jnp.asarray(y_pred), jnp.asarray(y_true)
    if x.ndim != 2 or y.shape != x.shape:
        raise ValueError(f"y_true and y_pred must have one shape (N, L), got {y.shape} "
                         f"and {x.shape}")
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise ValueError(f"y_pred must be floating point, got {x.dtype}")
    x = x.astype(jnp.promote_types(x.dtype, jnp.float32))
    n, n_labels = x.shape
    y_np = _concrete(y)
    if y_np is not None:
        check_multilabel_values(y_np)
    w = jnp.ones_like(x)
    if sample_weight is not None:
        sw = jnp.asarray(sample_weight)
        sw = jnp.broadcast_to(sw[:, None], (n, n_labels)) if sw.shape == (n,) else sw
        if sw.shape != (n, n_labels):
            raise ValueError(f"sample_weight must have shape ({n},) or ({n}, {n_labels}), "
                             f"got {jnp.shape(sample_weight)}")
        if _concrete(sw) is not None:
            check_weight_values(np.asarray(sw))
        w = w * lax.stop_gradient(sw.astype(x.dtype))
    if mask is not None:
        m = jnp.asarray(mask)
        if m.shape != (n, n_labels):
            raise ValueError(f"mask must have shape ({n}, {n_labels}), got {m.shape}")
        w = jnp.where(m.astype(bool), w, 0.0)
    lam = jnp.ones(n_labels, x.dtype) if label_weight is None else jnp.asarray(
        label_weight, x.dtype)
    if lam.shape != (n_labels,):
        raise ValueError(f"label_weight must have shape ({n_labels},), got {lam.shape}")
    if _concrete(lam) is not None:
        check_weight_values(np.asarray(lam), "label_weight")
    return x, y, jnp.where(y == UNKNOWN, 0.0, w), lam


def multilabel_auc_loss(
    y_true: Array,
    y_pred: Array,
    *,
    surrogate: str = "sigmoid",
    beta: float | None = None,
    margin: float | None = None,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    mask: Array | None = None,
    sample_weight: Array | None = None,
    label_weight: Array | None = None,
    reduction: str = "mean",
    max_fpr: float | None = None,
    axis_name: str | None = None,
) -> Array:
    """Multi-label pairwise AUC risk R = Σ_{l∈C} λ_l R_l / Σ_{l∈C} λ_l (module docstring).

    ``y_true`` (N, L) in {0, 1, −1}; ``y_pred`` (N, L); ``mask`` (N, L) bool (False drops
    the entry); ``sample_weight`` (N,) or (N, L); ``label_weight`` (L,); ``axis_name``
    all-gathers the batch over a mapped device axis first (see
    :func:`aucscape.jax.pairwise_auc_loss`); the rest as that function, per label.

    >>> import jax.numpy as jnp
    >>> y = jnp.array([[1, 0], [0, 1], [1, -1]])
    >>> s = jnp.array([[0.75, 0.5], [0.25, 0.5], [0.5, 0.0]])
    >>> float(multilabel_auc_loss(y, s, surrogate="hinge", beta=4.0))  # (0 + 1) / 2
    0.5
    """
    from aucscape.jax import _risk  # the single-label risk (aucscape.jax imports this module)

    args = pairwise_args(surrogate, beta, margin, pos_weight, reduction, max_fpr=max_fpr,
                         from_logits=bool(from_logits))
    x, y, w, lam = _check(y_true, y_pred, mask, sample_weight, label_weight)
    if axis_name is not None:
        x, y, w = (lax.all_gather(v, axis_name, tiled=True) for v in (x, y, w))
    s = jax.nn.sigmoid(x) if from_logits else x
    risks, valid = jax.vmap(lambda sc, yc, wc: _risk(args, sc, yc == 1, wc),
                            in_axes=1)(s, y, w)
    return _label_mean(risks, valid, lam)


def _label_mean(values: Array, valid: Array, lam: Array) -> Array:
    """Σ_{l valid} λ_l v_l / Σ_{l valid} λ_l, 0 when no label is valid (NaN-free)."""
    lam = jnp.where(valid, lam, 0.0)
    total = jnp.sum(lam)
    value = jnp.sum(lam * jnp.where(valid, values, 0.0)) / jnp.where(total > 0, total, 1.0)
    return jnp.where(total > 0, value, 0.0)


def multiclass_auc_loss(
    y_true: Array,
    y_pred: Array,
    *,
    multi_class: str = "ovr",
    sample_weight: Array | None = None,
    **kwargs,
) -> Array:
    """One-vs-rest or one-vs-one pairwise risk from (N, C) scores and (N,) class indices.

    Keyword arguments: those of :func:`multilabel_auc_loss` (``label_weight`` (C,) for
    "ovr" only). Class indices are checked when concrete.

    >>> import jax.numpy as jnp
    >>> s = jnp.array([[0.75, 0.25], [0.25, 0.75]])
    >>> float(multiclass_auc_loss(jnp.array([0, 1]), s, surrogate="hinge", beta=4.0,
    ...                           multi_class="ovo"))
    0.0
    """
    check_multi_class(multi_class)
    x, y = jnp.asarray(y_pred), jnp.asarray(y_true).reshape(-1)
    if x.ndim != 2 or x.shape[1] < 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"y_pred must have shape (N, C), C >= 2, and y_true (N,); got "
                         f"{x.shape} and {jnp.shape(y_true)}")
    n_classes = x.shape[1]
    y_np = _concrete(y)
    if y_np is not None:
        check_class_values(y_np, n_classes)
    onehot = (y[:, None] == jnp.arange(n_classes)[None, :]).astype(jnp.int32)
    if multi_class == "ovr":
        return multilabel_auc_loss(onehot, x, sample_weight=sample_weight, **kwargs)
    j, k = ovo_pairs(n_classes)
    labels = jnp.where(onehot[:, j] == 1, 1, jnp.where(onehot[:, k] == 1, 0, UNKNOWN))
    return multilabel_auc_loss(labels, x[:, j], sample_weight=sample_weight, **kwargs)


def multilabel_aucm_loss(
    y_true: Array,
    y_pred: Array,
    *,
    margin: float = DEFAULT_MARGIN,
    from_logits: bool = False,
    mask: Array | None = None,
    sample_weight: Array | None = None,
    label_weight: Array | None = None,
    axis_name: str | None = None,
) -> Array:
    """Multi-label AUC-M: Σ_{l∈C} λ_l AM_l / Σ_{l∈C} λ_l, by columns (no loop).

    AM_l = Var_P(s_l) + Var_N(s_l) + (m − μ_P + μ_N)_+², the per-label saddle value of
    :func:`aucscape.jax.aucm_loss`, over the labels C with both classes; inputs as
    :func:`multilabel_auc_loss`.

    >>> import jax.numpy as jnp
    >>> y = jnp.array([[1, 1], [1, -1], [0, 0], [0, 1]])
    >>> s = jnp.array([[0.9, 0.5], [0.8, 0.0], [0.3, 0.5], [0.1, 0.5]])
    >>> round(float(multilabel_aucm_loss(y, s)), 6)  # (0.135 + 1) / 2
    0.5675
    """
    m = check_margin(margin)
    x, y, w, lam = _check(y_true, y_pred, mask, sample_weight, label_weight)
    if axis_name is not None:
        x, y, w = (lax.all_gather(v, axis_name, tiled=True) for v in (x, y, w))
    s = jax.nn.sigmoid(x) if from_logits else x
    w = lax.stop_gradient(w)
    wp = jnp.where(y == 1, w, 0.0)
    wn = jnp.where(y == 0, w, 0.0)
    wp_tot, wn_tot = jnp.sum(wp, axis=0), jnp.sum(wn, axis=0)
    valid = (wp_tot > 0) & (wn_tot > 0)
    wp = wp / jnp.where(valid, wp_tot, 1.0)  # guarded: finite on one-class labels
    wn = wn / jnp.where(valid, wn_tot, 1.0)
    mu_p, mu_n = jnp.sum(wp * s, axis=0), jnp.sum(wn * s, axis=0)
    am = (jnp.sum(wp * (s - mu_p) ** 2, axis=0) + jnp.sum(wn * (s - mu_n) ** 2, axis=0)
          + jnp.maximum(m - mu_p + mu_n, 0.0) ** 2)  # fmt: skip
    return _label_mean(am, valid, lam)
