"""Connection strategies: early exit on stored saddles, storing only attached paths."""

from __future__ import annotations

import numpy as np
import pytest

from aucscape.landscape.connect import connect_landscape, record_attempt
from aucscape.landscape.minimize import lbfgs
from aucscape.landscape.store import Store
from aucscape.landscape.ts.attempt import (
    AttemptResult,
    FoundTS,
    KnownTS,
    TSSettings,
    attempt_connection,
    refine_candidate,
)
from aucscape.testsurfaces import MuellerBrown

MB = MuellerBrown()


def newton(x, n=50):
    """Reference stationary point: Newton's method on the exact gradient."""
    x = np.array(x, dtype=float)
    for _ in range(n):
        _, g = MB.energy_gradient(x)
        x = x - np.linalg.solve(MB.hessian(x), g)
    return x


SADDLES = [newton(s) for s in MB.SADDLES]
MINIMA = [newton(m) for m in MB.MINIMA]  # A, B, C; saddle 0 joins A-C, saddle 1 C-B


def _found(k):
    r = refine_candidate(MB, SADDLES[k] + np.array([0.011, -0.007]), TSSettings())
    assert isinstance(r, FoundTS)
    return r


def _store(path, which):
    st = Store(path, MB.describe())
    ids = [st.add_minimum(*(lambda q: (q.energy, q.x))(lbfgs(MB, MINIMA[k]))) for k in which]
    return st, ids


def _nearest(x):
    return int(np.argmin([np.linalg.norm(np.asarray(x) - m) for m in MINIMA]))


@pytest.mark.parametrize("shift", [0.0, 3e-12])
def test_saddle_with_a_stored_energy_skips_the_step_off(shift):
    e = float(MB.energy(SADDLES[0]))
    r = refine_candidate(MB, SADDLES[0] + np.array([0.013, 0.004]), TSSettings(),
                         np.array([-200.0, e + shift, 5.0]))
    assert isinstance(r, KnownTS)
    np.testing.assert_allclose(r.coords, SADDLES[0], atol=1e-7)
    # A different stored energy: the saddle is stepped off into A and C as usual.
    r = refine_candidate(MB, SADDLES[0] + np.array([0.013, 0.004]), TSSettings(),
                         np.array([e + 1e-3]))
    assert isinstance(r, FoundTS)
    assert sorted([_nearest(r.plus.coords), _nearest(r.minus.coords)]) == [0, 2]


def test_early_exit_attempt_adds_nothing_when_the_saddle_is_stored(tmp_path):
    st, _ = _store(tmp_path / "mb.db", [0, 2])
    assert len(record_attempt(MB, st, AttemptResult([_found(0)], 1), TSSettings())) == 1
    energies = np.array([t.energy for t in st.iter_ts()])
    res = attempt_connection(MB, MINIMA[0] + 1e-9, MINIMA[2] - 1e-9, TSSettings(), energies)
    assert not res.found and len(res.known) == 1
    assert record_attempt(MB, st, res, TSSettings()) == []
    assert st.n_ts() == 1 and st.n_minima() == 2


def test_energy_twin_that_is_not_stored_is_completed_by_the_driver(tmp_path):
    st, _ = _store(tmp_path / "mb.db", [0])
    f = _found(0)
    twin = KnownTS(coords=f.coords, energy=f.energy, rms_grad=f.rms_grad, neg_eig=f.neg_eig,
                   lpphe=f.lpphe, mode=_mode(f.coords))
    new = record_attempt(MB, st, AttemptResult([], 1, known=[twin]), TSSettings())
    assert len(new) == 1
    t = st.get_ts(new[0])
    ends = sorted(_nearest(st.get_minimum(m).coords) for m in (t.min1, t.min2))
    assert ends == [0, 2]


def _mode(x):
    _, v = np.linalg.eigh(MB.hessian(x))
    return v[:, 0]


def test_attached_drops_a_detour_that_all_keeps(tmp_path):
    # Only B is stored; saddle 0 joins A and C, neither stored: a detour.
    st, _ = _store(tmp_path / "a.db", [1])
    res = AttemptResult([_found(0)], 1)
    assert record_attempt(MB, st, res, TSSettings(), keep="attached") == []
    assert st.n_ts() == 0 and st.n_minima() == 1
    st2, _ = _store(tmp_path / "b.db", [1])
    assert len(record_attempt(MB, st2, res, TSSettings(), keep="all")) == 1
    assert st2.n_minima() == 3


def test_attached_stores_a_chain_in_any_order(tmp_path):
    # B stored; saddle 1 (C-B) attaches C, after which saddle 0 (A-C) attaches too.
    st, _ = _store(tmp_path / "a.db", [1])
    res = AttemptResult([_found(0), _found(1)], 2)
    assert len(record_attempt(MB, st, res, TSSettings(), keep="attached")) == 2
    assert st.n_minima() == 3 and st.n_ts() == 2


def test_driver_rejects_unknown_keep(tmp_path):
    st, _ = _store(tmp_path / "a.db", [0, 1])
    with pytest.raises(ValueError, match="keep"):
        connect_landscape(MB, st, keep="some")
    assert st.n_ts() == 0


@pytest.mark.parametrize("keep,early_exit", [("attached", True), ("all", False)])
def test_driver_joins_mueller_brown_with_either_strategy(tmp_path, keep, early_exit):
    st, _ = _store(tmp_path / "a.db", [0, 1])
    state = connect_landscape(MB, st, keep=keep, early_exit=early_exit, max_attempts=40)
    assert state.done and state.targets_connected == state.n_targets == st.n_minima() == 3


def test_detour_is_bridged_to_the_band_ends_and_stored(tmp_path):
    # Only A is stored; saddle 1 joins C and B, both new: a detour of a band from A to B.
    # The bridge A -> C finds saddle 0 (A-C), which attaches C and with it the detour.
    from aucscape.landscape.connect import _bridge

    st, _ = _store(tmp_path / "a.db", [0])
    made = _bridge(MB, st, [(_found(1), (MINIMA[0] + 1e-9, MINIMA[1] - 1e-9))], [], TSSettings(),
                   None, None, None)
    assert made == 2 and st.n_ts() == 2 and st.n_minima() == 3
    got = sorted(_nearest(m.coords) for m in st.iter_minima())
    assert got == [0, 1, 2]
    for t in st.iter_ts():
        np.testing.assert_allclose(min(np.linalg.norm(t.coords - s) for s in SADDLES), 0,
                                   atol=1e-7)


def test_a_refound_saddle_is_followed_from_its_far_minimum(tmp_path):
    # A, B, C stored, saddle 0 (A-C) stored. A band A -> B that only re-finds saddle 0 is
    # followed by one band C -> B (A -> A is connected already).
    from aucscape.landscape.connect import _follow_jobs
    from aucscape.landscape.network import Network

    st, ids = _store(tmp_path / "a.db", [0, 1, 2])
    record_attempt(MB, st, AttemptResult([_found(0)], 1), TSSettings())
    net = Network(MB, st)
    xa, xb = st.get_minimum(ids[0]).coords, st.get_minimum(ids[1]).coords
    key = (min(ids[0], ids[1]), max(ids[0], ids[1]))
    jobs = _follow_jobs(MB, st, net, key, (xa, xb), next(iter(st.iter_ts())))
    assert len(jobs) == 1
    np.testing.assert_allclose(jobs[0][0], MINIMA[2], atol=1e-6)
    np.testing.assert_allclose(jobs[0][1], MINIMA[1], atol=1e-6)
