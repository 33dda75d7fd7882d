"""Analyse a landscape database: rebuild the objective and data, then every minimum.

The objective is rebuilt with :func:`aucscape.objectives.build_objective` from the
description the database records (``meta.objective``, else the first run record's
``objective``), and the data set with :func:`aucscape.data.load_dataset` from the
description inside it, so the analysis sees the very network and training data the
explorer minimised; ``energy_error`` per minimum checks that it does.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aucscape.analysis.minima import MinimumProperties, minimum_properties, resolve_beta
from aucscape.analysis.summary import LandscapeSummary, summarize

if TYPE_CHECKING:
    from aucscape.landscape.store import Store

__all__ = ["StoreAnalysis", "analyze_database", "analyze_store", "stored_objective"]

#: |E(W) − stored E| above ENERGY_RTOL · max(1, |E|) means the rebuilt landscape differs.
ENERGY_RTOL = 1e-8


@dataclass(frozen=True)
class StoreAnalysis:
    """Per-minimum properties (lowest energy first) and their summary for one database."""

    path: str
    objective: dict[str, Any]
    beta: float
    minima: list[MinimumProperties]
    summary: LandscapeSummary

    @property
    def max_energy_error(self) -> float | None:
        """Largest |E(W) − stored E| over the minima (None when there are none)."""
        errs = [p.energy_error for p in self.minima if not math.isnan(p.energy_error)]
        return max(errs) if errs else None

    @property
    def energies_consistent(self) -> bool:
        """True when every recomputed energy agrees with the stored one (ENERGY_RTOL)."""
        return all(
            math.isnan(p.energy_error) or p.energy_error <= ENERGY_RTOL * max(1.0, abs(p.energy))
            for p in self.minima
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary: database, objective, β used for app_auc, Table-1 numbers."""
        return {
            "database": self.path,
            "objective": self.objective,
            "app_auc_beta": self.beta,
            "max_energy_error": self.max_energy_error,
            "summary": self.summary.to_dict(),
        }


def stored_objective(store: Store) -> dict[str, Any]:
    """The objective description a store records (meta, else the first run record)."""
    desc = store.objective_description
    if desc is None:
        for _, record in store.iter_runs():
            if isinstance(record.get("objective"), dict):
                desc = record["objective"]
                break
    if desc is None:
        raise ValueError(f"{store.path} records no objective description; cannot analyse it")
    return desc


def analyze_store(store: Store, *, dataset: Any = None, beta: float | None = None
                  ) -> StoreAnalysis:
    """Properties of every minimum in ``store`` (an open :class:`~aucscape.landscape.store.Store`).

    ``dataset``: the :class:`~aucscape.data.Dataset` to use instead of rebuilding it from
    the description (needed when the objective was built from raw arrays that were not
    embedded). ``beta``: β for ``app_auc`` (default: the objective's, else 40).
    """
    from aucscape.objectives import build_objective

    desc = stored_objective(store)
    if dataset is None:
        spec = desc.get("dataset")
        if spec is None:
            raise ValueError(
                f"{store.path} records no data set (the objective was built from raw "
                "arrays); pass the Dataset explicitly"
            )
        from aucscape.data import load_dataset

        dataset = load_dataset(spec)
    objective = build_objective(desc, dataset=dataset)
    b = resolve_beta(objective, beta)
    minima = list(store.iter_minima(order="energy"))
    if minima:
        props = minimum_properties(
            objective,
            dataset,
            [m.coords for m in minima],
            energies=[m.energy for m in minima],
            lpphe=[m.lpphe for m in minima],
            min_eig=[m.min_eig for m in minima],
            ids=[m.id for m in minima],
            hits=[m.hits for m in minima],
            beta=b,
        )
        from dataclasses import replace

        from aucscape.landscape.graph import components, network_from_store

        _, _, pairs, ids = network_from_store(store)  # energy order, as ``minima``
        label = components(len(ids), pairs)
        props = [replace(p, component=int(ids[label[k]])) for k, p in enumerate(props)]
    else:
        props = []
    n_ts = store.n_ts()
    return StoreAnalysis(
        path=str(store.path),
        objective=desc,
        beta=b,
        minima=props,
        summary=summarize(props, n_transition_states=n_ts if n_ts else None),
    )


def analyze_database(
    path: str | os.PathLike[str], *, dataset: Any = None, beta: float | None = None
) -> StoreAnalysis:
    """Open the database at ``path`` read-only and :func:`analyze_store` it.

    Raises FileNotFoundError for a missing file and ValueError (``StoreError``) for a file
    that is not an aucscape database.
    """
    from aucscape.landscape.store import Store

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such database file")
    if p.is_dir():
        raise ValueError(f"{p} is a directory, not a database file")
    with Store(p, read_only=True) as store:
        return analyze_store(store, dataset=dataset, beta=beta)
