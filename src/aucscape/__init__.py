"""aucscape: train on the area under the ROC curve, and map why it works.

The core (``import aucscape``) needs only NumPy and SciPy. Framework front ends
(``aucscape.keras``, ``aucscape.torch``, ``aucscape.jax``) import their framework lazily.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name -> submodule; resolved on first attribute access so that importing the package
# stays cheap and never pulls an optional dependency.
_LAZY = {
    "average_precision": "metrics",
    "roc_auc": "metrics",
    "roc_curve": "metrics",
    "pairwise_loss": "pairwise",
    "pairwise_curvature": "pairwise",
    "multilabel_pairwise_loss": "pairwise",
    "multiclass_pairwise_loss": "pairwise",
    "focal_loss": "focal",
    "get_surrogate": "surrogates",
    "SURROGATES": "surrogates",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"aucscape.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'aucscape' has no attribute {name!r}")
