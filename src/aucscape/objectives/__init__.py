"""Loss objectives of the paper's network: what the landscape explorer minimises.

- :class:`CrossEntropy`: E = −(1/N) Σ ln p_{c_d} + λ Σ W²;
- :class:`PairwiseAUC`: E = pairwise surrogate risk of s = p_1 + λ Σ W²
  (sigmoid: E = 1 − appAUC + λ‖W‖²);
- :func:`make_objective` (from a data set), :func:`build_objective` (from ``describe()``);
- :func:`hessian_spectrum` / :func:`lpphe`: eigenvalues and Σ ln λ_k at a minimum.

All satisfy :class:`aucscape.protocols.Objective` with exact gradients and Hessians.
"""

from __future__ import annotations

from aucscape.objectives.base import NetworkObjective
from aucscape.objectives.cross_entropy import CrossEntropy
from aucscape.objectives.factory import build_objective, make_objective
from aucscape.objectives.pairwise_auc import PairwiseAUC
from aucscape.spectrum import (
    HessianSpectrum,
    NotAMinimumError,
    hessian_spectrum,
    lpphe,
)

__all__ = [
    "CrossEntropy",
    "HessianSpectrum",
    "NetworkObjective",
    "NotAMinimumError",
    "PairwiseAUC",
    "build_objective",
    "hessian_spectrum",
    "lpphe",
    "make_objective",
]
