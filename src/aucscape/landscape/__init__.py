"""The landscape engine: minimise, basin-hop, identify, store, characterise.

Everything here sees a problem only through :class:`aucscape.protocols.Objective`
(``energy_gradient``, ``hessian``, ``random_point``, ``describe``, optional
``canonical``); nothing in this package knows about networks or AUC.

Submodules: :mod:`.minimize` (GMIN-style L-BFGS), :mod:`.basinhopping`,
:mod:`.identity` (same-minimum test), :mod:`.store` (crash-safe SQLite database) and
:mod:`.properties` (Hessian eigenvalue summary, LPPHE). Import them directly; this
package file stays empty of imports so that ``import aucscape.landscape.ts`` does not
pull SQLite or the parallel machinery.
"""
