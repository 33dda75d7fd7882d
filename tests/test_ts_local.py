"""Local connect (OPTIM's within-attempt Dijkstra): bands through the minima a band's
saddles lead to, checked on separable wells whose minima and saddles are known exactly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aucscape.landscape.graph import UnionFind
from aucscape.landscape.ts import check_saddle
from aucscape.landscape.ts.attempt import TSSettings, attempt_connection
from aucscape.landscape.ts.local import gaps_between
from aucscape.testsurfaces import SeparableWells

TILTS = (0.3, -0.2)


def _roots(t):
    """The three roots of dE/dx_i = 4x^3 - 4x + t (outer: wells, middle: the barrier)."""
    return np.sort(np.roots([4.0, 0.0, -4.0, t]).real)


def _corner(x, surf):
    """Which well (0 left, 1 right) each coordinate of minimum x sits in."""
    return tuple(int(xi > _roots(t)[1]) for xi, t in zip(x, surf.tilts, strict=True))


def _joins(found, a, b, surf):
    """Do the saddles' step-off minima chain corner a to corner b?"""
    nodes = {a: 0, b: 1}
    for t in found:
        for m in (t.plus, t.minus):
            nodes.setdefault(_corner(m.coords, surf), len(nodes))
    uf = UnionFind(len(nodes))
    for t in found:
        uf.union(nodes[_corner(t.plus.coords, surf)], nodes[_corner(t.minus.coords, surf)])
    return uf.find(0) == uf.find(1)


@pytest.mark.parametrize(("i", "seed"), [(1, 0), (1, 1), (2, 2), (2, 3)])
def test_local_bands_join_opposite_corners_through_new_minima(i, seed):
    # Opposite corners of the square of minima differ in both coordinates: any path
    # crosses two saddles, each with exactly one coordinate on its cubic's middle root.
    # The converged band shows both, so the attempt refines only its highest candidate
    # (max_candidates=1) and finds one of them; the local loop runs a second band from
    # that saddle's new minimum and finds the other.
    surf = SeparableWells(TILTS)
    pts, _ = surf.minima()
    corners = [_corner(p, surf) for p in pts]
    rng = np.random.default_rng(seed)
    j = corners.index(tuple(1 - c for c in corners[i]))
    a = pts[i] + 1e-10 * rng.normal(size=2)
    b = pts[j] + 1e-10 * rng.normal(size=2)
    one = TSSettings(n_images=10, geomdifftol=1e-3, max_candidates=1)
    res1 = attempt_connection(surf, a, b, one)
    assert len(res1.found) == 1 and not _joins(res1.found, corners[i], corners[j], surf)
    res = attempt_connection(surf, a, b, dataclasses.replace(one, local_bands=8))
    assert len(res.found) == 2 and _joins(res.found, corners[i], corners[j], surf)
    for t in res.found:
        assert check_saddle(surf, t.coords).is_ts
        on_middle = [abs(x - _roots(tk)[1]) < 1e-8 for x, tk in zip(t.coords, TILTS, strict=True)]
        assert sum(on_middle) == 1
        for x, tk, mid in zip(t.coords, TILTS, on_middle, strict=True):
            assert min(abs(x - r) for r in _roots(tk)) < 1e-8 or mid
        # The two minima differ exactly in the coordinate on the barrier.
        diff = np.array(_corner(t.plus.coords, surf)) != np.array(_corner(t.minus.coords, surf))
        assert diff.tolist() == on_middle


def test_gaps_between_follows_joined_pairs_and_skips_tried_ones():
    xs = [np.array([0.0]), np.array([4.0]), np.array([1.0]), np.array([2.5])]

    def d(u, v):
        return float(abs(u - v)[0])

    # Direct 0-1 costs 16; 0-2 (joined, free) then 2-3-1 costs 2.25 + 2.25.
    assert gaps_between(xs, {(0, 2)}, set(), d) == [(2, 3), (1, 3)]
    # With 2-3 tried: 0-3-1 (6.25 + 2.25) beats 0-2-1 (0 + 9).
    assert gaps_between(xs, {(0, 2)}, {(2, 3)}, d) == [(0, 3), (1, 3)]
    assert gaps_between(xs, set(), {(0, 1), (0, 2), (0, 3)}, d) == []
