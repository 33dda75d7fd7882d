"""Basin-hopping finds every known minimum, stores only true minima, is reproducible."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from aucscape.data import spiral
from aucscape.landscape.basinhopping import (
    BasinHopping,
    metropolis,
    quench,
    run_basinhopping,
    walk,
)
from aucscape.landscape.store import Store, StoreError
from aucscape.landscape.walker import start_point
from aucscape.objectives import make_objective
from aucscape.testsurfaces import MuellerBrown, SeparableWells

TILTS = [0.3, -0.2, 0.45, 0.1]


def rows(store):
    return [(m.id, m.energy, m.coords.tobytes(), m.hits) for m in store.iter_minima("id")]


def test_finds_all_16_separable_minima_exactly():
    sw = SeparableWells(TILTS)
    pts, energies = sw.minima()
    bh = BasinHopping(sw, step=1.8, temperature=1.0, seed=1)
    stats = bh.run(max_steps=400)
    stored = list(bh.store.iter_minima())
    assert len(stored) == 16 == stats.new_minima
    np.testing.assert_allclose([m.energy for m in stored], energies, atol=1e-12)
    for m, p in zip(stored, pts, strict=True):
        np.testing.assert_allclose(m.coords, p, atol=1e-10)
        assert m.rms_grad <= 1e-10 and m.n_nonpositive == 0
        assert m.min_eig == pytest.approx(np.min(12 * p**2 - 4), rel=1e-8)
        assert m.lpphe == pytest.approx(np.sum(np.log(12 * p**2 - 4)), rel=1e-9)
    assert stats.steps == 400
    assert sum(m.hits for m in stored) == 400 - stats.rejected["not_converged"] \
        - stats.rejected["nonpositive_eigenvalue"]
    assert stats.rejected["duplicate"] == stats.hits == 400 - 16
    assert stats.best_energy == pytest.approx(energies[0], abs=1e-12)
    assert bh.store.get_minimum(stats.best_id).energy == pytest.approx(stats.best_energy, abs=1e-12)


def test_mueller_brown_all_three():
    mb = MuellerBrown()
    bh = BasinHopping(mb, step=1.0, temperature=20.0, seed=0)
    bh.run(max_steps=200)
    np.testing.assert_allclose(sorted(m.energy for m in bh.store.iter_minima()),
                               [-146.69951720995, -108.16672411685, -80.76781812966], atol=1e-9)


def test_same_seed_same_database_other_seed_differs():
    sw = SeparableWells(TILTS)
    a = BasinHopping(sw, step=1.8, seed=7, walkers=3)
    a.run(max_steps=60)
    b = BasinHopping(sw, step=1.8, seed=7, walkers=3)
    b.run(max_steps=60)
    c = BasinHopping(sw, step=1.8, seed=8, walkers=3)
    c.run(max_steps=60)
    assert rows(a.store) == rows(b.store)
    assert rows(a.store) != rows(c.store)
    assert a.stats.accepted == b.stats.accepted


def test_zero_temperature_walker_never_goes_up():
    sw = SeparableWells(TILTS)
    seen = []
    bh = BasinHopping(sw, step=1.8, temperature=0.0, seed=2,
                      progress=lambda s: seen.append((s.steps, bh.walkers[0].energy)))
    bh.run(max_steps=80)
    assert [s for s, _ in seen] == list(range(1, 81))
    walker_e = np.array([e for _, e in seen])
    assert np.all(np.diff(walker_e) <= 0)
    assert walker_e[-1] == pytest.approx(sw.minima()[1][0])  # reaches the global minimum


def test_metropolis_acceptance_rate():
    """Uphill by T ln 2 is accepted with probability 1/2 (binomial 4-sigma band)."""
    rng = np.random.default_rng(4)
    n = 4000
    k = sum(metropolis(rng, 0.0, 3.0 * np.log(2.0), 3.0) for _ in range(n))
    assert abs(k - n / 2) < 4 * np.sqrt(n / 4)
    assert metropolis(rng, 0.0, -1.0, 3.0)
    assert metropolis(rng, None, 5.0, 3.0)  # no current minimum: any valid one is taken
    assert not any(metropolis(rng, 0.0, 1e-9, 0.0) for _ in range(100))  # T = 0: downhill only


class FlatDirection:
    """E = (x^2 - 1)^2 + 0 * y: every minimum has a zero Hessian eigenvalue."""

    n_params = 2

    def energy_gradient(self, w):
        x = w[0]
        return float((x * x - 1) ** 2), np.array([4 * x * (x * x - 1), 0.0])

    def hessian(self, w):
        return np.diag([12 * w[0] ** 2 - 4, 0.0])

    def random_point(self, rng):
        return rng.uniform(-2, 2, 2)

    def describe(self) -> dict[str, Any]:
        return {"kind": "FlatDirection"}


def test_rejections_are_counted_by_reason():
    bh = BasinHopping(FlatDirection(), seed=0)
    stats = bh.run(max_steps=10)
    assert stats.rejected["nonpositive_eigenvalue"] == 10
    assert bh.store.n_minima() == 0 and stats.accepted == 0
    bh = BasinHopping(MuellerBrown(), seed=0, minimize_options={"max_iter": 2})
    stats = bh.run(max_steps=5)
    assert stats.rejected["not_converged"] == 5 and bh.store.n_minima() == 0


def test_quench_task_reports_eigenvalues():
    mb = MuellerBrown()
    q = quench(mb, mb.MINIMA[0] + 0.05)
    assert q.converged and q.rms_grad <= 1e-10
    np.testing.assert_allclose(q.eigenvalues, np.linalg.eigvalsh(mb.hessian(q.x)))


def test_resume_from_file(tmp_path):
    sw = SeparableWells(TILTS)
    path = tmp_path / "bh.db"
    with Store(path, sw.describe()) as store:
        BasinHopping(sw, store, step=1.8, seed=3).run(max_steps=30)
        first = rows(store)
    with Store(path, sw.describe()) as store:
        low = store.lowest_minima(1)[0]
        bh = BasinHopping(sw, store, step=1.8, seed=4)
        assert bh.walkers[0].energy == low.energy
        np.testing.assert_array_equal(bh.walkers[0].x, low.coords)
        bh.run(max_steps=30)
        after = rows(store)
        assert [r for r, _ in store.iter_runs()] == [1, 2]
        assert store.get_run(2)["basinhopping"]["step"] == 1.8
        assert store.get_run(2)["seed"] == 4
    assert len(after) >= len(first)
    assert [r[:3] for r in after[: len(first)]] == [r[:3] for r in first]
    assert sum(r[3] for r in after) == 60


def test_refuses_store_of_other_objective(tmp_path):
    path = tmp_path / "o.db"
    Store(path, SeparableWells([0.1, 0.2]).describe()).close()
    with Store(path) as store, pytest.raises(StoreError, match="tilts"):
        BasinHopping(SeparableWells([0.1, 0.3]), store)


def test_budgets_and_validation():
    sw = SeparableWells(TILTS)
    bh = BasinHopping(sw, seed=0, walkers=3)
    assert bh.run(max_steps=0).steps == 0
    assert bh.run(max_time=0.0).steps == 0
    assert bh.run(max_steps=7).steps == 7  # last round only partly used
    assert bh.run(max_steps=2).steps == 9  # counters accumulate
    with pytest.raises(ValueError, match="budget"):
        bh.run()
    with pytest.raises(ValueError, match="step"):
        BasinHopping(sw, step=0)
    with pytest.raises(ValueError, match="walkers"):
        BasinHopping(sw, walkers=0)
    with pytest.raises(ValueError, match="temperature"):
        BasinHopping(sw, temperature=-1)
    with pytest.raises(ValueError, match="hessian"):
        BasinHopping(object())


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"minimize_options": {"memory": 0}}, "minimize_options: memory"),
    ({"minimize_options": {"memroy": 5}}, r"minimize_options: unknown .*memroy"),
    ({"sloppy_options": {"polish_below": -1.0}}, "sloppy_options: polish_below"),
    ({"minimize_options": {"backend": "cuda"}}, "minimize_options: backend"),
    ({"minimize_options": {"tol": 1e-8}}, "tol"),
])
def test_bad_minimiser_options_refused_before_anything_is_written(kwargs, match):
    store = Store(":memory:", SeparableWells(TILTS).describe())
    with pytest.raises(ValueError, match=match):
        BasinHopping(SeparableWells(TILTS), store, **kwargs)
    assert list(store.iter_runs()) == [] and store.n_minima() == 0


def test_run_basinhopping_sequential_matches_class():
    sw = SeparableWells(TILTS)
    stats, store = run_basinhopping(sw, max_steps=20, step=1.8, seed=5)
    bh = BasinHopping(sw, step=1.8, seed=5)
    bh.run(max_steps=20)
    assert rows(store) == rows(bh.store)
    assert stats.steps == 20


def test_walker_chain_does_not_depend_on_chunk():
    """A walker's chain is the same whether it runs 1 or 7 steps per task."""
    sw = SeparableWells(TILTS)
    runs = []
    for chunk in (1, 7):
        bh = BasinHopping(sw, step=1.8, temperature=1.0, seed=5, walkers=1, chunk=chunk)
        bh.run(max_steps=20)
        runs.append([(m.energy, m.hits) for m in bh.store.iter_minima(order="id")])
    assert runs[0] == runs[1]
    # the worker task itself: outcomes, acceptances and the returned state agree with a replay
    rng = np.random.default_rng(9)
    outcomes, accepted, x, energy, _ = walk(sw, None, np.inf, rng, 6, 1.8, 1.0, 1e-10)
    assert len(outcomes) == len(accepted) == 6 and accepted[0]
    last = max(i for i, ok in enumerate(accepted) if ok)
    np.testing.assert_array_equal(x, outcomes[last].x)
    assert energy == outcomes[last].energy


def _net():
    return make_objective(spiral(noise=0.1, seed=0), "ce", hidden=2, lam=1e-5)


def test_start_range_one_is_the_default_start_of_a_network():
    """Unset, a network walker starts at random_point, U(-1, 1): the same database as
    start_range=1; another range gives another database."""
    net = _net()
    dbs = []
    for start_range in (None, 1.0, 0.3):
        bh = BasinHopping(net, seed=4, walkers=2, start_range=start_range)
        bh.run(max_steps=6)
        dbs.append(rows(bh.store))
    assert dbs[0] == dbs[1] and dbs[0] != dbs[2]


def test_start_point_draws_uniform_in_the_range_and_walk_quenches_from_it():
    net = _net()
    pts = np.array([start_point(net, np.random.default_rng(k), 0.25) for k in range(400)])
    assert pts.shape == (400, net.n_params) and np.abs(pts).max() <= 0.25
    assert abs(pts.mean()) < 0.01 and pts.var() == pytest.approx(0.25**2 / 3, rel=0.05)
    outcomes, *_ = walk(net, None, np.inf, np.random.default_rng(9), 1, 1.0, 2.0, 1e-10,
                        start_range=0.25)
    ref = quench(net, np.random.default_rng(9).uniform(-0.25, 0.25, net.n_params))
    np.testing.assert_array_equal(outcomes[0].x, ref.x)


def test_start_range_recorded_and_taken_over_on_resume(tmp_path):
    sw = SeparableWells(TILTS)
    path = tmp_path / "sr.db"
    with Store(path, sw.describe()) as store:
        assert BasinHopping(sw, store).start_range is None
        BasinHopping(sw, store, start_range=0.7, seed=1).run(max_steps=2)
        assert BasinHopping(sw, store).start_range == 0.7
        BasinHopping(sw, store, start_range=1.5).run(max_steps=1)
        again = BasinHopping(sw, store)
        again.run(max_steps=1)
        assert [r["basinhopping"]["start_range"] for _, r in store.iter_runs()] == [0.7, 1.5,
                                                                                    1.5]
        assert again.settings()["start_range"] == 1.5


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_start_range_refused(bad):
    store = Store(":memory:", SeparableWells(TILTS).describe())
    with pytest.raises(ValueError, match="start_range"):
        BasinHopping(SeparableWells(TILTS), store, start_range=bad)
    assert list(store.iter_runs()) == []
