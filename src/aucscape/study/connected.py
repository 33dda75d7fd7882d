"""The connected set of a landscape's results: which stored minima lie in the global
minimum's network, and how the report says so.

A landscape stores n minima and m transition states ``[E, min1, min2]``. Its network is
the component (:func:`aucscape.landscape.graph.components`) of the lowest minimum in the
graph whose edges are the transition states: the set PATHSAMPLE's graphs and counts
describe. Per landscape the report gives M (minima stored), N (minima in the network)
and K = M − N (outside it). A landscape whose transition-state search is off
(``max_attempts = 0``) has no network, only its global minimum; it is reported as "not
connected (no transition-state search)" rather than as 1 of M.

Which statistics use which set (docs/reproduction.md): the disconnectivity graphs are
drawn from the network alone; minima counts, Chao1, test AUCs, LPPHE and correlations
describe every minimum basin-hopping found, in the network or not.

>>> c = Connectivity(stored=5, connected=3, searched=True)
>>> c.text()
'3 of 5 minima in the network; 2 outside'
>>> Connectivity(stored=5, connected=1, searched=False).text()
'not connected (no transition-state search)'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .results import LandscapeResult

__all__ = ["NOT_CONNECTED", "Connectivity", "connectivity", "in_network", "network_arrays"]

#: What the report says of a landscape whose transition-state search is off.
NOT_CONNECTED = "not connected (no transition-state search)"


@dataclass(frozen=True)
class Connectivity:
    """Minima ``stored`` (M), ``connected`` to the global minimum (N) and whether the
    transition-state search ran (``searched``)."""

    stored: int
    connected: int
    searched: bool

    @property
    def outside(self) -> int:
        """K = M − N: stored minima outside the global minimum's network."""
        return self.stored - self.connected

    def cells(self) -> tuple[int | str, int | None]:
        """(N, K) for a table row, or (:data:`NOT_CONNECTED`, None)."""
        return (self.connected, self.outside) if self.searched else (NOT_CONNECTED, None)

    def text(self) -> str:
        """"N of M minima in the network; K outside", or :data:`NOT_CONNECTED`."""
        if not self.searched:
            return NOT_CONNECTED
        return f"{self.connected} of {self.stored} minima in the network; {self.outside} outside"


def network_arrays(r: LandscapeResult) -> tuple[np.ndarray, np.ndarray, NDArray[np.int64]]:
    """(minimum energies, TS energies, TS (row, row) pairs) of a landscape's results, rows
    as in ``r.minima``; transition states naming a minimum not in the results are left out.

    >>> from aucscape.study.results import LandscapeResult
    >>> r = LandscapeResult(key="k", label="k", dataset="d", loss="ce", hidden=1, n_in=2,
    ...                     lam=0.0, beta=None, margin=None, parts=[], db="",
    ...                     minima={"id": [4, 7], "energy": [0.1, 0.2]}, ts=[[0.5, 7, 4]])
    >>> network_arrays(r)[2].tolist()
    [[1, 0]]
    """
    energy = r.column("energy")
    row = {int(i): k for k, i in enumerate(r.minima.get("id", []))}
    ts = [t for t in r.ts if int(t[1]) in row and int(t[2]) in row]
    e_ts = np.array([t[0] for t in ts], dtype=float)
    pairs = np.array([[row[int(t[1])], row[int(t[2])]] for t in ts], dtype=np.int64)
    return energy, e_ts, pairs.reshape(-1, 2)


def in_network(r: LandscapeResult) -> NDArray[np.bool_]:
    """Per row of ``r.minima``: True when the minimum is joined to the lowest one through
    stored transition states (the lowest one itself included; empty for no minima)."""
    from ..landscape.graph import components

    energy, _, pairs = network_arrays(r)
    if energy.size == 0:
        return np.zeros(0, dtype=bool)
    comp = components(energy.size, pairs)
    return comp == comp[int(np.argmin(energy))]


def connectivity(r: LandscapeResult) -> Connectivity:
    """M, N and whether transition states were searched for (see the module doc)."""
    return Connectivity(stored=r.n_minima, connected=int(in_network(r).sum()),
                        searched=r.ts_search)
