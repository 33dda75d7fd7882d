"""Transition states: DNEB candidates, hybrid eigenvector-following, verification.

:func:`dneb` quenches a doubly nudged elastic band between two minima and returns
climbing-image candidates; :func:`hef` converges a candidate to an index-1 saddle;
:func:`check_saddle` verifies one (RMS gradient and exactly one negative eigenvalue) and
:func:`step_off` quenches both ways along the negative mode to the two minima it joins.
"""

from .dneb import DNEBResult, dneb
from .hef import HEFResult, hef
from .verify import SaddleCheck, StepOff, check_saddle, step_off

__all__ = [
    "DNEBResult", "HEFResult", "SaddleCheck", "StepOff", "check_saddle", "dneb", "hef",
    "step_off",
]
