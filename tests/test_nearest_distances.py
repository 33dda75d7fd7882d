"""Nearest aligned distances by a k-d tree of symmetry copies against pair-by-pair
Hungarian alignment (the brute-force reference), on clustered networks whose members are
perturbed symmetry copies of each other."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from aucscape.data import spiral
from aucscape.landscape.ts.symmetry import aligned_distance, nearest_distances
from aucscape.objectives import make_objective


def _objective(hidden: int):
    return make_objective(spiral(points_per_arm=10), "ce", hidden=hidden)


def _brute(obj, x, ref=None):
    own = ref is None
    ref = x if own else ref
    return [min(aligned_distance(obj, xi, y) for j, y in enumerate(ref) if not (own and i == j))
            for i, xi in enumerate(x)]


def _clustered(obj, rng, n, scale):
    """n points: a few centres, each point a random symmetry copy of one, perturbed."""
    centres = rng.uniform(-3, 3, size=(4, obj.n_params))
    out = []
    for _ in range(n):
        c = centres[rng.integers(len(centres))] + rng.normal(0, scale, obj.n_params)
        copies = obj.symmetry_copies(c)
        out.append(copies[rng.integers(len(copies))])
    return np.array(out)


@pytest.mark.parametrize("hidden", [2, 3, 4])
@pytest.mark.parametrize("scale", [1e-3, 0.3])
def test_tree_of_copies_equals_pairwise_alignment(hidden, scale):
    obj = _objective(hidden)
    rng = np.random.default_rng(hidden * 10 + int(scale * 1000))
    x = _clustered(obj, rng, 30, scale)
    ref = _clustered(obj, rng, 25, scale)
    np.testing.assert_allclose(nearest_distances(obj, x, ref), _brute(obj, x, ref),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nearest_distances(obj, x), _brute(obj, x),
                               rtol=1e-10, atol=1e-12)


def test_copies_are_the_same_network_and_the_whole_group():
    obj = _objective(3)
    w = np.random.default_rng(1).uniform(-1, 1, obj.n_params)
    copies = obj.symmetry_copies(w)
    assert copies.shape == (48, obj.n_params)
    np.testing.assert_array_equal(copies[0], w)
    np.testing.assert_allclose([obj.energy(c) for c in copies], obj.energy(w), rtol=1e-12)
    assert len({tuple(np.round(c, 12)) for c in copies}) == 48
    # each copy is aligned back onto w at distance 0
    for c in copies[:: 7]:
        assert aligned_distance(obj, w, c) == pytest.approx(0.0, abs=1e-12)


def test_own_distances_skip_the_point_itself_but_not_its_twin():
    obj = _objective(3)
    rng = np.random.default_rng(2)
    w = rng.uniform(-1, 1, obj.n_params)
    twin = obj.symmetry_copies(w)[17]
    far = w + 2.0
    d = nearest_distances(obj, [w, twin, far])
    assert d[0] == pytest.approx(0.0, abs=1e-12) and d[1] == pytest.approx(0.0, abs=1e-12)
    assert d[2] == pytest.approx(_brute(obj, np.array([w, twin, far]))[2], rel=1e-12)
    assert np.isnan(nearest_distances(obj, [w])[0])
    assert nearest_distances(obj, [], [w]) == []
    assert np.all(np.isnan(nearest_distances(obj, [w], np.zeros((0, obj.n_params)))))


def test_objectives_without_copies_align_pair_by_pair():
    from aucscape.testsurfaces import MuellerBrown

    pts = np.array(list(itertools.product([0.0, 1.0], [0.0, 2.0])))
    assert nearest_distances(MuellerBrown(), pts) == [1.0, 1.0, 1.0, 1.0]


def test_large_symmetry_groups_are_never_enumerated():
    """H = 10 has 3.7e9 copies: the distances align pair by pair, and asking for the copies
    is refused instead of exhausting memory."""
    obj = _objective(10)
    assert obj.n_symmetry_copies == 3628800 * 1024
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, size=(4, obj.n_params))
    np.testing.assert_allclose(nearest_distances(obj, x), _brute(obj, x), rtol=1e-12)
    with pytest.raises(ValueError, match="MAX_SYMMETRY_COPIES"):
        obj.symmetry_copies(x[0])
