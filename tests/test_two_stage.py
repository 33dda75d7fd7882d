"""GMIN's two-stage quench: sloppy walk, tight storage, same minima as the single quench."""

from __future__ import annotations

import numpy as np
import pytest

from aucscape.data import spiral
from aucscape.landscape.basinhopping import BasinHopping, quench, two_stage_quench, walk
from aucscape.landscape.identity import DEFAULT_SLOPPY_EDIFF, sloppy_window
from aucscape.landscape.minimize import lbfgs, rms
from aucscape.landscape.store import Store
from aucscape.landscape.walker import SloppyStage
from aucscape.objectives import make_objective
from aucscape.testsurfaces import SeparableWells

TILTS = [0.3, -0.2, 0.45, 0.1]
PURE = {"polish_below": None, "memory": 100}  # the same minimiser in every stage


@pytest.fixture(scope="module", params=["ce", "sigmoid"])
def net(request):
    """A small spiral network objective (2-3-2, 17 parameters, 32 training points)."""
    ds = spiral(noise=0.1, points_per_arm=20, seed=0)
    return make_objective(ds, request.param, hidden=3, beta=10.0, lam=1e-5)


def _starts(obj, n, seed):
    rng = np.random.default_rng(seed)
    x = lbfgs(obj, obj.random_point(rng)).x
    return [x + rng.uniform(-1.0, 1.0, x.size) for _ in range(n)]


def _assert_all_stored_are_tight_minima(obj, store):
    for m in store.iter_minima():
        g = np.asarray(obj.energy_gradient(m.coords)[1], dtype=float)
        assert rms(g) <= 1e-10
        assert np.linalg.eigvalsh(obj.hessian(m.coords))[0] > 0
        assert m.rms_grad <= 1e-10 and m.n_nonpositive == 0


def test_both_modes_find_the_16_known_minima_and_store_them_tight():
    sw = SeparableWells(TILTS)
    pts, energies = sw.minima()
    for kw in ({"sloppy_tol": None}, {}):
        bh = BasinHopping(sw, step=1.8, temperature=1.0, seed=1, **kw)
        st = bh.run(max_steps=400)
        stored = list(bh.store.iter_minima())
        np.testing.assert_allclose([m.energy for m in stored], energies, atol=1e-12)
        for m, p in zip(stored, pts, strict=True):
            np.testing.assert_allclose(m.coords, p, atol=1e-10)
        _assert_all_stored_are_tight_minima(sw, bh.store)
        assert st.new_minima == 16 and st.hits == 400 - 16 == sum(m.hits for m in stored) - 16
        if "sloppy_tol" not in kw:  # duplicates seen at the sloppy stage or re-checked tight
            assert st.sloppy_hits > 300 and st.tightened == 400 - st.sloppy_hits
        else:
            assert st.sloppy_hits == 0 == st.tightened


def test_sloppy_energy_lies_in_the_lookup_window_of_its_tight_minimum(net):
    """Bound (3) of identity: 0 <= E_s - E_t, and E_s - E_t well inside the window."""
    for x0 in _starts(net, 8, seed=2):
        s = lbfgs(net, x0, tol=1e-6, **PURE)
        t = lbfgs(net, s.x, tol=1e-10)
        assert s.converged and t.converged
        assert -1e-12 <= s.energy - t.energy <= DEFAULT_SLOPPY_EDIFF
        lo, hi = sloppy_window(s.energy)
        assert lo < t.energy < hi


def test_two_stage_quench_maps_each_start_to_the_single_quench_minimum(net):
    """Same minimiser in both stages: a start reaches the same minimum either way, and a
    sloppy hit names it (a walker's sequence of quenches, replayed start by start)."""
    sloppy = SloppyStage(options={})
    known = np.empty(0)
    n_hits = 0
    for x0 in _starts(net, 12, seed=3):
        ref = quench(net, x0, 1e-10, PURE)
        q = two_stage_quench(net, x0, 1e-10, sloppy, known, PURE)
        assert ref.converged and q.converged
        if q.sloppy_hit:
            n_hits += 1
            assert q.eigenvalues is None and q.rms_grad <= 1e-6
            k = int(np.argmin(np.abs(known - q.energy)))
            assert known[k] == pytest.approx(ref.energy, abs=1e-9)
        else:
            assert q.energy == pytest.approx(ref.energy, abs=1e-9) and q.rms_grad <= 1e-10
            np.testing.assert_allclose(q.eigenvalues, np.linalg.eigvalsh(net.hessian(q.x)),
                                       rtol=1e-8, atol=1e-12)
            known = np.sort(np.append(known, q.energy))
    assert n_hits > 0


def test_two_stage_run_on_a_network_stores_only_tight_minima_and_counts_hits(net, tmp_path):
    path = tmp_path / "net.db"
    with Store(path, net.describe()) as store:
        st = BasinHopping(net, store, seed=0, walkers=2).run(max_steps=40)
        _assert_all_stored_are_tight_minima(net, store)
        assert st.sloppy_hits > 0
        n_rejected = st.rejected["not_converged"] + st.rejected["nonpositive_eigenvalue"]
        assert st.new_minima + st.hits + n_rejected == 40 == st.steps
        assert sum(m.hits for m in store.iter_minima()) == st.new_minima + st.hits
        first = store.n_minima()
    with Store(path, net.describe()) as store:  # a resumed run knows the stored energies
        bh = BasinHopping(net, store, seed=1, walkers=2)
        np.testing.assert_array_equal(bh._known, sorted(m.energy for m in store.iter_minima()))
        st = bh.run(max_steps=20)
        assert store.n_minima() == first + st.new_minima
        _assert_all_stored_are_tight_minima(net, store)


def test_walk_counts_its_own_new_minimum_as_a_sloppy_hit_the_second_time():
    sw = SeparableWells([0.3])  # one parameter: two minima
    rng = np.random.default_rng(0)
    outcomes, accepted, *_ = walk(sw, None, np.inf, rng, 12, 0.05, 0.0, 1e-10,
                                  sloppy=SloppyStage(), known=None)
    assert not outcomes[0].sloppy_hit and outcomes[0].rms_grad <= 1e-10
    assert all(q.sloppy_hit for q in outcomes[1:])  # a small step stays in the same well
    assert accepted[0]  # at T = 0 a sloppy hit a hair above the current energy is refused


def test_two_stage_validation():
    sw = SeparableWells(TILTS)
    with pytest.raises(ValueError, match="sloppy_tol"):
        BasinHopping(sw, sloppy_tol=0.0)
    with pytest.raises(ValueError, match="sloppy_ediff"):
        BasinHopping(sw, sloppy_ediff=-1.0)
    assert BasinHopping(sw, sloppy_tol=1e-12).sloppy is None  # not looser than tol
    assert BasinHopping(sw, geomdifftol=0.1).sloppy is None  # identity needs tight coords
    rec = BasinHopping(sw).settings()
    assert rec["sloppy_tol"] == 1e-6 and rec["sloppy_ediff"] == DEFAULT_SLOPPY_EDIFF
