"""The package's default numbers, each defined once (import them; never repeat the literal).

>>> from aucscape.defaults import DEFAULT_BETA, DEFAULT_LAM
>>> DEFAULT_BETA, DEFAULT_LAM
(40.0, 1e-05)
"""

from __future__ import annotations

__all__ = ["DEFAULT_BETA", "DEFAULT_LAM", "DEFAULT_MARGIN"]

#: Steepness β of the saturating surrogates (sigmoid, tanh, logistic, exp) and of every
#: surrogate of the landscape objective (the paper's β for scores in [0, 1]).
DEFAULT_BETA = 40.0
#: Margin m of hinge, squared_hinge and quad.
DEFAULT_MARGIN = 1.0
#: λ of the L2 term λ Σ W² of the network objectives (the paper's value).
DEFAULT_LAM = 1e-5
