"""The connect budget's census: a hand-built network with a known split, and random
networks against a brute-force breadth-first search and an exhaustive floor."""

from __future__ import annotations

import itertools
import math
from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.landscape.budget import NetworkCensus, census
from aucscape.landscape.connect import CONNECT_RUN_KIND
from aucscape.landscape.store import Store

DESC = {"kind": "SeparableWells", "tilts": [0.3, -0.2]}


def _build(path, energies, explored, edges):
    """A store with minima of ``energies`` (row k is stored k-th), ``explored[k]`` telling
    whether an explore run or a connect run stored it, and TSs joining rows ``edges``."""
    s = Store(path, DESC)
    run_bh = s.add_run({"kind": "explore"})
    run_c = s.add_run({"kind": CONNECT_RUN_KIND})
    ids = [s.add_minimum(float(e), np.array([float(k), 0.0]),
                         run_id=run_bh if explored[k] else run_c)
           for k, e in enumerate(energies)]
    for t, (a, b) in enumerate(edges):
        s.add_ts(2.0 + t, np.array([0.5, float(t)]), ids[a], ids[b], run_id=run_c)
    return s


def test_census_of_a_hand_built_split(tmp_path):
    # rows: 0 is the global minimum; network 0-1-2-3 (1 found while connecting, so the
    # explored minima 0 and 2 are 2 hops apart, 2 and 3 one hop); outside: 4-5 and 6.
    energies = [0.0, 0.5, 0.2, 0.3, 0.4, 0.6, 0.7]
    explored = [True, False, True, True, True, False, True]
    edges = [(0, 1), (1, 2), (2, 3), (4, 5)]
    with _build(tmp_path / "a.db", energies, explored, edges) as s:
        c = census(s)
    assert (c.n_minima, c.n_explored, c.n_network, c.n_network_explored) == (7, 5, 4, 3)
    assert c.n_network_ts == 3 and c.outside_sizes == [2, 1]
    assert sorted(c.hops.tolist()) == [1.0, 1.0, 2.0]  # minima 0: 2 hops; 2 and 3: 1
    assert c.explored_outside == 2
    assert c.ts_per_join() == pytest.approx(3 / 2)
    assert c.hop_estimate_ts() == pytest.approx(0.5 * 4 / 3 * 2)
    assert c.floor_ts(5 / 7) == 1 and c.floor_ts(6 / 7) == 1 and c.floor_ts(1.0) == 2
    assert c.floor_ts(4 / 7) == 0


def test_census_of_a_lone_minimum_and_bad_fraction(tmp_path):
    with _build(tmp_path / "b.db", [0.1, 0.2], [True, True], []) as s:
        c = census(s)
    assert c.n_network == 1 and np.isinf(c.hops).all()
    assert math.isnan(c.ts_per_join()) and math.isnan(c.hop_estimate_ts())
    assert c.floor_ts(1.0) == 1
    with pytest.raises(ValueError, match="fraction"):
        c.floor_ts(0.0)
    with _build(tmp_path / "c.db", [], [], []) as s, pytest.raises(ValueError, match="no min"):
        census(s)


def _bfs(n, edges, src):
    adj = [[] for _ in range(n)]
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    dist = [math.inf] * n
    dist[src] = 0
    q = deque([src])
    while q:
        u = q.popleft()
        for v in adj[u]:
            if dist[v] == math.inf:
                dist[v] = dist[u] + 1
                q.append(v)
    return dist


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 9).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.booleans(), min_size=n, max_size=n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n),
    st.floats(0.05, 1.0))))
def test_census_matches_brute_force(tmp_path_factory, case):
    n, explored, edges, fraction = case
    edges = [(a, b) for a, b in edges if a != b]
    energies = np.linspace(0.0, 1.0, n)  # row k is the k-th lowest: row 0 the GM
    with _build(tmp_path_factory.mktemp("r") / "r.db", energies, explored, edges) as s:
        c = census(s)
    d0 = _bfs(n, edges, 0)
    net = [k for k in range(n) if d0[k] < math.inf]
    assert c.n_network == len(net) and c.n_explored == sum(explored)
    terms = [k for k in net if explored[k]]
    assert c.n_network_explored == len(terms)
    want = sorted(min((_bfs(n, edges, t)[u] for u in terms if u != t), default=math.inf)
                  for t in terms)
    assert sorted(c.hops.tolist()) == want
    # floor: the fewest outside components whose sizes cover the shortfall (exhaustive)
    comps, seen = [], set(net)
    for k in range(n):
        if k not in seen:
            members = [u for u, d in enumerate(_bfs(n, edges, k)) if d < math.inf]
            seen.update(members)
            comps.append(len(members))
    short = math.ceil(fraction * n) - len(net)
    best = next((r for r in range(len(comps) + 1)
                 if any(sum(x) >= short for x in itertools.combinations(comps, r))), None)
    assert c.floor_ts(fraction) == best


def test_floor_is_none_when_out_of_reach():
    c = NetworkCensus(4, 4, 1, 1, 0, [], np.array([np.inf]))
    assert c.floor_ts(0.5) is None


@pytest.mark.parametrize("seed", range(4))
def test_nearest_other_hops_matches_all_pairs_shortest_paths(seed):
    """The one-pass Voronoi search against scipy's all-pairs breadth-first distances on
    sparse random graphs of 300 nodes (several components, isolated terminals)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path

    from aucscape.landscape.budget import nearest_other_hops

    rng = np.random.default_rng(seed)
    n = 300
    pairs = rng.integers(0, n, size=(330, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    terminals = np.sort(rng.choice(n, size=40, replace=False))
    dist = shortest_path(coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                                    shape=(n, n)).tocsr(), directed=False, unweighted=True,
                         indices=terminals)[:, terminals]
    np.fill_diagonal(dist, np.inf)
    np.testing.assert_array_equal(nearest_other_hops(n, pairs, terminals), dist.min(axis=1))
