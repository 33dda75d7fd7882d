"""Connecting minima: missing-connection Dijkstra, recording, the landscape driver."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from aucscape.landscape.connect import (
    Network,
    connect,
    connect_landscape,
    load_tries,
    record_attempt,
    retry_settings,
)
from aucscape.landscape.minimize import lbfgs
from aucscape.landscape.store import Store
from aucscape.landscape.ts import check_saddle
from aucscape.landscape.ts.attempt import TSSettings, attempt_connection, refine_candidate
from aucscape.testsurfaces import MuellerBrown, TiltedRing

MB = MuellerBrown()


def newton(obj, x, n=50):
    """Reference stationary point: Newton's method on the exact gradient."""
    x = np.array(x, dtype=float)
    for _ in range(n):
        _, g = obj.energy_gradient(x)
        x = x - np.linalg.solve(obj.hessian(x), g)
    return x


MB_SADDLES = np.array([newton(MB, s) for s in MB.SADDLES])


class FakeStore:
    """Just what Network reads: minima (id, energy, coords) and TS (id, min1, min2)."""

    def __init__(self, coords, ts_pairs=()):
        self.minima = [SimpleNamespace(id=10 + k, energy=float(k), coords=np.asarray(c, float))
                       for k, c in enumerate(coords)]
        self.ts = [SimpleNamespace(id=100 + k, min1=a, min2=b) for k, (a, b) in enumerate(ts_pairs)]

    def iter_minima(self, order="energy"):
        return iter(self.minima)

    def iter_ts(self, order="id"):
        return iter(self.ts)


class InlineExecutor:
    """A concurrent.futures-style executor that runs each task when submitted."""

    def __init__(self):
        self.submitted = 0

    def submit(self, fn, *args):
        self.submitted += 1
        value = fn(*args)
        return SimpleNamespace(result=lambda: value)


def mb_store(path):
    st = Store(path, MB.describe())
    ids = []
    for x in MB.MINIMA:
        q = lbfgs(MB, x)
        ids.append(st.add_minimum(q.energy, q.x))
    return st, ids


def test_dijkstra_prefers_short_hops_and_existing_connections():
    line = [[0, 0], [1, 0], [2, 0], [3, 0]]
    net = Network(SimpleNamespace(), FakeStore(line))
    pred = net.dijkstra(0, {}, 3)
    # d^2 weights: 1 + 1 + 1 < 9, so the path to 3 hops through every minimum.
    assert sorted(net.gaps_on_path(pred, 3)) == [(0, 1), (1, 2), (2, 3)]
    net = Network(SimpleNamespace(), FakeStore(line, [(11, 12)]))
    assert sorted(net.gaps_on_path(net.dijkstra(0, {}, 3), 3)) == [(0, 1), (2, 3)]
    # A pair tried max_tries times is never proposed again.
    gaps = net.gaps_on_path(net.dijkstra(0, {(0, 1): 3}, 3), 3)
    assert (0, 1) not in gaps and gaps


def test_dijkstra_penalises_tried_pairs():
    # Via minimum 1 the cost is 1 + 1.25 = 2.25 < 4.25 (direct). After one try of 0-1 its
    # weight is 1 * (1 + 1)^2 = 4, so 4 + 1.25 > 4.25 and the direct gap wins.
    net = Network(SimpleNamespace(), FakeStore([[0, 0], [1, 0], [2, 0.5]]))
    assert sorted(net.gaps_on_path(net.dijkstra(0, {}, 3), 2)) == [(0, 1), (1, 2)]
    assert net.gaps_on_path(net.dijkstra(0, {(0, 1): 1}, 3), 2) == [(0, 2)]


def test_network_components_and_ts_path():
    net = Network(SimpleNamespace(), FakeStore([[0, 0], [1, 0], [2, 0], [5, 5]],
                                               [(10, 11), (11, 12)]))
    assert sorted(net.component_sizes().values()) == [1, 3]
    assert net.ts_path(0, 2) == [100, 101]
    assert net.ts_path(0, 3) == []


def test_connect_mueller_brown_end_to_end(tmp_path):
    st, ids = mb_store(tmp_path / "mb.db")
    res = connect(MB, st, ids[0], ids[1])
    assert res.connected and len(res.ts_path) == 2 and res.n_attempts >= 1
    got = np.array([st.get_ts(t).coords for t in res.ts_path])
    # The path A -> B crosses the saddle near A first, then the one near B.
    assert np.max(np.abs(got - MB_SADDLES)) < 1e-8
    for t in res.ts_path:
        ts = st.get_ts(t)
        chk = check_saddle(MB, ts.coords)
        assert chk.is_ts and ts.neg_eig == pytest.approx(chk.neg_eig)
        assert ts.lpphe == pytest.approx(chk.lpphe)
    pairs = {frozenset((st.get_ts(t).min1, st.get_ts(t).min2)) for t in res.ts_path}
    assert pairs == {frozenset((ids[0], ids[2])), frozenset((ids[2], ids[1]))}
    assert st.n_minima() == 3  # step-off minima were matched, not duplicated
    again = connect(MB, st, ids[1], ids[0])
    assert again.connected and again.n_attempts == 0


def test_driver_joins_mueller_brown_and_resumes(tmp_path):
    st, _ = mb_store(tmp_path / "mb.db")
    seen = []
    ex = InlineExecutor()
    state = connect_landscape(MB, st, executor=ex, progress=seen.append)
    assert state.done and state.largest == 3 and state.n_ts == 2
    assert ex.submitted == state.attempts >= 1
    assert seen[0].largest == 1 and seen[-1].done
    for ts in st.iter_ts():
        assert check_saddle(MB, ts.coords).is_ts
    st.close()
    st = Store(tmp_path / "mb.db", MB.describe())
    resumed = connect_landscape(MB, st)
    assert resumed.done and resumed.attempts == 0


def test_driver_through_a_process_pool_matches_sequential(tmp_path):
    from aucscape.landscape.disconnectivity import disconnectivity_tree
    from aucscape.landscape.graph import network_from_store
    from aucscape.parallel import make_executor

    st, mb_ids = mb_store(tmp_path / "mb.db")
    with make_executor(2) as ex:
        state = connect_landscape(MB, st, executor=ex)
    assert state.done and state.n_ts == 2
    e_min, e_ts, pairs, ids = network_from_store(st)
    assert ids == mb_ids  # MINIMA are listed A, B, C: already in energy order
    tree = disconnectivity_tree(e_min, e_ts, pairs, first=-30.0, delta=5.0, levels=24)
    # Global minimum A and minimum C (row 2) merge above the A-C saddle (-40.66);
    # B (row 1) and C above the lower B-C saddle (-72.25).
    assert tree.merge_level(0, 2) == -40.0
    assert tree.merge_level(1, 2) == -70.0


def test_driver_respects_attempt_budget(tmp_path):
    st, _ = mb_store(tmp_path / "mb.db")
    state = connect_landscape(MB, st, max_attempts=1, batch=4)
    assert state.attempts == 1


def test_record_attempt_deduplicates(tmp_path):
    st, _ = mb_store(tmp_path / "mb.db")
    res = attempt_connection(MB, MB.MINIMA[0], MB.MINIMA[2])
    s = TSSettings()
    assert len(record_attempt(MB, st, res, s)) == 1
    assert record_attempt(MB, st, res, s) == []
    assert st.n_ts() == 1 and st.n_minima() == 3


def test_ts_back_to_one_minimum_is_stored_with_min1_equal_min2(tmp_path):
    ring = TiltedRing()
    st = Store(tmp_path / "ring.db", ring.describe())
    ts = refine_candidate(ring, newton(ring, [-0.9, 0.0]) + 0.01, TSSettings(step=0.05))
    new = record_attempt(ring, st, SimpleNamespace(found=[ts]), TSSettings())
    t = st.get_ts(new[0])
    assert t.min1 == t.min2 and st.n_minima() == 1


def test_connect_rejects_unknown_minimum(tmp_path):
    st, ids = mb_store(tmp_path / "mb.db")
    with pytest.raises(ValueError, match="not a stored minimum"):
        connect(MB, st, ids[0], 999)


def test_driver_targets_explored_minima_and_tags_the_ones_it_adds(tmp_path):
    # Only A and B are stored; their path runs through C, which the step-off quenches add.
    st = Store(tmp_path / "ab.db", MB.describe())
    explore_run = st.add_run({"kind": "explore"})
    for x in MB.MINIMA[:2]:
        q = lbfgs(MB, x)
        st.add_minimum(q.energy, q.x, run_id=explore_run)
    state = connect_landscape(MB, st, targets="explored")
    assert state.done and (state.n_targets, state.targets_connected) == (2, 2)
    assert state.n_minima == 3 and state.largest == 3 and state.n_ts == 2
    added = [m for m in st.iter_minima() if m.run_id != explore_run]
    assert len(added) == 1 and np.allclose(added[0].coords, MB.MINIMA[2], atol=1e-3)
    assert st.get_run(added[0].run_id)["kind"] == "connect"
    assert {t.run_id for t in st.iter_ts()} == {added[0].run_id}
    with pytest.raises(ValueError, match="targets"):
        connect_landscape(MB, st, targets="some")


def test_driver_persists_attempt_counts_between_calls(tmp_path):
    st, _ = mb_store(tmp_path / "mb.db")
    barren = TSSettings(max_candidates=0)  # attempts that never find anything
    kw = {"settings": barren, "persist_tries": True, "max_attempts": 1, "batch": 1}
    connect_landscape(MB, st, **kw)
    first = load_tries(st)
    (pair,) = first
    assert first[pair] == 1 and st.n_ts() == 0
    # Same network, so without the saved count the same pair would come first again; with
    # it, a pair tried max_tries times in an earlier call is not proposed again.
    connect_landscape(MB, st, **kw, max_tries=1)
    second = load_tries(st)
    assert second[pair] == 1 and sum(second.values()) == 2
    # Without max_tries reached the Dijkstra choice is deterministic: it repeats the pair.
    connect_landscape(MB, st, **kw, max_tries=5)
    assert load_tries(st)[pair] == 2


def test_driver_tags_with_the_callers_connect_run_and_adds_no_records(tmp_path):
    st = Store(tmp_path / "ab.db", MB.describe())
    explore_run = st.add_run({"kind": "explore"})
    for x in MB.MINIMA[:2]:
        st.add_minimum(lbfgs(MB, x).energy, lbfgs(MB, x).x, run_id=explore_run)
    cli_run = st.add_run({"kind": "connect"})  # as the CLI writes before calling
    state = connect_landscape(MB, st, run_id=cli_run, targets="explored")
    assert state.done and state.n_targets == 2 and state.n_minima == 3
    assert [rid for rid, _ in st.iter_runs()] == [explore_run, cli_run]
    assert {t.run_id for t in st.iter_ts()} == {cli_run}
    # Without persist_tries nothing about attempts is written either.
    barren = TSSettings(max_candidates=0)
    st2, _ = mb_store(tmp_path / "mb.db")
    connect_landscape(MB, st2, settings=barren, max_attempts=2, batch=1)
    assert list(st2.iter_runs()) == []


def test_driver_targets_every_stored_minimum_by_default(tmp_path):
    # The default goal is the whole file: C, found while connecting A and B, is a target.
    st = Store(tmp_path / "ab.db", MB.describe())
    for x in MB.MINIMA[:2]:
        q = lbfgs(MB, x + 1e-10)
        st.add_minimum(q.energy, q.x)
    state = connect_landscape(MB, st)
    assert state.done and state.n_targets == state.targets_connected == st.n_minima() == 3
    assert state.given_up == {}
    with pytest.raises(ValueError, match="order"):
        connect_landscape(MB, st, order="random")


def test_driver_gives_up_minima_with_the_reason_and_retries_them_later(tmp_path):
    st, ids = mb_store(tmp_path / "mb.db")
    barren = TSSettings(max_candidates=0)  # attempts that never find anything
    state = connect_landscape(MB, st, settings=barren, give_up_after=2, max_tries=1,
                              persist_tries=True)
    assert not state.done and set(state.given_up) == set(ids[1:])
    assert all("candidate" in why for why in state.given_up.values())
    # A later call starts from the saved counts (every pair was tried once) and retries
    # the given-up minima, with larger bands; with working settings they are joined.
    later = connect_landscape(MB, st, max_tries=1, persist_tries=True)
    assert later.done and later.given_up == {} and later.n_minima == 3


def test_retry_settings_grow_the_band():
    s = TSSettings(n_images=6, image_density=2.0, max_images=10)
    assert retry_settings(s, 0) is s
    r = retry_settings(s, 2)
    assert (r.n_images, r.image_density, r.max_images) == (18, 6.0, 18)


def test_analyze_reports_each_minimums_component(tmp_path):
    from aucscape.analysis.database import analyze_store
    from aucscape.data import spiral
    from aucscape.objectives import make_objective

    obj = make_objective(spiral(points_per_arm=10), loss="ce", hidden=2)
    st = Store(tmp_path / "c.db", obj.describe())
    rng = np.random.default_rng(0)
    ids = []
    for _ in range(3):
        q = lbfgs(obj, rng.uniform(-1, 1, obj.n_params))
        ids.append(st.add_minimum(q.energy, q.x))
    by_energy = [m.id for m in st.iter_minima(order="energy")]
    st.add_ts(max(st.get_minimum(i).energy for i in by_energy[:2]) + 1.0,
              np.zeros(obj.n_params), by_energy[0], by_energy[1])
    comp = {p.id: p.component for p in analyze_store(st).minima}
    assert comp == {by_energy[0]: by_energy[0], by_energy[1]: by_energy[0],
                    by_energy[2]: by_energy[2]}
