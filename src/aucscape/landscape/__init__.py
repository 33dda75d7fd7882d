"""The landscape engine: minimise, basin-hop, identify, store, characterise.

Everything here sees a problem only through :class:`aucscape.protocols.Objective`
(``energy_gradient``, ``hessian``, ``random_point``, ``describe``, optional
``canonical``); nothing in this package knows about networks or AUC.

Modules (import them directly; this package file stays empty of imports so that
``import aucscape.landscape.ts`` does not pull SQLite or the parallel machinery):

- :mod:`.minimize`: GMIN-style L-BFGS with the RMS-gradient rule ‖g‖/√n ≤ tol;
  :mod:`._lbfgs_numba` its compiled loop; :mod:`.polish` Newton polishing near a minimum;
- :mod:`.basinhopping`: perturb, quench, Metropolis; walkers run on an executor;
- :mod:`.identity`: the same-minimum rule (energy window, then aligned distance);
- :mod:`.store` (+ :mod:`.store_schema`): the crash-safe SQLite database;
- :mod:`.properties`: ``is_minimum`` (the spectrum itself is :mod:`aucscape.spectrum`);
- :mod:`.ts`: DNEB, hybrid eigenvector-following, verification, step-off, one attempt;
- :mod:`.network`: the minima/TS graph of a store, Dijkstra pair choice;
  :mod:`.connect`: the connection driver;
- :mod:`.disconnectivity` (+ :mod:`.disconnectivity_plot`): superbasin trees, drawing;
- :mod:`.pathsample`: PATHSAMPLE / disconnectionDPS files in and out.
"""
