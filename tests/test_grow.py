"""Single-ended searches and growth by them, against surfaces whose stationary points are
known in closed form (Mueller-Brown; n tilted double wells: 2^n minima and n 2^(n-1)
index-1 saddles)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from aucscape.landscape.grow import GrowSettings, grow, load_attempts, network_share
from aucscape.landscape.store import Store
from aucscape.landscape.ts.hef import hef
from aucscape.landscape.ts.single_ended import SearchSettings, search_from
from aucscape.landscape.ts.verify import check_saddle
from aucscape.testsurfaces import MuellerBrown, SeparableWells

MB = MuellerBrown()


def _newton(obj, x, n=20):
    for _ in range(n):
        _, g = obj.energy_gradient(x)
        x = x - np.linalg.solve(obj.hessian(x), g)
    return x


MB_SADDLES = np.array([_newton(MB, s) for s in MB.SADDLES])
MB_MINIMA = np.array([_newton(MB, m) for m in MB.MINIMA])


def _wells_saddles(sw: SeparableWells) -> np.ndarray:
    """Every index-1 saddle: one coordinate at the middle root of 4x^3 - 4x + t, the rest
    at either outer root."""
    mids = np.array([np.sort(np.roots([4.0, 0.0, -4.0, t]).real)[1] for t in sw.tilts])
    mids = np.array([_newton_1d(m, t) for m, t in zip(mids, sw.tilts, strict=True)])
    wells = sw._wells()
    out = []
    for i in range(sw.n_params):
        others = [j for j in range(sw.n_params) if j != i]
        for combo in itertools.product((0, 1), repeat=len(others)):
            x = np.empty(sw.n_params)
            x[i] = mids[i]
            for j, c in zip(others, combo, strict=True):
                x[j] = wells[j, c]
            out.append(x)
    return np.array(out)


def _newton_1d(x, t):
    for _ in range(10):
        x = x - (4 * x**3 - 4 * x + t) / (12 * x**2 - 4)
    return x


def test_mode_following_hef_climbs_out_of_a_minimum_to_a_known_saddle():
    # Plain HEF from next to a minimum has no negative mode to climb; following the
    # stiff mode of minimum 2 both ways reaches the two saddles of the surface.
    x = MB_MINIMA[2]
    lam, vecs = np.linalg.eigh(MB.hessian(x))
    assert np.all(lam > 0)
    ends = []
    for sign in (1, -1):
        v = sign * vecs[:, 1]
        h = hef(MB, x + 1e-2 * v, follow=v, max_step=0.2, max_iter=300)
        assert h.converged, h.message
        ends.append(h.x)
    d = [min(np.linalg.norm(e - s) for e in ends) for s in MB_SADDLES]
    assert max(d) < 1e-7


def test_follow_must_be_a_nonzero_vector_of_the_right_shape():
    with pytest.raises(ValueError, match="follow"):
        hef(MB, MB_MINIMA[0], follow=[0.0, 0.0])
    with pytest.raises(ValueError, match="follow"):
        hef(MB, MB_MINIMA[0], follow=[1.0, 0.0, 0.0])


def test_a_mode_that_never_inflects_is_given_up_after_max_climb_steps():
    sw = SeparableWells((0.3,))
    x = sw.minima()[0][0]
    outward = np.sign(x)  # away from the barrier: the quartic wall rises for ever
    h = hef(sw, x + 1e-2 * outward, follow=outward, max_climb=10, max_iter=500, max_step=0.2)
    assert not h.converged and "no inflection" in h.message and h.n_iter <= 12


@pytest.mark.parametrize("shift", [0.0, 1e-9, -3e-9])
def test_search_from_steps_off_into_the_two_minima_the_saddle_joins(shift):
    # Perturbed start: the outcome must not depend on the last bits.
    found = {}
    for k in range(4):
        r = search_from(MB, MB_MINIMA[2] + shift, k, SearchSettings(max_step=0.2))
        if r.found is not None:
            s = int(np.argmin(np.linalg.norm(MB_SADDLES - r.found.coords, axis=1)))
            assert np.linalg.norm(MB_SADDLES[s] - r.found.coords) < 1e-7
            ends = sorted(int(np.argmin(np.linalg.norm(MB_MINIMA - m.coords, axis=1)))
                          for m in (r.found.plus, r.found.minus))
            found[s] = ends
            assert r.found.plus.rms_grad <= 1e-10 and r.found.minus.rms_grad <= 1e-10
    # Saddle 0 joins minima 0 and 2, saddle 1 joins minima 1 and 2 (energy order).
    assert found == {0: [0, 2], 1: [1, 2]}


def test_displaced_start_is_reproducible_from_its_seed_and_key():
    s = SearchSettings(start="displace", displacement=0.05, seed=3)
    a = search_from(MB, MB_MINIMA[1], 2, s, key=7)
    b = search_from(MB, MB_MINIMA[1], 2, s, key=7)
    assert a.reason == b.reason and a.n_iter == b.n_iter and a.mode == -1


def test_settings_refuse_bad_values():
    with pytest.raises(ValueError, match="start"):
        SearchSettings(start="lowest")
    with pytest.raises(ValueError, match="window"):
        GrowSettings(window=0)
    with pytest.raises(ValueError, match="order"):
        GrowSettings(order="random")


def _seeded(obj, x):
    st = Store(":memory:")
    st.add_minimum(float(obj.energy(x)), x)
    return st


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_growth_from_one_minimum_finds_every_minimum_and_saddle_of_separable_wells(seed):
    # 4 wells with random generic tilts: 16 minima, 32 saddles, one network.
    rng = np.random.default_rng(seed)
    sw = SeparableWells(rng.uniform(0.1, 0.6, 4) * rng.choice([-1, 1], 4))
    pts = sw.minima()[0]
    st = _seeded(sw, pts[-1])  # the highest minimum
    out = grow(sw, st, GrowSettings(window=40, search=SearchSettings(max_step=0.3)))
    # Saturated, or every minimum had all 2n of its searches first: nothing left either way.
    assert out.stopped in ("saturated", "exhausted")
    assert (out.n_minima, out.n_ts, out.in_network) == (16, 32, 16)
    stored = np.array([m.coords for m in st.iter_minima()])
    for p in pts:
        assert np.min(np.linalg.norm(stored - p, axis=1)) < 1e-8
    saddles = _wells_saddles(sw)
    for t in st.iter_ts():
        assert np.min(np.linalg.norm(saddles - t.coords, axis=1)) < 1e-8
        assert check_saddle(sw, t.coords).is_ts
        # Each saddle joins the two minima that differ in its own coordinate.
        a, b = st.get_minimum(t.min1).coords, st.get_minimum(t.min2).coords
        assert int(np.sum(np.abs(a - b) > 0.5)) == 1


def test_growth_resumes_with_its_counts_and_never_repeats_a_search():
    sw = SeparableWells((0.3, -0.2, 0.45))
    st = _seeded(sw, sw.minima()[0][0])
    s = GrowSettings(window=30, search=SearchSettings(max_step=0.3))
    first = grow(sw, st, s, max_total=10)
    assert first.stopped == "attempts" and first.attempts == 10
    final = grow(sw, st, s)
    assert final.stopped == "saturated" and (final.n_minima, final.n_ts) == (8, 12)
    log = load_attempts(st)
    assert len(log) == final.attempts
    keys = [(int(r[0]), int(r[1])) for r in log]
    assert len(set(keys)) == len(keys)
    # Saturation is a property of the file: a new call stops at once.
    again = grow(sw, st, s)
    assert again.stopped == "saturated" and again.call_attempts == 0
    assert network_share(st) == (8, 8)


def test_every_minimum_gets_at_most_its_2n_searches_then_growth_is_exhausted():
    sw = SeparableWells((0.3,))
    st = _seeded(sw, sw.minima()[0][0])
    out = grow(sw, st, GrowSettings(window=1000, search=SearchSettings(max_step=0.3)))
    # Two minima, one saddle; each minimum has 2 searches (one mode, both ways).
    assert out.stopped == "exhausted" and out.attempts == 4
    assert (out.n_minima, out.n_ts) == (2, 1)


def test_growth_refuses_an_empty_database():
    with pytest.raises(ValueError, match="no minima"):
        grow(MB, Store(":memory:"))
