"""The two-spirals problem of Lang & Witbrock (1988).

K. J. Lang and M. J. Witbrock, "Learning to tell two spirals apart", Proceedings of the
1988 Connectionist Models Summer School, pp. 52-59.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aucscape._validation import check_nonnegative
from aucscape.data.dataset import DESCRIPTION_FORMAT, Dataset, build, split_rngs

__all__ = ["spiral", "spiral_points"]

#: The benchmark's 97 points per arm span index t = 0..96.
_T_MAX = 96.0


def spiral_points(points_per_arm: int = 97) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Noise-free two-spirals points, class 1 arm first: X of shape (2m, 2), y of shape (2m,).

    With m = ``points_per_arm`` and i = 0..m−1, the continuous index t_i = 96·i/(m−1) gives

        θ_i = t_i·π/16,   r_i = 6.5·(104 − t_i)/104,
        class 1: (x, y) = ( r_i sin θ_i,  r_i cos θ_i)   (rows 0..m−1),
        class 0: (x, y) = (−r_i sin θ_i, −r_i cos θ_i)   (rows m..2m−1).

    For m = 97, t_i = i: the original benchmark (three turns, r from 6.5 down to 0.5);
    other m sample the same two curves more or less densely.
    """
    if isinstance(points_per_arm, bool) or not isinstance(points_per_arm, (int, np.integer)):
        raise ValueError(f"points_per_arm must be an integer, got {points_per_arm!r}")
    m = int(points_per_arm)
    if m < 2:
        raise ValueError(f"points_per_arm must be at least 2, got {m}")
    t = _T_MAX * np.arange(m) / (m - 1)  # exactly 0, 1, ..., 96 when m = 97
    theta = t * np.pi / 16.0
    r = 6.5 * (104.0 - t) / 104.0
    arm = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    X = np.concatenate([arm, -arm])
    y = np.concatenate([np.ones(m, dtype=np.int64), np.zeros(m, dtype=np.int64)])
    return X, y


def spiral(
    noise: float = 0.1,
    points_per_arm: int = 97,
    seed: int = 0,
    test_fraction: float = 0.2,
    standardize: bool = False,
) -> Dataset:
    """The two-spirals data set with uniform noise and a stratified train/test split.

    Points from :func:`spiral_points`, then x ← x + U(−noise, noise) independently on
    each coordinate. A stratified split puts ⌊test_fraction·m + 1/2⌋ points of each class
    in the test set (19 of 97 at the default 0.2). Coordinates stay raw, as in the
    paper, unless ``standardize=True`` (training-set mean and standard deviation).

    Noise and split draw from separate streams spawned from ``seed``, so changing
    ``noise`` alone keeps the same train/test assignment.
    """
    noise = check_nonnegative(noise, "noise")
    X, y = spiral_points(points_per_arm)
    noise_rng, split_rng = split_rngs(seed, 2)
    X = X + noise_rng.uniform(-noise, noise, size=X.shape)
    description = {
        "kind": "spiral",
        "format": DESCRIPTION_FORMAT,
        "noise": noise,
        "points_per_arm": int(points_per_arm),
        "seed": int(seed),
        "test_fraction": float(test_fraction),
        "standardize": bool(standardize),
    }
    return build(
        "spiral",
        X,
        y,
        ("x", "y"),
        test_fraction=test_fraction,
        rng=split_rng,
        standardize_features=bool(standardize),
        description=description,
    )
