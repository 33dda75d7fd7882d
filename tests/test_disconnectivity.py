"""Disconnectivity trees on hand-built networks with known merge levels."""

from __future__ import annotations

import numpy as np
import pytest

from aucscape.landscape.disconnectivity import default_levels, disconnectivity_tree, layout
from aucscape.landscape.disconnectivity_plot import plot_disconnectivity, save_disconnectivity
from aucscape.landscape.graph import UnionFind, components


def minimax_barriers(e_min, e_ts, pairs):
    """Brute force: B_ij = min over paths of the highest energy (minima and TS) on the path
    (Floyd-Warshall in the (min, max) semiring)."""
    n = len(e_min)
    b = np.full((n, n), np.inf)
    np.fill_diagonal(b, e_min)
    for e, (i, j) in zip(e_ts, pairs, strict=True):
        if i != j:
            c = max(e, e_min[i], e_min[j])
            b[i, j] = b[j, i] = min(b[i, j], c)
    for k in range(n):
        b = np.minimum(b, np.maximum(b[:, [k]], b[[k], :]))
    return b


def random_network(rng, n, m):
    e_min = rng.uniform(0, 1, n)
    pairs = rng.integers(0, n, size=(m, 2))
    e_ts = np.maximum(e_min[pairs[:, 0]], e_min[pairs[:, 1]]) + rng.uniform(0.01, 1, m)
    return e_min, e_ts, pairs


CHAIN = dict(min_energies=[0, 1, 2, 3], ts_energies=[5, 4, 8], ts_pairs=[[0, 1], [1, 2], [2, 3]])


def test_union_find_and_components():
    uf = UnionFind(5)
    assert uf.union(0, 3) and uf.union(3, 4) and not uf.union(0, 4)
    assert components(5, np.array([[0, 3], [3, 4]])).tolist() == [0, 1, 2, 0, 0]


def test_chain_known_merge_levels():
    t = disconnectivity_tree(**CHAIN, first=9, delta=1, levels=9)
    assert t.levels.tolist() == [9, 8, 7, 6, 5, 4, 3, 2, 1]
    # Minima 0 and 1 join through the TS at 5 (threshold 6 is the lowest above it); 1-2
    # through the TS at 4 (threshold 5); 3 joins only through the TS at 8 (threshold 9).
    assert t.merge_level(0, 1) == 6
    assert t.merge_level(1, 2) == 5
    assert t.merge_level(0, 2) == 6
    assert t.merge_level(0, 3) == 9
    assert len(t.roots) == 1
    assert sorted(t.nodes[t.roots[0]].members.tolist()) == [0, 1, 2, 3]
    # Leaves: one per minimum, ending at the last level above its energy.
    leaves = {t.nodes[k].lowest: t.levels[t.nodes[k].level] for k in t.leaves}
    assert leaves == {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0}
    # Minimum 3 sits alone from threshold 8 down; 1 and 2 share a basin at threshold 5.
    assert t.basins[1].tolist() == [0, 0, 0, 3]
    assert t.basins[4, 1] == t.basins[4, 2] != t.basins[4, 0]


@pytest.mark.parametrize("seed", range(8))
def test_merge_levels_match_brute_force_minimax(seed):
    rng = np.random.default_rng(seed)
    e_min, e_ts, pairs = random_network(rng, 9, 14)
    t = disconnectivity_tree(e_min, e_ts, pairs, levels=15, gmin_component=False)
    b = minimax_barriers(e_min, e_ts, pairs)
    for i in range(9):
        for j in range(9):
            above = t.levels[t.levels > b[i, j]]
            expected = float(above.min()) if above.size else None
            assert t.merge_level(i, j) == expected


@pytest.mark.parametrize("seed", range(5))
def test_tree_nesting_and_layout_without_crossings(seed):
    rng = np.random.default_rng(100 + seed)
    e_min, e_ts, pairs = random_network(rng, 12, 20)
    t = disconnectivity_tree(e_min, e_ts, pairs, levels=12, gmin_component=False)
    for centre in (False, True):
        x = layout(t, centre_gmin=centre)
        leaf_x = sorted(x[k] for k in t.leaves)
        assert leaf_x == list(range(len(t.leaves)))
        for k, nd in enumerate(t.nodes):
            if nd.parent is not None:
                assert set(nd.members) <= set(t.nodes[nd.parent].members)
            # Every subtree owns a contiguous block of leaves, so edges cannot cross.
            sub = [x[j] for j in _subtree_leaves(t, k)]
            assert max(sub) - min(sub) == len(sub) - 1
            if nd.children:
                assert x[k] == pytest.approx(np.mean([x[c] for c in nd.children]))
        # At every level, nodes sorted by x have parents sorted by x.
        for lev in range(1, t.levels.size):
            ids = sorted((k for k, nd in enumerate(t.nodes) if nd.level == lev),
                         key=lambda k: x[k])
            px = [x[t.nodes[k].parent] for k in ids]
            assert px == sorted(px)


def _subtree_leaves(t, k):
    stack, out = [k], []
    while stack:
        j = stack.pop()
        if t.nodes[j].children:
            stack.extend(t.nodes[j].children)
        else:
            out.append(j)
    return out


def test_centre_gmin_puts_global_minimum_in_the_middle():
    # Star: four minima each join the global minimum through its own TS.
    e_min = [0.0, 1.0, 1.1, 1.2, 1.3]
    e_ts = [5.0, 4.0, 3.0, 2.0]
    pairs = [[0, 1], [0, 2], [0, 3], [0, 4]]
    t = disconnectivity_tree(e_min, e_ts, pairs, first=5.5, delta=1, levels=6)
    gm_leaf = t.leaf_of(0)
    assert layout(t)[gm_leaf] == 0  # energy order puts it at the edge
    assert layout(t, centre_gmin=True)[gm_leaf] == 2  # centre of 0..4


def test_gmin_component_lowest_and_min_connections():
    e_min = [0.0, 1.0, 2.0, 0.5, 1.5]
    e_ts = [3.0, 4.0, 2.5]
    pairs = [[0, 1], [1, 2], [3, 4]]  # {0, 1, 2} and {3, 4} are disconnected
    t = disconnectivity_tree(e_min, e_ts, pairs)
    assert t.shown.tolist() == [0, 1, 2]
    t_all = disconnectivity_tree(e_min, e_ts, pairs, gmin_component=False)
    assert t_all.shown.tolist() == [0, 1, 2, 3, 4] and len(t_all.roots) == 2
    t2 = disconnectivity_tree(e_min, e_ts, pairs, lowest=2, first=4.5, delta=0.5, levels=9)
    assert t2.shown.tolist() == [0, 1]
    full = disconnectivity_tree(e_min, e_ts, pairs, first=4.5, delta=0.5, levels=9)
    assert t2.merge_level(0, 1) == full.merge_level(0, 1) == 3.5
    # Degrees are 1, 2, 1, 1, 1: only minimum 1 has at least two connections.
    t3 = disconnectivity_tree(e_min, e_ts, pairs, min_connections=2, gmin_component=False)
    assert t3.shown.tolist() == [1]


def test_default_levels_span_the_network():
    e_min, e_ts, pairs = random_network(np.random.default_rng(7), 10, 25)
    t = disconnectivity_tree(e_min, e_ts, pairs, gmin_component=False, levels=20)
    assert t.levels.size == 20
    assert t.levels[0] > e_ts.max() and t.levels[-1] > e_min.min()
    assert np.all(np.diff(t.levels) < 0)
    lv = default_levels(0.0, 10.0, first=None, delta=None, n_levels=11)
    assert lv[0] == 10.5 and lv[-1] == pytest.approx(0.5)


def test_validation_messages():
    with pytest.raises(ValueError, match="shape"):
        disconnectivity_tree([0, 1], [1.0], [0, 1])
    with pytest.raises(ValueError, match="outside"):
        disconnectivity_tree([0, 1], [1.0], [[0, 2]])
    with pytest.raises(ValueError, match="rows"):
        disconnectivity_tree([0, 1], [1.0, 2.0], [[0, 1]])
    with pytest.raises(ValueError, match="delta"):
        disconnectivity_tree(**CHAIN, delta=-1)


def test_plot_colours_leaves_and_draws_every_edge():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    t = disconnectivity_tree(**CHAIN, first=9, delta=1, levels=9)
    values = np.array([0.9, 0.8, 0.7, 0.6])
    ax = plot_disconnectivity(t, values=values, value_label="test AUC", labels=True)
    colls = [c for c in ax.collections if isinstance(c, LineCollection)]
    n_edges = sum(len(nd.children) for nd in t.nodes)
    assert len(colls[0].get_segments()) == n_edges
    leaf_lc = colls[1]
    leaf_min = [t.nodes[k].lowest for k in t.leaves]
    assert np.allclose(leaf_lc.get_array(), values[leaf_min])
    assert len(ax.figure.axes) == 2  # the colour bar
    assert ax.figure.axes[1].get_ylabel() == "test AUC"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one entry per minimum"):
        plot_disconnectivity(t, values=[1.0, 2.0])
    plt.close("all")


@pytest.mark.parametrize(("ext", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"),
                                           ("pdf", b"%PDF")])
def test_save_by_extension(tmp_path, ext, magic):
    t = disconnectivity_tree(**CHAIN)
    out = save_disconnectivity(t, tmp_path / f"graph.{ext}", values=[1, 2, 3, 4],
                               centre_gmin=True)
    assert out.read_bytes().startswith(magic)


def test_save_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="unsupported graph format"):
        save_disconnectivity(disconnectivity_tree(**CHAIN), tmp_path / "graph.jpg")


@pytest.mark.parametrize("value", [0.9, 0.912345678, 1234.5])
def test_colour_bar_readable_when_all_leaves_share_a_value(value):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = disconnectivity_tree(**CHAIN, first=9, delta=1, levels=9)
    ax = plot_disconnectivity(t, values=np.full(4, value), value_label="test AUC")
    fig = ax.figure
    fig.canvas.draw()
    cax = fig.axes[1]
    offset = cax.yaxis.get_offset_text().get_text()
    labels = [tl.get_text() for tl in cax.get_yticklabels() if tl.get_text()]
    plt.close(fig)
    assert offset == ""  # no "1e-12 + 0.9" offset notation
    # The one value shown is the value itself, readable as a number.
    parsed = [float(s.replace("\u2212", "-")) for s in labels]
    assert any(abs(p - value) <= 1e-6 * max(1.0, abs(value)) for p in parsed), labels


def test_colour_bar_has_no_offset_for_close_values():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = disconnectivity_tree(**CHAIN, first=9, delta=1, levels=9)
    ax = plot_disconnectivity(t, values=0.91234 + 1e-6 * np.arange(4))
    ax.figure.canvas.draw()
    offset = ax.figure.axes[1].yaxis.get_offset_text().get_text()
    plt.close(ax.figure)
    assert offset == ""
