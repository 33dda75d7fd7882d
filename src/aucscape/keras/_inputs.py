"""Shapes, dtypes and value checks of ``(y_true, y_pred, sample_weight)`` in ``keras.ops``.

Shapes are checked whenever they are known (also at trace time); label and weight values
only when the call runs eagerly, since inside ``jax.jit``, ``tf.function`` or
``torch.compile`` the values do not exist yet.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from aucscape._frontend import (
    check_flat_shape,
    check_label_values,
    check_same_length,
    check_weight_values,
)


def is_concrete(x: Any) -> bool:
    """True when ``x`` holds values now (eager), False inside a trace or compilation."""
    if isinstance(x, keras.KerasTensor):
        return False
    name = keras.backend.backend()
    try:
        if name == "jax":
            import jax

            return not isinstance(x, jax.core.Tracer)
        if name == "tensorflow":
            import tensorflow as tf

            return tf.executing_eagerly()
        if name == "torch":
            import torch

            return not torch.compiler.is_compiling()
    except (ImportError, AttributeError):  # pragma: no cover - exotic backend versions
        return False
    return False


def get_keras_mask(x: Any) -> Any:
    """The Keras mask attached to ``x`` (as Keras' own ``Loss.__call__`` reads it) or None."""
    try:
        from keras.src.backend import get_keras_mask as _get
    except ImportError:  # pragma: no cover - if Keras moves its private helper
        return getattr(x, "_keras_mask", None)
    return _get(x)


def fold_mask(y_pred: Any, sample_weight: Any) -> Any:
    """The sample weights w_i · mask_i, with the Keras mask of ``y_pred`` folded in.

    ``sample_weight`` as it is when ``y_pred`` carries no mask; the flat float32 mask when
    no weights are given. The pairwise and AUC-M losses fold it into their class weights
    instead of letting Keras weight a per-sample vector after ``call``.
    """
    mask = get_keras_mask(y_pred)
    if mask is None:
        return sample_weight
    mask = ops.cast(ops.reshape(mask, (-1,)), "float32")
    if sample_weight is None:
        return mask
    return mask * ops.cast(ops.reshape(sample_weight, (-1,)), "float32")


def compute_dtype(dtype: Any) -> str:
    """float64 for float64 scores, float32 for everything else (float16/bfloat16 upcast)."""
    return "float64" if keras.backend.standardize_dtype(dtype) == "float64" else "float32"


def prepare(y_true: Any, y_pred: Any, sample_weight: Any, from_logits: bool):
    """Flat scores s (σ(y_pred) when ``from_logits``), labels y and weights w, checked."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    dtype = compute_dtype(y_pred.dtype)
    n_pred = check_flat_shape(tuple(y_pred.shape), "y_pred")
    check_same_length(n_pred, check_flat_shape(tuple(y_true.shape), "y_true"),
                      "y_pred", "y_true")
    s = ops.reshape(ops.cast(y_pred, dtype), (-1,))
    if from_logits:
        s = ops.sigmoid(s)
    y = ops.reshape(ops.cast(y_true, dtype), (-1,))
    if sample_weight is None:
        w = ops.ones_like(s)
    else:
        sw = ops.convert_to_tensor(sample_weight)
        n_w = check_flat_shape(tuple(sw.shape), "sample_weight")
        check_same_length(n_w, n_pred, "sample_weight", "y_pred")
        w = ops.reshape(ops.cast(sw, dtype), (-1,))
    if is_concrete(y) and is_concrete(w):
        check_label_values(ops.convert_to_numpy(y), "y_true")
        check_weight_values(ops.convert_to_numpy(w))
    return s, y, w
