"""Disconnectivity trees: superbasin analysis of a minima / transition-state network.

Following Becker & Karplus (1997) and Wales' disconnectionDPS: thresholds
T_l = FIRST - l * DELTA, l = 0..LEVELS-1 (descending). At threshold T the superbasins are
the connected components of the graph whose nodes are the minima with E_m < T and whose
edges are the transition states with E_ts < T (union-find). Basins nest as T falls, so the
basins of all levels form a forest: each basin at level l hangs below the basin at level
l-1 that contains it. A basin with no child at the next level is a leaf, drawn down to the
energy of its lowest minimum.

Two minima i, j first share a basin at the lowest threshold above their minimax barrier
max(E_i, E_j, min over paths of the highest transition state on the path).

This module computes the tree and its crossing-free layout from plain arrays (minimum
energies, transition-state energies, 0-based (min1, min2) pairs); drawing lives in
:mod:`.disconnectivity_plot`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_positive
from ..protocols import FloatArray
from .graph import UnionFind, components

IntArray = NDArray[np.int64]


def check_network(
    min_energies: Any, ts_energies: Any, ts_pairs: Any
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Validate a network given as arrays; return (E_min (n,), E_ts (m,), pairs (m, 2))."""
    e_min = np.asarray(min_energies, dtype=np.float64).ravel()
    e_ts = np.asarray(ts_energies, dtype=np.float64).ravel()
    pairs = np.asarray(ts_pairs)
    if e_min.size == 0:
        raise ValueError("min_energies is empty; a tree needs at least one minimum")
    if pairs.size == 0:
        pairs = np.zeros((0, 2), dtype=np.int64)
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ValueError(f"ts_pairs must have shape (m, 2), got {pairs.shape}")
    if pairs.shape[0] != e_ts.size:
        raise ValueError(
            f"ts_pairs has {pairs.shape[0]} rows but ts_energies has {e_ts.size} entries"
        )
    if pairs.size and not np.issubdtype(pairs.dtype, np.integer):
        if not np.all(pairs == np.round(pairs)):
            raise ValueError("ts_pairs must hold integer minimum indices")
    pairs = pairs.astype(np.int64)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= e_min.size):
        raise ValueError(f"ts_pairs holds indices outside 0..{e_min.size - 1}")
    if not (np.all(np.isfinite(e_min)) and np.all(np.isfinite(e_ts))):
        raise ValueError("energies contain NaN or inf")
    return e_min, e_ts, pairs


@dataclass
class Node:
    """A superbasin at one level: ``members`` (sorted indices of displayed minima), ``lowest``
    (the member of lowest energy), ``parent`` / ``children`` (node ids)."""

    level: int
    members: IntArray
    lowest: int
    parent: int | None
    children: list[int] = field(default_factory=list)


@dataclass
class DisconnectivityTree:
    """The superbasin forest.

    levels: thresholds T_0 > T_1 > ...; min_energies: energies of all input minima;
    shown: indices of the minima that take part in the drawing; basins: (L, n) label of the
    basin of each minimum at each level (-1: not shown or E_m >= T_l); nodes, roots: the
    forest (node ids index ``nodes``).
    """

    levels: FloatArray
    min_energies: FloatArray
    shown: IntArray
    basins: IntArray
    nodes: list[Node]
    roots: list[int]

    @property
    def leaves(self) -> list[int]:
        """Node ids without children."""
        return [k for k, nd in enumerate(self.nodes) if not nd.children]

    @property
    def global_minimum(self) -> int:
        """Index of the lowest shown minimum."""
        return int(self.shown[np.argmin(self.min_energies[self.shown])])

    def merge_level(self, i: int, j: int) -> float | None:
        """Lowest threshold T_l at which minima i and j lie in one basin (None if never)."""
        same = (self.basins[:, i] == self.basins[:, j]) & (self.basins[:, i] >= 0)
        idx = np.flatnonzero(same)
        return float(self.levels[idx[-1]]) if idx.size else None

    def leaf_of(self, m: int) -> int:
        """Node id of the leaf whose basin holds minimum m at the lowest level it exists."""
        for k in self.leaves:
            if m in self.nodes[k].members:
                return k
        raise ValueError(f"minimum {m} is not shown in this tree")


#: Most thresholds a graph may have (disconnectionDPS draws tens; each level costs a pass
#: over the transition states and a row of the drawing).
MAX_LEVELS = 10_000


def default_levels(
    bottom: float, top: float, *, first: float | None, delta: float | None, n_levels: int | None
) -> FloatArray:
    """Thresholds FIRST - l DELTA, l = 0..LEVELS-1, with automatic values for any left None.

    Defaults: LEVELS = 20; DELTA spreads the levels over [bottom, top] (the global minimum
    and the highest transition state); FIRST = top + DELTA / 2, so the top level lies above
    every transition state and the lowest one just above the global minimum.
    """
    n = 20 if n_levels is None else int(n_levels)
    if not 1 <= n <= MAX_LEVELS:
        raise ValueError(f"levels must be in [1, {MAX_LEVELS}], got {n_levels!r}")
    if delta is None:
        if first is not None:
            span = float(first) - bottom
            delta = span / n if span > 0 else 1.0
        else:
            span = top - bottom
            delta = span / max(n - 1, 1) if span > 0 else 1.0
    delta = check_positive(delta, "delta")
    if first is None:
        first = top + 0.5 * delta
    first = float(first)
    if not np.isfinite(first):
        raise ValueError(f"first must be finite, got {first!r}")
    return first - delta * np.arange(n, dtype=np.float64)


def disconnectivity_tree(
    min_energies: Any,
    ts_energies: Any,
    ts_pairs: Any,
    *,
    first: float | None = None,
    delta: float | None = None,
    levels: int | None = None,
    gmin_component: bool = True,
    lowest: int | None = None,
    min_connections: int = 0,
) -> DisconnectivityTree:
    """Superbasin tree of a network (module docstring).

    Parameters
    ----------
    min_energies : (n,) energies of the minima.
    ts_energies, ts_pairs : (m,) energies and (m, 2) 0-based minimum indices of the
        transition states (rows with min1 == min2 are ignored).
    first, delta, levels : disconnectionDPS's FIRST / DELTA / LEVELS (automatic when None,
        see :func:`default_levels`).
    gmin_component : keep only minima connected (at any energy) to the global minimum.
    lowest : draw only the ``lowest`` minima of lowest energy (basins are still computed
        with all of them, as disconnectionDPS's TRMIN).
    min_connections : exclude minima with fewer transition states than this (and their
        transition states) before the analysis, as disconnectionDPS's CONNECTMIN.
    """
    e_min, e_ts, pairs = check_network(min_energies, ts_energies, ts_pairs)
    n = e_min.size
    proper = pairs[:, 0] != pairs[:, 1]
    e_ts, pairs = e_ts[proper], pairs[proper]

    active = np.ones(n, dtype=bool)
    if int(min_connections) < 0:
        raise ValueError(f"min_connections must be >= 0, got {min_connections!r}")
    if min_connections > 0:
        degree = np.bincount(pairs.ravel(), minlength=n)
        active = degree >= int(min_connections)
        if not active.any():
            raise ValueError(f"no minimum has at least {min_connections} connections")
        keep_ts = active[pairs[:, 0]] & active[pairs[:, 1]]
        e_ts, pairs = e_ts[keep_ts], pairs[keep_ts]

    if gmin_component:
        gm = int(np.flatnonzero(active)[np.argmin(e_min[active])])
        comp = components(n, pairs)
        active &= comp == comp[gm]
        keep_ts = active[pairs[:, 0]] & active[pairs[:, 1]]
        e_ts, pairs = e_ts[keep_ts], pairs[keep_ts]

    shown_mask = active.copy()
    if lowest is not None:
        if int(lowest) < 1:
            raise ValueError(f"lowest must be >= 1, got {lowest!r}")
        idx = np.flatnonzero(active)
        order = idx[np.argsort(e_min[idx], kind="stable")]
        shown_mask[:] = False
        shown_mask[order[: int(lowest)]] = True

    bottom = float(e_min[active].min())
    top = float(e_ts.max()) if e_ts.size else float(e_min[active].max())
    thresholds = default_levels(bottom, top, first=first, delta=delta, n_levels=levels)

    n_lev = thresholds.size
    basins = np.full((n_lev, n), -1, dtype=np.int64)
    nodes: list[Node] = []
    roots: list[int] = []
    prev_node_of_min: dict[int, int] = {}
    for lev, t in enumerate(thresholds):
        below = active & (e_min < t)
        edge = (e_ts < t) & below[pairs[:, 0]] & below[pairs[:, 1]]
        comp = components(n, pairs, edge)
        node_of_min: dict[int, int] = {}
        members_by_label: dict[int, list[int]] = {}
        for m in np.flatnonzero(below & shown_mask):
            members_by_label.setdefault(int(comp[m]), []).append(int(m))
        for label, mem in sorted(members_by_label.items()):
            members = np.array(mem, dtype=np.int64)
            low = int(members[np.argmin(e_min[members])])
            parent = prev_node_of_min.get(int(members[0])) if lev > 0 else None
            nid = len(nodes)
            nodes.append(Node(level=lev, members=members, lowest=low, parent=parent))
            if parent is None:
                roots.append(nid)
            else:
                nodes[parent].children.append(nid)
            for m in mem:
                node_of_min[m] = nid
            basins[lev, members] = label
        prev_node_of_min = node_of_min

    return DisconnectivityTree(
        levels=thresholds, min_energies=e_min, shown=np.flatnonzero(shown_mask),
        basins=basins, nodes=nodes, roots=roots,
    )


def _child_order(tree: DisconnectivityTree, n_leaves: IntArray, centre_gmin: bool) -> dict:
    """Ordered children of every node (key -1: the roots).

    Siblings are sorted by their lowest energy. With ``centre_gmin`` the siblings of each
    branch on the way from the top to the global minimum are dealt, largest first, to the
    side (left or right of that branch) that holds fewer leaves so far, counting those
    already placed by its ancestors; the global minimum's leaf then lies as near the middle
    of the drawing as the branch sizes allow.
    """
    nodes = tree.nodes
    order: dict[int, list[int]] = {-1: list(tree.roots)}
    for k, nd in enumerate(nodes):
        order[k] = list(nd.children)
    for k in order:
        order[k].sort(key=lambda c: tree.min_energies[nodes[c].lowest])
    if not centre_gmin:
        return order
    gm = tree.global_minimum
    ext_l = ext_r = 0
    key = -1
    while order.get(key):
        kids = order[key]
        centre = next((c for c in kids if gm in nodes[c].members), None)
        if centre is None:
            break
        left: list[int] = []
        right: list[int] = []
        others = sorted((c for c in kids if c != centre), key=lambda c: -n_leaves[c])
        for c in others:
            if ext_l <= ext_r:
                left.insert(0, c)
                ext_l += int(n_leaves[c])
            else:
                right.append(c)
                ext_r += int(n_leaves[c])
        order[key] = [*left, centre, *right]
        key = centre
    return order


def layout(tree: DisconnectivityTree, *, centre_gmin: bool = False) -> FloatArray:
    """Horizontal position of every node, free of crossings.

    Leaves get x = 0, 1, 2, ... in depth-first order, so every subtree owns a contiguous
    interval of x and edges of different subtrees cannot cross; an internal node sits at
    the mean x of its children. Sibling order: see :func:`_child_order`.
    """
    nodes = tree.nodes
    n_leaves = np.zeros(len(nodes), dtype=np.int64)
    for k in range(len(nodes) - 1, -1, -1):  # children always have larger ids
        nd = nodes[k]
        n_leaves[k] = 1 if not nd.children else sum(n_leaves[c] for c in nd.children)
    order = _child_order(tree, n_leaves, centre_gmin)

    x = np.zeros(len(nodes))
    next_leaf = 0
    stack: list[tuple[int, bool]] = [(r, False) for r in reversed(order[-1])]
    while stack:
        nid, done = stack.pop()
        if not nodes[nid].children:
            x[nid] = next_leaf
            next_leaf += 1
        elif done:
            x[nid] = float(np.mean([x[c] for c in nodes[nid].children]))
        else:
            stack.append((nid, True))
            stack.extend((c, False) for c in reversed(order[nid]))
    return x


def merge_energy(min_energies: Any, ts_energies: Any, ts_pairs: Any, members: Any) -> float:
    """Lowest energy at which the minima ``members`` lie in one basin: the highest
    transition state on the minimax paths joining them (Kruskal's order), or the highest
    member's energy when none is needed. Used as the top of a graph that draws only
    those minima (e.g. the lowest few hundred of a large network), so its levels span
    the part drawn rather than the whole network. Raises ValueError when the members are
    not connected.

    >>> merge_energy([0.0, 0.1, 0.5], [0.3, 0.9], [[0, 1], [1, 2]], [0, 1])
    0.3
    """
    e_min, e_ts, pairs = check_network(min_energies, ts_energies, ts_pairs)
    want = np.unique(np.asarray(members, dtype=np.int64))
    top = float(e_min[want].max()) if want.size else float(e_min.min())
    if want.size < 2:
        return top
    uf = UnionFind(e_min.size)
    has = np.zeros(e_min.size, dtype=bool)  # per set root: holds a member
    has[want] = True
    left = want.size - 1
    for k in np.argsort(e_ts, kind="stable"):
        ra, rb = uf.find(int(pairs[k, 0])), uf.find(int(pairs[k, 1]))
        if ra == rb:
            continue
        joined = has[ra] and has[rb]
        uf.union(ra, rb)
        has[uf.find(ra)] = has[ra] or has[rb]
        if joined:
            left -= 1
            if left == 0:
                return max(top, float(e_ts[k]))
    raise ValueError("the members are not joined by the transition states")
