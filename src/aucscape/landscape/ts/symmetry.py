"""Symmetry-aware distances and end points for paths between minima.

Minima of a network loss come in families of symmetry copies (hidden-unit permutations,
tanh sign flips) that are the same function. A path, and the distance that ranks pairs
for it, must join x_a to the copy of x_b closest to x_a:

    D(a, b) = min_T || x_a - T(x_b) ||_2,

T over the objective's symmetry operations. When the objective offers the optional hook
``align(w_ref, w) -> T*(w)`` (the minimising copy) it is used; otherwise both points are
replaced by the objective's ``canonical()`` form (or left as they are when it has none),
which gives an upper bound on D and the exact distance for objectives without
symmetries. The landscape code reaches both hooks only through ``getattr``, so analytic
test surfaces need neither.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from ...protocols import FloatArray, Objective, canonical

__all__ = ["aligned_distance", "aligned_pair", "distance_matrix", "nearest_distances"]

#: Largest symmetry group (rows of ``symmetry_copies``) searched as a k-d tree of copies;
#: larger groups (H ≥ 6 hidden units: 46,080 copies) align pair by pair.
MAX_TREE_COPIES = 5000


def aligned_pair(objective: Objective, x_a: Any, x_b: Any) -> tuple[FloatArray, FloatArray]:
    """End points (x_a, T*(x_b)) of a path from a to b (module docstring)."""
    a = np.asarray(x_a, dtype=np.float64).ravel()
    b = np.asarray(x_b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"coordinates differ in shape: {a.shape} vs {b.shape}")
    align = getattr(objective, "align", None)
    if align is not None:
        return a, np.asarray(align(a, b), dtype=np.float64)
    return canonical(objective, a), canonical(objective, b)


def aligned_distance(objective: Objective, x_a: Any, x_b: Any) -> float:
    """D(a, b) = || x_a - T*(x_b) ||_2 (module docstring)."""
    a, b = aligned_pair(objective, x_a, x_b)
    return float(np.linalg.norm(a - b))


def distance_matrix(objective: Objective, coords: Any,
                    cache: dict[tuple[int, int], float] | None = None,
                    keys: list[int] | None = None) -> FloatArray:
    """Symmetric (N, N) matrix of D between the rows of ``coords``.

    ``cache`` (optional) maps (key_i, key_j), key_i < key_j, to a known distance, with
    ``keys[i]`` the key of row i (e.g. store ids); entries computed here are added to it,
    so a network that grows by a few minima costs only the new rows.
    """
    x = np.asarray(coords, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"coords must be a 2-D array (N, n), got shape {x.shape}")
    n = x.shape[0]
    if keys is None:
        keys = list(range(n))
    if len(keys) != n:
        raise ValueError(f"keys must have one entry per row ({n}), got {len(keys)}")
    if getattr(objective, "align", None) is None:
        c = np.array([canonical(objective, r) for r in x]) if n else x
        return cdist(c, c) if n else np.zeros((0, 0))
    d = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            key = (min(keys[i], keys[j]), max(keys[i], keys[j]))
            v = None if cache is None else cache.get(key)
            if v is None:
                v = aligned_distance(objective, x[i], x[j])
                if cache is not None:
                    cache[key] = v
            d[i, j] = d[j, i] = v
    return d


def nearest_distances(objective: Objective, coords: Any, reference: Any | None = None
                      ) -> list[float]:
    """For each row x of ``coords``, min_y D(x, y) over the rows y of ``reference``, or,
    when ``reference`` is None, over the *other* rows of ``coords`` (NaN when there is
    none); D is the aligned distance of the module docstring.

    With the objective's optional hooks ``symmetry_copies(w)`` (every T(w)) and
    ``n_symmetry_copies`` (their number, at most :data:`MAX_TREE_COPIES`) this is one
    exact nearest-neighbour search: D(x, y) = min_T ‖x − T(y)‖, so the nearest row among
    all copies of all reference points (a :class:`scipy.spatial.cKDTree`) gives it,
    O((N + M|G|) log(M|G|)) instead of N·M Hungarian alignments. Without the hooks, or
    for larger groups, every pair is aligned (:func:`aligned_distance`).

    >>> import numpy as np
    >>> from aucscape.testsurfaces import MuellerBrown
    >>> nearest_distances(MuellerBrown(), np.array([[0.0, 0.0], [3.0, 4.0]]))
    [5.0, 5.0]
    """
    x = np.asarray(coords, dtype=np.float64)
    own = reference is None
    ref = x if own else np.asarray(reference, dtype=np.float64)
    if x.size == 0:
        return []
    if ref.size == 0 or (own and len(x) < 2):
        return [float("nan")] * len(x)
    copies = getattr(objective, "symmetry_copies", None)
    n_copies = int(getattr(objective, "n_symmetry_copies", 0))
    if copies is None or not 0 < n_copies <= MAX_TREE_COPIES:
        out = []
        for i, xi in enumerate(x):
            d = [aligned_distance(objective, xi, y) for j, y in enumerate(ref)
                 if not (own and i == j)]
            out.append(min(d))
        return out
    tree = cKDTree(np.concatenate([copies(y) for y in ref]))
    if not own:
        d, _ = tree.query(x, k=1)
        return [float(v) for v in np.atleast_1d(d)]
    # the nearest copy that is not one of x_i's own: at most n_copies rows are x_i's
    d, j = tree.query(x, k=n_copies + 1)
    owner = j // n_copies
    out = []
    for i in range(len(x)):
        other = np.flatnonzero(owner[i] != i)
        out.append(float(d[i, other[0]]))
    return out
