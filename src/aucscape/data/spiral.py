"""The two-spirals problem of Lang & Witbrock (1988), exact or sampled along the arms.

K. J. Lang and M. J. Witbrock, "Learning to tell two spirals apart", Proceedings of the
1988 Connectionist Models Summer School, pp. 52-59.

Niroomand et al. (2022) used this spiral "with a small uniform noise term" and an 80/20
split, without saying how many points, how many turns or how much noise; those are the
parameters here (see docs/reproduction.md for the defaults the study chose on CE alone).

Two generators (``generator=``):

- ``"cmu"``: the benchmark's deterministic points (97 per arm, three turns at the
  defaults), plus U(−noise, noise) on each coordinate;
- ``"sampled"``: points drawn at random positions along two Archimedean arms of
  ``turns`` turns and radius 1, plus U(−noise, noise) on each coordinate.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aucscape._validation import check_int, check_nonnegative, check_positive
from aucscape.data.dataset import DESCRIPTION_FORMAT, Dataset, build, split_rngs

__all__ = ["GENERATORS", "sampled_spiral_points", "spiral", "spiral_points"]

#: The benchmark's 97 points per arm span index t = 0..96.
_T_MAX = 96.0
#: The spiral generators :func:`spiral` knows.
GENERATORS = ("cmu", "sampled")


def _check_points(points_per_arm: int) -> int:
    return check_int(points_per_arm, "points_per_arm", minimum=2)


def _two_arms(arm: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    m = arm.shape[0]
    X = np.concatenate([arm, -arm])
    y = np.concatenate([np.ones(m, dtype=np.int64), np.zeros(m, dtype=np.int64)])
    return X, y


def spiral_points(points_per_arm: int = 97) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Noise-free two-spirals points, class 1 arm first: X of shape (2m, 2), y of shape (2m,).

    With m = ``points_per_arm`` and i = 0..m−1, the continuous index t_i = 96·i/(m−1) gives

        θ_i = t_i·π/16,   r_i = 6.5·(104 − t_i)/104,
        class 1: (x, y) = ( r_i sin θ_i,  r_i cos θ_i)   (rows 0..m−1),
        class 0: (x, y) = (−r_i sin θ_i, −r_i cos θ_i)   (rows m..2m−1).

    For m = 97, t_i = i: the original benchmark (three turns, r from 6.5 down to 0.5);
    other m sample the same two curves more or less densely.

    >>> X, y = spiral_points(97)
    >>> X.shape, int(y.sum())
    ((194, 2), 97)
    """
    m = _check_points(points_per_arm)
    t = _T_MAX * np.arange(m) / (m - 1)  # exactly 0, 1, ..., 96 when m = 97
    theta = t * np.pi / 16.0
    r = 6.5 * (104.0 - t) / 104.0
    return _two_arms(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))


def sampled_spiral_points(points_per_arm: int, turns: float, rng: np.random.Generator
                          ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Noise-free points at random positions along two Archimedean arms, class 1 first.

    Each arm point draws u ~ U(0, 1) and sets t = √u (so points are spread evenly over
    the area the arm sweeps, not bunched at the centre), then

        θ = 2π·turns·t,   r = t,
        class 1: (x, y) = ( r cos θ,  r sin θ),   class 0: (x, y) = (−r cos θ, −r sin θ).

    >>> X, y = sampled_spiral_points(50, 1.5, np.random.default_rng(0))
    >>> X.shape, float(np.abs(X).max()) <= 1.0
    ((100, 2), True)
    """
    m = _check_points(points_per_arm)
    turns = check_positive(turns, "turns")
    t = np.sqrt(rng.uniform(0.0, 1.0, size=m))
    theta = 2.0 * np.pi * turns * t
    return _two_arms(np.column_stack([t * np.cos(theta), t * np.sin(theta)]))


def spiral(
    noise: float = 0.1,
    points_per_arm: int = 97,
    seed: int = 0,
    test_fraction: float = 0.2,
    standardize: bool = False,
    *,
    generator: str = "cmu",
    turns: float = 3.0,
    mlpnorm: bool = False,
) -> Dataset:
    """The two-spirals data set with uniform noise and a stratified train/test split.

    Points from :func:`spiral_points` (``generator="cmu"``; ``turns`` must then be 3, the
    benchmark's) or :func:`sampled_spiral_points` (``"sampled"``), then
    x ← x + U(−noise, noise) independently on each coordinate. A stratified split puts
    ⌊test_fraction·m + 1/2⌋ points of each class in the test set (19 of 97 at 0.2).
    Coordinates stay raw unless ``standardize=True`` (training mean and standard
    deviation) or ``mlpnorm=True`` (GMIN/OPTIM's MLPNORM: each column divided by its
    mean magnitude on the training split, see :func:`aucscape.data.dataset.mlpnorm`).

    Sampling, noise and split draw from separate streams spawned from ``seed``, so
    changing ``noise`` alone keeps the same points and train/test assignment.

    >>> ds = spiral(generator="sampled", points_per_arm=60, turns=1.5, mlpnorm=True)
    >>> ds.n_train, ds.n_test
    (96, 24)
    """
    noise = check_nonnegative(noise, "noise")
    if generator not in GENERATORS:
        raise ValueError(f"generator must be one of {GENERATORS}, got {generator!r}")
    turns = check_positive(turns, "turns")
    if generator == "cmu" and turns != 3.0:
        raise ValueError(f"turns={turns!r}: the cmu spiral has exactly 3 turns; "
                         "use generator='sampled' for other turn counts")
    if standardize and mlpnorm:
        raise ValueError("standardize and mlpnorm are two input scalings; choose one")
    noise_rng, split_rng, sample_rng = split_rngs(seed, 3)
    if generator == "cmu":
        X, y = spiral_points(points_per_arm)
    else:
        X, y = sampled_spiral_points(points_per_arm, turns, sample_rng)
    X = X + noise_rng.uniform(-noise, noise, size=X.shape)
    description = {
        "kind": "spiral",
        "format": DESCRIPTION_FORMAT,
        "generator": generator,
        "noise": noise,
        "points_per_arm": int(points_per_arm),
        "turns": float(turns),
        "seed": int(seed),
        "test_fraction": float(test_fraction),
        "standardize": bool(standardize),
        "mlpnorm": bool(mlpnorm),
    }
    return build(
        "spiral",
        X,
        y,
        ("x", "y"),
        test_fraction=test_fraction,
        rng=split_rng,
        standardize_features=bool(standardize),
        mlpnorm_features=bool(mlpnorm),
        description=description,
    )
