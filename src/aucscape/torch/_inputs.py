"""Shape, dtype and value checks of ``(input, target, sample_weight)`` for the torch losses."""

from __future__ import annotations

import torch
from torch import Tensor

from aucscape._frontend import (
    bad_labels_error,
    bad_weights_error,
    check_flat_shape,
    check_same_length,
)


def flatten(x: Tensor, name: str) -> Tensor:
    """(N,) or (N, 1) -> (N,); anything else is a ValueError."""
    check_flat_shape(tuple(x.shape), name)
    return x.reshape(-1)


def prepare(
    input: Tensor, target: Tensor, sample_weight: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """Validate and return (x, y_bool, w): x in float32-or-better, w float, all (N,).

    The checks stay on the tensors' device; only offending values travel to the host, to
    word the error.
    """
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise ValueError("input and target must be torch tensors")
    x = flatten(input, "input")
    y = flatten(torch.as_tensor(target, device=x.device), "target")
    check_same_length(x.shape[0], y.shape[0], "input", "target")
    if not torch.is_floating_point(x):
        raise ValueError(f"input must be a floating-point tensor, got {x.dtype}")
    dtype = torch.promote_types(x.dtype, torch.float32)
    x = x.to(dtype)
    y = y.detach()
    if y.dtype != torch.bool:
        bad = (y != 0) & (y != 1)
        if bool(bad.any()):
            raise bad_labels_error("target", y[bad].double().cpu().numpy())
        y = y != 0
    if sample_weight is None:
        return x, y, torch.ones_like(x, dtype=dtype).detach()
    w = flatten(torch.as_tensor(sample_weight, device=x.device), "sample_weight")
    check_same_length(w.shape[0], x.shape[0], "sample_weight", "input")
    w = w.detach().to(dtype)
    if bool((~torch.isfinite(w)).any()) or bool((w < 0).any()):
        raise bad_weights_error()
    return x, y, w
