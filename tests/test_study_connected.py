"""The study counts from the global minimum's network: tables and graph captions on
hand-built networks with a known split, and the connected set against a breadth-first
search on random networks."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.study import figures
from aucscape.study.connected import NOT_CONNECTED, connectivity, in_network
from aucscape.study.results import LandscapeResult, StudyResults
from aucscape.study.tables import tables


def _land(key, energies, ts, *, ts_search=True, part="main", loss="ce", replicate=0):
    """A landscape of ``len(energies)`` minima (ids 10, 11, ...: not row numbers) and
    transition states ``(energy, row_a, row_b)``, given in rows."""
    n = len(energies)
    ids = [10 + k for k in range(n)]
    order = np.argsort(energies, kind="stable")  # results list minima lowest first
    e = [float(energies[k]) for k in order]
    ids = [ids[k] for k in order]
    rng = np.random.default_rng(replicate)
    auc = (0.6 + 0.1 * rng.random(n)).tolist()
    return LandscapeResult(
        key=f"{key}-r{replicate}", label=key, dataset="spiral", loss=loss, hidden=3, n_in=2,
        lam=1e-5, beta=None, margin=None, parts=[part], db=f"db/{key}.db", steps=20,
        n_eval=200, ts_search=ts_search, replicate=replicate, group=key,
        discovery=[[k + 1, i] for k, i in enumerate(sorted(ids))],
        minima={"id": ids, "energy": e, "train_auc": [0.8] * n, "test_auc": auc,
                "ce_loss": e, "app_auc": [0.8] * n, "lpphe": [-100.0] * n, "hits": [1] * n},
        ts=[[float(t), 10 + a, 10 + b] for t, a, b in ts],
        summary={"best_test_auc": max(auc), "mean_test_auc": float(np.mean(auc)),
                 "mean_lpphe": -100.0})


def _results(lands):
    parts: dict[str, list[str]] = {}
    for x in lands:
        parts.setdefault(x.parts[0], []).append(x.key)
    return StudyResults(config={"name": "t"}, landscapes={x.key: x for x in lands},
                        parts=parts)


def _row(table, label):
    rows = list(csv.DictReader(io.StringIO(table.to_csv())))
    return next(r for r in rows if r["landscape"] == label)


# 5 minima: rows 0 (the global minimum), 2 and 3 joined by two transition states; rows 1
# and 4 outside, joined to each other (a side component, not the network).
SPLIT = ([0.10, 0.30, 0.20, 0.40, 0.50], [(0.9, 0, 2), (0.8, 2, 3), (0.7, 1, 4)])


def _bfs_network(energies, ts):
    """Rows reachable from the lowest minimum (independent of the union-find)."""
    adj: dict[int, set[int]] = {k: set() for k in range(len(energies))}
    for _, a, b in ts:
        adj[a].add(b)
        adj[b].add(a)
    start = int(np.argmin(energies))
    seen, todo = {start}, [start]
    while todo:
        for j in adj[todo.pop()] - seen:
            seen.add(j)
            todo.append(j)
    return seen


def test_known_split_in_table_row_and_graph_caption(tmp_path, monkeypatch):
    r = _land("CE", *SPLIT)
    c = connectivity(r)
    assert (c.stored, c.connected, c.outside) == (5, 3, 2)
    res = _results([r])
    t1 = next(t for t in tables(res) if t.name == "table1_spiral")
    row = _row(t1, "CE")
    assert (float(row["minima stored"]), float(row["connected minima"]),
            float(row["outside network"])) == (5, 3, 2)
    assert float(row["minima"]) == 5  # basin-hopping's minima: all five, network or not
    drawn = []
    from aucscape.landscape import disconnectivity_plot

    orig = disconnectivity_plot.plot_disconnectivity
    monkeypatch.setattr(disconnectivity_plot, "plot_disconnectivity",
                        lambda tree, **kw: (drawn.append(tree), orig(tree, **kw))[1])
    figs = figures.make_figures(res, tmp_path)
    graph = next(f for f in figs if f.name == "figure2_graph_ce")
    assert "3 of 5 minima in the network; 2 outside, 3 of the 3 drawn" in graph.caption
    assert graph.path.read_bytes()[:4] == b"\x89PNG"
    assert graph.vector.read_bytes()[:4] == b"%PDF"
    # the graph holds exactly the network: energies 0.10, 0.20, 0.40
    (tree,) = drawn
    assert sorted(tree.min_energies[tree.shown].tolist()) == [0.10, 0.20, 0.40]


def test_graph_title_says_the_split():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot(1, 1, 1)
    assert figures.draw_graph(_land("CE", *SPLIT), ax, title="ce, λ = 1e-05") == (3, 3, 3)
    assert ax.get_title() == ("ce, λ = 1e-05\n3 of 5 minima in the network; 2 outside\n"
                              "3 of 3 drawn, 3 leaves")


def test_network_is_the_global_minimums_not_the_largest_set(tmp_path):
    # rows 1-4 form the largest set; the global minimum (row 0) stands alone
    e = [0.05, 0.3, 0.2, 0.4, 0.5, 0.6]
    ts = [(0.9, 1, 2), (0.95, 2, 3), (0.99, 3, 4)]
    r = _land("sigmoid", e, ts, loss="sigmoid")
    assert connectivity(r).text() == "1 of 6 minima in the network; 5 outside"
    figs = figures.make_figures(_results([r]), tmp_path)
    assert "1 of 6 minima in the network; 5 outside" in figs[0].caption
    # one minimum is no graph: no file, and the caption says why
    assert figs[0].path is None and figs[0].caption.startswith("Not drawn")
    assert not list(tmp_path.glob("figure3*"))


def test_no_transition_state_search_is_said_not_counted(tmp_path):
    r = _land("CE", [0.1, 0.2, 0.3], [], ts_search=False)
    res = _results([r])
    row = _row(tables(res)[0], "CE")
    assert row["connected minima"] == NOT_CONNECTED
    assert row["outside network"] == ""
    assert float(row["minima stored"]) == 3
    graph = figures.make_figures(res, tmp_path)[0]
    assert NOT_CONNECTED in graph.caption and " of 3 minima" not in graph.caption


def test_replicates_are_averaged_and_roundtrip(tmp_path):
    a = _land("CE", *SPLIT, replicate=0)
    b = _land("CE", [0.1, 0.2, 0.3], [(0.5, 0, 1), (0.6, 1, 2)], replicate=1)
    res = _results([a, b])
    row = _row(tables(res)[0], "CE")
    assert float(row["minima stored"]) == pytest.approx(4.0)
    assert float(row["connected minima"]) == pytest.approx(3.0)
    assert float(row["outside network"]) == pytest.approx(1.0)
    res.save(tmp_path / "r.json")
    back = StudyResults.load(tmp_path / "r.json")
    assert [connectivity(x) for x in back.landscapes.values()] == [connectivity(a),
                                                                    connectivity(b)]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=n, max_size=n, unique=True),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))))
def test_in_network_matches_breadth_first_search(case):
    energies, edges = case
    ts = [(2.0, a, b) for a, b in edges]
    r = _land("x", energies, ts)
    expect = _bfs_network(energies, ts)
    rows = {int(i) - 10 for i in np.asarray(r.minima["id"])[in_network(r)]}
    assert rows == expect
    assert connectivity(r).outside == len(energies) - len(expect)


def test_report_says_how_many_minima_lie_outside(tmp_path):
    from aucscape.study.report import write_report

    res = _results([_land("CE", *SPLIT), _land("tanh", [0.1, 0.2], [], ts_search=False,
                                               loss="tanh")])
    md = write_report(res, tmp_path).read_text(encoding="utf-8")
    assert ("transition-state search in 1 of 2 landscapes: 3 of their 5 minima in the "
            "global minimum's network, 2 outside; the others are not connected (no "
            "transition-state search)") in md
    rows = list(csv.DictReader(open(tmp_path / "tables" / "landscapes.csv",
                                    encoding="utf-8")))
    assert [(r["connected minima"], r["outside network"]) for r in rows] == [
        ("3", "2"), (NOT_CONNECTED, "")]
